/**
 * The overflow queue of a mailbox. A process keeps its first message in an
 * inline slot; only when a second one arrives does it get a Deque, which is
 * dropped again when it drains, so idle processes hold no buffer and a burst
 * does not leave a huge array behind (the convoy effect).
 */
export class Deque {
  a: unknown[] = [];
  h = 0;
  /** Messages beyond the entries: the queued requests of cast batches (see `Proc.enqueueCast`). */
  extra = 0;

  get length(): number {
    return this.a.length - this.h;
  }

  push(x: unknown): void {
    this.a.push(x);
  }

  shift(): unknown {
    const a = this.a;
    const x = a[this.h];
    a[this.h++] = undefined;
    if (this.h >= 1024 && this.h * 2 >= a.length) {
      a.splice(0, this.h);
      this.h = 0;
    }
    return x;
  }

  at(i: number): unknown {
    return this.a[this.h + i];
  }

  /** Removes the i-th message, moving the shorter side (no allocation, unlike splice). */
  removeAt(i: number): unknown {
    if (i === 0) return this.shift();
    const a = this.a;
    const h = this.h;
    const at = h + i;
    const x = a[at];
    if (i < (a.length - h) >> 1) {
      for (let k = at; k > h; k--) a[k] = a[k - 1];
      a[h] = undefined;
      this.h = h + 1;
    } else {
      const last = a.length - 1;
      for (let k = at; k < last; k++) a[k] = a[k + 1];
      a.pop();
    }
    return x;
  }

  toArray(): unknown[] {
    return this.a.slice(this.h);
  }
}
