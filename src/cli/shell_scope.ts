/**
 * A remote shell's session scope: the variables a user declares at the
 * prompt live on from one input to the next, next to the Agner API.
 *
 * Each input is evaluated with a direct `eval` inside `with (scope)`, where
 * the scope is a proxy over the session's variables and the API. A
 * declaration inside an eval would die with it, so the top-level ones are
 * rewritten first into assignments to session variables:
 * `const x = 1, y = 2` → `x = 1, y = 2`; `const {a, b: [c]} = o` →
 * `({a, b: [c]} = o)`; `function f() {}` → `f = function f() {}`;
 * `class C {}` → `C = class C {}`. A `const` can then be assigned again
 * (as in node's REPL after a redeclaration): a shell, not a module.
 */

/** Where a top-level declaration starts, found by a scan that skips strings, templates, comments and nested blocks. */
interface Decl {
  start: number;
  kind: "binding" | "function" | "class";
  /** Just after the keyword(s). */
  after: number;
}

const DECL = /^(?:(let|const|var)\s|(async\s+function\s*\*?|function\s*\*?)\s*[A-Za-z_$]|(class)\s+[A-Za-z_$])/;

/** Top-level declarations of `code`, and the ends of its top-level statements. */
function scan(code: string): { decls: Decl[]; stmtEnd: (from: number) => number; ends: number[] } {
  const decls: Decl[] = [];
  const ends: number[] = [];
  let depth = 0;
  let atStart = true;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === "/" && code[i + 1] === "/") {
      while (i < code.length && code[i] !== "\n") i++;
      i--;
      continue;
    }
    if (c === "/" && code[i + 1] === "*") {
      const e = code.indexOf("*/", i + 2);
      i = e < 0 ? code.length : e + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(code, i);
      atStart = false;
      continue;
    }
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    if (depth === 0 && (c === ";" || c === "\n")) {
      ends.push(i);
      atStart = true;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 0 && atStart && (i === 0 || !/[\w$.]/.test(code[i - 1]!))) {
      const m = DECL.exec(code.slice(i));
      if (m !== null) {
        const kind = m[1] ? "binding" : m[2] ? "function" : "class";
        decls.push({ start: i, kind, after: i + (m[1] ? m[1].length : 0) });
      }
    }
    atStart = c === "}" && depth === 0;
  }
  return { decls, ends, stmtEnd: (from) => ends.find((e) => e >= from && code[e] === ";") ?? code.length };
}

/** The index of a string's closing quote (templates: nested `${}` skipped roughly by brace count). */
function skipString(code: string, i: number): number {
  const q = code[i]!;
  let depth = 0;
  for (let j = i + 1; j < code.length; j++) {
    const c = code[j]!;
    if (c === "\\") j++;
    else if (q === "`" && c === "$" && code[j + 1] === "{") {
      depth++;
      j++;
    } else if (q === "`" && depth > 0 && c === "}") depth--;
    else if (c === q && depth === 0) return j;
  }
  return code.length;
}

const IDENT = /[A-Za-z_$][\w$]*/g;

/** The names a binding pattern or declarator list declares (keys before `:` and initialisers are not names). */
function boundNames(text: string): string[] {
  let depth = 0;
  let skipDepth = -1; // the depth of the `=` whose initialiser is being skipped; -1: not skipping
  let kept = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
      continue;
    }
    const closing = c === "}" || c === "]" || c === ")";
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (closing) depth--;
    if (skipDepth >= 0) {
      if ((c === "," && depth === skipDepth) || (closing && depth < skipDepth)) {
        skipDepth = -1;
        kept += c;
      }
      continue;
    }
    if (c === "=" && text[i + 1] !== ">" && text[i + 1] !== "=" && !/[=!<>]/.test(text[i - 1] ?? "")) {
      skipDepth = depth;
      continue;
    }
    kept += c;
  }
  return [...kept.replace(/[A-Za-z_$][\w$]*\s*:/g, " ").matchAll(IDENT)].map((m) => m[0]);
}

/** `code` with its top-level declarations turned into assignments, and the names they declare. */
export function hoist(code: string): { code: string; names: string[] } {
  const { decls, stmtEnd } = scan(code);
  const names: string[] = [];
  let out = "";
  let pos = 0;
  for (const d of decls) {
    out += code.slice(pos, d.start);
    if (d.kind === "binding") {
      const end = stmtEnd(d.after);
      const body = code.slice(d.after, end).trim();
      names.push(...boundNames(body));
      out += /^[{[]/.test(body) ? `(${body})` : body;
      pos = end;
    } else {
      const m = /(?:function\s*\*?|class)\s*([A-Za-z_$][\w$]*)/.exec(code.slice(d.start))!;
      names.push(m[1]!);
      out += `${m[1]} = `;
      pos = d.start;
      // `f = function f() {}` is an expression statement: it ends where the declaration's body ends,
      // and the next statement must not continue it.
      const close = matchingBrace(code, code.indexOf("{", d.start + m[0].length));
      out += `${code.slice(pos, close + 1)};`;
      pos = close + 1;
    }
  }
  out += code.slice(pos);
  return { code: out, names };
}

/** The index of the `}` that closes the `{` at `open` (end of text if none). */
function matchingBrace(code: string, open: number): number {
  if (open < 0) return code.length - 1;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === "`") i = skipString(code, i);
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return code.length - 1;
}

/** A session's variables over the API: what `with` sees. */
export class SessionScope {
  readonly vars = new Map<string, unknown>();
  readonly proxy: object;

  constructor(readonly api: Record<string, unknown>) {
    const vars = this.vars;
    this.proxy = new Proxy(Object.create(null) as object, {
      has: (_t, k) => typeof k === "string" && (vars.has(k) || k in api),
      get: (_t, k) => (typeof k !== "string" ? undefined : vars.has(k) ? vars.get(k) : api[k]),
      set: (_t, k, v) => {
        if (typeof k !== "string") return false;
        vars.set(k, v);
        return true;
      },
    });
  }

  /** Every name the scope resolves (for completion). */
  names(): string[] {
    return [...new Set([...this.vars.keys(), ...Object.keys(this.api)])];
  }
}

// A sloppy-mode function (Function bodies are not strict unless they say so): `with` and a direct
// `eval` whose completion value is the input's value. `code` and `scope` are its parameters, not
// names the input can see (the `with` scope resolves the input's names first).
const evaluator = new Function("scope", "code", "with (scope) { return eval(code); }") as (scope: object, code: string) => unknown;

const STATEMENT_KEYWORD = /^(?:if|for|while|do|switch|try|throw|return|break|continue|import|export|[{;])/;

/**
 * Code with a top-level `await` as the body of an async function that
 * returns the value of its last statement when that is an expression
 * (a statement per line or `;`, as typed at a prompt).
 */
export function asyncBody(code: string): string {
  const { ends } = scan(code);
  const body = code.trimEnd().replace(/;$/, "");
  const cut = ends.filter((e) => e < body.length && body.slice(e + 1).trim() !== "").pop();
  const start = cut === undefined ? 0 : cut + 1;
  const last = body.slice(start).trim();
  const tail = last === "" || STATEMENT_KEYWORD.test(last) ? last : `return (${last});`;
  return `(async () => {\n${body.slice(0, start)}\n${tail}\n})()`;
}

/**
 * Evaluates JavaScript in the session: its top-level declarations become
 * session variables; with a top-level `await` it runs as an async function
 * (the result, a promise, is the last expression's value).
 */
export function evaluate(s: SessionScope, source: string): unknown {
  const { code, names } = hoist(source);
  for (const n of names) if (!s.vars.has(n)) s.vars.set(n, undefined);
  try {
    return evaluator(s.proxy, code);
  } catch (e) {
    if (!(e instanceof SyntaxError && /await is only valid/.test(e.message))) throw e;
  }
  return evaluator(s.proxy, asyncBody(code));
}
