/**
 * The last control message a connection decoded, kept by its bytes. A
 * stream of messages between the same two processes repeats its control
 * message exactly (`{6, From, '', Name}` for every REG_SEND from one process
 * to one name), so the next frame's bytes are compared instead of decoded.
 * ETF is prefix-free: bytes equal to one whole encoded term are that term.
 *
 * Only messages whose decoded value cannot depend on when they are decoded
 * are kept: SEND, SEND_SENDER and REG_SEND (no trace token) whose pids all
 * belong to other nodes (a pid of this node decodes to its live process, or
 * to a plain pid once that process died), and never a control message that
 * used the atom cache (its bytes are indexes into a table that changes).
 *
 * {@link SentControl} is the same on the way out: the control tuple of the
 * last SEND or REG_SEND written, by sender and destination.
 */
import type { Atom } from "../term/atom.js";
import type { Encoder } from "../etf/index.js";
import { Pid } from "../term/identifiers.js";
import { Tuple } from "../term/tuple.js";
import { OP } from "./control.js";

/** Larger control messages are decoded every time (pids of long node names, long registered names). */
const MAX_BYTES = 128;

export class ControlCache {
  private readonly bytes = new Uint8Array(MAX_BYTES);
  private len = 0;
  private ctl: Tuple | null = null;

  /** `local`: the decoder's hooks for this node's identifiers (whose pids are never kept), if any. */
  constructor(private readonly local: { readonly node: Atom } | undefined) {}

  /** The kept control tuple if `buf` holds its bytes at `at`, else null; its length is {@link size}. */
  lookup(buf: Uint8Array, at: number): Tuple | null {
    const n = this.len;
    if (n === 0 || buf.length - at < n) return null;
    const b = this.bytes;
    for (let i = 0; i < n; i++) if (buf[at + i] !== b[i]) return null;
    return this.ctl;
  }

  /** Byte length of the kept control message. */
  get size(): number {
    return this.len;
  }

  /** Keeps `ctl`, decoded from `buf[start, end)`, when it is one of the kinds that may be kept. */
  keep(buf: Uint8Array, start: number, end: number, ctl: unknown): void {
    const n = end - start;
    if (n > MAX_BYTES || !(ctl instanceof Tuple)) return;
    const op = ctl[0];
    if (op === OP.REG_SEND) {
      if (ctl.length !== 4 || !this.foreign(ctl[1])) return;
    } else if (op === OP.SEND || op === OP.SEND_SENDER) {
      if (ctl.length !== 3 || !this.foreign(ctl[1]) || !this.foreign(ctl[2])) return;
    } else return;
    this.bytes.set(buf.subarray(start, end));
    this.len = n;
    this.ctl = ctl;
  }

  /** Whether `x` is a value that decodes the same whenever it is decoded: anything but a pid of this node. */
  private foreign(x: unknown): boolean {
    return !(x instanceof Pid) || this.local === undefined || x.node !== this.local.node;
  }
}

/**
 * The encoded control tuple of the last SEND or REG_SEND a connection
 * wrote, by its sender and destination (the same objects: pids and atoms
 * are immutable, and a pid's first encoding already told the encoder's
 * `exposed` hook). Only for bytes without atom cache references.
 */
export class SentControl {
  private readonly buf = new Uint8Array(MAX_BYTES);
  private bytes: Uint8Array | null = null;
  private op = 0;
  private from: unknown = null;
  private to: unknown = null;

  /** Writes the kept control tuple if it is that of `op` from `from` to `to`; false otherwise. */
  write(e: Encoder, op: number, from: unknown, to: unknown): boolean {
    if (this.bytes === null || this.op !== op || this.from !== from || this.to !== to) return false;
    e.raw(this.bytes);
    return true;
  }

  /** Keeps the control tuple just written at `e.buf[start, e.pos)`. */
  keep(e: Encoder, start: number, op: number, from: unknown, to: unknown): void {
    const n = e.pos - start;
    if (n > MAX_BYTES) {
      this.bytes = null;
      return;
    }
    this.buf.set(e.buf.subarray(start, e.pos));
    this.bytes = this.buf.subarray(0, n);
    this.op = op;
    this.from = from;
    this.to = to;
  }
}
