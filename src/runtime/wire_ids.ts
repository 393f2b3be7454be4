/**
 * This node's pids and references as they leave and come back over the
 * wire. A local process is its own pid object and there is no process table
 * (spawn stays one allocation), so the runtime remembers only the processes
 * whose pid was encoded for a peer, and the active aliases and monitor
 * references that were: when a peer's message names one of them, the
 * decoder gets the live `Proc` / `LocalRef` back (a reply to
 * `[alias | Ref]` reaches the caller, a `link` to a pid learnt from a
 * message links the process). Processes leave the table when they die;
 * references that are no longer an alias or a monitor are swept out when
 * the table has doubled since the last sweep.
 *
 * Pids and references naming this node that are not in the table (a dead
 * process, a plain `makeRef()`) decode as `ExternalPid` / `ExternalRef`,
 * equal to the originals by value; pids of an earlier incarnation of this
 * node name (another creation) are never ours.
 *
 * The shape matches the ETF codec's hooks (`DecodeOptions.local`,
 * `EncodeOptions.exposed`) without importing them: runtime sits beside etf,
 * not above it.
 */
import { type Atom } from "../term/atom.js";
import { type Pid, type Ref } from "../term/identifiers.js";
import { DEAD, LocalRef, Proc, WIRED } from "./process.js";
import type { Runtime } from "./runtime.js";

const SWEEP_MIN = 1024;

export class WireIds {
  private readonly procs = new Map<number, Proc>();
  private readonly refs = new Map<number, LocalRef>();
  private sweepAt = SWEEP_MIN;

  constructor(private readonly rt: Runtime) {}

  /** This node's name, as the decoder compares it. */
  get node(): Atom {
    return this.rt.nodeName;
  }

  get creation(): number {
    return this.rt.creation;
  }

  /** Encode hook: called for every pid and reference written for a peer. */
  readonly exposed = (x: Pid | Ref): void => {
    if (x instanceof Proc) {
      if ((x.flags & (WIRED | DEAD)) === 0 && x.rt === this.rt) {
        x.flags |= WIRED;
        this.procs.set(x.num, x);
      }
    } else if (x instanceof LocalRef && (x.alias !== null || x.mon !== null) && x.rt === this.rt) {
      this.wireRef(x);
    }
  };

  /** Remembers a reference that a peer will name again (an alias, a monitor). */
  wireRef(r: LocalRef): void {
    if (this.refs.has(r.n)) return;
    this.refs.set(r.n, r);
    if (this.refs.size >= this.sweepAt) this.sweep();
  }

  private sweep(): void {
    for (const [n, r] of this.refs) if (r.alias === null && r.mon === null) this.refs.delete(n);
    this.sweepAt = Math.max(SWEEP_MIN, 2 * this.refs.size);
  }

  /** Decode hook: the live process with this id and serial, if its pid went out and it lives. */
  pid(id: number, serial: number): Pid | undefined {
    const p = this.procs.get(serial * 0x1_0000_0000 + id);
    return p !== undefined && (p.flags & DEAD) === 0 ? p : undefined;
  }

  /** Decode hook: the reference with these words, if it went out and is still an alias or a monitor. */
  ref(ids: readonly number[]): Ref | undefined {
    if (ids.length !== 3 || ids[2] !== this.rt.refSalt) return undefined;
    const r = this.refs.get(ids[0]! + ids[1]! * 0x40000);
    return r !== undefined && (r.alias !== null || r.mon !== null) ? r : undefined;
  }

  /** @internal a wired process died. */
  forget(p: Proc): void {
    this.procs.delete(p.num);
  }

  /** How many processes and references are remembered (for tests and statistics). */
  get size(): { procs: number; refs: number } {
    return { procs: this.procs.size, refs: this.refs.size };
  }
}
