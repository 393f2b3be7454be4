/**
 * The incremental RESP request parser: feed it socket chunks as they arrive,
 * take complete commands out as argv arrays of latin1 strings (one char per
 * byte, so binary-safe). It accepts what redis-server 7.0 accepts, byte for
 * byte (`processMultibulkBuffer` / `processInlineBuffer` in networking.c),
 * quirks included: the two bytes after a header's `\r` and after a bulk's
 * payload are skipped unchecked, a NUL byte hides the rest of a header line
 * (Redis searches it with `strchr`), and an inline line may be quoted.
 *
 * Malformed input raises one {@link RespProtocolError} carrying Redis' reply
 * text; the connection sends the replies of the commands before it, then
 * that error, and closes (the parser stays failed).
 *
 * @example
 * const p = new RespParser();
 * p.feed(Buffer.from("*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n"));
 * p.next(); // ["GET", "k"]
 * p.next(); // ["PING"] (inline)
 * p.next(); // null: need more bytes
 */
import { ChunkBuffer, EMPTY, type LatinBuffer } from "../chunk_buffer.js";
import { KvError } from "../errors.js";

/** Redis' PROTO_INLINE_MAX_SIZE: longest inline line or header line without its `\r`. */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Redis' PROTO_MBULK_BIG_ARG: a bulk at least this long is collected chunk by chunk. */
const BIG_ARG = 32 * 1024;
/** V8's String::kMaxLength on 64-bit: no JS string (so no value) can be longer. */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;
/** C's INT_MAX: the largest multibulk count Redis accepts. */
const INT_MAX = 2 ** 31 - 1;

export interface RespLimits {
  /**
   * `proto-max-bulk-len` (Redis' default 512 MB): a longer bulk is refused
   * on its header, before any of it is buffered. Values longer than
   * {@link MAX_STRING_LENGTH} (24 bytes under 512 MB) are refused too.
   */
  maxBulkLen: number;
  /**
   * `client-query-buffer-limit` (Redis' default 1 GB): buffered bytes plus
   * the arguments already parsed of the command being read. Over it the
   * connection is closed without a reply, as Redis does. (Redis 7.0 counts
   * only the unparsed buffer; counting the parsed arguments too is what keeps
   * a `*2147483647` command from growing without bound.)
   */
  maxQueryBuffer: number;
}

export const DEFAULT_LIMITS: Readonly<RespLimits> = Object.freeze({
  maxBulkLen: 512 * 1024 * 1024,
  maxQueryBuffer: 1024 * 1024 * 1024,
});

/** Bad request bytes: `reply` is the error to send before closing (null: close silently). */
export class RespProtocolError extends KvError {
  constructor(
    /** The error reply without the leading `-` (`ERR Protocol error: ...`), or null. */
    readonly reply: string | null,
    /** Short reason, as Redis logs it. */
    readonly reason: string,
  ) {
    super(reply ?? reason);
  }
}

const NO_ARGS: string[] = [];
const REQ_NONE = 0;
const REQ_INLINE = 1;
const REQ_MULTIBULK = 2;


const fcc = String.fromCharCode;

/**
 * buf[at, at + n) as a latin1 string. Short ones (command names, keys,
 * small values) through String.fromCharCode with the bytes as arguments:
 * measured 2-6x cheaper than the latin1Slice binding below 17 bytes.
 */
export function latin1(b: LatinBuffer, at: number, n: number): string {
  switch (n) {
    case 0: return "";
    case 1: return fcc(b[at]!);
    case 2: return fcc(b[at]!, b[at + 1]!);
    case 3: return fcc(b[at]!, b[at + 1]!, b[at + 2]!);
    case 4: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
    case 5: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!);
    case 6: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!);
    case 7: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    case 8: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    case 9: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!);
    case 10: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!);
    case 11: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!);
    case 12: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!);
    case 13: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!);
    case 14: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!);
    case 15: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!);
    case 16: return fcc(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!, b[at + 8]!, b[at + 9]!, b[at + 10]!, b[at + 11]!, b[at + 12]!, b[at + 13]!, b[at + 14]!, b[at + 15]!);
    default: return b.latin1Slice(at, at + n);
  }
}

/** Per-connection parser state: where we are in the command being read. */
export class RespParser extends ChunkBuffer {
  /** Set by the connection while AUTH is required: then Redis refuses counts > 10 and bulks > 16384. */
  authRequired = false;
  readonly limits: RespLimits;

  private reqType = REQ_NONE;
  /** Arguments still to read of the current multibulk (0: reading its count). */
  private multibulkLen = 0;
  /** Length of the bulk being read, or -1 when its `$` header comes next. */
  private bulkLen = -1;
  private argv: string[] = [];
  /** Bytes held by argv (plus a per-argument overhead), for the query buffer limit. */
  private argvBytes = 0;
  /** A big bulk's chunks, concatenated once complete. */
  private bigParts: Buffer[] | null = null;
  private bigHave = 0;
  private failed: RespProtocolError | null = null;
  /** The last command name made by {@link name}. */
  private lastName = "";
  /**
   * Where the command {@link next} returned last lies in {@link rawBuf},
   * when its bytes are exactly what the RESP writer would encode for its
   * argv (so they may be forwarded as they are); -1 otherwise.
   */
  rawStart = -1;
  rawEnd = -1;
  /** Whether to mark commands' bytes ({@link rawStart}) at all: the checks cost ~130 instructions a command. */
  markRaw = false;

  constructor(limits: Partial<RespLimits> = {}) {
    super();
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes buffered and not yet returned as commands (for CLIENT LIST's qbuf). */
  get buffered(): number {
    return this.end - this.pos + this.bigHave;
  }

  /**
   * Appends a chunk. Throws the {@link RespProtocolError} of the query buffer
   * limit (no reply) when the pending command grows past it. The chunk is
   * read where it lies: its bytes must not change while commands marked in
   * it ({@link rawStart}) may still be forwarded.
   */
  feed(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (chunk.length === 0) return;
    if (this.bigParts !== null) {
      const need = this.bulkLen + 2 - this.bigHave;
      if (chunk.length <= need) {
        this.bigParts.push(chunk as Buffer);
        this.bigHave += chunk.length;
        this.checkQueryBuffer();
        return;
      }
      this.bigParts.push((chunk as Buffer).subarray(0, need));
      this.bigHave += need;
      chunk = (chunk as Buffer).subarray(need);
    }
    // Parsed where it lies when nothing is pending.
    this.append(chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.checkQueryBuffer();
  }

  /**
   * The next complete command, or null when more bytes are needed. Empty
   * commands (`*0`, `*-1`, blank inline lines) are skipped, as Redis does.
   * Throws {@link RespProtocolError} on malformed input, and again on every
   * later call.
   */
  next(): string[] | null {
    if (this.failed) throw this.failed;
    this.rawStart = -1;
    for (;;) {
      if (this.bigParts !== null) {
        if (this.bigHave < this.bulkLen + 2) return null;
        const whole = Buffer.concat(this.bigParts, this.bigHave) as LatinBuffer;
        this.bigParts = null;
        this.bigHave = 0;
        this.pushArg(whole.latin1Slice(0, this.bulkLen));
        if (this.multibulkLen === 0) return this.done();
      }
      if (this.pos >= this.end) {
        this.release();
        return null;
      }
      if (this.reqType === REQ_NONE) {
        if (this.buf[this.pos] === 42 /* * */) {
          const fast = this.authRequired ? undefined : this.whole();
          if (fast !== undefined) return fast;
          this.reqType = REQ_MULTIBULK;
        } else {
          this.reqType = REQ_INLINE;
        }
      }
      const argv = this.reqType === REQ_MULTIBULK ? this.multibulk() : this.inline();
      if (argv === null) return null;
      if (argv.length > 0) return argv;
    }
  }

  /**
   * The bytes {@link rawStart} and {@link rawEnd} index: a socket chunk,
   * never rewritten (the parser's own store, which is, never has a
   * command's bytes marked).
   */
  get rawBuf(): Buffer {
    return this.buf;
  }

  /** Drops references to consumed chunks, and a store grown by one odd request. */
  private release(): void {
    this.dropConsumed();
  }

  private done(): string[] {
    const argv = this.argv;
    this.argv = [];
    this.argvBytes = 0;
    this.reqType = REQ_NONE;
    this.bulkLen = -1;
    return argv;
  }

  private pushArg(arg: string): void {
    this.argv.push(arg);
    this.argvBytes += arg.length + 16;
    this.multibulkLen--;
    this.bulkLen = -1;
  }

  private fail(reply: string | null, reason: string): never {
    // Redis maps CR and LF in error texts to spaces (addReplyErrorFormat).
    this.failed = new RespProtocolError(reply === null ? null : reply.replace(/[\r\n]/g, " "), reason);
    this.buf = EMPTY as LatinBuffer;
    this.store = EMPTY;
    this.pos = this.end = 0;
    this.argv = [];
    this.bigParts = null;
    throw this.failed;
  }

  private checkQueryBuffer(): void {
    if (this.end - this.pos + this.bigHave + this.argvBytes > this.limits.maxQueryBuffer) {
      this.fail(null, "query buffer limit reached");
    }
  }

  private advance(to: number): void {
    this.pos = to;
    this.scanned = 0;
  }

  /**
   * What `strchr(buf + pos, ch)` finds in Redis' NUL-terminated query buffer:
   * the index of the first `ch`, or -1 when a NUL byte or the end of the data
   * comes first.
   */
  private findLineEnd(ch: number): number {
    const buf = this.buf;
    const end = this.end;
    if (this.scanned < 0) return -1; // a NUL hides the rest until pos moves
    let i = this.pos + this.scanned;
    while (i < end) {
      const b = buf[i]!;
      if (b === ch) return i;
      if (b === 0) {
        this.scanned = -1;
        return -1;
      }
      i++;
    }
    this.scanned = end - this.pos;
    return -1;
  }

  /**
   * A header's decimal number after its type byte at `at`, ending at the
   * `\r` at `cr`, with Redis' string2ll rules (no sign but `-`, no leading
   * zeros, at most 20 chars, int64). NaN when invalid.
   */
  private headerNumber(at: number, cr: number): number {
    const buf = this.buf;
    const len = cr - at;
    if (len === 0 || len >= 21) return NaN;
    let i = at;
    let neg = false;
    if (len === 1 && buf[i] === 48) return 0;
    if (buf[i] === 45 /* - */) {
      neg = true;
      i++;
      if (i === cr) return NaN;
    }
    const first = buf[i]!;
    if (first < 49 || first > 57) return NaN;
    let v = 0;
    for (let j = i; j < cr; j++) {
      const d = buf[j]! - 48;
      if (d < 0 || d > 9) return NaN;
      v = v * 10 + d;
    }
    if (cr - i > 15) {
      // Inexact past 2^53: only the int64 range matters (every caller refuses such numbers
      // but "*-huge", which is an empty command unless string2ll finds it out of range).
      const big = BigInt(buf.latin1Slice(i, cr));
      if (neg ? big > 2n ** 63n : big >= 2n ** 63n) return NaN;
    }
    return neg ? -v : v;
  }

  /**
   * Reads a `*`/`$` header at pos: the number, or null (need more), after
   * raising the "too big" error Redis gives when 64 KB pass without a `\r`.
   */
  private header(tooBig: string, tooBigReason: string): number | null {
    const buf = this.buf;
    const end = this.end;
    // Fast path: "0" or 1-10 digits without a leading zero, then `\r` and one more byte.
    let i = this.pos + 1;
    if (i < end) {
      const first = buf[i]! - 48;
      if (first >= 0 && first <= 9) {
        let v = first;
        i++;
        if (first !== 0) {
          const stop = Math.min(end, i + 9);
          for (; i < stop; i++) {
            const d = buf[i]! - 48;
            if (d < 0 || d > 9) break;
            v = v * 10 + d;
          }
        }
        if (i + 1 < end && buf[i] === 13) {
          this.advance(i + 2);
          return v;
        }
      }
    }
    // Slow path: Redis' exact rules.
    const cr = this.findLineEnd(13);
    if (cr < 0) {
      if (end - this.pos > INLINE_MAX_SIZE) this.fail(tooBig, tooBigReason);
      return null;
    }
    if (cr + 1 >= end) return null; // "Buffer should also contain \n" (never checked to be one)
    return NaN; // "parse it with headerNumber": the caller checks the type byte first
  }

  /**
   * The common case in one pass with locals only: a whole, plain multibulk
   * command (count 1..999999, bulks of "0" or 1..9 digits up to 64 KB)
   * already buffered. Undefined when anything else is found: the general
   * state machine below then reads the same bytes from the same place, so
   * this path changes speed, never results.
   */
  private whole(): string[] | undefined {
    const buf = this.buf;
    const end = this.end;
    let i = this.pos + 1;
    let count = 0;
    for (let d = 0; ; d++) {
      if (i >= end) return undefined;
      const c = buf[i]! - 48;
      if (c < 0 || c > 9) break;
      if ((d === 0 && c === 0) || d === 6) return undefined;
      count = count * 10 + c;
      i++;
    }
    if (count === 0 || buf[i] !== 13 || i + 1 >= end) return undefined;
    // Canonical: every byte Redis skips unchecked after a `\r` or a payload is the `\r\n` the writer would put
    // there (`odd` collects the differences; read only when marking: the loads cost ~110 instructions a command).
    const mark = this.markRaw;
    let odd = mark ? buf[i + 1]! ^ 10 : 1;
    i += 2;
    const argv = new Array<string>(count);
    const max = Math.min(this.limits.maxBulkLen, 65536);
    for (let a = 0; a < count; a++) {
      if (i >= end || buf[i] !== 36 /* $ */) return undefined;
      i++;
      let len = 0;
      for (let d = 0; ; d++) {
        if (i >= end) return undefined;
        const c = buf[i]! - 48;
        if (c < 0 || c > 9) break;
        if ((d === 1 && len === 0) || d === 9) return undefined;
        len = len * 10 + c;
        i++;
      }
      if (buf[i] !== 13 || buf[i - 1] === 36 || len > max) return undefined;
      i += 2;
      if (i + len + 2 > end) return undefined;
      if (mark) odd |= buf[i - 1]! ^ 10;
      argv[a] = a === 0 ? this.name(buf, i, len) : latin1(buf, i, len);
      i += len + 2;
      if (mark) odd |= (buf[i - 2]! ^ 13) | (buf[i - 1]! ^ 10);
    }
    if (odd === 0 && buf !== this.store) {
      this.rawStart = this.pos;
      this.rawEnd = i;
    }
    this.advance(i);
    return argv;
  }

  /**
   * A command's name: the previous command's string again when the bytes
   * are the same (a pipeline repeats its command), instead of a new string
   * to make, hash and collect.
   */
  private name(buf: LatinBuffer, at: number, n: number): string {
    const last = this.lastName;
    if (n === last.length) {
      let same = true;
      for (let j = 0; j < n; j++) {
        if (buf[at + j] !== last.charCodeAt(j)) {
          same = false;
          break;
        }
      }
      if (same) return last;
    }
    const s = latin1(buf, at, n);
    if (n <= 32) this.lastName = s;
    return s;
  }

  private multibulk(): string[] | null {
    const buf = this.buf;
    if (this.multibulkLen === 0) {
      const start = this.pos;
      let ll = this.header("ERR Protocol error: too big mbulk count string", "too big mbulk count string");
      if (ll === null) return null;
      if (Number.isNaN(ll)) {
        const cr = this.findLineEnd(13);
        ll = this.headerNumber(start + 1, cr);
        this.advance(cr + 2);
      }
      if (Number.isNaN(ll) || ll > INT_MAX) this.fail("ERR Protocol error: invalid multibulk length", "invalid mbulk count");
      if (ll > 10 && this.authRequired) this.fail("ERR Protocol error: unauthenticated multibulk length", "unauth mbulk count");
      if (ll <= 0) {
        this.reqType = REQ_NONE;
        return NO_ARGS;
      }
      this.multibulkLen = ll;
    }
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const start = this.pos;
        if (start >= this.end) return null;
        let ll = this.header("ERR Protocol error: too big bulk count string", "too big bulk count string");
        if (ll === null) return null;
        if (buf[start] !== 36 /* $ */) {
          this.fail(`ERR Protocol error: expected '$', got '${String.fromCharCode(buf[start]!)}'`, "expected $ but got something else");
        }
        if (Number.isNaN(ll)) {
          const cr = this.findLineEnd(13);
          ll = this.headerNumber(start + 1, cr);
          this.advance(cr + 2);
        }
        if (Number.isNaN(ll) || ll < 0 || ll > this.limits.maxBulkLen || ll > MAX_STRING_LENGTH) {
          this.fail("ERR Protocol error: invalid bulk length", "invalid bulk length");
        }
        if (ll > 16384 && this.authRequired) this.fail("ERR Protocol error: unauthenticated bulk length", "unauth bulk length");
        this.bulkLen = ll;
        const have = this.end - this.pos;
        if (ll >= BIG_ARG && have < ll + 2) {
          // Collect the chunks of a big argument and copy them once, at the end.
          this.bigParts = have > 0 ? [this.buf.subarray(this.pos, this.end)] : [];
          if (this.buf === this.store) this.store = EMPTY; // the part above now owns it
          this.bigHave = have;
          this.buf = EMPTY as LatinBuffer;
          this.pos = this.end = 0;
          this.scanned = 0;
          return null;
        }
      }
      const from = this.pos;
      if (this.end - from < this.bulkLen + 2) return null;
      this.advance(from + this.bulkLen + 2); // the two bytes after the payload are not checked
      this.pushArg(latin1(this.buf, from, this.bulkLen));
    }
    return this.done();
  }

  private inline(): string[] | null {
    const nl = this.findLineEnd(10);
    if (nl < 0) {
      if (this.end - this.pos > INLINE_MAX_SIZE) this.fail("ERR Protocol error: too big inline request", "too big inline request");
      return null;
    }
    let lineEnd = nl;
    if (lineEnd > this.pos && this.buf[lineEnd - 1] === 13) lineEnd--;
    const argv = splitArgs(this.buf, this.pos, lineEnd);
    if (argv === null) this.fail("ERR Protocol error: unbalanced quotes in request", "unbalanced quotes in inline request");
    this.advance(nl + 1);
    this.reqType = REQ_NONE;
    return argv;
  }
}

/** C's isspace in the C locale. */
function isSpace(b: number | undefined): boolean {
  return b === 32 || (b !== undefined && b >= 9 && b <= 13);
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/**
 * Redis' sdssplitargs over buf[from, to): words split by blanks, with
 * "double quotes" (escapes `\n \r \t \b \a \xHH`, `\c` = c) and 'single
 * quotes' (only `\'`). Null when a quote is unbalanced or a closing quote is
 * followed by something other than a blank.
 */
export function splitArgs(buf: Buffer, from: number, to: number): string[] | null {
  const out: string[] = [];
  const at = (i: number): number | undefined => (i < to ? buf[i] : undefined);
  let p = from;
  for (;;) {
    while (p < to && isSpace(buf[p])) p++;
    if (p >= to) return out;
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    for (let done = false; !done; ) {
      const c = at(p);
      if (inq) {
        if (c === 92 && at(p + 1) === 120 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          cur.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== undefined) {
          p++;
          const e = at(p)!;
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (at(p + 1) !== undefined && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (at(p + 1) !== undefined && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (c === undefined || c === 32 || c === 10 || c === 13 || c === 9) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        cur.push(c);
      }
      if (c !== undefined) p++;
    }
    out.push(Buffer.from(cur).toString("latin1"));
  }
}
