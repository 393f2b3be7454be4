/**
 * A Redis set: its members in a dense array plus a Map from member to its
 * place in the array. The Map gives O(1) membership, add and remove; the
 * array gives O(1) random picks (SPOP, SRANDMEMBER), which a JS Set cannot.
 * Removing swaps the last member into the hole, so the array stays dense.
 *
 * SSCAN's cursor is a position, walked from the end down: a member only
 * ever moves down (into a hole), and only from the last place, so a member
 * not yet visited stays below the cursor and every member present for the
 * whole scan is returned (members moved from visited places may come
 * twice, which SSCAN allows).
 *
 * `intset` follows Redis 7.0's encoding, for OBJECT ENCODING: true while
 * every member reads as a 64-bit integer (string2ll) and there are at most
 * set-max-intset-entries (512) of them; once false it stays false, as a
 * Redis hashtable set is never converted back (but see {@link SetValue.reencode}).
 *
 * @example
 * const s = new SetValue();
 * s.add("1"); s.add("a");
 * s.has("a");   // true
 * s.intset;     // false
 */
import { type Int64, parseInt64 } from "./numbers.js";

/** Redis' set-max-intset-entries default. */
export const SET_MAX_INTSET_ENTRIES = 512;

export class SetValue {
  private readonly index = new Map<string, number>();
  private readonly items: string[] = [];
  /** Redis would encode this set as an intset (else a hashtable). */
  intset = true;

  get size(): number {
    return this.items.length;
  }

  has(m: string): boolean {
    return this.index.has(m);
  }

  /** Adds `m`; false when it was already a member. */
  add(m: string): boolean {
    const index = this.index;
    if (index.has(m)) return false;
    const n = this.items.length;
    if (this.intset && (n >= SET_MAX_INTSET_ENTRIES || parseInt64(m) === null)) this.intset = false;
    index.set(m, n);
    this.items.push(m);
    return true;
  }

  /** Removes `m`; false when it was not a member. */
  delete(m: string): boolean {
    const i = this.index.get(m);
    if (i === undefined) return false;
    this.removeAt(i, m);
    return true;
  }

  private removeAt(i: number, m: string): void {
    const items = this.items;
    const last = items.pop()!;
    this.index.delete(m);
    if (i !== items.length) {
      items[i] = last;
      this.index.set(last, i);
    }
  }

  /** The member at position `i` (0 <= i < size). */
  at(i: number): string {
    return this.items[i]!;
  }

  /** A uniformly random member; undefined when empty. */
  random(): string | undefined {
    const n = this.items.length;
    return n === 0 ? undefined : this.items[Math.floor(Math.random() * n)];
  }

  /** Removes and returns a uniformly random member; undefined when empty. */
  pop(): string | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const i = Math.floor(Math.random() * n);
    const m = this.items[i]!;
    this.removeAt(i, m);
    return m;
  }

  /**
   * Recomputes the encoding from the members, as Redis' SPOP does when it
   * rebuilds a set from the members it keeps (setTypeCreate + setTypeAdd).
   */
  reencode(): void {
    const items = this.items;
    let intset = items.length <= SET_MAX_INTSET_ENTRIES;
    for (let i = 0; intset && i < items.length; i++) if (parseInt64(items[i]!) === null) intset = false;
    this.intset = intset;
  }

  /** The members, in a new array: ascending numerically for an intset, as Redis gives them. */
  members(): string[] {
    if (!this.intset) return this.items.slice();
    const nums: Int64[] = this.items.map((m) => parseInt64(m)!);
    nums.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return nums.map(String);
  }

  /** Iterates the members (do not change the set meanwhile). */
  [Symbol.iterator](): IterableIterator<string> {
    return this.items.values();
  }

  /**
   * One SSCAN step: up to `count` members below position `cursor` (0 starts
   * a scan), and the next cursor (0 when done). An intset answers whole, as Redis does.
   */
  scan(cursor: bigint, count: number): [bigint, string[]] {
    const n = this.items.length;
    if (this.intset) return [0n, this.members()];
    const start = cursor === 0n || cursor > BigInt(n) ? n : Number(cursor);
    const end = Math.max(0, start - count);
    const out: string[] = [];
    for (let i = start - 1; i >= end; i--) out.push(this.items[i]!);
    return [BigInt(end), out];
  }

  /** An independent copy with the same encoding. */
  copy(): SetValue {
    const s = new SetValue();
    for (const m of this.items) {
      s.index.set(m, s.items.length);
      s.items.push(m);
    }
    s.intset = this.intset;
    return s;
  }
}
