/**
 * Replies in request order, whatever order they are ready in: both
 * connection kinds (RESP and memcached) number each request as it is
 * parsed, and the shards, helper processes and the connection itself fill
 * in replies as they come. A reply is emitted as soon as every reply
 * before it has been; the others wait in a ring indexed by sequence number
 * (grown to a power of two when a slow reply holds many behind it).
 *
 * @example
 * const order = new ReplyOrder<string>((r) => out.push(r));
 * const a = order.take(), b = order.take();
 * order.fill(b, "second"); // kept
 * order.fill(a, "first");  // emits "first", then "second"
 */

const EMPTY: unique symbol = Symbol("empty");

export class ReplyOrder<V> {
  /** Sequence number of the next request, and of the next reply to emit. */
  nextSeq = 0;
  nextOut = 0;
  private slots: (V | typeof EMPTY)[] = new Array<V | typeof EMPTY>(64).fill(EMPTY);

  constructor(private readonly emit: (reply: V) => void) {}

  /** A sequence number for the next request. */
  take(): number {
    return this.nextSeq++;
  }

  /** Requests whose replies are not emitted yet. */
  get waiting(): number {
    return this.nextSeq - this.nextOut;
  }

  /** The reply of request `seq`: emitted now if it is next in line (with those it unblocks), else kept until it is. */
  fill(seq: number, r: V): void {
    if (seq !== this.nextOut) return this.keep(seq, r);
    this.emit(r);
    let s = ++this.nextOut;
    const slots = this.slots;
    const mask = slots.length - 1;
    while (s < this.nextSeq) {
      const v = slots[s & mask]!;
      if (v === EMPTY) break;
      slots[s & mask] = EMPTY;
      this.emit(v);
      s = ++this.nextOut;
    }
  }

  /** Every request so far counts as answered (their replies are written by someone else, in order). */
  skipAll(): void {
    this.nextOut = this.nextSeq;
  }

  private keep(seq: number, r: V): void {
    let slots = this.slots;
    if (seq - this.nextOut >= slots.length) {
      let cap = slots.length * 2;
      while (seq - this.nextOut >= cap) cap *= 2;
      const next = new Array<V | typeof EMPTY>(cap).fill(EMPTY);
      // Kept replies all lie within [nextOut, nextOut + old length): beyond, the old ring aliases.
      const end = Math.min(this.nextSeq, this.nextOut + slots.length);
      for (let s = this.nextOut; s < end; s++) next[s & (cap - 1)] = slots[s & (slots.length - 1)]!;
      this.slots = slots = next;
    }
    slots[seq & (slots.length - 1)] = r;
  }
}
