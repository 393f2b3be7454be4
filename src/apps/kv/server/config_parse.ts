/**
 * Redis' number and text primitives for settings, with its edge cases
 * (config.c and util.c of 7.0): `string2ll` (strict: no sign `+`, no
 * leading zero, no spaces), `memtoull` (units, wraps past 2^64 as C does),
 * `strtoll` (lenient: spaces, signs, an empty string is 0), the `%f`
 * rendering of percentiles, `sdscatrepr` quoting and `sdssplitargs`
 * splitting of a redis.conf line.
 */

const U64 = 1n << 64n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Redis' string2ll: `0`, or an optional `-` then a digit 1-9 and digits; within int64. */
export function string2ll(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 20) return undefined;
  if (s === "0") return 0n;
  if (!/^-?[1-9][0-9]*$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? undefined : v;
}

const UNITS: Record<string, bigint> = { "": 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1024n ** 2n, g: 1000000000n, gb: 1024n ** 3n };

/** Redis' memtoull: digits then an optional unit (`k`, `kb`, `mb`, ...); the product wraps modulo 2^64. */
export function memtoull(s: string): bigint | undefined {
  const m = /^([0-9]*)(.*)$/s.exec(s)!;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined || m[1]!.length >= 128) return undefined;
  // strtoull of no digits is 0 and of too many digits saturates (errno unchecked).
  const digits = m[1] === "" ? 0n : BigInt(m[1]!);
  return ((digits >= U64 ? U64 - 1n : digits) * unit) % U64;
}

/** Redis' memtoull as a number (bytes); undefined when it is not a memory value. */
export function parseMemory(s: string): number | undefined {
  const v = memtoull(s);
  return v === undefined ? undefined : Number(v);
}

/**
 * C's strtoll with the end check Redis makes (`*eptr == '\0'`): leading
 * spaces and a sign allowed, an empty string is 0; undefined when text
 * follows the digits or the value overflows (when `checkRange`).
 */
export function strtoll(s: string, base = 10, checkRange = false): bigint | undefined {
  const digit = base === 8 ? "[0-7]" : "[0-9]";
  const m = new RegExp(`^[ \\t\\n\\v\\f\\r]*([+-]?)(${digit}+)$`).exec(s);
  if (m === null) return s === "" ? 0n : undefined;
  let v = BigInt((base === 8 ? "0o" : "") + m[2]!.replace(/^0+(?=.)/, ""));
  if (m[1] === "-") v = -v;
  if (v < I64_MIN || v > I64_MAX) {
    if (checkRange) return undefined;
    v = v < 0n ? I64_MIN : I64_MAX;
  }
  return v;
}

/** The signed 64-bit value of an unsigned one (C's cast). */
export const toInt64 = (v: bigint): bigint => BigInt.asIntN(64, v);
/** The unsigned 64-bit value of a signed one (C's cast). */
export const toUint64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Redis' string2d: a strtod-able number with nothing around it, not NaN. */
export function string2d(s: string): number | undefined {
  if (s.length === 0 || /^\s/.test(s)) return undefined;
  if (!/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?)$/i.test(s)) return undefined;
  const v = /inf/i.test(s) ? (s.startsWith("-") ? -Infinity : Infinity) : Number(s);
  return Number.isNaN(v) ? undefined : v;
}

/** C's `%f` with Redis' trimDoubleString (trailing zeros and point dropped): 99.9, 50. */
export function showPercentile(v: number): string {
  const s = v.toFixed(6);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** Redis' rewriteConfigFormatMemory: `1gb`, `64mb`, `4kb`, else bytes. */
export function formatMemory(bytes: number): string {
  if (bytes !== 0 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}gb`;
  if (bytes !== 0 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}mb`;
  if (bytes !== 0 && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return String(bytes);
}

/** Redis' sdscatrepr: always in double quotes, `\n\r\t\a\b\\\"` escaped, other unprintables as `\xHH`. */
export function repr(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(ch);
    if (c === "\\" || c === '"') out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (ch === 7) out += "\\a";
    else if (ch === 8) out += "\\b";
    else if (ch >= 0x20 && ch < 0x7f) out += c;
    else out += `\\x${ch.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** Splits a redis.conf line into words, with sdssplitargs' quoting rules ("a b", 'c', \n and \xHH escapes). */
export function splitConfigLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    let cur = "";
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (q === '"' && c === "\\" && i + 1 < n) {
          const e = line[i + 1]!;
          if (/^x[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 4))) {
            cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          cur += ({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" } as Record<string, string>)[e] ?? e;
          i += 2;
          continue;
        }
        if (q === "'" && c === "\\" && line[i + 1] === "'") {
          cur += "'";
          i += 2;
          continue;
        }
        if (c === q) {
          closed = true;
          i++;
          break;
        }
        cur += c;
        i++;
      }
      // A closing quote must be followed by a space or the end (as sdssplitargs requires).
      if (!closed || (i < n && !/\s/.test(line[i]!))) return undefined;
    } else {
      while (i < n && !/\s/.test(line[i]!)) cur += line[i++];
    }
    out.push(cur);
  }
}
