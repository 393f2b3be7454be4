/**
 * Formats terms the way Erlang prints them (`~p` style): `{ok,<0.85.0>}`,
 * `#Ref<0.1.2.3>`, `#{a => 1}`, `<<"abc">>`, `[a|b]`, `1.0`.
 */
import { Atom } from "./atom.js";
import { BitString } from "./bitstring.js";
import { compareKeys } from "./compare.js";
import { Float } from "./float.js";
import { Export, Fun, LocalTerm } from "./fun.js";
import { Pid, Port, Ref } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { type TermMapLike, isTermMap } from "./term_map_like.js";
import { Tuple } from "./tuple.js";

const PLAIN_ATOM = /^[a-z][a-zA-Z0-9_@]*$/;
const RESERVED = new Set(
  "after and andalso band begin bnot bor bsl bsr bxor case catch cond div end fun if let maybe not of or orelse receive rem try when xor".split(" "),
);

function atomText(name: string): string {
  return PLAIN_ATOM.test(name) && !RESERVED.has(name) ? name : `'${name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Erlang's shortest round-trip float text: `1.0`, `3.14`, `1.0e16`. */
export function floatText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [m, e] = x.toExponential().split("e");
    return `${m!.includes(".") ? m : `${m}.0`}e${Number(e)}`;
  }
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}

function printable(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) if (c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

function binText(b: Uint8Array): string {
  if (b.length > 0 && printable(b)) {
    const s = new TextDecoder().decode(b);
    return `<<${JSON.stringify(s)}>>`;
  }
  return `<<${Array.from(b).join(",")}>>`;
}

function nodePart(node: Atom): string {
  return node.name === "nonode@nohost" ? "0" : node.name;
}

/** Text to write as is (not a term): a wrapper, as a JS string is also a term. */
class Lit {
  constructor(readonly text: string) {}
}
const COMMA = new Lit(",");
const CLOSE_TUPLE = new Lit("}");
const CLOSE_LIST = new Lit("]");
const BAR = new Lit("|");
const ARROW = new Lit(" => ");

/** Queues `items` separated by commas, then `close` (on a stack: pushed last first, so popped in order). */
function queue(work: unknown[], items: readonly unknown[], close: Lit): void {
  work.push(close);
  for (let i = items.length - 1; i >= 0; i--) {
    work.push(items[i]);
    if (i > 0) work.push(COMMA);
  }
}

/** While {@link format} runs: print printable lists as strings. */
let strings = false;

/**
 * What erl's shell prints for a term (`~p` on one line): as {@link inspect},
 * and a list of printable Latin-1 character codes as a string.
 *
 * @example
 * format(t(atom("ok"), [104, 105], [1, 2])); // '{ok,"hi",[1,2]}'
 * inspect(t(atom("ok"), [104, 105], [1, 2])); // '{ok,[104,105],[1,2]}'
 */
export function format(x: unknown): string {
  strings = true;
  try {
    return inspect(x);
  } finally {
    strings = false;
  }
}

/** erl's default printable range (latin1): what `io_lib:printable_list/1` accepts. */
function printableList(xs: readonly unknown[]): boolean {
  if (xs.length === 0) return false;
  for (const c of xs) {
    if (typeof c !== "number" || !Number.isInteger(c)) return false;
    if (!((c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c === 27)) return false;
  }
  return true;
}

const STRING_ESCAPES: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 27: "\\e", 34: '\\"', 92: "\\\\" };

function stringText(xs: readonly number[]): string {
  return `"${xs.map((c) => STRING_ESCAPES[c] ?? String.fromCharCode(c)).join("")}"`;
}

/** Erlang's textual form of a term. Unknown JS values print as `#JS<...>`. Iterative: any nesting depth. */
export function inspect(x: unknown): string {
  const leaf = inspectTop(x, null);
  if (leaf !== null) return leaf;
  const out: string[] = [];
  const work: unknown[] = [x];
  while (work.length > 0) {
    const w = work.pop();
    if (w instanceof Lit) out.push(w.text);
    else out.push(inspectTop(w, work) ?? "");
  }
  return out.join("");
}

/** A leaf's text; for a container, its opening (its contents queued on `work`), or null without `work`. */
function inspectTop(x: unknown, work: unknown[] | null): string | null {
  switch (typeof x) {
    case "number":
      return Number.isInteger(x) ? String(x) : floatText(x);
    case "bigint":
      return x.toString();
    case "string":
      return `<<${JSON.stringify(x)}/utf8>>`;
    case "boolean":
      return String(x);
    case "undefined":
      return "undefined";
  }
  if (x === null) return "nil";
  if (x instanceof Atom) return atomText(x.name);
  if (x instanceof Float) return floatText(x.value);
  if (x instanceof Tuple) {
    if (work === null) return null;
    queue(work, x, CLOSE_TUPLE);
    return "{";
  }
  if (Array.isArray(x)) {
    if (strings && printableList(x)) return stringText(x as number[]);
    if (work === null) return null;
    queue(work, x, CLOSE_LIST);
    return "[";
  }
  if (x instanceof ImproperList) {
    if (work === null) return null;
    work.push(CLOSE_LIST, x.tail);
    queue(work, x.elements, BAR);
    return "[";
  }
  if (x instanceof Pid) return `<${nodePart(x.node)}.${x.id}.${x.serial}>`;
  if (x instanceof Ref) return `#Ref<${nodePart(x.node)}.${[...x.ids].reverse().join(".")}>`;
  if (x instanceof Port) return `#Port<${nodePart(x.node)}.${x.id}>`;
  if (x instanceof Uint8Array) return binText(x);
  if (x instanceof BitString) {
    const head = Array.from(x.bytes.subarray(0, -1)).join(",");
    const last = x.bytes[x.bytes.length - 1]! >> (8 - x.lastBits);
    return `<<${head}${head ? "," : ""}${last}:${x.lastBits}>>`;
  }
  if (isTermMap(x)) {
    if (work === null) return null;
    const entries = [...(x as TermMapLike).entries()].sort((a, b) => compareKeys(a[0], b[0]));
    mapBody(work, entries);
    return "#{";
  }
  if (x instanceof Export) return `fun ${atomText(x.module.name)}:${atomText(x.fn.name)}/${x.arity}`;
  if (x instanceof Fun) return `#Fun<${atomText(x.module.name)}.${x.oldIndex}.${x.oldUniq}>`;
  if (x instanceof LocalTerm) return `#Local<${x.bytes.length} bytes>`;
  if (x instanceof Error) return `#Error<${x.name}: ${x.message}>`;
  if (Object.getPrototypeOf(x) === Object.prototype) {
    if (work === null) return null;
    const entries = Object.entries(x as object).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    mapBody(
      work,
      entries.map(([k, v]): [unknown, unknown] => [new Lit(atomText(k)), v]),
    );
    return "#{";
  }
  return `#JS<${Object.prototype.toString.call(x).slice(8, -1)}>`;
}

/** Queues `K => V` entries separated by commas, then `}`. */
function mapBody(work: unknown[], entries: [unknown, unknown][]): void {
  work.push(CLOSE_TUPLE);
  for (let i = entries.length - 1; i >= 0; i--) {
    work.push(entries[i]![1], ARROW, entries[i]![0]);
    if (i > 0) work.push(COMMA);
  }
}
