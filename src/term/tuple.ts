/**
 * Tuples: fixed-size, immutable sequences, distinct from lists.
 *
 * A tuple is a real JS array (indexing, destructuring and `length` work) whose
 * prototype marks it as a tuple, so `[1, 2]` (a list) and `t(1, 2)` (a tuple)
 * stay apart on the wire and in patterns.
 *
 * @example
 * const msg = t(atom("ok"), 42);
 * const [tag, n] = msg; // tag: Atom<"ok">, n: number
 */
export class Tuple extends Array<unknown> {
  // No Symbol.species override: it would disable V8's fast paths for every
  // array's map/filter/slice in the whole program. So `tuple.map(f)` is a
  // Tuple; use `Array.from(tuple, f)` for a list.

  /** `new Tuple(n)`: n empty slots. An explicit constructor: the implicit one spreads its arguments. */
  constructor(n?: number) {
    super(n ?? 0);
  }
}

/** A tuple whose elements have the types of `A`. */
export type Tup<A extends readonly unknown[] = readonly unknown[]> = Readonly<A> & Tuple;

/** Builds a tuple. */
export function t<const A extends readonly unknown[]>(...items: A): Tup<A>;
export function t(): Tuple {
  // `arguments`, not a rest parameter: no throwaway array per tuple.
  const n = arguments.length;
  const r = new Tuple(n);
  for (let i = 0; i < n; i++) r[i] = arguments[i];
  return r;
}

/** Builds a tuple from an array (copied). */
export function tupleOf<A extends readonly unknown[]>(items: A): Tup<A> {
  const n = items.length;
  const r = new Tuple(n);
  for (let i = 0; i < n; i++) r[i] = items[i];
  return r as unknown as Tup<A>;
}


export function isTuple(x: unknown): x is Tup {
  return x instanceof Tuple;
}
