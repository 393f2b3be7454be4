/**
 * A structural hash consistent with exact equality (`equals`): equal terms
 * hash equal. Used by TermMap.
 */
import { Atom } from "./atom.js";
import { BitString } from "./bitstring.js";
import { Float } from "./float.js";
import { Export, Fun, LocalTerm } from "./fun.js";
import { Pid, Port, Ref } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { Tuple } from "./tuple.js";
import { TermMapLike, isTermMap } from "./term_map_like.js";

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return (h << 13) | (h >>> 19);
}

function str(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

function bytes(h: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) h = mix(h, b[i]!);
  return h;
}

/**
 * The work left, of every `hash` in progress: values to fold into `h`, and
 * markers (each followed by its argument) for what closes a container.
 */
const work: unknown[] = [];
class Marker {}
const END_SEQ = new Marker(); // the end of a tuple or list; then its length
const MIX7 = new Marker(); // before an improper list's tail
const KEY = new Marker(); // an object's key follows
const ENTRY = new Marker(); // a map entry starts
const END_ENTRY = new Marker();
const END_MAP = new Marker(); // then the hash before the map
/** A map's running sum of entry hashes, one per open map. */
const sums: number[] = [];

/** Iterative: any nesting depth. */
export function hash(x: unknown): number {
  const base = work.length;
  let h = 0x811c9dc5;
  for (;;) {
    h = hashTop(h, x);
    for (;;) {
      if (work.length === base) return h >>> 0;
      const w = work.pop();
      if (!(w instanceof Marker)) {
        x = w;
        break;
      }
      if (w === END_SEQ) h = mix(h, work.pop() as number);
      else if (w === MIX7) h = mix(h, 7);
      else if (w === KEY) h = str(h, work.pop() as string);
      else if (w === ENTRY) h = 0x1234567;
      else if (w === END_ENTRY) sums[sums.length - 1] = (sums[sums.length - 1]! + h) | 0;
      else h = mix(mix(work.pop() as number, 13), sums.pop()!); // END_MAP: order-independent, as a sum
    }
  }
}

/** Folds a leaf into `h`; for a container, its start, with its contents queued on `work`. */
function hashTop(h: number, x: unknown): number {
  switch (typeof x) {
    case "number":
      if (Number.isInteger(x)) return str(mix(h, 1), x.toString());
      return str(mix(h, 2), x.toString());
    case "bigint":
      return str(mix(h, 1), x.toString());
    case "string": {
      // Same hash as the UTF-8 binary it equals.
      h = mix(h, 8);
      for (let i = 0; i < x.length; i++) {
        const c = x.charCodeAt(i);
        if (c >= 0x80) return bytes(h, new TextEncoder().encode(x.slice(i)));
        h = mix(h, c);
      }
      return h;
    }
    case "boolean":
      return str(mix(h, 4), x ? "true" : "false");
    case "undefined":
      return str(mix(h, 4), "undefined");
  }
  if (x === null) return str(mix(h, 4), "nil");
  if (x instanceof Atom) return str(mix(h, 4), x.name);
  if (x instanceof Float) return str(mix(h, 2), x.value.toString());
  if (Array.isArray(x)) {
    work.push(x.length, END_SEQ);
    for (let i = x.length - 1; i >= 0; i--) work.push(x[i]);
    return mix(h, x instanceof Tuple ? 5 : 6);
  }
  if (x instanceof ImproperList) {
    work.push(x.tail, MIX7);
    for (let i = x.elements.length - 1; i >= 0; i--) work.push(x.elements[i]);
    return mix(h, 6);
  }
  if (x instanceof Uint8Array) return bytes(mix(h, 8), x);
  if (x instanceof BitString) return mix(bytes(mix(h, 9), x.bytes), x.lastBits);
  if (x instanceof Pid) return mix(mix(str(mix(h, 10), x.node.name), x.id), x.serial);
  if (x instanceof Ref) {
    h = str(mix(h, 11), x.node.name);
    for (const w of x.ids) h = mix(h, w);
    return h;
  }
  if (x instanceof Port) return str(str(mix(h, 12), x.node.name), String(x.id));
  if (isTermMap(x)) {
    sums.push(0);
    work.push(h, END_MAP);
    for (const [k, v] of (x as TermMapLike).entries()) work.push(END_ENTRY, v, k, ENTRY);
    return h;
  }
  if (x instanceof Export) return mix(str(str(mix(h, 14), x.module.name), x.fn.name), x.arity);
  if (x instanceof Fun) return mix(str(mix(h, 15), x.module.name), x.index);
  if (x instanceof LocalTerm) return bytes(mix(h, 16), x.bytes);
  if (typeof x === "object") {
    const keys = Object.keys(x).sort();
    for (let i = keys.length - 1; i >= 0; i--) work.push((x as Record<string, unknown>)[keys[i]!], keys[i], KEY);
    return mix(h, 17);
  }
  return h;
}
