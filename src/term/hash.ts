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

export function hash(x: unknown): number {
  return hashInto(0x811c9dc5, x) >>> 0;
}

function hashInto(h: number, x: unknown): number {
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
  if (x instanceof Tuple) {
    h = mix(h, 5);
    for (let i = 0; i < x.length; i++) h = hashInto(h, x[i]);
    return mix(h, x.length);
  }
  if (Array.isArray(x)) {
    h = mix(h, 6);
    for (let i = 0; i < x.length; i++) h = hashInto(h, x[i]);
    return mix(h, x.length);
  }
  if (x instanceof ImproperList) {
    h = mix(h, 6);
    for (const e of x.elements) h = hashInto(h, e);
    return hashInto(mix(h, 7), x.tail);
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
    // Order-independent: combine entry hashes commutatively.
    let acc = 0;
    for (const [k, v] of (x as TermMapLike).entries()) acc = (acc + hashInto(hashInto(0x1234567, k), v)) | 0;
    return mix(mix(h, 13), acc);
  }
  if (x instanceof Export) return mix(str(str(mix(h, 14), x.module.name), x.fn.name), x.arity);
  if (x instanceof Fun) return mix(str(mix(h, 15), x.module.name), x.index);
  if (x instanceof LocalTerm) return bytes(mix(h, 16), x.bytes);
  if (typeof x === "object") {
    h = mix(h, 17);
    for (const k of Object.keys(x).sort()) h = hashInto(str(h, k), (x as Record<string, unknown>)[k]);
    return h;
  }
  return h;
}
