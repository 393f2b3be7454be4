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
  /** Heap index; -1 once fired or cancelled; -2 - k while staged at k. */
  i = -1;
  constructor(
    public due: number,
    public readonly fire: (t: Timer) => void,
    /** Arming order, the tie-break between equal `due`s (renewed when the timer is re-armed). */
    public seq: number,
  ) {}
  get active(): boolean {
    return this.i !== -1;
  }
}

/** True when `a` fires before `b`. */
function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/**
 * Staging: a timer armed while the scheduler runs does not read the clock
 * (a clock read costs more than the rest of a call). It waits in `staged`,
 * holding its duration, until the scheduler next reads the clock anyway;
 * then it is due at that time plus its duration: never early, late by at
 * most one scheduling slice. A call's timeout is usually cancelled before
 * that, at the cost of one swap-remove.
 */
export class TimerHeap {
  private h: Timer[] = [];
  private staged: Timer[] = [];
  private seq = 0;

  get size(): number {
    return this.h.length + this.staged.length;
  }

  /** Whether staged timers wait for a clock reading. */
  get hasStaged(): boolean {
    return this.staged.length > 0;
  }

  /** Arms a timer `ms` from the next clock reading (see the class comment). */
  stage(ms: number, fire: (t: Timer) => void): Timer {
    const t = new Timer(ms, fire, this.seq++);
    t.i = -2 - this.staged.length;
    this.staged.push(t);
    return t;
  }

  /** Gives every staged timer its due time: `now` plus its duration. */
  settle(now: number): void {
    const st = this.staged;
    if (st.length === 0) return;
    for (let k = 0; k < st.length; k++) {
      const t = st[k]!;
      t.due += now;
      t.i = this.h.length;
      this.h.push(t);
      this.up(t.i);
    }
    this.staged = [];
  }

  /** Milliseconds until the timer fires (its full duration while staged). */
  remaining(t: Timer, now: number): number {
    return t.i <= -2 ? t.due : t.due - now;
  }

  /** Due time of the earliest timer, or Infinity. */
  nextDue(): number {
    if (this.staged.length > 0) throw new Error("TimerHeap.nextDue: settle() staged timers first");
    return this.h.length > 0 ? this.h[0]!.due : Infinity;
  }

  add(due: number, fire: (t: Timer) => void): Timer {
    return this.insert(new Timer(due, fire, this.seq++));
  }

  /**
   * Re-arms a timer that fired or was cancelled (`i === -1`), due at `due`
   * (`staged`: `due` is a duration from the next clock reading). A process's
   * receive timeout reuses one Timer: no allocation per call.
   */
  rearm(t: Timer, due: number, staged: boolean): Timer {
    t.due = due;
    t.seq = this.seq++;
    if (!staged) return this.insert(t);
    t.i = -2 - this.staged.length;
    this.staged.push(t);
    return t;
  }

  private insert(t: Timer): Timer {
    t.i = this.h.length;
    this.h.push(t);
    this.up(t.i);
    return t;
  }

  /** True when the timer was still armed. */
  cancel(t: Timer): boolean {
    const i = t.i;
    if (i === -1) return false;
    t.i = -1;
    if (i <= -2) {
      const st = this.staged;
      const k = -2 - i;
      const last = st.pop()!;
      if (last !== t) {
        st[k] = last;
        last.i = i;
      }
      return true;
    }
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
    for (const t of this.staged) t.i = -1;
    this.h = [];
    this.staged = [];
  }

  /** Fires every timer due at or before `now`, earliest first. Returns how many fired. */
  fireDue(now: number): number {
    this.settle(now);
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
