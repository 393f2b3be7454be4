/**
 * A FIFO of processes: a power-of-two ring buffer that grows on demand.
 */
import type { Proc } from "./process.js";

export class RunQueue {
  private a: (Proc | undefined)[] = new Array(1024);
  private head = 0;
  length = 0;

  push(p: Proc): void {
    if (this.length === this.a.length) this.grow();
    this.a[(this.head + this.length++) & (this.a.length - 1)] = p;
  }

  /** The oldest process (the caller checked `length > 0`). */
  shift(): Proc {
    const a = this.a;
    const p = a[this.head]!;
    a[this.head] = undefined;
    this.head = (this.head + 1) & (a.length - 1);
    this.length--;
    return p;
  }

  private grow(): void {
    const old = this.a;
    const n = old.length;
    const a: (Proc | undefined)[] = new Array(n * 2);
    for (let i = 0; i < n; i++) a[i] = old[(this.head + i) & (n - 1)];
    this.a = a;
    this.head = 0;
  }
}
