/**
 * The incremental memcached text-protocol parser: feed it socket chunks,
 * take requests out. It reads what memcached 1.6 reads, the way
 * proto_text.c does (`try_read_command_ascii`, `tokenize_command`,
 * `process_*_command`): a line ends at `\n` (a `\r` before it is dropped),
 * is cut at its first NUL (memcached uses strlen), split on spaces only,
 * 23 tokens at most (get's keys continue past that); numbers are read with
 * C's strtol/strtoul and memcached's `safe_strto*` checks, truncated to
 * 32 bits where memcached stores them in 32-bit fields (flags 4294967297
 * is 1; exptime 4294967295 is -1). A storage command's data block is
 * exactly `<bytes>` + 2 bytes, binary-safe, and must end in `\r\n`.
 *
 * Requests come out in order; an error memcached answers without running
 * anything comes out as an {@link McError} with its exact text, already
 * dropped when the command asked for `noreply` (memcached suppresses those
 * too, but not the `ERROR` of a wrong token count, which comes before
 * `noreply` is looked at). Quirks kept because clients can see them: a
 * storage line with a bad key or number is answered and its data block is
 * then read as a command line (usually `ERROR`); a data block of the wrong
 * length is `CLIENT_ERROR bad data chunk` and what follows it is read as
 * commands; an object too large is refused and its data swallowed.
 *
 * Limits (memcached's, with safe defaults): a key is at most 250 bytes
 * and, unlike memcached which only documents it, may not contain control
 * characters (bytes below 0x21 and 0x7f; spaces separate tokens anyway):
 * `CLIENT_ERROR bad command line format`, as for a long key. An item
 * (key + value + memcached's 59 bytes of item header) is at most
 * `itemSizeMax` (memcached's `-I`, 1 MB). A line is at most 2048 bytes,
 * except a get/gets line (memcached grows its buffer for big multigets),
 * bounded here by `maxGetLine`; past either the connection is closed
 * without a reply, as memcached does. memcached applies its 2048 only to
 * what it has buffered without a newline, so a longer line that arrives
 * in one read passes there; here the bound holds for every line, so the
 * outcome never depends on how the bytes were chunked.
 *
 * @example
 * const p = new McParser();
 * p.feed(Buffer.from("set k 5 0 2\r\nhi\r\nget k\r\n"));
 * p.next(); // { kind: "store", op: "set", key: "k", flags: 5, exptime: 0, value: "hi", ... }
 * p.next(); // { kind: "get", keys: ["k"], cas: false, touch: false, ... }
 * p.next(); // null: need more bytes
 */
import { ChunkBuffer, EMPTY, type LatinBuffer } from "../chunk_buffer.js";
import { META_MAX_TOKENS, base64Decode, longOpaque, metaFlags } from "./memcached_meta_flags.js";
import { cNumber, i32, u32, u64 } from "./memcached_numbers.js";

export { cNumber };


/** memcached's KEY_MAX_LENGTH. */
export const KEY_MAX_LENGTH = 250;
/** Bytes memcached 1.6 adds to key + value when sizing an item (header, CAS, NUL, CRLF): measured against memcached -I 1m and -I 2m. */
export const ITEM_OVERHEAD = 59;
/** The longest command line memcached buffers without a newline (but for get/gets). */
export const LINE_MAX = 2048;
/** V8's String::kMaxLength on 64-bit: no value can be longer. */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

export interface McLimits {
  /** memcached's item_size_max (`-I`, default 1 MB): key + value + {@link ITEM_OVERHEAD} at most. */
  itemSizeMax: number;
  /** The longest get/gets line (memcached: unbounded). */
  maxGetLine: number;
}

export const DEFAULT_MC_LIMITS: Readonly<McLimits> = Object.freeze({
  itemSizeMax: 1024 * 1024,
  maxGetLine: 1024 * 1024,
});

export type StoreOp = "set" | "add" | "replace" | "append" | "prepend" | "cas";

/** get, gets (`cas`), gat, gats (`touch`: exptime first), bget. */
export interface McGet {
  readonly kind: "get";
  readonly cas: boolean;
  readonly touch: boolean;
  readonly exptime: number;
  readonly keys: string[];
  /**
   * A key past `keys` was invalid: memcached has looked up (and counted,
   * and touched) the keys before it when it finds out, then answers
   * `CLIENT_ERROR bad command line format` instead of the values.
   */
  readonly badKey: boolean;
}

export interface McStore {
  readonly kind: "store";
  readonly op: StoreOp;
  readonly key: string;
  /** 32-bit unsigned. */
  readonly flags: number;
  /** As memcached's int32 exptime: 0 never, negative expired, up to 30 days relative, else unix time. */
  readonly exptime: number;
  readonly value: string;
  /** cas: the unique given (0n for the other ops). */
  readonly cas: bigint;
  readonly noreply: boolean;
}

/** A storage command refused as too large: its data was swallowed; a `set` deletes the key (memcached does, so no stale value stays). */
export interface McTooLarge {
  readonly kind: "too_large";
  readonly op: StoreOp;
  readonly key: string;
  readonly noreply: boolean;
}

export interface McDelete {
  readonly kind: "delete";
  readonly key: string;
  readonly noreply: boolean;
}

export interface McArith {
  readonly kind: "arith";
  readonly incr: boolean;
  readonly key: string;
  /** 64-bit unsigned. */
  readonly delta: bigint;
  readonly noreply: boolean;
}

export interface McTouch {
  readonly kind: "touch";
  readonly key: string;
  readonly exptime: number;
  readonly noreply: boolean;
}

export interface McFlushAll {
  readonly kind: "flush_all";
  /** Seconds (int32, exptime rules); 0 = now. */
  readonly delay: number;
  readonly noreply: boolean;
}

/** `stats` with its words after the name (empty for the general stats). */
export interface McStats {
  readonly kind: "stats";
  readonly args: string[];
}

export interface McSimple {
  readonly kind: "version" | "quit" | "verbosity";
  readonly noreply: boolean;
}

/** A reply without running anything (`ERROR`, `CLIENT_ERROR ...`, `SERVER_ERROR ...`), without its CRLF. */
export interface McError {
  readonly kind: "error";
  readonly text: string;
}

/** A data block not ending in CRLF: `CLIENT_ERROR bad data chunk`, counted in cmd_set (memcached counts it before checking). */
export interface McBadChunk {
  readonly kind: "bad_chunk";
  readonly key: string;
  readonly noreply: boolean;
}

/** Close the connection without a reply (a line over the limit, an HTTP request). The parser is done. */
export interface McClose {
  readonly kind: "close";
  readonly reason: string;
}

/** A meta command (mg, md, ma, me): the key (decoded when base64), its flag tokens as sent (checked). */
export interface McMetaCommand {
  readonly kind: "meta";
  readonly cmd: "mg" | "md" | "ma" | "me";
  readonly key: string;
  readonly tokens: string[];
}

/** ms with its data block. */
export interface McMetaSet {
  readonly kind: "meta_set";
  readonly key: string;
  readonly tokens: string[];
  readonly value: string;
}

export type McRequest = McMetaCommand | McMetaSet | McGet | McStore | McBadChunk | McTooLarge | McDelete | McArith | McTouch | McFlushAll | McStats | McSimple | McError | McClose;

export const ERROR = "ERROR";
export const BAD_FORMAT = "CLIENT_ERROR bad command line format";
export const BAD_CHUNK = "CLIENT_ERROR bad data chunk";
export const BAD_EXPTIME = "CLIENT_ERROR invalid exptime argument";
export const BAD_DELTA = "CLIENT_ERROR invalid numeric delta argument";
export const BAD_DELETE = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
export const TOO_LARGE = "SERVER_ERROR object too large for cache";
const SHUTDOWN_DISABLED = "ERROR: shutdown not enabled";

function error(text: string): McError {
  return { kind: "error", text };
}

const ERROR_REQ = error(ERROR);
/** mn's reply: nothing to run, it only marks the end of a quiet pipeline. */
const MN_REQ = error("MN");

/** memcached's MAX_TOKENS - 1: tokens a line is split into before the rest is left as one. */
const MAX_TOKENS = 23;
/** Collected chunk by chunk (one copy at the end) when a data block is at least this long. */
const BIG_DATA = 32 * 1024;


const MODE_LINE = 0;
const MODE_DATA = 1;
const MODE_SWALLOW = 2;
const MODE_CLOSED = 3;

/** A storage command whose data block is being read. */
interface Pending {
  op: StoreOp;
  key: string;
  flags: number;
  exptime: number;
  cas: bigint;
  noreply: boolean;
  vlen: number;
  /** ms: its flag tokens (null for the text storage commands). */
  meta: string[] | null;
}

/** A valid key: 1-250 bytes, none of them a control character (or space, which never reaches here). */
export function validKey(k: string): boolean {
  const n = k.length;
  if (n > KEY_MAX_LENGTH) return false;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x21 || c === 0x7f) return false;
  }
  return true;
}

/**
 * memcached's tokenize_command: words separated by spaces (only), at most
 * {@link MAX_TOKENS}; `rest` is what follows the last one when the line was
 * not used up (null when it was).
 */
function tokenize(line: string): { tokens: string[]; rest: string | null } {
  const tokens: string[] = [];
  const n = line.length;
  let s = 0;
  let e = 0;
  for (; e < n; e++) {
    if (line.charCodeAt(e) === 32) {
      if (s !== e) {
        tokens.push(line.slice(s, e));
        if (tokens.length === MAX_TOKENS) {
          e++;
          s = e;
          break;
        }
      }
      s = e + 1;
    }
  }
  if (s !== e) tokens.push(line.slice(s, e));
  return { tokens, rest: e < n ? line.slice(e) : null };
}

/** Every word of a get line after the command (memcached re-tokenizes the rest 23 at a time: the same words). */
function allWords(tokens: string[], rest: string | null, from: number): string[] {
  const words = tokens.slice(from);
  if (rest !== null) for (const w of rest.split(" ")) if (w.length > 0) words.push(w);
  return words;
}

const STORE_OPS: Record<string, StoreOp> = {
  set: "set",
  add: "add",
  replace: "replace",
  append: "append",
  prepend: "prepend",
  cas: "cas",
};

/** Per-connection parser state. */
export class McParser extends ChunkBuffer {
  readonly limits: McLimits;
  private mode = MODE_LINE;
  private pending: Pending | null = null;
  /** MODE_DATA: bytes of the data block (with its CRLF); MODE_SWALLOW: bytes still to drop. */
  private need = 0;
  /** A big data block's chunks, concatenated once complete. */
  private parts: Buffer[] | null = null;
  private partsHave = 0;
  private closeReason = "";

  constructor(limits: Partial<McLimits> = {}) {
    super();
    this.limits = { ...DEFAULT_MC_LIMITS, ...limits };
    if (!(this.limits.itemSizeMax >= 1 && this.limits.itemSizeMax <= MAX_STRING_LENGTH)) {
      throw new RangeError(`itemSizeMax must be 1..${MAX_STRING_LENGTH}`);
    }
  }

  /** Bytes held and not yet returned as requests. */
  get buffered(): number {
    return this.end - this.pos + this.partsHave;
  }

  /** True once the parser asked to close the connection. */
  get closed(): boolean {
    return this.mode === MODE_CLOSED;
  }

  /** Appends a chunk (ignored once closed). */
  feed(chunk: Uint8Array): void {
    if (this.mode === MODE_CLOSED || chunk.length === 0) return;
    let c = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.pos === this.end) {
      if (this.mode === MODE_SWALLOW) {
        // Dropped as it comes: a 2 GB refused value costs nothing.
        const n = Math.min(this.need, c.length);
        this.need -= n;
        if (this.need > 0) return;
        this.mode = MODE_LINE;
        c = c.subarray(n);
        if (c.length === 0) return;
      } else if (this.parts !== null) {
        const n = Math.min(this.need - this.partsHave, c.length);
        this.parts.push(c.subarray(0, n));
        this.partsHave += n;
        c = c.subarray(n);
        if (c.length === 0) return;
      }
    }
    this.append(c);
  }

  /** The next request, or null when more bytes are needed (or the parser is closed, after its `close`). */
  next(): McRequest | null {
    for (;;) {
      switch (this.mode) {
        case MODE_CLOSED:
          return null;
        case MODE_SWALLOW: {
          const n = Math.min(this.need, this.end - this.pos);
          this.pos += n;
          this.need -= n;
          if (this.need > 0) return this.release();
          this.mode = MODE_LINE;
          break;
        }
        case MODE_DATA: {
          const r = this.data();
          if (r !== undefined) return r;
          break;
        }
        default: {
          if (this.pos >= this.end) return this.release();
          const r = this.line();
          if (r !== undefined) return r;
        }
      }
    }
  }

  /** Drops references to consumed chunks (and a store grown by one odd request); returns null. */
  private release(): null {
    if (this.pos >= this.end) this.dropConsumed();
    return null;
  }

  private close(reason: string): McClose {
    this.mode = MODE_CLOSED;
    this.closeReason = reason;
    this.buf = EMPTY as LatinBuffer;
    this.store = EMPTY;
    this.pos = this.end = 0;
    this.parts = null;
    this.partsHave = 0;
    this.pending = null;
    return { kind: "close", reason: this.closeReason };
  }

  /** A request, null (need more), or undefined (a line that answers nothing: go on). */
  private line(): McRequest | null | undefined {
    const buf = this.buf;
    const from = this.pos;
    const end = this.end;
    let nl = -1;
    for (let i = from + this.scanned; i < end; i++) {
      if (buf[i] === 10) {
        nl = i;
        break;
      }
    }
    if (nl < 0) {
      this.scanned = end - from;
      if (end - from > LINE_MAX && !this.lineMayGrow(from, end - from)) return this.close("line too long");
      return this.release();
    }
    const len = nl - from;
    if (len > LINE_MAX && !this.lineMayGrow(from, len)) return this.close("line too long");
    let stop = nl;
    if (len > 1 && buf[nl - 1] === 13) stop--;
    let line = buf.latin1Slice(from, stop);
    this.pos = nl + 1;
    this.scanned = 0;
    const z = line.indexOf("\0");
    if (z >= 0) line = line.slice(0, z);
    return this.command(line);
  }

  /** A get/gets line (after at most 100 spaces) may be up to maxGetLine; anything else is cut at LINE_MAX. */
  private lineMayGrow(from: number, len: number): boolean {
    if (len > this.limits.maxGetLine) return false;
    const buf = this.buf;
    let p = from;
    while (p < this.end && buf[p] === 32) p++;
    if (p - from > 100) return false;
    const w = buf.latin1Slice(p, Math.min(p + 5, this.end));
    return w.startsWith("get ") || w === "gets ";
  }

  /** process_command_ascii: one line (without its end) to a request, or undefined when nothing is answered. */
  private command(line: string): McRequest | undefined {
    const { tokens, rest } = tokenize(line);
    const nt = tokens.length + 1; // memcached counts the terminal token
    const name = tokens[0];
    if (name === undefined || name.length < 2) return ERROR_REQ;
    const first = name.charCodeAt(0);
    if (first === 109 /* m */ && name.length === 2) return this.meta(name, tokens);
    switch (name) {
      case "get":
      case "bget":
      case "gets":
      case "gat":
      case "gats":
        if (nt < 3) return ERROR_REQ;
        return this.get(name, tokens, rest);
      case "set":
      case "add":
      case "replace":
      case "append":
      case "prepend":
        if (nt !== 6 && nt !== 7) return ERROR_REQ;
        return this.update(STORE_OPS[name]!, tokens, false);
      case "cas":
        if (nt !== 7 && nt !== 8) return ERROR_REQ;
        return this.update("cas", tokens, true);
      case "incr":
      case "decr":
        if (nt !== 4 && nt !== 5) return ERROR_REQ;
        return this.arith(name === "incr", tokens);
      case "delete":
        if (nt < 3 || nt > 5) return ERROR_REQ;
        return this.delete(tokens);
      case "touch":
        if (nt !== 4 && nt !== 5) return ERROR_REQ;
        return this.touch(tokens);
      case "flush_all":
        if (nt < 2 || nt > 4) return ERROR_REQ;
        return this.flushAll(tokens);
      case "version":
        return { kind: "version", noreply: false };
      case "quit":
        return { kind: "quit", noreply: false };
      case "verbosity": {
        if (nt !== 3 && nt !== 4) return ERROR_REQ;
        const noreply = tokens[nt - 2] === "noreply";
        if (u32(tokens[1]!) === null) return noreply ? undefined : error(BAD_FORMAT);
        return { kind: "verbosity", noreply };
      }
      case "stats":
        return { kind: "stats", args: tokens.slice(1) };
      case "shutdown":
        return error(SHUTDOWN_DISABLED);
    }
    // Unknown: memcached dispatches on the first letter, and only past those checks an HTTP request is hung up on.
    if ("gsacidt".includes(name[0]!)) return ERROR_REQ;
    if (tokens[tokens.length - 1]!.startsWith("HTTP/")) return this.close("HTTP request");
    return ERROR_REQ;
  }

  private get(name: string, tokens: string[], rest: string | null): McRequest {
    const touch = name === "gat" || name === "gats";
    let exptime = 0;
    if (touch) {
      const e = i32(tokens[1]!);
      if (e === null) return error(BAD_EXPTIME);
      exptime = e;
    }
    const keys = allWords(tokens, rest, touch ? 2 : 1);
    let badKey = false;
    for (let i = 0; i < keys.length; i++) {
      if (!validKey(keys[i]!)) {
        keys.length = i;
        badKey = true;
        break;
      }
    }
    return { kind: "get", cas: name === "gets" || name === "gats", touch, exptime, keys, badKey };
  }

  /** process_update_command: the line of set/add/replace/append/prepend/cas. */
  private update(op: StoreOp, tokens: string[], handleCas: boolean): McRequest | undefined {
    const noreply = tokens[tokens.length - 1] === "noreply";
    const fail = noreply ? undefined : error(BAD_FORMAT);
    const key = tokens[1]!;
    if (!validKey(key)) return fail;
    const flags = u32(tokens[2]!);
    const exptime = flags === null ? null : i32(tokens[3]!);
    const vlen = exptime === null ? null : i32(tokens[4]!);
    if (vlen === null || exptime === null || flags === null) return fail;
    let cas = 0n;
    if (handleCas) {
      const c = u64(tokens[5]!);
      if (c === null) return fail;
      cas = c;
    }
    if (vlen < 0 || vlen > 2 ** 31 - 1 - 2) return fail;
    if (key.length + vlen + ITEM_OVERHEAD > this.limits.itemSizeMax) {
      this.mode = MODE_SWALLOW;
      this.need = vlen + 2;
      return { kind: "too_large", op, key, noreply };
    }
    this.pending = { op, key, flags, exptime, cas, noreply, vlen, meta: null };
    this.mode = MODE_DATA;
    this.need = vlen + 2;
    this.collectBig();
    return undefined;
  }

  /** Reads a pending data block of `need` bytes; a big one is collected chunk by chunk. */
  private collectBig(): void {
    if (this.need >= BIG_DATA && this.end - this.pos < this.need) {
      // Collect a big value's chunks and copy them once, at the end.
      this.parts = this.pos < this.end ? [this.buf.subarray(this.pos, this.end)] : [];
      if (this.buf === this.store) this.store = EMPTY; // the part above now owns it
      this.partsHave = this.end - this.pos;
      this.buf = EMPTY as LatinBuffer;
      this.pos = this.end = 0;
      this.scanned = 0;
    }
  }

  /** The data block of the pending storage command: the request, null (need more), or undefined (suppressed). */
  private data(): McRequest | null | undefined {
    const p = this.pending!;
    const need = this.need;
    let block: LatinBuffer;
    let at: number;
    if (this.parts !== null) {
      if (this.partsHave < need) return null;
      block = Buffer.concat(this.parts, need) as LatinBuffer;
      at = 0;
      this.parts = null;
      this.partsHave = 0;
    } else {
      if (this.end - this.pos < need) return this.release();
      block = this.buf;
      at = this.pos;
      this.pos += need;
    }
    this.pending = null;
    this.mode = MODE_LINE;
    if (block[at + need - 2] !== 13 || block[at + need - 1] !== 10) return { kind: "bad_chunk", key: p.key, noreply: p.noreply };
    const value = block.latin1Slice(at, at + p.vlen);
    if (p.meta !== null) return { kind: "meta_set", key: p.key, tokens: p.meta, value };
    return { kind: "store", op: p.op, key: p.key, flags: p.flags, exptime: p.exptime, value, cas: p.cas, noreply: p.noreply };
  }

  /**
   * A meta command line (process_mget/mset/mdelete/marithmetic/meta_command's
   * checks, in their order). Beyond memcached: a key that is not base64
   * may not hold control characters, as for the text commands.
   */
  private meta(name: string, tokens: string[]): McRequest | undefined {
    const nt = tokens.length + 1;
    const cmd = name[1];
    if (cmd === "n") return MN_REQ;
    if (cmd === "e") return this.metaDebug(tokens);
    if (cmd !== "g" && cmd !== "s" && cmd !== "d" && cmd !== "a") return ERROR_REQ;
    if (nt < 3) return ERROR_REQ;
    const raw = tokens[1]!;
    if (raw.length > KEY_MAX_LENGTH) return error(BAD_FORMAT);
    if (cmd === "s") return this.metaSet(raw, tokens);
    if (nt > META_MAX_TOKENS) return error(cmd === "g" ? "CLIENT_ERROR options flags are too long" : "CLIENT_ERROR options flags too long");
    const flags = tokens.slice(2);
    const f = metaFlags(raw, flags);
    if (f.error !== null) return error(cmd === "g" ? f.error : "CLIENT_ERROR invalid or duplicate flag");
    if (cmd === "a" && !"I+D-".includes(f.mode)) return error("CLIENT_ERROR invalid mode for ma M token");
    if (!f.binary && !validKey(raw)) return error(BAD_FORMAT);
    return { kind: "meta", cmd: name as "mg" | "md" | "ma", key: f.key, tokens: flags };
  }

  /** me: `me <key> [b]`. */
  private metaDebug(tokens: string[]): McRequest {
    const raw = tokens[1];
    if (raw === undefined || raw.length > KEY_MAX_LENGTH) return error(BAD_FORMAT);
    let key = raw;
    if (tokens[2] === "b") {
      const k = base64Decode(raw);
      if (k === null) return error(BAD_FORMAT);
      key = k;
    } else if (!validKey(raw)) return error(BAD_FORMAT);
    return { kind: "meta", cmd: "me", key, tokens: [] };
  }

  /** ms: `ms <key> <datalen> <flags>*`; once the length is read, a refused line's data block is swallowed. */
  private metaSet(raw: string, tokens: string[]): McRequest | undefined {
    const nt = tokens.length + 1;
    if (nt === 3) return error(BAD_FORMAT);
    if (nt > META_MAX_TOKENS) return error("CLIENT_ERROR options flags too long");
    const vlen = i32(tokens[2]!);
    if (vlen === null || vlen < 0 || vlen > 2 ** 31 - 1 - 2) return error(BAD_FORMAT);
    const flags = tokens.slice(3);
    const f = metaFlags(raw, flags);
    let refused: string | null = f.error;
    if (refused === null && longOpaque(flags)) refused = "CLIENT_ERROR opaque token too long";
    if (refused === null && !"SEAPR".includes(f.mode)) refused = "CLIENT_ERROR invalid mode for ms M token";
    if (refused === null && !f.binary && !validKey(raw)) refused = BAD_FORMAT;
    if (refused === null && f.key.length + vlen + ITEM_OVERHEAD > this.limits.itemSizeMax) {
      this.mode = MODE_SWALLOW;
      this.need = vlen + 2;
      // memcached drops the key's value whatever the mode, and answers even a quiet ms.
      return { kind: "too_large", op: "set", key: f.key, noreply: false };
    }
    if (refused !== null) {
      this.mode = MODE_SWALLOW;
      this.need = vlen + 2;
      return error(refused);
    }
    this.pending = { op: "set", key: f.key, flags: 0, exptime: 0, cas: 0n, noreply: false, vlen, meta: flags };
    this.mode = MODE_DATA;
    this.need = vlen + 2;
    this.collectBig();
    return undefined;
  }

  private arith(incr: boolean, tokens: string[]): McRequest | undefined {
    const noreply = tokens[tokens.length - 1] === "noreply";
    const key = tokens[1]!;
    if (!validKey(key)) return noreply ? undefined : error(BAD_FORMAT);
    const delta = u64(tokens[2]!);
    if (delta === null) return noreply ? undefined : error(BAD_DELTA);
    return { kind: "arith", incr, key, delta, noreply };
  }

  /** process_delete_command: `delete <key> [0] [noreply]` (the 0 is a legacy hold time). */
  private delete(tokens: string[]): McRequest | undefined {
    const nt = tokens.length + 1;
    let noreply = false;
    if (nt > 3) {
      const holdIsZero = tokens[2] === "0";
      noreply = tokens[nt - 2] === "noreply";
      const valid = (nt === 4 && (holdIsZero || noreply)) || (nt === 5 && holdIsZero && noreply);
      if (!valid) return noreply ? undefined : error(BAD_DELETE);
    }
    const key = tokens[1]!;
    if (!validKey(key)) return noreply ? undefined : error(BAD_FORMAT);
    return { kind: "delete", key, noreply };
  }

  private touch(tokens: string[]): McRequest | undefined {
    const noreply = tokens[tokens.length - 1] === "noreply";
    const key = tokens[1]!;
    if (!validKey(key)) return noreply ? undefined : error(BAD_FORMAT);
    const exptime = i32(tokens[2]!);
    if (exptime === null) return noreply ? undefined : error(BAD_EXPTIME);
    return { kind: "touch", key, exptime, noreply };
  }

  private flushAll(tokens: string[]): McRequest | undefined {
    const nt = tokens.length + 1;
    const noreply = tokens[nt - 2] === "noreply";
    let delay = 0;
    if (nt !== (noreply ? 3 : 2)) {
      const d = i32(tokens[1]!);
      if (d === null) return noreply ? undefined : error(BAD_EXPTIME);
      delay = d;
    }
    return { kind: "flush_all", delay, noreply };
  }
}
