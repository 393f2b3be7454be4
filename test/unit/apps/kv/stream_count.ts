/**
 * Counts replies as their bytes stream in, for replies too big to keep:
 * only a partial header line is held; each bulk's payload is compared,
 * piece by piece, with the bytes it should hold, then dropped.
 */
import net from "node:net";

/** The byte every byte of bulk (or memcached value) number `i` must be. */
export type FillOf = (i: number) => number;

const fills = new Map<number, Buffer>();
function fillBuffer(byte: number, len: number): Buffer {
  let b = fills.get(byte);
  if (b === undefined || b.length < len) {
    b = Buffer.alloc(Math.max(len, 1 << 20), byte);
    fills.set(byte, b);
  }
  return b;
}

abstract class StreamCounter {
  bytes = 0;
  /** Values whose bytes were not all the expected fill. */
  wrong = 0;
  /** Bulks (values) seen. */
  values = 0;
  protected line = "";
  /** Payload bytes of the current value still to come, then its CRLF (-1: none). */
  private left = -1;
  private byte = 0;
  constructor(private readonly fillOf: FillOf) {}

  /** Forgets what was counted (after a preamble whose replies are not the test's). */
  reset(): void {
    this.bytes = this.wrong = this.values = 0;
  }

  feed(d: Buffer): void {
    this.bytes += d.length;
    let at = 0;
    while (at < d.length) {
      if (this.left >= 0) {
        const n = Math.min(this.left, d.length - at);
        if (n > 0) {
          const seg = d.subarray(at, at + n);
          if (!seg.equals(fillBuffer(this.byte, n).subarray(0, n))) this.wrong++;
          at += n;
          this.left -= n;
        }
        if (this.left === 0) {
          // the CRLF after the payload: it joins the line buffer, which must then be exactly it
          const need = 2 - this.line.length;
          const take = Math.min(need, d.length - at);
          this.line += d.toString("latin1", at, at + take);
          at += take;
          if (this.line.length === 2) {
            if (this.line !== "\r\n") this.wrong++;
            this.line = "";
            this.left = -1;
            this.valueDone();
          }
        }
        continue;
      }
      const eol = d.indexOf(10, at);
      const end = eol < 0 ? d.length : eol + 1;
      this.line += d.toString("latin1", at, end);
      at = end;
      if (eol < 0) continue;
      const l = this.line.slice(0, -2);
      this.line = "";
      const n = this.header(l);
      if (n >= 0) {
        this.byte = this.fillOf(this.values);
        this.left = n;
      }
    }
  }

  /** A header line (without CRLF): the payload length that follows, or -1. */
  protected abstract header(l: string): number;
  protected abstract valueDone(): void;
}

/** RESP: counts top-level replies; bulks are checked against `fillOf`. */
export class RespCounter extends StreamCounter {
  replies = 0;
  /** Items left in each open aggregate. */
  private readonly open: number[] = [];
  /** Simple lines seen (`+`, `:`, `-`), for a test to look at. */
  readonly lines: string[] = [];

  override reset(): void {
    super.reset();
    this.replies = 0;
    this.lines.length = 0;
  }

  protected header(l: string): number {
    const t = l[0];
    const n = Number(l.slice(1));
    switch (t) {
      case "$":
      case "=":
        if (n < 0) this.done();
        return n;
      case "*":
      case "~":
      case ">":
      case "%":
        if (n <= 0) this.done();
        else this.open.push(t === "%" ? 2 * n : n);
        return -1;
      default:
        this.lines.push(l);
        this.done();
        return -1;
    }
  }

  protected valueDone(): void {
    this.values++;
    this.done();
  }

  private done(): void {
    const open = this.open;
    while (open.length > 0) {
      if (--open[open.length - 1]! > 0) return;
      open.pop();
    }
    this.replies++;
  }
}

/** memcached: counts VALUE blocks and END lines. */
export class McCounter extends StreamCounter {
  ends = 0;
  readonly lines: string[] = [];

  protected header(l: string): number {
    if (l.startsWith("VALUE ")) return Number(l.split(" ")[3]);
    if (l === "END") this.ends++;
    else this.lines.push(l);
    return -1;
  }

  protected valueDone(): void {
    this.values++;
  }
}

/** A raw socket whose input feeds `counter`; `until` waits for a condition (or the close). */
export async function countingSocket(port: number, counter: { feed(d: Buffer): void }) {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  let closed = false;
  let wake: (() => void) | null = null;
  sock.on("data", (d) => {
    counter.feed(d);
    wake?.();
  });
  sock.on("close", () => {
    closed = true;
    wake?.();
  });
  sock.on("error", () => {});
  return {
    sock,
    get closed() {
      return closed;
    },
    /** Resolves once `cond` holds, or rejects once the socket closed without it. */
    async until(cond: () => boolean, what: string): Promise<void> {
      while (!cond()) {
        if (closed) throw new Error(`connection closed before ${what}`);
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    },
  };
}
