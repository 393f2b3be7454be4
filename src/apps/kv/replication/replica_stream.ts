/**
 * The bytes a replica reads from its primary, cut into what they mean, as
 * Redis' replica reads them (replication.c: syncWithMaster's replies,
 * readSyncBulkPayload, then the master client's query buffer):
 *
 * 1. handshake reply lines (`+PONG`, `+OK`, `-NOAUTH ...`), one per command
 *    the replica sent, up to `+FULLRESYNC <replid> <offset>` or
 *    `+CONTINUE [<replid>]`;
 * 2. after `+FULLRESYNC`: newlines the primary sends while it prepares the
 *    snapshot, then the RDB payload, `$<len>\r\n` and `len` bytes, or (the
 *    disk-less form) `$EOF:<40 bytes>\r\n`, the RDB, and the same 40 bytes;
 * 3. then (and right after `+CONTINUE`) the replication stream: commands as
 *    RESP arrays, read by the same parser as clients' requests
 *    (resp/resp.ts), each with the stream offset where it ends.
 *
 * The bytes are untrusted: anything else raises {@link ReplStreamError},
 * and the link closes with its reason (never the server).
 *
 * @example
 * const d = new ReplicaStream();
 * d.push(Buffer.from("+FULLRESYNC 8de1...40 0\r\n$3\r\nabc*1\r\n$4\r\nPING\r\n"));
 * // [{kind:"line",...}, {kind:"rdb-begin",total:3}, {kind:"rdb",data:<abc>}, {kind:"command",argv:["PING"],end:14}]
 */
import { KvError } from "../errors.js";
import { RespParser, RespProtocolError, type RespLimits } from "../resp/resp.js";

/** The primary sent bytes that are not the protocol. */
export class ReplStreamError extends KvError {
  constructor(readonly reason: string) {
    super(`bad replication stream from the primary: ${reason}`);
  }
}

export type ReplicaEvent =
  /** A handshake reply, without its CRLF. */
  | { readonly kind: "line"; readonly text: string }
  /** The RDB payload starts: its length, or -1 for the EOF-marked form. */
  | { readonly kind: "rdb-begin"; readonly total: number }
  /** The whole RDB payload. */
  | { readonly kind: "rdb"; readonly data: Buffer }
  /** A command of the stream; `end`: stream bytes up to its last (counted from the stream's start). */
  | { readonly kind: "command"; readonly argv: string[]; readonly end: number };

/** Longest handshake line or payload header (Redis reads them with a 1 KB buffer; its PROTO_INLINE_MAX_SIZE for slack). */
const MAX_LINE = 64 * 1024;
/** Length of the EOF mark of the disk-less form (Redis' RDB_EOF_MARK_SIZE). */
export const EOF_MARK_SIZE = 40;

type Mode = "lines" | "payload-header" | "rdb-len" | "rdb-eof" | "stream";

/** The reader of each mode before the stream: it consumes what it can and gives back the rest. */
const STEPS = { lines: "line", "payload-header": "payloadHeader", "rdb-len": "rdbLen", "rdb-eof": "rdbEof" } as const;

export class ReplicaStream {
  private mode: Mode = "lines";
  /** Bytes of a line or header not complete yet. */
  private partial: Buffer = Buffer.alloc(0);
  /** The RDB payload read so far. */
  private rdbParts: Buffer[] = [];
  /** RDB bytes read (the EOF form: including the mark, until it is found). */
  rdbRead = 0;
  private rdbTotal = 0;
  private mark: Buffer | null = null;
  /** The last bytes of the EOF-form payload so far (a mark may straddle two reads). */
  private tail: Buffer = Buffer.alloc(0);
  private parser: RespParser | null = null;
  /** Stream bytes fed to the parser. */
  private fed = 0;
  /** Stream bytes not taken yet ({@link take}), from stream offset `rawAt`. */
  private raw: Buffer[] = [];
  private rawAt = 0;

  constructor(private readonly limits: Partial<RespLimits> = {}) {}

  /** In the replication stream (after a sync, or a +CONTINUE). */
  get streaming(): boolean {
    return this.mode === "stream";
  }

  /** Cuts `chunk` (and what was pending) into events; throws {@link ReplStreamError}. */
  push(chunk: Buffer): ReplicaEvent[] {
    const out: ReplicaEvent[] = [];
    let buf = chunk;
    while (buf.length > 0) {
      if (this.mode === "stream") {
        this.stream(buf, out);
        break;
      }
      buf = this[STEPS[this.mode]](buf, out);
    }
    return out;
  }

  /** One CRLF-ended line out of partial + buf, or everything kept while none is complete. */
  private takeLine(buf: Buffer): [string, Buffer] | null {
    const nl = buf.indexOf(10);
    if (nl < 0) {
      if (this.partial.length + buf.length > MAX_LINE) throw new ReplStreamError("line too long");
      this.partial = Buffer.concat([this.partial, buf]);
      return null;
    }
    const whole = this.partial.length > 0 ? Buffer.concat([this.partial, buf.subarray(0, nl)]) : buf.subarray(0, nl);
    this.partial = EMPTY;
    if (whole.length > MAX_LINE) throw new ReplStreamError("line too long");
    const end = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
    return [whole.toString("latin1", 0, end), buf.subarray(nl + 1)];
  }

  /** @internal */
  line(buf: Buffer, out: ReplicaEvent[]): Buffer {
    const got = this.takeLine(buf);
    if (got === null) return EMPTY;
    const [text, rest] = got;
    if (text === "") return rest; // Redis' replica skips the newlines a primary sends as keepalives
    if (text[0] !== "+" && text[0] !== "-") throw new ReplStreamError(`unexpected reply '${printable(text)}' during the handshake`);
    out.push({ kind: "line", text });
    if (text.startsWith("+FULLRESYNC")) this.mode = "payload-header";
    else if (text.startsWith("+CONTINUE")) this.startStream();
    return rest;
  }

  /** @internal */
  payloadHeader(buf: Buffer, out: ReplicaEvent[]): Buffer {
    const got = this.takeLine(buf);
    if (got === null) return EMPTY;
    const [text, rest] = got;
    if (text === "") return rest;
    if (text[0] === "-") throw new ReplStreamError(`the primary aborted the sync: ${printable(text.slice(1))}`);
    if (text[0] !== "$") throw new ReplStreamError(`bad protocol from the primary, the first byte is not '$' (we received '${printable(text)}')`);
    if (text.startsWith("$EOF:")) {
      const mark = text.slice(5);
      if (mark.length !== EOF_MARK_SIZE) throw new ReplStreamError("bad EOF mark in the payload header");
      this.mark = Buffer.from(mark, "latin1");
      this.mode = "rdb-eof";
      this.rdbTotal = -1;
    } else {
      if (!/^\d{1,15}$/.test(text.slice(1))) throw new ReplStreamError(`bad payload length '${printable(text.slice(1))}'`);
      this.rdbTotal = Number(text.slice(1));
      this.mode = "rdb-len";
    }
    this.rdbParts = [];
    this.rdbRead = 0;
    this.tail = EMPTY;
    out.push({ kind: "rdb-begin", total: this.rdbTotal });
    if (this.mode === "rdb-len" && this.rdbTotal === 0) this.rdbDone(out, Buffer.alloc(0));
    return rest;
  }

  /** @internal */
  rdbLen(buf: Buffer, out: ReplicaEvent[]): Buffer {
    const need = this.rdbTotal - this.rdbRead;
    const take = buf.length <= need ? buf : buf.subarray(0, need);
    this.rdbParts.push(take);
    this.rdbRead += take.length;
    if (this.rdbRead === this.rdbTotal) this.rdbDone(out, Buffer.concat(this.rdbParts, this.rdbTotal));
    return buf.subarray(take.length);
  }

  /** @internal */
  rdbEof(buf: Buffer, out: ReplicaEvent[]): Buffer {
    const mark = this.mark!;
    const probe = this.tail.length > 0 ? Buffer.concat([this.tail, buf]) : buf;
    const at = probe.indexOf(mark);
    if (at < 0) {
      this.rdbParts.push(buf);
      this.rdbRead += buf.length;
      this.tail = Buffer.from(probe.subarray(Math.max(0, probe.length - (EOF_MARK_SIZE - 1))));
      return EMPTY;
    }
    // The mark ends the payload: it starts `at` bytes into tail + buf.
    const inBuf = at - this.tail.length;
    const all = Buffer.concat([...this.rdbParts, buf.subarray(0, Math.max(0, inBuf))]);
    const data = inBuf >= 0 ? all : all.subarray(0, all.length + inBuf);
    this.rdbRead = data.length;
    this.rdbDone(out, data);
    return buf.subarray(inBuf + EOF_MARK_SIZE);
  }

  private rdbDone(out: ReplicaEvent[], data: Buffer): void {
    this.rdbParts = [];
    this.tail = EMPTY;
    out.push({ kind: "rdb", data });
    this.startStream();
  }

  private startStream(): void {
    this.mode = "stream";
    this.parser = new RespParser(this.limits);
    this.fed = 0;
    this.raw = [];
    this.rawAt = 0;
  }

  /** The stream's bytes, verbatim, from where the last take stopped up to `upto` (a command's `end`). */
  take(upto: number): Buffer {
    const parts: Buffer[] = [];
    let need = upto - this.rawAt;
    while (need > 0 && this.raw.length > 0) {
      const b = this.raw[0]!;
      if (b.length <= need) {
        parts.push(b);
        this.raw.shift();
        need -= b.length;
        this.rawAt += b.length;
      } else {
        parts.push(b.subarray(0, need));
        this.raw[0] = b.subarray(need);
        this.rawAt += need;
        need = 0;
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private stream(buf: Buffer, out: ReplicaEvent[]): void {
    const n = this.streamCommands(buf);
    for (let i = 0; i < n; i++) out.push({ kind: "command", argv: this.cmds[i]!, end: this.ends[i]! });
  }

  /**
   * What {@link streamCommands} read: its commands, and where each ends (as
   * a command event's `end`). New arrays each call: young objects stored
   * into a long-lived array would cost a write barrier each.
   */
  cmds: string[][] = [];
  ends: number[] = [];

  /**
   * In the stream ({@link streaming}): `chunk`'s complete commands into
   * {@link cmds} and {@link ends}, without an event each (the replica's hot
   * path); their count. Throws {@link ReplStreamError} before any is given.
   */
  streamCommands(chunk: Buffer): number {
    const p = this.parser!;
    const cmds: string[][] = [];
    const ends: number[] = [];
    this.cmds = cmds;
    this.ends = ends;
    this.raw.push(chunk);
    try {
      p.feed(chunk);
      this.fed += chunk.length;
      for (;;) {
        const argv = p.next();
        if (argv === null) break;
        cmds.push(argv);
        ends.push(this.fed - p.buffered);
      }
    } catch (e) {
      // Nothing of a chunk that failed is given.
      cmds.length = 0;
      ends.length = 0;
      if (e instanceof RespProtocolError) throw new ReplStreamError(e.reason);
      throw e;
    }
    return cmds.length;
  }
}

const EMPTY = Buffer.alloc(0);

/** A reply's text for a log line: control bytes escaped, at most 128 characters. */
function printable(s: string): string {
  const t = s.length > 128 ? `${s.slice(0, 128)}...` : s;
  return t.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
