/**
 * A TCP socket owned by a process, as an Erlang port is: what the socket
 * reads arrives in the owner's mailbox as {@link SocketData}, its end or
 * failure as a {@link SocketEvent}, and the owner's death closes it.
 *
 * Reads use Node's `onread` mode: the kernel copies into one static buffer
 * shared by every socket (no 64 KB allocation per read, no stream
 * machinery), and each read is copied out into a right-sized Buffer for the
 * message (the owner may handle it after the next read has reused the
 * static buffer). Reading stops while the owner is {@link pause}d.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import { type Proc } from "../../../runtime/process.js";

/** Bytes read from the socket. */
export class SocketData {
  constructor(readonly data: Buffer) {}
}

/** The socket ended (`error` undefined: the peer closed) or failed. */
export interface SocketEvent {
  readonly kind: "socket";
  readonly error: string | undefined;
}

const STATIC = Buffer.allocUnsafe(64 * 1024);
/** Output waiting in the socket beyond which text is written as Buffers (see writeString). */
const STRING_BACKLOG = 64 * 1024 * 1024;

/**
 * Copies of reads, carved from a shared slab (as Buffer.allocUnsafe does
 * from its pool, without its argument checks); small reads, the common
 * case, are copied byte by byte, which beats a native copy's call cost.
 */
let slab = Buffer.allocUnsafeSlow(64 * 1024);
let slabAt = 0;
function copyOut(src: Buffer, n: number): Buffer {
  if (n > 8192) {
    const big = Buffer.allocUnsafeSlow(n);
    src.copy(big, 0, 0, n);
    return big;
  }
  if (slabAt + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(64 * 1024);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + n);
  if (n <= 256) for (let i = 0; i < n; i++) out[i] = src[i]!;
  else src.copy(out, 0, 0, n);
  slabAt = (slabAt + n + 7) & ~7;
  return out;
}

type HandleSocket = net.Socket & { _handle: unknown };

/** What a connection needs of its socket (a {@link SocketPort}; benchmarks pass a null device). */
export interface Port {
  readonly remote: string;
  readonly local: string;
  readonly fd: number;
  readonly ended: boolean;
  readonly paused: boolean;
  readonly buffered: number;
  /** Replies written here go nowhere (a replica's master client): the connection does not encode them. */
  readonly discards?: boolean;
  write(buf: Buffer): void;
  /** Latin1 text (one char per byte). */
  writeText(text: string): void;
  /** Several pieces in one system call. */
  writeMany(parts: readonly (string | Buffer)[]): void;
  pause(): void;
  resume(): void;
  end(): void;
  kill(why: string): void;
  close(): void;
}

export class SocketPort implements Port {
  readonly socket: net.Socket;
  readonly remote: string;
  readonly local: string;
  readonly fd: number;
  /** True once `end` (graceful) or `kill` (abrupt) was called. */
  ended = false;
  paused = false;
  private told = false;

  /**
   * Takes over an accepted socket (created with `pauseOnConnect`). The
   * original `net.Socket` object is dropped: its handle now belongs to a
   * socket in `onread` mode.
   */
  constructor(
    accepted: net.Socket,
    private readonly owner: Proc,
    /**
     * `allowHalfOpen`: the peer's end (a half-close) is told to the owner,
     * which may still write its pending replies before it ends the socket.
     */
    opts: { allowHalfOpen?: boolean } = {},
  ) {
    const handle = (accepted as HandleSocket)._handle;
    const rt = owner.rt;
    const sock = new net.Socket({
      handle: handle as never,
      allowHalfOpen: opts.allowHalfOpen ?? false,
      onread: {
        buffer: STATIC,
        callback: (n: number, buf: Uint8Array) => {
          rt.deliver(owner, new SocketData(copyOut(buf as Buffer, n)));
          return !this.paused;
        },
      },
    } as net.SocketConstructorOpts);
    this.socket = sock;
    this.remote = `${accepted.remoteAddress}:${accepted.remotePort}`;
    this.local = `${accepted.localAddress}:${accepted.localPort}`;
    this.fd = (handle as { fd?: number } | null)?.fd ?? -1;
    // The handle is the new socket's now: the accepted one must never touch it again.
    (accepted as HandleSocket)._handle = null;
    sock.setNoDelay(true);
    sock.on("error", (e: Error) => this.tell((e as NodeJS.ErrnoException).code ?? e.message));
    sock.on("end", () => this.tell(undefined));
    sock.on("close", () => this.tell(undefined));
  }

  private tell(error: string | undefined): void {
    if (this.told) return;
    this.told = true;
    const ev: SocketEvent = { kind: "socket", error };
    this.owner.rt.deliver(this.owner, ev);
  }

  write(buf: Buffer): void {
    if (!this.ended) this.socket.write(buf);
  }

  writeText(text: string): void {
    if (!this.ended) this.writeString(text);
  }

  writeMany(parts: readonly (string | Buffer)[]): void {
    if (this.ended) return;
    const s = this.socket;
    if (parts.length > 1) s.cork();
    for (const p of parts) {
      if (typeof p === "string") this.writeString(p);
      else s.write(p);
    }
    if (parts.length > 1) s.uncork();
  }

  /**
   * Node sends the strings waiting behind a write in progress with one
   * writev, which copies them all into one allocation and fails (ENOBUFS,
   * the socket dies) past 2 GB: behind a large backlog, text goes as bytes.
   */
  private writeString(text: string): void {
    const s = this.socket;
    if (s.writableLength + text.length <= STRING_BACKLOG) s.write(text, "latin1");
    else s.write(Buffer.from(text, "latin1"));
  }

  /** Bytes accepted by `write` and not yet taken by the kernel. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  pause(): void {
    this.paused = true; // the read callback's `false` stops the handle reading
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** Sends what is written, then closes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.end();
  }

  /** Closes at once, dropping unsent output (and tells the owner, which ends). */
  kill(why: string): void {
    this.ended = true;
    this.socket.destroy();
    this.tell(why);
  }

  /** The owner is gone: a graceful end finishes on its own, anything else is cut. */
  close(): void {
    if (this.socket.destroyed) return;
    if (this.socket.writableEnded) return;
    this.ended = true;
    this.socket.destroy();
  }
}
