/**
 * Formats terms the way Erlang prints them: `{ok,<0.85.0>}`, `#Ref<0.1.2.3>`.
 */
import { Atom } from "./atom.js";
import { Pid, Port, Ref } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { Tuple } from "./tuple.js";

const PLAIN_ATOM = /^[a-z][a-zA-Z0-9_@]*$/;

function atomText(a: Atom): string {
  return PLAIN_ATOM.test(a.name) ? a.name : `'${a.name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Erlang's textual form of a term. Unknown JS values print as `#JS<...>`. */
export function inspect(x: unknown): string {
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
  if (x instanceof Atom) return atomText(x);
  if (x instanceof Tuple) return `{${Array.from(x, inspect).join(",")}}`;
  if (Array.isArray(x)) return `[${x.map(inspect).join(",")}]`;
  if (x instanceof ImproperList) return `[${x.elements.map(inspect).join(",")}|${inspect(x.tail)}]`;
  if (x instanceof Pid) return `<${localPart(x.node)}.${x.id}.${x.serial}>`;
  if (x instanceof Ref) return `#Ref<${localPart(x.node)}.${[...x.ids].reverse().join(".")}>`;
  if (x instanceof Port) return `#Port<${localPart(x.node)}.${x.id}>`;
  if (x instanceof Uint8Array) return `<<${Array.from(x).join(",")}>>`;
  if (x instanceof Error) return `#Error<${x.name}: ${x.message}>`;
  return `#JS<${Object.prototype.toString.call(x).slice(8, -1)}>`;
}

function floatText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** Pids and refs print node 0 for the local node; the codec refines this for remote nodes. */
function localPart(_node: Atom): number {
  return 0;
}
