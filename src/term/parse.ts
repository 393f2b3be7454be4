/**
 * Reads a term written as erl's shell writes it (`erl_scan` + `erl_parse`
 * for literal terms): atoms (`ok`, `'Quoted atom'`), integers (`42`, `-7`,
 * `16#ff`, `$a`, big ones as `bigint`), floats (`1.0`, `2.5e3`), strings
 * (`"abc"`, a list of character codes, as in Erlang), binaries
 * (`<<"abc">>`, `<<1,2,3>>`, `<<"é"/utf8>>`), tuples, lists (`[a|b]`
 * improper ones too) and maps (`#{k => v}`). A final `.` is allowed. Pids,
 * references, funs and variables have no literal form to read here.
 */
import { atom } from "./atom.js";
import { TermError } from "./errors.js";
import { float } from "./float.js";
import { improperList } from "./improper_list.js";
import { TermMap } from "./term_map.js";
import { tupleOf } from "./tuple.js";

/**
 * Parses one Erlang term from text.
 *
 * @example
 * parseTerm(`{ok, [1, "ab", <<"c">>], #{k => 'V'}}.`);
 * // t(atom("ok"), [1, [97, 98], Uint8Array [99]], TermMap {k => 'V'})
 */
export function parseTerm(text: string): unknown {
  const p = new Parser(text);
  const v = p.term();
  p.skip();
  if (p.peek() === ".") {
    p.i++;
    p.skip();
  }
  if (p.i < text.length) p.fail("text after the term");
  return v;
}

const MAX_DEPTH = 1_000; // recursive descent: well within the JS stack
const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, b: 8, f: 12, e: 27, s: 32, d: 127 };

class Parser {
  i = 0;
  private depth = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new TermError(`cannot read a term: ${what} at position ${this.i + 1} of ${JSON.stringify(this.s.length > 60 ? `${this.s.slice(0, 60)}...` : this.s)}`);
  }

  peek(): string {
    return this.s[this.i] ?? "";
  }

  skip(): void {
    for (;;) {
      while (/\s/.test(this.peek())) this.i++;
      if (this.peek() !== "%") return;
      while (this.i < this.s.length && this.peek() !== "\n") this.i++;
    }
  }

  private eat(tok: string): boolean {
    this.skip();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }

  private expect(tok: string): void {
    if (!this.eat(tok)) this.fail(`expected ${tok}`);
  }

  term(): unknown {
    if (++this.depth > MAX_DEPTH) this.fail("nesting too deep");
    try {
      return this.value();
    } finally {
      this.depth--;
    }
  }

  private value(): unknown {
    this.skip();
    const c = this.peek();
    if (c === "{") {
      this.i++;
      return tupleOf(this.items("}"));
    }
    if (c === "[") {
      this.i++;
      const xs: unknown[] = [];
      if (this.eat("]")) return xs;
      for (;;) {
        xs.push(this.term());
        if (this.eat(",")) continue;
        if (this.eat("|")) {
          const tail = this.term();
          this.expect("]");
          if (Array.isArray(tail)) return [...xs, ...tail];
          return improperList(xs, tail);
        }
        this.expect("]");
        return xs;
      }
    }
    if (this.s.startsWith("#{", this.i)) {
      this.i += 2;
      const m = new TermMap<unknown, unknown>();
      if (this.eat("}")) return m;
      do {
        const k = this.term();
        this.expect("=>");
        m.set(k, this.term());
      } while (this.eat(","));
      this.expect("}");
      return m;
    }
    if (this.s.startsWith("<<", this.i)) {
      this.i += 2;
      return this.binary();
    }
    if (c === '"') return this.stringCodes();
    if (c === "'") return atom(String.fromCodePoint(...this.quoted("'")));
    if (c === "$") {
      this.i++;
      return this.char();
    }
    if (c === "-" || c === "+" || /[0-9]/.test(c)) return this.number();
    const m = /^[a-z][a-zA-Z0-9_@]*/.exec(this.s.slice(this.i));
    if (m !== null) {
      this.i += m[0].length;
      return m[0] === "true" ? true : m[0] === "false" ? false : atom(m[0]);
    }
    if (c === "<") this.fail("a pid has no literal form here");
    if (/[A-Z_]/.test(c)) this.fail("a variable is not a term");
    return this.fail(c === "" ? "the text ended" : `unexpected ${JSON.stringify(c)}`);
  }

  private items(close: string): unknown[] {
    const xs: unknown[] = [];
    if (this.eat(close)) return xs;
    do xs.push(this.term());
    while (this.eat(","));
    this.expect(close);
    return xs;
  }

  /** `"..."` as character codes; adjacent strings join, as in Erlang. */
  private stringCodes(): number[] {
    const out: number[] = [];
    do out.push(...this.quoted('"'));
    while ((this.skip(), this.peek() === '"'));
    return out;
  }

  private quoted(q: string): number[] {
    this.i++;
    const out: number[] = [];
    for (;;) {
      if (this.i >= this.s.length) this.fail(`unterminated ${q}`);
      const c = this.s.codePointAt(this.i)!;
      if (String.fromCodePoint(c) === q) {
        this.i++;
        return out;
      }
      if (c === 92) {
        this.i++;
        out.push(this.escape());
      } else {
        out.push(c);
        this.i += c > 0xffff ? 2 : 1;
      }
    }
  }

  private escape(): number {
    const v = this.escapeCode();
    if (v > 0x10ffff) this.fail(`${v} is not a character`);
    return v;
  }

  private escapeCode(): number {
    const c = this.peek();
    const octal = /^[0-7]{1,3}/.exec(this.s.slice(this.i));
    if (octal !== null) {
      this.i += octal[0].length;
      return parseInt(octal[0], 8);
    }
    if (c === "x") {
      const m = /^x(\{([0-9a-fA-F]+)\}|[0-9a-fA-F]{2})/.exec(this.s.slice(this.i));
      if (m === null) this.fail("bad \\x escape");
      this.i += m[0].length;
      return parseInt(m[2] ?? m[1]!, 16);
    }
    if (c === "^") {
      const ctl = this.s.codePointAt(this.i + 1);
      if (ctl === undefined) this.fail("bad \\^ escape");
      this.i += 2;
      return ctl & 31;
    }
    if (c === "") this.fail("the text ended in an escape");
    const cp = this.s.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return ESCAPES[c] ?? cp;
  }

  private char(): number {
    if (this.i >= this.s.length) this.fail("the text ended after $");
    const c = this.s.codePointAt(this.i)!;
    if (c === 92) {
      this.i++;
      return this.escape();
    }
    this.i += c > 0xffff ? 2 : 1;
    return c;
  }

  private number(): unknown {
    const m = /^[-+]?(?:([0-9]{1,2})#([0-9a-zA-Z]+)|([0-9](?:_?[0-9])*)(\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9]+)?)?)/.exec(this.s.slice(this.i));
    if (m === null) return this.fail("a number");
    this.i += m[0].length;
    const neg = m[0].startsWith("-");
    if (m[1] !== undefined) {
      const base = Number(m[1]);
      if (base < 2 || base > 36) this.fail(`base ${base}`);
      let v = 0n;
      for (const d of m[2]!.toLowerCase()) {
        const n = parseInt(d, 36);
        if (n >= base) this.fail(`digit ${d} in base ${base}`);
        v = v * BigInt(base) + BigInt(n);
      }
      return integer(neg ? -v : v);
    }
    const text = m[0].replace(/_/g, "");
    if (m[4] !== undefined) {
      const x = Number(text);
      return Number.isInteger(x) ? float(x) : x;
    }
    return integer(BigInt(text));
  }

  /** `<<Seg, ...>>`: integers 0..255, strings, each optionally `/utf8`. */
  private binary(): Uint8Array {
    const bytes: number[] = [];
    if (this.eat(">>")) return new Uint8Array(0);
    do {
      this.skip();
      const v = this.peek() === '"' ? this.stringCodes() : this.value();
      const utf8 = this.eat("/utf8");
      const codes = Array.isArray(v) ? (v as number[]) : [v];
      for (const c of codes) {
        if (typeof c !== "number" || !Number.isInteger(c)) this.fail("a binary segment that is not an integer or a string");
        if (utf8 && (c < 0 || c > 0x10ffff)) this.fail(`${c} is not a character`);
        if (utf8) bytes.push(...new TextEncoder().encode(String.fromCodePoint(c)));
        else bytes.push(c & 255);
      }
    } while (this.eat(","));
    this.expect(">>");
    return new Uint8Array(bytes);
  }
}

function integer(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
