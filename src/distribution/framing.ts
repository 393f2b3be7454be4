/**
 * Length-prefixed frames: a 2-byte length during the handshake, a 4-byte
 * length once connected (an empty 4-byte frame is a tick). A push parser:
 * socket chunks go in, whole frames come out, as views of the chunk when
 * a frame lies in one chunk (no copy), joined only when it spans several.
 *
 * @example
 * const r = new FrameReader(2, 128 << 20);
 * socket.on("data", (chunk) => r.push(chunk, (frame) => handle(frame)));
 */
import { DistProtocolError } from "./errors.js";

export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Set by the owner between frames: 2 during the handshake, 4 after. */
  lengthBytes: 2 | 4;
  /** Set to stop delivering (the connection closed while frames were queued). */
  stopped = false;

  constructor(
    lengthBytes: 2 | 4,
    /** Largest frame accepted (excluding its length prefix). */
    readonly maxFrame: number,
  ) {
    this.lengthBytes = lengthBytes;
  }

  /** Bytes held, waiting for the rest of a frame. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk; calls `emit` for each complete frame, in order. `emit`
   * may change {@link lengthBytes} or set {@link stopped}; both take effect
   * at the next frame.
   *
   * @throws DistProtocolError for a frame longer than `maxFrame`.
   */
  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void): void {
    if (this.buffered === 0) {
      // Fast path: parse straight out of this chunk.
      const rest = this.parse(chunk, emit);
      if (rest !== undefined && rest.length > 0) {
        this.chunks.push(rest);
        this.buffered = rest.length;
      }
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const n = this.lengthBytes;
    if (this.buffered < n) return;
    const head = this.peekLength();
    if (head > this.maxFrame) this.tooBig(head);
    if (this.buffered < n + head) return;
    // Copy out just the frame that completes, then parse the rest of this chunk in place.
    const whole = n + head;
    const before = this.buffered - chunk.length;
    const frame = this.join(whole);
    this.chunks = [];
    this.buffered = 0;
    emit(frame.subarray(n));
    if (this.stopped) return;
    const rest = chunk.subarray(whole - before);
    if (rest.length > 0) this.push(rest, emit);
  }

  /** Emits the whole frames in `buf`; returns the incomplete tail (a view). */
  private parse(buf: Uint8Array, emit: (frame: Uint8Array) => void): Uint8Array | undefined {
    let o = 0;
    const end = buf.length;
    while (!this.stopped) {
      const n = this.lengthBytes;
      if (end - o < n) break;
      const len = n === 2 ? (buf[o]! << 8) | buf[o + 1]! : ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
      if (len > this.maxFrame) this.tooBig(len);
      if (end - o - n < len) break;
      const start = o + n;
      o = start + len;
      emit(buf.subarray(start, o));
    }
    if (this.stopped) return undefined;
    return o === end ? undefined : buf.subarray(o);
  }

  private peekLength(): number {
    const n = this.lengthBytes;
    const b = new Uint8Array(n);
    let got = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length && got < n; i++) b[got++] = c[i]!;
      if (got === n) break;
    }
    return n === 2 ? (b[0]! << 8) | b[1]! : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** The first `size` buffered bytes, in one array. */
  private join(size: number): Uint8Array {
    const out = new Uint8Array(size);
    let o = 0;
    for (const c of this.chunks) {
      const take = Math.min(c.length, size - o);
      out.set(take === c.length ? c : c.subarray(0, take), o);
      o += take;
      if (o === size) break;
    }
    return out;
  }

  private tooBig(len: number): never {
    throw new DistProtocolError(`a frame of ${len} bytes (limit ${this.maxFrame})`);
  }
}
