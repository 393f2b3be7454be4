/**
 * memcached binary-protocol frames for tests: a request builder, a
 * response splitter, and a connection driven step by step (each step's
 * frames then a NOOP whose response marks the end of the step's).
 */
import net from "node:net";

export interface FrameFields {
  key?: string;
  extras?: Buffer;
  value?: string;
  cas?: bigint;
  opaque?: number;
  /** Overrides (malformed frames). */
  magic?: number;
  keylen?: number;
  extlen?: number;
  bodylen?: number;
}

/** A request frame (latin1 key and value). */
export function frame(opcode: number, f: FrameFields = {}): Buffer {
  const key = Buffer.from(f.key ?? "", "latin1");
  const extras = f.extras ?? Buffer.alloc(0);
  const value = Buffer.from(f.value ?? "", "latin1");
  const h = Buffer.alloc(24);
  h[0] = f.magic ?? 0x80;
  h[1] = opcode;
  h.writeUInt16BE(f.keylen ?? key.length, 2);
  h[4] = f.extlen ?? extras.length;
  h.writeUInt32BE(f.bodylen ?? extras.length + key.length + value.length, 8);
  h.writeUInt32BE(f.opaque ?? 0, 12);
  h.writeBigUInt64BE(f.cas ?? 0n, 16);
  return Buffer.concat([h, extras, key, value]);
}

/** Extras of set/add/replace: flags, expiration. */
export function storeExtras(flags: number, exptime: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags >>> 0, 0);
  b.writeUInt32BE(exptime >>> 0, 4);
  return b;
}

/** Extras of incr/decr: delta, initial, expiration. */
export function arithExtras(delta: bigint, initial: bigint, exptime: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE(delta, 0);
  b.writeBigUInt64BE(initial, 8);
  b.writeUInt32BE(exptime >>> 0, 16);
  return b;
}

/** A 4-byte expiration (touch, gat, flush). */
export function u32Extras(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export interface BinResponse {
  magic: number;
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  value: string;
}

/** Splits bytes into response frames; `rest` is an incomplete tail. */
export function splitResponses(b: Buffer): { frames: BinResponse[]; rest: Buffer } {
  const frames: BinResponse[] = [];
  let i = 0;
  while (b.length - i >= 24) {
    const keylen = b.readUInt16BE(i + 2);
    const extlen = b[i + 4]!;
    const bodylen = b.readUInt32BE(i + 8);
    if (b.length - i < 24 + bodylen) break;
    const body = b.subarray(i + 24, i + 24 + bodylen);
    frames.push({
      magic: b[i]!,
      opcode: b[i + 1]!,
      status: b.readUInt16BE(i + 6),
      opaque: b.readUInt32BE(i + 12),
      cas: b.readBigUInt64BE(i + 16),
      extras: Buffer.from(body.subarray(0, extlen)),
      key: body.subarray(extlen, extlen + keylen).toString("latin1"),
      value: body.subarray(extlen + keylen).toString("latin1"),
    });
    i += 24 + bodylen;
  }
  return { frames, rest: b.subarray(i) };
}

const SENTINEL_OPAQUE = 0xfeedf00d;
const SENTINEL = frame(0x0a, { opaque: SENTINEL_OPAQUE });

/** One binary connection: `step` sends frames and a NOOP, and returns the responses before the NOOP's (or all until a close). */
export class McBinConnection {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<McBinConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1");
      s.setNoDelay(true);
      s.once("connect", () => resolve(new McBinConnection(s)));
      s.once("error", reject);
    });
  }

  step(bytes: Buffer, sentinel = true): Promise<{ frames: BinResponse[]; closed: boolean; raw: Buffer }> {
    return new Promise((resolve) => {
      const check = (): void => {
        const { frames, rest } = splitResponses(this.buf);
        const end = frames.findIndex((f) => f.opcode === 0x0a && f.opaque === SENTINEL_OPAQUE);
        if (end >= 0 || this.closed || (!sentinel && frames.length > 0 && rest.length === 0)) {
          this.waiting = null;
          const raw = this.buf;
          this.buf = Buffer.alloc(0);
          resolve({ frames: end >= 0 ? frames.slice(0, end) : frames, closed: end < 0 && this.closed, raw });
        }
      };
      this.waiting = check;
      this.socket.write(sentinel ? Buffer.concat([bytes, SENTINEL]) : bytes);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
