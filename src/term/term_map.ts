/**
 * Erlang maps: any term as a key, compared by exact equality (`=:=`), so
 * `{a, 1}` and `[1, 2]` work as keys, and `1` and `1.0` are different keys.
 *
 * @example
 * const m = new TermMap([[t(atom("a"), 1), "x"]]);
 * m.get(t(atom("a"), 1)); // "x"
 */
import { equals } from "./equals.js";
import { hash } from "./hash.js";
import { TERM_MAP } from "./term_map_like.js";

export class TermMap<K = unknown, V = unknown> {
  readonly [TERM_MAP] = true as const;
  private readonly buckets = new Map<number, [K, V][]>();
  private count = 0;

  constructor(entries?: Iterable<readonly [K, V]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    const b = this.buckets.get(hash(key));
    if (b) for (const e of b) if (equals(e[0], key)) return e[1];
    return undefined;
  }

  has(key: K): boolean {
    const b = this.buckets.get(hash(key));
    return b !== undefined && b.some((e) => equals(e[0], key));
  }

  set(key: K, value: V): this {
    const h = hash(key);
    const b = this.buckets.get(h);
    if (b === undefined) this.buckets.set(h, [[key, value]]);
    else {
      for (const e of b) {
        if (equals(e[0], key)) {
          e[1] = value;
          return this;
        }
      }
      b.push([key, value]);
    }
    this.count++;
    return this;
  }

  delete(key: K): boolean {
    const h = hash(key);
    const b = this.buckets.get(h);
    if (b === undefined) return false;
    const i = b.findIndex((e) => equals(e[0], key));
    if (i < 0) return false;
    b.splice(i, 1);
    if (b.length === 0) this.buckets.delete(h);
    this.count--;
    return true;
  }

  *entries(): IterableIterator<[K, V]> {
    for (const b of this.buckets.values()) for (const e of b) yield [e[0], e[1]];
  }

  forEach(f: (value: V, key: K) => void): void {
    for (const b of this.buckets.values()) for (let i = 0; i < b.length; i++) f(b[i]![1], b[i]![0]);
  }

  keys(): K[] {
    return [...this.entries()].map((e) => e[0]);
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
