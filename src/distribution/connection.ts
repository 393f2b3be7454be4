/**
 * An established distribution connection: 4-byte frames carrying control
 * messages, ticks, and the close.
 *
 * In: a frame is a tick (empty), a pass-through message (`112`, each term
 * with its version byte), a DIST_HEADER message (`131, 68`: the atom cache
 * references, then the control message and its payload) or a fragment
 * (`131, 69` DIST_FRAG_HEADER / `131, 70` DIST_FRAG_CONT, reassembled by
 * sequence id, bounded in count and bytes). The atom cache is this
 * connection's: 2,048 entries (8 segments of 256) that new-entry references
 * fill and later references reuse.
 *
 * Out: DIST_HEADER with no atom cache references (or, with the `atomCache`
 * option, atoms as references: see atom_cache.ts; the pass-through form
 * when the peer lacks DIST_HDR_ATOM_CACHE). Every frame is encoded
 * straight into one growing buffer; the frames of one turn of the event
 * loop leave in one socket write.
 *
 * Ticks follow dist_util:send_tick/2: every ticktime/intensity the owner
 * calls {@link Connection.tick}; a tick frame goes out if nothing else was
 * written since the last call (or, to a hidden peer, if nothing was read);
 * a peer from which nothing was read for `intensity` calls in a row is
 * down (`net_tick_timeout`).
 */
import { Atom, AtomTableFullError, atom, existingAtom } from "../term/atom.js";
import { t } from "../term/tuple.js";
import type { Pid, Ref } from "../term/identifiers.js";
import { type DecodeOptions, DEFAULT_JS_TERM_LIMITS, Decoder, Encoder, EtfDecodeError, Tag } from "../etf/index.js";
import type { Logger } from "../runtime/logger.js";
import { microtask } from "../runtime/microtask.js";
import { busyWait } from "./busy_wait.js";
import type { CarrierSocket } from "./carrier.js";
import { CachingEncoder } from "./atom_cache.js";
import { type ControlMessage, decodeControl, encodeControl } from "./control.js";
import { ControlCache, SentControl } from "./control_cache.js";
import { DistProtocolError } from "./errors.js";
import { DFLAG, type DistFlags } from "./flags.js";
import type { FrameReader } from "./framing.js";
import type { HandshakeResult } from "./handshake.js";
import type { ConnectionStats, DistConnection } from "./types.js";

export const DIST_HEADER = 68;
export const DIST_FRAG_HEADER = 69;
export const DIST_FRAG_CONT = 70;
export const PASS_THROUGH = 112;

export const CONNECTION_CLOSED = atom("connection_closed");
export const DISCONNECTED = atom("disconnected");
export const NET_TICK_TIMEOUT = atom("net_tick_timeout");
const PROTOCOL_ERROR = atom("protocol_error");
const HANDLER_CRASHED = atom("handler_crashed");

/** Writes above this size leave at once instead of at the end of the turn. */
const FLUSH_AT = 256 * 1024;
/** The output buffer shrinks back to this after a large message. */
const KEEP_BUFFER = 1 << 20;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const TICK = new Uint8Array(4);

/** What a connection reports to its owner (the transport). */
export interface ConnectionEvents {
  control(conn: Connection, msg: ControlMessage): void;
  down(conn: Connection, reason: unknown): void;
}

export interface ConnectionOptions {
  /** Send atoms through the atom cache (the pass-through form never does). */
  atomCache?: boolean;
  logger: Logger;
  decode: DecodeOptions;
  /** Most bytes held by partly received fragmented messages. */
  maxFragmentBytes: number;
  /** Most fragmented messages in progress at once. */
  maxFragmentedMessages: number;
  /** Tick checks without a read before the peer is down (net_tickintensity, default 4). */
  tickIntensity: number;
  /** Whether this node is hidden (then the connection is hidden too). */
  hidden: boolean;
  /** Told every pid and reference encoded (DistTransportOptions.exposed). */
  exposed?: ((id: Pid | Ref) => void) | undefined;
  /** DistTransportOptions.busyWaitUs. */
  busyWaitUs: number;
  /** The transport's clock (ms), for {@link ConnectionStats.lastTickIn}. */
  now?: () => number;
}

/** One fragmented message being reassembled. */
interface Partial {
  atoms: (Atom | undefined)[] | undefined;
  parts: Uint8Array[];
  bytes: number;
  /** The fragment id the next continuation must carry (they count down to 1). */
  next: bigint;
}

function u64(b: Uint8Array, o: number): bigint {
  const hi = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  const lo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function bad(what: string): never {
  throw new DistProtocolError(what);
}

/**
 * Parses a distribution header's atom cache references (after the `68`,
 * or after a DIST_FRAG_HEADER's ids) at `o`, updating `cache`; returns the
 * atoms of this message's references and the offset after them.
 */
export function readAtomCacheRefs(
  b: Uint8Array,
  o: number,
  cache: (Atom | undefined)[],
  existingOnly = false,
): { atoms: (Atom | undefined)[] | undefined; offset: number } {
  if (o >= b.length) bad("a distribution header without its atom cache reference count");
  const n = b[o++]!;
  if (n === 0) return { atoms: undefined, offset: o };
  const flagBytes = (n >> 1) + 1;
  if (o + flagBytes > b.length) bad("a distribution header cut in its flags");
  const flags = o;
  o += flagBytes;
  const lastNibble = (n & 1) === 0 ? b[flags + (n >> 1)]! & 0x0f : b[flags + (n >> 1)]! >> 4;
  const longAtoms = (lastNibble & 1) !== 0;
  const atoms: (Atom | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const byte = b[flags + (i >> 1)]!;
    const nib = (i & 1) === 0 ? byte & 0x0f : byte >> 4;
    const isNew = (nib & 8) !== 0;
    const segment = nib & 7;
    if (o >= b.length) bad("a distribution header cut in its atom cache references");
    const index = segment * 256 + b[o++]!;
    if (isNew) {
      let len: number;
      if (longAtoms) {
        if (o + 2 > b.length) bad("a distribution header cut in an atom length");
        len = (b[o]! << 8) | b[o + 1]!;
        o += 2;
      } else {
        if (o >= b.length) bad("a distribution header cut in an atom length");
        len = b[o++]!;
      }
      if (o + len > b.length) bad(`an atom cache entry of ${len} bytes past the frame's end`);
      let name: string;
      try {
        name = utf8.decode(b.subarray(o, o + len));
      } catch {
        return bad("an atom cache entry that is not UTF-8");
      }
      o += len;
      if ([...name].length > 255) bad("an atom cache entry longer than 255 characters");
      let a = existingAtom(name);
      if (a === undefined) {
        if (existingOnly) bad(`a new atom '${name.slice(0, 40)}' in the atom cache (existing atoms only)`);
        try {
          a = atom(name);
        } catch (e) {
          if (e instanceof AtomTableFullError) throw new DistProtocolError(`a new atom '${name.slice(0, 40)}' in the atom cache, and the ${e.message}`, { cause: e });
          throw e;
        }
      }
      cache[index] = a;
      atoms[i] = a;
    } else {
      const a = cache[index];
      if (a === undefined) bad(`a reference to the empty atom cache entry ${index}`);
      atoms[i] = a;
    }
  }
  return { atoms, offset: o };
}

export class Connection implements DistConnection {
  readonly peer: Atom;
  readonly peerFlags: DistFlags;
  readonly flags: DistFlags;
  readonly peerCreation: number;
  readonly hidden: boolean;
  open = true;
  readonly stats: ConnectionStats = {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    ticksIn: 0,
    ticksOut: 0,
    atomCacheRefsIn: 0,
    fragmentsIn: 0,
    lastTickIn: -1,
  };

  private readonly out = new Encoder();
  /** The message body with atoms as cache references, when the cache is used. */
  private readonly body: CachingEncoder | undefined;
  private flushQueued = false;
  private readonly passThrough: boolean;
  private readonly atomCache: (Atom | undefined)[] = new Array(2048);
  private readonly partials = new Map<bigint, Partial>();
  private partialBytes = 0;
  private readonly decodeWithCache: DecodeOptions;
  /** The last control message read without atom cache references (control_cache.ts). */
  private readonly lastControl: ControlCache;
  /** The last SEND / REG_SEND control tuple written without atom cache references. */
  private readonly sentControl = new SentControl();
  // Tick state (dist_util's #tick{}).
  private tickN = 0;
  private tickRead = 0;
  private tickWrite = 0;
  private ticked: number;

  constructor(
    private readonly socket: CarrierSocket,
    private readonly reader: FrameReader,
    hs: HandshakeResult,
    readonly initiated: boolean,
    private readonly opts: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.peer = hs.peer;
    this.peerFlags = hs.peerFlags;
    this.flags = hs.flags;
    this.peerCreation = hs.peerCreation;
    this.hidden = opts.hidden || (hs.flags & DFLAG.PUBLISHED) === 0n;
    this.passThrough = (hs.flags & DFLAG.DIST_HDR_ATOM_CACHE) === 0n;
    if (!this.passThrough && opts.atomCache === true) {
      this.body = new CachingEncoder();
      this.body.maxDepth = opts.decode.maxDepth ?? Infinity;
      this.body.lenient = DEFAULT_JS_TERM_LIMITS;
    }
    this.decodeWithCache = { ...opts.decode };
    this.lastControl = new ControlCache(opts.decode.local);
    this.out.maxDepth = opts.decode.maxDepth ?? Infinity;
    // What crosses the wire always has a term form: a class instance or an Error in a
    // message or exit reason is written as its JS term form (js_terms.ts), never refused.
    this.out.lenient = DEFAULT_JS_TERM_LIMITS;
    this.out.exposed = opts.exposed ?? null;
    // Nothing read in `intensity` checks from now on is a timeout (OTP starts at 0, which
    // never matches: a peer silent from the start would never time out).
    this.ticked = opts.tickIntensity;
    reader.lengthBytes = 4;
  }

  get queuedBytes(): number {
    return this.out.pos + this.socket.queuedBytes;
  }

  /** A socket chunk (the transport wires the reader to this after the handshake). */
  onData(chunk: Uint8Array): void {
    if (!this.open) return;
    this.stats.bytesIn += chunk.length;
    try {
      this.reader.push(chunk, this.frame);
    } catch (e) {
      this.fail(e);
    }
  }

  /** The socket closed. */
  onClose(error: Error | undefined): void {
    if (!this.open) return;
    if (error) this.log("info", `connection to ${this.peer.name} closed: ${error.message}`);
    this.shut(CONNECTION_CLOSED, false);
  }

  /** One whole frame (the handshake hands over those that came in its last chunk). */
  readonly frame = (frame: Uint8Array): void => {
    if (!this.open) return;
    if (frame.length === 0) {
      this.stats.ticksIn++;
      this.stats.lastTickIn = this.opts.now?.() ?? Date.now();
      return;
    }
    this.stats.framesIn++;
    const msg = this.decodeFrame(frame);
    if (msg === undefined) return;
    try {
      this.events.control(this, msg);
    } catch (e) {
      this.log("error", `the handler of ${this.peer.name}'s ${msg.op} message threw: ${(e as Error)?.stack ?? String(e)}`);
      this.close(t(HANDLER_CRASHED, String((e as Error)?.message ?? e)));
      this.reader.stopped = true;
    }
  };

  /** Decodes one frame into its control message; undefined for a fragment that is not the last. */
  decodeFrame(frame: Uint8Array): ControlMessage | undefined {
    try {
      const kind = frame[0];
      if (kind === PASS_THROUGH) return decodeControl(new Decoder(frame, 1, this.opts.decode), frame.length, true, this.lastControl);
      if (kind !== Tag.VERSION || frame.length < 2) bad(`a frame starting with ${kind} (131 or 112 expected)`);
      switch (frame[1]) {
        case DIST_HEADER: {
          if (frame.length > 2 && frame[2] === 0) return decodeControl(new Decoder(frame, 3, this.opts.decode), frame.length, false, this.lastControl);
          const { atoms, offset } = readAtomCacheRefs(frame, 2, this.atomCache, this.opts.decode.existingAtomsOnly === true);
          return decodeControl(new Decoder(frame, offset, this.withAtoms(atoms)), frame.length);
        }
        case DIST_FRAG_HEADER:
          return this.fragmentHeader(frame);
        case DIST_FRAG_CONT:
          return this.fragmentCont(frame);
        default:
          return bad(`a distribution header of type ${frame[1]} (68, 69 or 70 expected)`);
      }
    } catch (e) {
      if (e instanceof EtfDecodeError) throw new DistProtocolError(`undecodable message: ${e.message}`, { cause: e });
      throw e;
    }
  }

  private withAtoms(atoms: (Atom | undefined)[] | undefined): DecodeOptions {
    if (atoms === undefined) return this.opts.decode;
    this.stats.atomCacheRefsIn += atoms.length;
    this.decodeWithCache.atomCache = atoms;
    return this.decodeWithCache;
  }

  private fragmentHeader(frame: Uint8Array): ControlMessage | undefined {
    if ((this.flags & DFLAG.FRAGMENTS) === 0n) bad("a fragment from a peer that did not negotiate FRAGMENTS");
    if (frame.length < 18) bad("a DIST_FRAG_HEADER cut in its ids");
    this.stats.fragmentsIn++;
    const seq = u64(frame, 2);
    const fragId = u64(frame, 10);
    if (fragId === 0n) bad("a fragment id of 0");
    if (this.partials.has(seq)) bad(`a second DIST_FRAG_HEADER for sequence ${seq}`);
    const { atoms, offset } = readAtomCacheRefs(frame, 18, this.atomCache, this.opts.decode.existingAtomsOnly === true);
    const data = frame.subarray(offset);
    if (fragId === 1n) return decodeControl(new Decoder(data, 0, this.withAtoms(atoms)), data.length);
    if (this.partials.size >= this.opts.maxFragmentedMessages) bad(`over ${this.opts.maxFragmentedMessages} fragmented messages in progress`);
    this.holdBytes(data.length);
    // A copy: the frame's chunk would otherwise be held until the last fragment comes.
    this.partials.set(seq, { atoms, parts: [data.slice()], bytes: data.length, next: fragId - 1n });
    return undefined;
  }

  private fragmentCont(frame: Uint8Array): ControlMessage | undefined {
    if ((this.flags & DFLAG.FRAGMENTS) === 0n) bad("a fragment from a peer that did not negotiate FRAGMENTS");
    if (frame.length < 18) bad("a DIST_FRAG_CONT cut in its ids");
    this.stats.fragmentsIn++;
    const seq = u64(frame, 2);
    const fragId = u64(frame, 10);
    const p = this.partials.get(seq);
    if (p === undefined) bad(`a DIST_FRAG_CONT for unknown sequence ${seq}`);
    if (fragId !== p.next) bad(`fragment ${fragId} of sequence ${seq} where ${p.next} was due`);
    const data = frame.subarray(18);
    this.holdBytes(data.length);
    p.bytes += data.length;
    if (fragId > 1n) {
      p.parts.push(data.slice());
      p.next = fragId - 1n;
      return undefined;
    }
    this.partials.delete(seq);
    this.partialBytes -= p.bytes;
    const whole = new Uint8Array(p.bytes);
    let o = 0;
    for (const part of p.parts) {
      whole.set(part, o);
      o += part.length;
    }
    whole.set(data, o);
    return decodeControl(new Decoder(whole, 0, this.withAtoms(p.atoms)), whole.length);
  }

  private holdBytes(n: number): void {
    this.partialBytes += n;
    if (this.partialBytes > this.opts.maxFragmentBytes) bad(`fragmented messages over ${this.opts.maxFragmentBytes} bytes in progress`);
  }

  // ---- out -------------------------------------------------------------------

  send(msg: ControlMessage): void {
    if (!this.open) return;
    if (this.body !== undefined) return this.sendCached(msg, this.body);
    const e = this.out;
    const start = e.pos;
    try {
      e.u32(0);
      if (this.passThrough) e.u8(PASS_THROUGH);
      else {
        e.u8(Tag.VERSION);
        e.u8(DIST_HEADER);
        e.u8(0);
      }
      if (!encodeControl(e, msg, this.flags, this.passThrough, this.sentControl)) {
        e.pos = start;
        return;
      }
    } catch (err) {
      e.pos = start;
      throw err;
    }
    e.view.setUint32(start, e.pos - start - 4);
    this.queued();
  }

  /** The body with cache references first, then the header that lists them, then the body. */
  private sendCached(msg: ControlMessage, body: CachingEncoder): void {
    body.begin();
    try {
      if (!encodeControl(body, msg, this.flags)) return;
    } catch (err) {
      body.reset();
      throw err;
    }
    const e = this.out;
    const start = e.pos;
    e.u32(0);
    e.u8(Tag.VERSION);
    e.u8(DIST_HEADER);
    body.writeHeader(e);
    e.raw(body.bytes());
    e.view.setUint32(start, e.pos - start - 4);
    if (body.buf.length > KEEP_BUFFER) {
      body.buf = new Uint8Array(64 * 1024);
      body.view = new DataView(body.buf.buffer);
    }
    this.queued();
  }

  private queued(): void {
    this.stats.framesOut++;
    if (this.out.pos >= FLUSH_AT) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      microtask(this.flush);
    }
  }

  /**
   * Writes what is buffered (called at the end of the turn, or at once for
   * large batches) straight from the output buffer, which is kept when the
   * kernel took the bytes at once and replaced when a write queue (or TLS)
   * still holds them: no copy and no allocation per write while the peer
   * keeps up.
   */
  readonly flush = (): void => {
    this.flushQueued = false;
    const e = this.out;
    if (e.pos === 0 || !this.open) return;
    const n = e.pos;
    this.stats.bytesOut += n;
    e.pos = 0;
    const reusable = this.socket.writeBorrowed(e.buf.subarray(0, n));
    busyWait(this.opts.busyWaitUs);
    if (!reusable || e.buf.length > KEEP_BUFFER) {
      e.buf = new Uint8Array(64 * 1024);
      e.view = new DataView(e.buf.buffer);
    }
  };

  /** One tick interval passed (see the module comment). */
  tick(): void {
    if (!this.open) return;
    const intensity = this.opts.tickIntensity;
    const n = this.tickN + 1;
    const read = this.stats.bytesIn;
    if (read === this.tickRead && this.ticked === n) {
      this.log("error", `** Node ${this.peer.name} not responding **\n** Removing (timedout) connection **`);
      this.close(NET_TICK_TIMEOUT);
      return;
    }
    const readDiff = read - this.tickRead;
    const written = this.stats.framesOut + this.stats.ticksOut;
    if (written === this.tickWrite || (this.hidden && readDiff === 0)) {
      this.flush();
      this.socket.write(TICK);
      this.stats.ticksOut++;
      this.stats.bytesOut += 4;
    }
    if (readDiff !== 0) this.ticked = n;
    this.tickN = n % intensity;
    this.tickRead = read;
    this.tickWrite = this.stats.framesOut + this.stats.ticksOut;
  }

  /** A tick of a ticktime change's transition (net_ticker.ts): sent unless a visible connection has output queued. */
  auxTick(): void {
    if (!this.open || (!this.hidden && this.queuedBytes > 0)) return;
    this.flush();
    this.socket.write(TICK);
    this.stats.ticksOut++;
    this.stats.bytesOut += 4;
  }

  close(reason: unknown = DISCONNECTED): void {
    if (!this.open) return;
    this.flush();
    this.shut(reason, true);
  }

  private shut(reason: unknown, endSocket: boolean): void {
    this.open = false;
    this.reader.stopped = true;
    this.partials.clear();
    if (endSocket) {
      this.socket.end();
      // A peer that never closes its side must not hold the socket forever.
      setTimeout(() => this.socket.destroy(), 5000).unref();
    }
    this.events.down(this, reason);
  }

  /** Closes at once (no flush). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Closes the connection because of bad input (or a failure while reading it), logged. */
  fail(e: unknown): void {
    if (!this.open) return;
    if (e instanceof DistProtocolError) {
      this.log("error", `closing the connection to ${this.peer.name}: ${e.what}`);
      this.open = false;
      this.reader.stopped = true;
      this.socket.destroy();
      this.events.down(this, t(PROTOCOL_ERROR, e.what));
      return;
    }
    this.log("error", `closing the connection to ${this.peer.name}: ${(e as Error)?.stack ?? String(e)}`);
    this.open = false;
    this.socket.destroy();
    this.events.down(this, t(PROTOCOL_ERROR, String((e as Error)?.message ?? e)));
  }

  private log(level: "info" | "error", text: string): void {
    this.opts.logger({ level, what: "dist_connection", text, peer: this.peer.name });
  }
}
