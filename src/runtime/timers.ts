/**
 * Timers: a binary min-heap that knows each entry's position, so cancel is
 * O(log n) and removes the entry at once (no dead entries pile up when every
 * call arms and cancels a 5 s timeout). New timers with the common duration
 * land at the bottom, so arm and cancel are usually O(1) in practice.
 * Timers due at the same time fire in the order they were armed (a sequence
 * number breaks ties), as on BEAM: `send_after(10, P, 1)`, `send_after(10,
 * P, 2)` deliver 1 then 2 (erl checked; a bare heap is not stable).
 */

export class Timer {
  /** Heap index; -1 once fired or cancelled. */
  i = -1;
  constructor(
    public due: number,
    public readonly fire: (t: Timer) => void,
    /** Arming order, the tie-break between equal `due`s. */
    readonly seq: number,
  ) {}
  get active(): boolean {
    return this.i >= 0;
  }
}

/** True when `a` fires before `b`. */
function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class TimerHeap {
  private h: Timer[] = [];
  private seq = 0;

  get size(): number {
    return this.h.length;
  }

  /** Due time of the earliest timer, or Infinity. */
  nextDue(): number {
    return this.h.length > 0 ? this.h[0]!.due : Infinity;
  }

  add(due: number, fire: (t: Timer) => void): Timer {
    const t = new Timer(due, fire, this.seq++);
    t.i = this.h.length;
    this.h.push(t);
    this.up(t.i);
    return t;
  }

  /** True when the timer was still armed. */
  cancel(t: Timer): boolean {
    const i = t.i;
    if (i < 0) return false;
    t.i = -1;
    const last = this.h.pop()!;
    if (last !== t) {
      this.h[i] = last;
      last.i = i;
      this.down(i);
      this.up(last.i);
    }
    return true;
  }

  /** Drops every timer without firing it. */
  clear(): void {
    for (const t of this.h) t.i = -1;
    this.h = [];
  }

  /** Fires every timer due at or before `now`, earliest first. Returns how many fired. */
  fireDue(now: number): number {
    let n = 0;
    while (this.h.length > 0 && this.h[0]!.due <= now) {
      const t = this.h[0]!;
      this.cancel(t);
      t.fire(t);
      n++;
    }
    return n;
  }

  private up(i: number): void {
    const h = this.h;
    const t = h[i]!;
    while (i > 0) {
      const pi = (i - 1) >> 1;
      const p = h[pi]!;
      if (!before(t, p)) break;
      h[i] = p;
      p.i = i;
      i = pi;
    }
    h[i] = t;
    t.i = i;
  }

  private down(i: number): void {
    const h = this.h;
    const n = h.length;
    const t = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1]!, h[c]!)) c++;
      const ch = h[c]!;
      if (!before(ch, t)) break;
      h[i] = ch;
      ch.i = i;
      i = c;
    }
    h[i] = t;
    t.i = i;
  }
}
