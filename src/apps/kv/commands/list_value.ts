/**
 * A Redis list: a ring buffer of latin1 strings, O(1) at both ends and by
 * index (what LPUSH/RPUSH/LPOP/RPOP/LINDEX/LRANGE/LSET need); an insertion
 * or removal in the middle moves the shorter side, O(min(i, n - i)), and
 * LREM compacts in one O(n) pass (Redis' quicklist is O(n) there too).
 *
 * @example
 * const l = new ListValue();
 * l.pushTail("a"); l.pushHead("b");
 * l.at(0); // "b"
 */
export class ListValue {
  private items: (string | undefined)[];
  private head = 0;
  private len = 0;

  constructor(capacity = 4) {
    this.items = new Array<string | undefined>(capacity);
  }

  get length(): number {
    return this.len;
  }

  pushHead(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.head = (this.head - 1 + this.items.length) % this.items.length;
    this.items[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.items[(this.head + this.len) % this.items.length] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) % this.items.length;
    const v = this.items[i];
    this.items[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** The element at index i (0 = head), i in [0, length). */
  at(i: number): string {
    return this.items[(this.head + i) % this.items.length]!;
  }

  /** Replaces the element at index i, i in [0, length). */
  set(i: number, v: string): void {
    this.items[(this.head + i) % this.items.length] = v;
  }

  /** Inserts v so that it ends at index i, i in [0, length]: moves the shorter side by one. */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    if (this.len === this.items.length) this.grow();
    const cap = this.items.length;
    if (i < this.len / 2) {
      this.head = (this.head - 1 + cap) % cap;
      for (let k = 0; k < i; k++) this.items[(this.head + k) % cap] = this.items[(this.head + k + 1) % cap];
    } else {
      for (let k = this.len; k > i; k--) this.items[(this.head + k) % cap] = this.items[(this.head + k - 1) % cap];
    }
    this.items[(this.head + i) % cap] = v;
    this.len++;
  }

  /**
   * Removes up to `limit` elements equal to `v` (0 = all), scanning from the
   * head, or from the tail when `fromTail`: one pass that slides the kept
   * elements over the removed ones. Returns how many were removed.
   */
  removeEqual(v: string, limit: number, fromTail: boolean): number {
    const cap = this.items.length;
    const len = this.len;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      let r = 0;
      for (; r < len; r++) {
        const x = this.items[(this.head + r) % cap]!;
        if (x === v && (limit === 0 || removed < limit)) removed++;
        else if (removed > 0) this.items[(this.head + w++) % cap] = x;
        else w++;
      }
      for (let k = w; k < len; k++) this.items[(this.head + k) % cap] = undefined;
    } else {
      let w = len - 1;
      for (let r = len - 1; r >= 0; r--) {
        const x = this.items[(this.head + r) % cap]!;
        if (x === v && (limit === 0 || removed < limit)) removed++;
        else if (removed > 0) this.items[(this.head + w--) % cap] = x;
        else w--;
      }
      for (let k = 0; k <= w; k++) this.items[(this.head + k) % cap] = undefined;
      this.head = (this.head + removed) % cap;
    }
    this.len = len - removed;
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  /** Index of the first element equal to v at or after `from` (head side), or -1. */
  indexOf(v: string, from = 0): number {
    for (let i = from; i < this.len; i++) if (this.at(i) === v) return i;
    return -1;
  }

  /** Elements [start, end] inclusive, both within [0, length). */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.at(i);
  }

  private grow(): void {
    const next = new Array<string | undefined>(this.items.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }

  /** Gives memory back when a big list has mostly been popped. */
  private maybeShrink(): void {
    if (this.items.length > 64 && this.len < this.items.length / 4) {
      const next = new Array<string | undefined>(this.items.length / 2);
      for (let i = 0; i < this.len; i++) next[i] = this.at(i);
      this.items = next;
      this.head = 0;
    }
  }
}
