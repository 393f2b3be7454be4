/** Lets hash/equals/compare recognise TermMap without an import cycle. */
export interface TermMapLike {
  readonly size: number;
  entries(): IterableIterator<[unknown, unknown]>;
  get(key: unknown): unknown;
  has(key: unknown): boolean;
  forEach(f: (value: unknown, key: unknown) => void): void;
}

export const TERM_MAP: unique symbol = Symbol.for("agner.TermMap");

export function isTermMap(x: unknown): x is TermMapLike {
  return typeof x === "object" && x !== null && (x as { [TERM_MAP]?: true })[TERM_MAP] === true;
}
