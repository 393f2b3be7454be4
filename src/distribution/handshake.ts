/**
 * The distribution handshake (erts "Distribution Protocol", section
 * "Distribution Handshake"; kernel `dist_util.erl`): the message codecs and
 * the initiator's and acceptor's state machines, kept apart from sockets
 * as dist_util is from inet_tcp_dist. A machine takes each handshake
 * message body (without its 2-byte length) and answers with the bodies to
 * send and, at the end, the result; the carrier does the framing.
 *
 * Version 6 (`N` messages, 64-bit flags, 32-bit creation) is what OTP 23+
 * speaks; a version 5 peer (`n` messages, 32-bit flags) is accepted, and
 * when it sets HANDSHAKE_23 it gets a `N` challenge and completes its flags
 * with a `c` (complement) message, as the protocol page describes.
 *
 * @example
 * const hs = new Initiator(config, atom("erl@host"));
 * for (const body of hs.start()) carrier.sendHandshake(body);
 * carrier.onHandshakeMessage = (b) => { const step = hs.receive(b); ... };
 */
import { createHash, randomInt } from "node:crypto";
import { Atom, AtomTableFullError, atom } from "../term/atom.js";
import { t } from "../term/tuple.js";
import { DistConnectError, DistProtocolError } from "./errors.js";
import { DFLAG, type DistFlags, expandFlags, missingFlags } from "./flags.js";
import { splitPeerName } from "./node_name.js";

// ---- messages ----------------------------------------------------------------

/** The first message: who is connecting and what it can do. */
export interface NameMsg {
  /** 5 for the old `n` message, 6 for `N`. */
  version: 5 | 6;
  flags: DistFlags;
  /** Absent in a version 5 message. */
  creation?: number;
  name: string;
}

export interface ChallengeMsg {
  version: 5 | 6;
  flags: DistFlags;
  challenge: number;
  creation?: number;
  name: string;
}

export interface ComplementMsg {
  flagsHigh: number;
  creation: number;
}

export interface ReplyMsg {
  challenge: number;
  digest: Uint8Array;
}

/** Statuses of the `s` message (`named:` carries a name, see {@link decodeStatus}). */
export type Status = "ok" | "ok_simultaneous" | "nok" | "not_allowed" | "alive" | "true" | "false";

const latin1 = new TextDecoder("latin1");

function fail(what: string): never {
  throw new DistProtocolError(`bad handshake message: ${what}`);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function u64(b: Uint8Array, o: number): bigint {
  return (BigInt(u32(b, o)) << 32n) | BigInt(u32(b, o + 4));
}
function put16(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 8;
  b[o + 1] = x & 0xff;
}
function put32(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24;
  b[o + 1] = (x >>> 16) & 0xff;
  b[o + 2] = (x >>> 8) & 0xff;
  b[o + 3] = x & 0xff;
}
function put64(b: Uint8Array, o: number, x: bigint): void {
  put32(b, o, Number((x >> 32n) & 0xffffffffn));
  put32(b, o + 4, Number(x & 0xffffffffn));
}
function nameBytes(name: string): Uint8Array {
  const b = Buffer.from(name, "latin1");
  if (b.length > 0xffff - 20) fail("a node name too long for a handshake message");
  return b;
}
function nameText(b: Uint8Array, from: number, to: number): string {
  if (to - from === 0) fail("an empty node name");
  return latin1.decode(b.subarray(from, to));
}

export function encodeName(m: NameMsg): Uint8Array {
  const name = nameBytes(m.name);
  if (m.version === 5) {
    const b = new Uint8Array(7 + name.length);
    b[0] = 0x6e; // 'n'
    put16(b, 1, 5);
    put32(b, 3, Number(m.flags & 0xffffffffn));
    b.set(name, 7);
    return b;
  }
  const b = new Uint8Array(15 + name.length);
  b[0] = 0x4e; // 'N'
  put64(b, 1, m.flags);
  put32(b, 9, m.creation ?? 0);
  put16(b, 13, name.length);
  b.set(name, 15);
  return b;
}

export function decodeName(b: Uint8Array): NameMsg {
  if (b.length === 0) fail("an empty name message");
  if (b[0] === 0x6e) {
    if (b.length < 8) fail(`a version 5 name message of ${b.length} bytes`);
    const version = u16(b, 1);
    if (version < 5) fail(`distribution version ${version} (5 or 6 expected)`);
    return { version: 5, flags: BigInt(u32(b, 3)), name: nameText(b, 7, b.length) };
  }
  if (b[0] === 0x4e) {
    if (b.length < 15) fail(`a version 6 name message of ${b.length} bytes`);
    const len = u16(b, 13);
    if (15 + len > b.length) fail(`a name of ${len} bytes in ${b.length - 15}`);
    return { version: 6, flags: u64(b, 1), creation: u32(b, 9), name: nameText(b, 15, 15 + len) };
  }
  return fail(`a name message starting with ${b[0]} ('n' or 'N' expected)`);
}

export function encodeStatus(s: Status): Uint8Array {
  return Buffer.from(`s${s}`, "latin1");
}

/** A status message: a plain status, or `named:` with the name and creation given to a dynamic node. */
export function decodeStatus(b: Uint8Array): { status: string; name?: string; creation?: number } {
  if (b.length < 2 || b[0] !== 0x73) fail("a status message ('s' and a status)");
  const text = latin1.decode(b.subarray(1));
  if (text.startsWith("named:")) {
    if (b.length < 9) fail("a named: status with its name length");
    const len = u16(b, 7);
    if (9 + len + 4 > b.length) fail("a named: status with its name and creation");
    return { status: "named", name: nameText(b, 9, 9 + len), creation: u32(b, 9 + len) };
  }
  return { status: text };
}

export function encodeChallenge(m: ChallengeMsg): Uint8Array {
  const name = nameBytes(m.name);
  if (m.version === 5) {
    const b = new Uint8Array(11 + name.length);
    b[0] = 0x6e;
    put16(b, 1, 5);
    put32(b, 3, Number(m.flags & 0xffffffffn));
    put32(b, 7, m.challenge);
    b.set(name, 11);
    return b;
  }
  const b = new Uint8Array(19 + name.length);
  b[0] = 0x4e;
  put64(b, 1, m.flags);
  put32(b, 9, m.challenge);
  put32(b, 13, m.creation ?? 0);
  put16(b, 17, name.length);
  b.set(name, 19);
  return b;
}

export function decodeChallenge(b: Uint8Array): ChallengeMsg {
  if (b.length === 0) fail("an empty challenge message");
  if (b[0] === 0x6e) {
    if (b.length < 12) fail(`a version 5 challenge message of ${b.length} bytes`);
    return { version: 5, flags: BigInt(u32(b, 3)), challenge: u32(b, 7), name: nameText(b, 11, b.length) };
  }
  if (b[0] === 0x4e) {
    if (b.length < 19) fail(`a version 6 challenge message of ${b.length} bytes`);
    const len = u16(b, 17);
    if (19 + len > b.length) fail(`a name of ${len} bytes in ${b.length - 19}`);
    return { version: 6, flags: u64(b, 1), challenge: u32(b, 9), creation: u32(b, 13), name: nameText(b, 19, 19 + len) };
  }
  return fail(`a challenge message starting with ${b[0]} ('n' or 'N' expected)`);
}

export function encodeComplement(m: ComplementMsg): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = 0x63; // 'c'
  put32(b, 1, m.flagsHigh);
  put32(b, 5, m.creation);
  return b;
}

export function decodeComplement(b: Uint8Array): ComplementMsg {
  if (b.length !== 9 || b[0] !== 0x63) fail("a 9-byte complement message ('c')");
  return { flagsHigh: u32(b, 1), creation: u32(b, 5) };
}

export function encodeReply(m: ReplyMsg): Uint8Array {
  const b = new Uint8Array(21);
  b[0] = 0x72; // 'r'
  put32(b, 1, m.challenge);
  b.set(m.digest, 5);
  return b;
}

export function decodeReply(b: Uint8Array): ReplyMsg {
  if (b.length !== 21 || b[0] !== 0x72) fail("a 21-byte challenge reply ('r')");
  return { challenge: u32(b, 1), digest: b.slice(5) };
}

export function encodeAck(digest: Uint8Array): Uint8Array {
  const b = new Uint8Array(17);
  b[0] = 0x61; // 'a'
  b.set(digest, 1);
  return b;
}

export function decodeAck(b: Uint8Array): Uint8Array {
  if (b.length !== 17 || b[0] !== 0x61) fail("a 17-byte challenge ack ('a')");
  return b.slice(1);
}

/** MD5 of the cookie followed by the challenge as an unsigned decimal (dist_util:gen_digest/2). */
export function digest(challenge: number, cookie: string): Uint8Array {
  return new Uint8Array(createHash("md5").update(Buffer.from(cookie + String(challenge >>> 0), "latin1")).digest());
}

function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

// ---- state machines ------------------------------------------------------------

/** What both sides need. */
export interface HandshakeConfig {
  thisNode: Atom;
  cookie: string;
  /** The flags this node offers (PUBLISHED included when visible). */
  flags: DistFlags;
  /** Flags the peer must have (default: OTP 25's mandatory set). */
  required?: DistFlags;
  creation: number;
  /** Challenge source (default a random 32-bit integer). */
  challenge?: () => number;
}

/** A completed handshake. */
export interface HandshakeResult {
  peer: Atom;
  /** What the peer offered (MANDATORY_25_DIGEST expanded). */
  peerFlags: DistFlags;
  /** Ours and the peer's, intersected: what the connection uses. */
  flags: DistFlags;
  peerCreation: number;
  /** The peer's handshake version (5 or 6). */
  version: 5 | 6;
}

/** One step of a machine: bodies to send now; `done` once the handshake is over. */
export interface Step {
  send: Uint8Array[];
  done?: HandshakeResult;
  /** The initiator got `nok`: the peer goes on with its own connection to us. */
  nok?: true;
}

const ATOMS = {
  checkDflagsFailed: atom("check_dflags_failed"),
  recvStatusFailed: atom("recv_status_failed"),
  recvChallengeFailed: atom("recv_challenge_failed"),
  recvChallengeReplyFailed: atom("recv_challenge_reply_failed"),
  recvChallengeAckFailed: atom("recv_challenge_ack_failed"),
  badCookie: atom("bad_cookie"),
  notAllowed: atom("not_allowed"),
  noNode: atom("no_node"),
  unknown: atom("unknown"),
  unexpected: atom("unexpected"),
  protocolError: atom("protocol_error"),
};

/** The reason term for a handshake message that did not decode. */
export function protocolReason(e: DistProtocolError): unknown {
  return t(ATOMS.protocolError, e.what);
}

function newChallenge(cfg: HandshakeConfig): number {
  return (cfg.challenge ?? (() => randomInt(0, 0x1_0000_0000)))() >>> 0;
}

/** Why the peer's flags are not enough, or undefined. */
function checkFlags(peer: string, flags: DistFlags, cfg: HandshakeConfig, dir: "from" | "to"): DistConnectError | undefined {
  const missing = missingFlags(flags, cfg.required);
  if (missing.length === 0) return undefined;
  return new DistConnectError(
    `connection attempt ${dir} node ${peer} ${dir === "from" ? "rejected" : "aborted"} since it cannot handle ${missing.join(", ")}`,
    t(ATOMS.checkDflagsFailed, missing.map((m) => atom(m))),
  );
}

/**
 * The connecting side (dist_util:handshake_we_started/1): name, status,
 * challenge, (complement, when we sent `n` and got `N`), reply, ack.
 */
export class Initiator {
  private state: "start" | "status" | "challenge" | "ack" | "done" = "start";
  private myChallenge = 0;
  private result: HandshakeResult | undefined;

  constructor(
    private readonly cfg: HandshakeConfig,
    readonly peer: Atom,
    /** The peer's highest version (from EPMD): 5 makes the first message an old `n` one. */
    private readonly peerVersion: 5 | 6 = 6,
    /** Asked when the acceptor answers `alive`: true when this attempt should replace its old connection. */
    private readonly isPending: () => boolean = () => true,
  ) {}

  /** True after our challenge reply, while the ack is due (a close now means the peer refused our cookie). */
  get awaitingAck(): boolean {
    return this.state === "ack";
  }

  /** The first message (send_name). */
  start(): Uint8Array[] {
    if (this.state !== "start") throw new Error("Initiator.start called twice");
    this.state = "status";
    const flags = this.cfg.flags | DFLAG.HANDSHAKE_23;
    return [encodeName({ version: this.peerVersion, flags, creation: this.cfg.creation, name: this.cfg.thisNode.name })];
  }

  /**
   * Takes the next message from the acceptor.
   *
   * @throws DistConnectError with the reason term when the handshake fails
   *   (a malformed message is a DistProtocolError).
   */
  receive(body: Uint8Array): Step {
    const peer = this.peer.name;
    switch (this.state) {
      case "status": {
        const s = decodeStatus(body);
        switch (s.status) {
          case "ok":
          case "ok_simultaneous":
            this.state = "challenge";
            return { send: [] };
          case "nok":
            this.state = "done";
            return { send: [], nok: true };
          case "alive": {
            const go = this.isPending();
            if (!go) {
              this.state = "done";
              throw new DistConnectError(`${peer} already has a connection to us`, t(ATOMS.recvStatusFailed, atom("alive")));
            }
            this.state = "challenge";
            return { send: [encodeStatus("true")] };
          }
          case "not_allowed":
            throw new DistConnectError(`connection to ${peer} not allowed by the peer`, t(ATOMS.recvStatusFailed, ATOMS.notAllowed));
          default:
            throw new DistConnectError(
              `unexpected handshake status '${s.status.slice(0, 40)}' from ${peer}`,
              t(ATOMS.recvStatusFailed, ATOMS.unknown, s.status.slice(0, 100)),
            );
        }
      }
      case "challenge": {
        const c = decodeChallenge(body);
        if (c.name !== peer) {
          throw new DistConnectError(
            `connected to ${peer} but the challenge came from '${c.name.slice(0, 300)}'`,
            t(ATOMS.recvChallengeFailed, ATOMS.noNode, c.name.slice(0, 300)),
          );
        }
        if (c.version === 5 && this.peerVersion === 6) fail("a version 5 challenge after a version 6 name");
        const peerFlags = expandFlags(c.flags);
        const bad = checkFlags(peer, peerFlags, this.cfg, "to");
        if (bad) throw bad;
        const send: Uint8Array[] = [];
        // We sent `n` and got `N`: complete our flags' upper half and our creation.
        if (this.peerVersion === 5 && c.version === 6) {
          send.push(encodeComplement({ flagsHigh: Number((this.cfg.flags >> 32n) & 0xffffffffn), creation: this.cfg.creation }));
        }
        this.myChallenge = newChallenge(this.cfg);
        send.push(encodeReply({ challenge: this.myChallenge, digest: digest(c.challenge, this.cfg.cookie) }));
        const ours = this.peerVersion === 5 && c.version === 5 ? this.cfg.flags & 0xffffffffn : this.cfg.flags | DFLAG.HANDSHAKE_23;
        this.result = {
          peer: this.peer,
          peerFlags,
          flags: ours & peerFlags,
          peerCreation: c.creation ?? 0,
          version: c.version,
        };
        this.state = "ack";
        return { send };
      }
      case "ack": {
        const d = decodeAck(body);
        this.state = "done";
        if (!sameDigest(d, digest(this.myChallenge, this.cfg.cookie))) {
          throw new DistConnectError(
            `connection attempt to node ${peer} cancelled: invalid challenge ack (wrong cookie?)`,
            t(ATOMS.recvChallengeAckFailed, ATOMS.badCookie),
          );
        }
        return { send: [], done: this.result! };
      }
      default:
        return fail(`a message after the handshake ended (${body.length} bytes)`);
    }
  }
}

/** What the acceptor's owner decides when a name arrives (net_kernel's accept_pending). */
export type PendingDecision =
  /** No other connection: go on. */
  | "ok"
  /** We were connecting to the peer too and the peer's name is greater: its attempt wins, ours is dropped. */
  | "ok_simultaneous"
  /** We were connecting too and our name is greater: refuse, ours goes on. */
  | "nok"
  /** We have a connection up to the peer already: ask whether this one replaces it. */
  | "alive"
  /** Refuse this peer (`not_allowed`). */
  | "not_allowed";

/**
 * The accepting side (dist_util:handshake_other_started/1): name, status,
 * challenge, (complement), reply, ack.
 */
export class Acceptor {
  private state: "name" | "alive" | "complement" | "reply" | "done" = "name";
  private myChallenge = 0;
  private peerName: Atom | undefined;
  private peerFlags: DistFlags = 0n;
  private peerCreation = 0;
  private version: 5 | 6 = 6;
  private newChallenge = true;
  /** The decision made on the name (after `alive`, the owner closes the old connection). */
  decision: PendingDecision = "ok";

  constructor(
    private readonly cfg: HandshakeConfig,
    /** Called with the peer's name once its flags check out. */
    private readonly decide: (peer: Atom) => PendingDecision,
  ) {}

  /** The peer, once its name message arrived. */
  get peer(): Atom | undefined {
    return this.peerName;
  }

  /**
   * Takes the next message from the initiator.
   *
   * @throws DistConnectError with the reason term when the handshake fails
   *   (a malformed message is a DistProtocolError). `sendFirst` on the error
   *   holds a status to send before closing (`not_allowed`, `nok`).
   */
  receive(body: Uint8Array): Step {
    switch (this.state) {
      case "name": {
        const n = decodeName(body);
        if ((n.flags & DFLAG.NAME_ME) !== 0n) {
          throw refuse(`dynamic node name requested by '${n.name.slice(0, 100)}' (not supported)`, t(ATOMS.recvStatusFailed, ATOMS.notAllowed), "not_allowed");
        }
        let peer: Atom;
        try {
          splitPeerName(n.name);
          peer = atom(n.name);
        } catch (e) {
          if (e instanceof AtomTableFullError) throw new DistConnectError(`refused '${n.name.slice(0, 100)}': its name is a new atom and the ${e.message}`, t(ATOMS.protocolError, "system_limit"), { cause: e });
          throw new DistConnectError(`invalid node name '${n.name.slice(0, 100)}' in a connection attempt`, t(ATOMS.protocolError, "invalid node name"));
        }
        const flags = expandFlags(n.flags);
        const bad = checkFlags(n.name, flags, this.cfg, "from");
        if (bad) throw Object.assign(bad, { sendFirst: encodeStatus("not_allowed") });
        this.peerName = peer;
        this.peerFlags = flags;
        this.peerCreation = n.creation ?? 0;
        this.version = n.version;
        // A version 5 peer that knows HANDSHAKE_23 gets the new challenge, then sends a complement.
        this.newChallenge = n.version === 6 || (n.flags & DFLAG.HANDSHAKE_23) !== 0n;
        const decision = (this.decision = this.decide(peer));
        switch (decision) {
          case "nok":
            throw refuse(`simultaneous connect with ${n.name}: its attempt gives way to ours`, atom("nok"), "nok");
          case "not_allowed":
            throw refuse(`connection attempt from disallowed node ${n.name}`, t(ATOMS.recvStatusFailed, ATOMS.notAllowed), "not_allowed");
          case "alive":
            this.state = "alive";
            return { send: [encodeStatus("alive")] };
          default:
            return { send: [encodeStatus(decision), this.challengeMsg()] };
        }
      }
      case "alive": {
        const s = decodeStatus(body);
        if (s.status === "true") return { send: [this.challengeMsg()] };
        if (s.status === "false") {
          throw new DistConnectError(`${this.peerName!.name} keeps its existing connection`, t(ATOMS.recvStatusFailed, atom("false")));
        }
        throw new DistConnectError(`unexpected status reply from ${this.peerName!.name}`, t(ATOMS.recvStatusFailed, ATOMS.unexpected, s.status.slice(0, 100)));
      }
      case "complement": {
        const c = decodeComplement(body);
        this.peerFlags = expandFlags(this.peerFlags | (BigInt(c.flagsHigh) << 32n));
        this.peerCreation = c.creation;
        this.state = "reply";
        return { send: [] };
      }
      case "reply": {
        const r = decodeReply(body);
        const peer = this.peerName!;
        this.state = "done";
        if (!sameDigest(r.digest, digest(this.myChallenge, this.cfg.cookie))) {
          throw new DistConnectError(
            `connection attempt from node ${peer.name} rejected: invalid challenge reply (wrong cookie?)`,
            t(ATOMS.recvChallengeReplyFailed, ATOMS.badCookie),
          );
        }
        const ours = this.newChallenge ? this.cfg.flags | DFLAG.HANDSHAKE_23 : this.cfg.flags & 0xffffffffn;
        return {
          send: [encodeAck(digest(r.challenge, this.cfg.cookie))],
          done: { peer, peerFlags: this.peerFlags, flags: ours & this.peerFlags, peerCreation: this.peerCreation, version: this.version },
        };
      }
      default:
        return fail(`a message after the handshake ended (${body.length} bytes)`);
    }
  }

  private challengeMsg(): Uint8Array {
    this.myChallenge = newChallenge(this.cfg);
    const flags = this.cfg.flags | DFLAG.HANDSHAKE_23;
    if (!this.newChallenge) {
      this.state = "reply";
      return encodeChallenge({ version: 5, flags, challenge: this.myChallenge, name: this.cfg.thisNode.name });
    }
    this.state = this.version === 5 ? "complement" : "reply";
    return encodeChallenge({ version: 6, flags, challenge: this.myChallenge, creation: this.cfg.creation, name: this.cfg.thisNode.name });
  }
}

function refuse(message: string, reason: unknown, status: Status): DistConnectError & { sendFirst: Uint8Array; quiet?: boolean } {
  return Object.assign(new DistConnectError(message, reason), { sendFirst: encodeStatus(status), quiet: status === "nok" });
}
