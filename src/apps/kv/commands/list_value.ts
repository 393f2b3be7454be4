/**
 * A Redis list: a ring buffer of latin1 strings, O(1) at both ends and by
 * index (what LPUSH/RPUSH/LPOP/RPOP/LINDEX/LRANGE need).
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
