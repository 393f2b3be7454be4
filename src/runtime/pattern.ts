/**
 * Receive patterns: plain TypeScript values that read like Erlang patterns.
 *
 * | pattern | matches |
 * |---|---|
 * | `_` | anything |
 * | a predicate / type guard `(m) => m is T` | what it accepts (narrowed to `T`) |
 * | an atom, number, string, boolean, bigint, pid, ref | that exact term (`=:=`) |
 * | an array `[p1, p2]` | a **tuple** of that size whose elements match |
 * | `list(p1, p2)` | a list (JS array) of that size whose elements match |
 * | a plain object `{ k: p }` | an object whose listed fields match |
 *
 * @example
 * const msg = yield* receive([atom("ok"), isPid]); // Tup<[Atom<"ok">, Pid]>
 */
import { Atom } from "../term/atom.js";
import { equals } from "../term/equals.js";
import { Pid, Port, Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { Tuple, type Tup } from "../term/tuple.js";

/** The wildcard pattern. */
export class Wildcard {
  private declare readonly _wildcard: true;
}
export const _ = new Wildcard();

/** A list pattern, built by {@link list}. */
export class ListPattern<P extends readonly unknown[] = readonly unknown[]> {
  constructor(readonly items: P) {}
}

/** Matches a list (JS array) of exactly these element patterns. */
export function list<const P extends readonly unknown[]>(...items: P): ListPattern<P> {
  return new ListPattern(items);
}

type Primitive = string | number | boolean | bigint | null | undefined;

/** The type of the values a pattern matches. */
export type Infer<P> = P extends Wildcard
  ? unknown
  : // eslint-disable-next-line @typescript-eslint/no-explicit-any
  P extends (x: any) => x is infer T
    ? T
    : P extends (x: any) => unknown
      ? unknown
      : P extends Atom<infer N>
        ? Atom<N>
        : P extends Primitive
          ? P
          : P extends Pid
            ? Pid
            : P extends Ref
              ? Ref
              : P extends Port
                ? Port
                : P extends ListPattern<infer L>
                  ? { -readonly [K in keyof L]: Infer<L[K]> }
                  : P extends readonly unknown[]
                    ? Tup<{ -readonly [K in keyof P]: Infer<P[K]> }>
                    : P extends Uint8Array
                      ? Uint8Array
                      : P extends object
                        ? { [K in keyof P]: Infer<P[K]> }
                        : never;

/** True when `v` matches pattern `p`. A predicate that throws propagates (the process's crash). */
export function matches(p: unknown, v: unknown): boolean {
  if (p === v) return true;
  // `typeof x === "..."` tests, not a switch: V8 compiles these to type checks, a switch on `typeof` to a call.
  if (typeof p === "function") return (p as (x: unknown) => unknown)(v) ? true : false;
  if (typeof p !== "object") return equals(p, v);
  if (Array.isArray(p)) {
    if (!(v instanceof Tuple) || v.length !== p.length) return false;
    for (let i = 0; i < p.length; i++) {
      const e: unknown = p[i];
      if (e !== v[i] && !matches(e, v[i])) return false;
    }
    return true;
  }
  if (p === null || p instanceof Atom) return false; // identity failed above
  if (p === _) return true;
  if (p instanceof ListPattern) {
    const items = p.items;
    if (!Array.isArray(v) || v instanceof Tuple || v.length !== items.length) return false;
    for (let i = 0; i < items.length; i++) if (!matches(items[i], v[i])) return false;
    return true;
  }
  if (p instanceof Pid || p instanceof Ref || p instanceof Port || p instanceof Uint8Array) return equals(p, v);
  if (typeof v !== "object" || v === null) return false;
  for (const k of Object.keys(p)) {
    if (!(k in v) || !matches((p as Record<string, unknown>)[k], (v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** True when the pattern names this exact reference (so a receive may skip older messages). */
export function mentions(p: unknown, ref: Ref, depth = 0): boolean {
  if (p === ref) return true;
  // The common shape first, without a call per element: `[ref, ...]` or `[tag, ref, ...]`.
  if (depth === 0 && Array.isArray(p) && (p[0] === ref || p[1] === ref)) return true;
  if (depth > 3 || typeof p !== "object" || p === null) return false;
  if (Array.isArray(p)) {
    for (let i = 0; i < p.length; i++) if (mentions(p[i], ref, depth + 1)) return true;
  } else if (p instanceof ListPattern) {
    return mentions(p.items, ref, depth + 1);
  } else if (p instanceof ImproperList) {
    return p.tail === ref || mentions(p.elements, ref, depth + 1);
  }
  return false;
}

// Common guards, typed for narrowing.
export const isNumber = (x: unknown): x is number => typeof x === "number";
export const isInteger = (x: unknown): x is number => Number.isInteger(x);
export const isString = (x: unknown): x is string => typeof x === "string";
export const isBinary = (x: unknown): x is Uint8Array => x instanceof Uint8Array;
export const isList = (x: unknown): x is unknown[] => Array.isArray(x) && !(x instanceof Tuple);
