/**
 * One lexer difference between the Lua 5.1 here and the one Debian's
 * redis-server 7.0.15 runs: the wasm build keeps Lua's `LUA_COMPAT_LSTR`
 * (a `[[` inside a `[[...]]` string or comment is "nesting of [[...]] is
 * deprecated", and a nested `[=[` needs its own `]=]`), Debian's Lua has it
 * off (the long string simply ends at its first closing bracket). Before a
 * chunk is compiled, every long bracket whose text holds an opening bracket
 * of its own level is rewritten to a level no bracket in its text uses: the
 * same string, the same lines, and the lexer then reads it as Debian's does.
 *
 * @example
 * normalizeLongBrackets("return [[a [[ b]]"); // 'return [=[a [[ b]=]'
 */

/** The level of a long bracket opening `[=*[` at i (`[` at i), or -1. */
function openingLevel(src: string, i: number): number {
  let j = i + 1;
  while (src.charCodeAt(j) === 61 /* = */) j++;
  return src.charCodeAt(j) === 91 /* [ */ ? j - i - 1 : -1;
}

/**
 * The source with every long string and long comment readable without
 * LUA_COMPAT_LSTR's nesting rules (each rewritten token and its original
 * pushed to `rewrites`, for {@link compileMessage}); and never a precompiled
 * chunk: one that starts with ESC (Lua's bytecode signature) gets a space first, so it is
 * read as text ("unexpected symbol near 'char(27)'"), as redis-server
 * reads it (loading bytecode is a known way out of Lua's sandbox).
 */
export function normalizeLongBrackets(src: string, rewrites?: [string, string][]): string {
  if (src.charCodeAt(0) === 27) src = ` ${src}`;
  if (src.indexOf("[") < 0) return src;
  let out = "";
  let from = 0;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      // A short string: to its closing quote (an escaped one, or an escaped newline, does not close it).
      i++;
      while (i < n && src.charCodeAt(i) !== c && src.charCodeAt(i) !== 10) i += src.charCodeAt(i) === 92 ? 2 : 1;
      i++;
      continue;
    }
    if (c === 45 /* - */ && src.charCodeAt(i + 1) === 45) {
      i += 2;
      if (src.charCodeAt(i) === 91 && openingLevel(src, i) >= 0) continue; // a long comment: read as a long bracket below
      while (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 91 /* [ */) {
      const level = openingLevel(src, i);
      if (level < 0) {
        i++;
        continue;
      }
      const eq = "=".repeat(level);
      const bodyAt = i + level + 2;
      let end = src.indexOf(`]${eq}]`, bodyAt);
      // Unfinished: the compiler says so, as Debian's lexer does, once no nesting rule can fire first.
      if (end < 0) end = n;
      const body = src.slice(bodyAt, end);
      if (body.includes(`[${eq}[`)) {
        let m = level + 1;
        while (body.includes(`]${"=".repeat(m)}]`) || body.includes(`[${"=".repeat(m)}[`)) m++;
        const e = "=".repeat(m);
        const token = `[${e}[${body}${end < n ? `]${e}]` : ""}`;
        rewrites?.push([token, src.slice(i, Math.min(end + level + 2, n))]);
        out += `${src.slice(from, i)}${token}`;
        from = Math.min(end + level + 2, n);
      }
      i = end + level + 2;
      continue;
    }
    i++;
  }
  return from === 0 ? src : out + src.slice(from);
}

/**
 * A compiler message about normalized source as redis-server words it:
 * a rewritten long bracket the message quotes ("near '[=[a [[ b]=]'") is
 * quoted as the script wrote it.
 */
export function compileMessage(msg: string, rewrites: readonly [string, string][]): string {
  for (const [token, original] of rewrites) msg = msg.split(`'${token}'`).join(`'${original}'`);
  return msg;
}
