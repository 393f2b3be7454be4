/**
 * The overflow queue of a mailbox. A process keeps its first message in an
 * inline slot; only when a second one arrives does it get a Deque, which is
 * dropped again when it drains, so idle processes hold no buffer and a burst
 * does not leave a huge array behind (the convoy effect).
 */
export class Deque {
  a: unknown[] = [];
  h = 0;

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

  removeAt(i: number): unknown {
    if (i === 0) return this.shift();
    return this.a.splice(this.h + i, 1)[0];
  }

  toArray(): unknown[] {
    return this.a.slice(this.h);
  }
}
