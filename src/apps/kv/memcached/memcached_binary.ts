/**
 * memcached's binary protocol (magic 0x80 requests, 0x81 responses), read
 * the way memcached 1.6.18's proto_bin.c reads it: a 24-byte header
 * (opcode, key length, extras length, body length, opaque, CAS, all big
 * endian), the extras and key, then for the storage and SASL commands the
 * value. The frame checks are dispatch_bin_command's, in its order: a
 * body shorter than key + extras is `Unknown command` and a close; a key
 * over 250 bytes or extras/key/body lengths an opcode does not take are
 * `Invalid arguments` and a close; an unknown opcode is `Unknown command`
 * and then (memcached's quirk, kept) its body length is skipped once more
 * after the extras and key already read; a value over the item size limit
 * is `Too large.` and skipped. A first byte other than 0x80 on a binary
 * connection closes it without a reply.
 *
 * Responses are built here too ({@link binResponse}) as latin1 strings, so
 * they travel the text protocol's reply path unchanged.
 *
 * @example
 * const p = new McBinParser();
 * p.feed(frame); // a GET of "k"
 * p.next(); // { kind: "bin", opcode: 0, cmd: 0, quiet: false, key: "k", ... }
 */
import { ChunkBuffer, EMPTY, type LatinBuffer } from "../chunk_buffer.js";
import { DEFAULT_MC_LIMITS, ITEM_OVERHEAD, KEY_MAX_LENGTH, type McLimits } from "./memcached_parser.js";
import { CHUNK_BYTES } from "../resp/resp_writer.js";

export const REQ_MAGIC = 0x80;
export const RES_MAGIC = 0x81;
export const HEADER_LEN = 24;

/** Opcodes (protocol_binary.h). */
export const OP = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  QUIT: 0x07,
  FLUSH: 0x08,
  GETQ: 0x09,
  NOOP: 0x0a,
  VERSION: 0x0b,
  GETK: 0x0c,
  GETKQ: 0x0d,
  APPEND: 0x0e,
  PREPEND: 0x0f,
  STAT: 0x10,
  SETQ: 0x11,
  ADDQ: 0x12,
  REPLACEQ: 0x13,
  DELETEQ: 0x14,
  INCREMENTQ: 0x15,
  DECREMENTQ: 0x16,
  QUITQ: 0x17,
  FLUSHQ: 0x18,
  APPENDQ: 0x19,
  PREPENDQ: 0x1a,
  TOUCH: 0x1c,
  GAT: 0x1d,
  GATQ: 0x1e,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
  SASL_STEP: 0x22,
  GATK: 0x23,
  GATKQ: 0x24,
} as const;

/** Response statuses. */
export const STATUS = {
  SUCCESS: 0x00,
  KEY_ENOENT: 0x01,
  KEY_EEXISTS: 0x02,
  E2BIG: 0x03,
  EINVAL: 0x04,
  NOT_STORED: 0x05,
  DELTA_BADVAL: 0x06,
  AUTH_ERROR: 0x20,
  UNKNOWN_COMMAND: 0x81,
  ENOMEM: 0x82,
} as const;

/** write_bin_error's text for each status. */
export const STATUS_TEXT: Record<number, string> = {
  [STATUS.ENOMEM]: "Out of memory",
  [STATUS.UNKNOWN_COMMAND]: "Unknown command",
  [STATUS.KEY_ENOENT]: "Not found",
  [STATUS.EINVAL]: "Invalid arguments",
  [STATUS.KEY_EEXISTS]: "Data exists for key.",
  [STATUS.E2BIG]: "Too large.",
  [STATUS.DELTA_BADVAL]: "Non-numeric server-side value for incr or decr",
  [STATUS.NOT_STORED]: "Not stored.",
  [STATUS.AUTH_ERROR]: "Auth failure.",
};

/** The quiet opcodes and what they are quiet versions of. */
const QUIET: Record<number, number> = {
  [OP.SETQ]: OP.SET,
  [OP.ADDQ]: OP.ADD,
  [OP.REPLACEQ]: OP.REPLACE,
  [OP.DELETEQ]: OP.DELETE,
  [OP.INCREMENTQ]: OP.INCREMENT,
  [OP.DECREMENTQ]: OP.DECREMENT,
  [OP.QUITQ]: OP.QUIT,
  [OP.FLUSHQ]: OP.FLUSH,
  [OP.APPENDQ]: OP.APPEND,
  [OP.PREPENDQ]: OP.PREPEND,
  [OP.GETQ]: OP.GET,
  [OP.GETKQ]: OP.GETK,
  [OP.GATQ]: OP.GAT,
  [OP.GATKQ]: OP.GATK,
};

/** MAX_SASL_MECH_LEN. */
const MAX_SASL_MECH_LEN = 32;

/** One well-formed request. */
export interface BinCommand {
  readonly kind: "bin";
  /** As sent (the response echoes it). */
  readonly opcode: number;
  /** The opcode with quiet versions mapped to the loud ones. */
  readonly cmd: number;
  readonly quiet: boolean;
  readonly key: string;
  readonly extras: Buffer;
  /** The value (set/add/replace/append/prepend, SASL data), latin1. */
  readonly value: string;
  readonly cas: bigint;
  readonly opaque: number;
}

/** A response to send without running anything (an error). */
export interface BinReply {
  readonly kind: "bin_reply";
  readonly text: string;
}

/** A value over the item size limit: answered E2BIG, skipped; a set also drops the key's value (memcached does). */
export interface BinTooLarge {
  readonly kind: "bin_too_large";
  readonly opcode: number;
  readonly opaque: number;
  readonly key: string;
  readonly set: boolean;
}

export interface BinClose {
  readonly kind: "close";
  readonly reason: string;
}

export type BinRequest = BinCommand | BinReply | BinTooLarge | BinClose;

/**
 * A response frame as a latin1 string (large values as pieces, never
 * joined): header, extras, key, value.
 */
export function binResponse(opcode: number, status: number, opaque: number, cas: bigint | number, extras = "", key = "", value = ""): string | string[] {
  const h = Buffer.allocUnsafe(HEADER_LEN);
  h[0] = RES_MAGIC;
  h[1] = opcode;
  h.writeUInt16BE(key.length, 2);
  h[4] = extras.length;
  h[5] = 0;
  h.writeUInt16BE(status, 6);
  h.writeUInt32BE(extras.length + key.length + value.length, 8);
  h.writeUInt32BE(opaque >>> 0, 12);
  h.writeBigUInt64BE(BigInt(cas), 16);
  const head = h.toString("latin1") + extras + key;
  return value.length < CHUNK_BYTES ? head + value : [head, value];
}

/** An error response: the status and its text (or `text`). */
export function binError(opcode: number, status: number, opaque: number, text = STATUS_TEXT[status] ?? ""): string {
  return binResponse(opcode, status, opaque, 0, "", "", text) as string;
}

const S_HEADER = 0;
const S_VALUE = 1;
const S_SWALLOW = 2;
const S_CLOSED = 3;

interface Head {
  opcode: number;
  cmd: number;
  quiet: boolean;
  key: string;
  extras: Buffer;
  cas: bigint;
  opaque: number;
}

/** Per-connection binary-protocol parser. */
export class McBinParser extends ChunkBuffer {
  readonly limits: McLimits;
  /** SASL is on and the client has not authenticated: every command but SASL's and VERSION is refused (and the connection closed). */
  authRequired = false;
  private state = S_HEADER;
  private need = 0;
  private head: Head | null = null;
  private closeAfter: string | null = null;

  constructor(limits: Partial<McLimits> = {}) {
    super();
    this.limits = { ...DEFAULT_MC_LIMITS, ...limits };
  }

  get closed(): boolean {
    return this.state === S_CLOSED;
  }

  /** Bytes held and not yet returned as requests. */
  get buffered(): number {
    return this.end - this.pos;
  }

  feed(chunk: Uint8Array): void {
    if (this.state === S_CLOSED || chunk.length === 0) return;
    let c = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.state === S_SWALLOW && this.pos === this.end) {
      const n = Math.min(this.need, c.length);
      this.need -= n;
      if (this.need > 0) return;
      this.state = S_HEADER;
      c = c.subarray(n);
      if (c.length === 0) return;
    }
    this.append(c);
  }

  next(): BinRequest | null {
    for (;;) {
      if (this.closeAfter !== null) return this.close(this.closeAfter);
      switch (this.state) {
        case S_CLOSED:
          return null;
        case S_SWALLOW: {
          const n = Math.min(this.need, this.end - this.pos);
          this.pos += n;
          this.need -= n;
          if (this.need > 0) return this.release();
          this.state = S_HEADER;
          break;
        }
        case S_VALUE: {
          if (this.end - this.pos < this.need) return null;
          const h = this.head!;
          const value = this.buf.latin1Slice(this.pos, this.pos + this.need);
          this.pos += this.need;
          this.state = S_HEADER;
          this.head = null;
          return { kind: "bin", ...h, value };
        }
        default: {
          const r = this.frame();
          if (r !== undefined) return r;
        }
      }
    }
  }

  private release(): null {
    if (this.pos >= this.end) this.dropConsumed();
    return null;
  }

  private close(reason: string): BinClose {
    this.state = S_CLOSED;
    this.closeAfter = null;
    this.buf = EMPTY as LatinBuffer;
    this.store = EMPTY;
    this.pos = this.end = 0;
    return { kind: "close", reason };
  }

  /** Answers `text`, then closes. */
  private fatal(text: string, reason: string): BinReply {
    this.closeAfter = reason;
    return { kind: "bin_reply", text };
  }

  private skip(n: number): void {
    if (n > 0) {
      this.state = S_SWALLOW;
      this.need = n;
    }
  }

  /** try_read_command_binary + dispatch_bin_command: a request, null (need more), or undefined (go on). */
  private frame(): BinRequest | null | undefined {
    const buf = this.buf;
    const p = this.pos;
    if (this.end - p < HEADER_LEN) {
      if (this.end > p && buf[p] !== REQ_MAGIC) return this.close("bad magic");
      return this.release();
    }
    if (buf[p] !== REQ_MAGIC) return this.close("bad magic");
    const opcode = buf[p + 1]!;
    const keylen = buf.readUInt16BE(p + 2);
    const extlen = buf[p + 4]!;
    const bodylen = buf.readUInt32BE(p + 8);
    const opaque = buf.readUInt32BE(p + 12);
    const cas = buf.readBigUInt64BE(p + 16);
    if (this.end - p < HEADER_LEN + extlen + keylen) return null;
    const extras = Buffer.from(buf.subarray(p + HEADER_LEN, p + HEADER_LEN + extlen));
    const key = buf.latin1Slice(p + HEADER_LEN + extlen, p + HEADER_LEN + extlen + keylen);
    this.pos = p + HEADER_LEN + extlen + keylen;
    if (keylen > bodylen || keylen + extlen > bodylen) return this.fatal(binError(opcode, STATUS.UNKNOWN_COMMAND, opaque), "bad frame lengths");
    if (this.authRequired && opcode !== OP.SASL_LIST_MECHS && opcode !== OP.SASL_AUTH && opcode !== OP.SASL_STEP && opcode !== OP.VERSION) {
      return this.fatal(binError(opcode, STATUS.AUTH_ERROR, opaque), "unauthenticated");
    }
    const loud = QUIET[opcode];
    const cmd = loud ?? opcode;
    const quiet = loud !== undefined;
    const invalid = (): BinReply => this.fatal(binError(opcode, STATUS.EINVAL, opaque), "protocol error");
    if (keylen > KEY_MAX_LENGTH) return invalid();
    const head: Head = { opcode, cmd, quiet, key, extras, cas, opaque };
    const vlen = bodylen - keylen - extlen;
    const now = (): BinCommand => ({ kind: "bin", ...head, value: "" });
    switch (cmd) {
      case OP.VERSION:
      case OP.NOOP:
      case OP.QUIT:
      case OP.SASL_LIST_MECHS:
        return extlen === 0 && keylen === 0 && bodylen === 0 ? now() : invalid();
      case OP.FLUSH:
        return keylen === 0 && bodylen === extlen && (extlen === 0 || extlen === 4) ? now() : invalid();
      case OP.SET:
      case OP.ADD:
      case OP.REPLACE:
        if (!(extlen === 8 && keylen !== 0 && bodylen >= keylen + 8)) return invalid();
        return this.value(head, vlen, cmd === OP.SET);
      case OP.GET:
      case OP.GETK:
        return extlen === 0 && bodylen === keylen && keylen > 0 ? now() : invalid();
      case OP.DELETE:
        return keylen > 0 && extlen === 0 && bodylen === keylen ? now() : invalid();
      case OP.INCREMENT:
      case OP.DECREMENT:
        return keylen > 0 && extlen === 20 && bodylen === keylen + extlen ? now() : invalid();
      case OP.APPEND:
      case OP.PREPEND:
        if (!(keylen > 0 && extlen === 0)) return invalid();
        return this.value(head, vlen, false);
      case OP.STAT:
        // A body past the key is not read: memcached parses it as the next frame.
        return extlen === 0 ? now() : invalid();
      case OP.SASL_AUTH:
      case OP.SASL_STEP:
        if (!(extlen === 0 && keylen !== 0)) return invalid();
        if (keylen > MAX_SASL_MECH_LEN || keylen + vlen + ITEM_OVERHEAD > this.limits.itemSizeMax) {
          // memcached cannot allocate an item that large for the SASL data: ENOMEM.
          this.skip(vlen);
          return { kind: "bin_reply", text: binError(opcode, keylen > MAX_SASL_MECH_LEN ? STATUS.EINVAL : STATUS.ENOMEM, opaque) };
        }
        this.state = S_VALUE;
        this.need = vlen;
        this.head = head;
        return undefined;
      case OP.TOUCH:
      case OP.GAT:
      case OP.GATK:
        return extlen === 4 && keylen !== 0 ? now() : invalid();
    }
    this.skip(bodylen);
    return { kind: "bin_reply", text: binError(opcode, STATUS.UNKNOWN_COMMAND, opaque) };
  }

  /** The value of a storage command, or E2BIG (skipped) past the item size limit. */
  private value(head: Head, vlen: number, set: boolean): BinRequest | undefined {
    if (head.key.length + vlen + ITEM_OVERHEAD > this.limits.itemSizeMax) {
      this.skip(vlen);
      return { kind: "bin_too_large", opcode: head.opcode, opaque: head.opaque, key: head.key, set };
    }
    this.state = S_VALUE;
    this.need = vlen;
    this.head = head;
    return undefined;
  }
}
