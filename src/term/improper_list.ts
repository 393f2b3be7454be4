/**
 * Improper lists: `[a, b | Tail]` where Tail is not a list. Erlang uses one
 * as the tag of every `gen_server:call` (`[alias | Ref]`), so they must
 * round-trip unchanged.
 *
 * @example
 * const tag = improperList([atom("alias")], ref); // [alias | Ref]
 */
export class ImproperList {
  constructor(
    /** The elements before the `|` (at least one). */
    readonly elements: readonly unknown[],
    /** What follows the `|`: anything but a list. */
    readonly tail: unknown,
  ) {}
}

export function improperList(elements: readonly unknown[], tail: unknown): ImproperList {
  if (elements.length === 0) throw new RangeError("an improper list needs at least one element before the tail");
  if (Array.isArray(tail) && tail.constructor === Array) throw new RangeError("the tail of an improper list cannot be a proper list");
  return new ImproperList(elements, tail);
}

export function isImproperList(x: unknown): x is ImproperList {
  return x instanceof ImproperList;
}
