/**
 * A sorted set: member -> score in a Map (O(1) ZSCORE, membership) and the
 * (score, member) order in a {@link ZTree} (O(log n) rank and range). Redis
 * 7.0 keeps a small set as a listpack and converts it to a skiplist once
 * it holds more than 128 members or a member longer than 64 bytes, never
 * back; `skiplist` remembers that, for OBJECT ENCODING and for the few
 * replies where the two encodings differ (ZSCAN, ZRANGEBYLEX on mixed scores).
 *
 * @example
 * const z = new ZSetValue();
 * z.set("a", 1); z.set("b", 0.5);
 * z.tree.at(0).leaf!.members[0]; // "b"
 */
import { ZTree } from "./zset_tree.js";

/** zset-max-listpack-entries and zset-max-listpack-value defaults. */
export const ZSET_LISTPACK_ENTRIES = 128;
export const ZSET_LISTPACK_VALUE = 64;

/** ZSCAN iterations one set keeps alive at once (the oldest goes first). */
const SCAN_CURSORS = 16;
let nextCursor = 1;

export class ZSetValue {
  readonly dict = new Map<string, number>();
  readonly tree = new ZTree();
  /** Redis' encoding would be a skiplist (sticky, as in Redis). */
  skiplist: boolean;
  /** Live ZSCAN iterations by cursor (a Map iterator visits every member present throughout). */
  private scans: Map<number, Iterator<string>> | null = null;

  /** zsetTypeCreate: a skiplist from the start when the expected size or member length says so. */
  constructor(sizeHint = 0, lenHint = 0) {
    this.skiplist = sizeHint > ZSET_LISTPACK_ENTRIES || lenHint > ZSET_LISTPACK_VALUE;
  }

  get size(): number {
    return this.dict.size;
  }

  /** Sets member's score (adding it when missing). */
  set(member: string, score: number): void {
    this.put(member, score, this.dict.get(member));
  }

  /** {@link set} for a caller that has looked the member up already: `old` is its score, undefined when absent. */
  put(member: string, score: number, old: number | undefined): void {
    if (old === undefined) {
      // converted before the insert, as zsetAdd does
      if (!this.skiplist && (this.dict.size >= ZSET_LISTPACK_ENTRIES || member.length > ZSET_LISTPACK_VALUE)) this.skiplist = true;
      if (score === 0 && !this.skiplist) score = 0; // a listpack stores -0 as the integer 0
      this.dict.set(member, score);
      this.tree.insert(score, member);
      return;
    }
    // Redis compares with ==: -0 does not replace 0
    if (old === score) return;
    if (score === 0 && !this.skiplist) score = 0;
    this.dict.set(member, score);
    this.tree.delete(old, member);
    this.tree.insert(score, member);
  }

  /** Removes member; false when absent. */
  delete(member: string): boolean {
    const old = this.dict.get(member);
    if (old === undefined) return false;
    this.dict.delete(member);
    this.tree.delete(old, member);
    return true;
  }

  /** zsetConvertToListpackIfNeeded: a set built by a STORE command goes back to a listpack when small. */
  shrinkEncoding(): void {
    if (this.size > ZSET_LISTPACK_ENTRIES) return;
    const negZero: string[] = [];
    for (const [m, s] of this.dict) {
      if (m.length > ZSET_LISTPACK_VALUE) return;
      if (Object.is(s, -0)) negZero.push(m);
    }
    this.skiplist = false;
    for (const m of negZero) {
      this.delete(m);
      this.set(m, 0);
    }
  }

  /** An independent copy with the same encoding. */
  copy(): ZSetValue {
    const z = new ZSetValue();
    z.skiplist = this.skiplist;
    for (const [m, s] of this.tree.entries()) {
      z.dict.set(m, s);
      z.tree.insert(s, m);
    }
    return z;
  }

  /**
   * Up to about `count` members from ZSCAN cursor `id` (0 starts), and the
   * next cursor (0 when done). An unknown cursor starts again: members may
   * come twice, which SCAN allows, but none present throughout is missed.
   */
  scanStep(id: number, count: number): [number, string[]] {
    const scans = (this.scans ??= new Map());
    let it = id === 0 ? undefined : scans.get(id);
    if (it === undefined) it = this.dict.keys();
    else scans.delete(id);
    const out: string[] = [];
    while (out.length < count) {
      const r = it.next();
      if (r.done === true) return [0, out];
      out.push(r.value);
    }
    const next = nextCursor++;
    scans.set(next, it);
    if (scans.size > SCAN_CURSORS) scans.delete(scans.keys().next().value!);
    return [next, out];
  }
}
