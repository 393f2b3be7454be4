/**
 * Control messages of the distribution protocol (erts "Distribution
 * Protocol", section "Protocol between Connected Nodes"): the typed,
 * validated {@link ControlMessage} the semantics layer sees, and its codec.
 *
 * One `op` may stand for several wire operations: `exit` is EXIT (3),
 * EXIT_TT (13), PAYLOAD_EXIT (24) or PAYLOAD_EXIT_TT (25). The encoder picks
 * the form the peer's flags allow (the reason as a payload when the peer has
 * EXIT_PAYLOAD, SEND_SENDER when it has SEND_SENDER, a `_TT` form when a
 * trace token is given); the decoder accepts every form.
 *
 * | op | wire operations | payload |
 * |---|---|---|
 * | `link` | LINK 1 | |
 * | `send` | SEND 2, SEND_TT 12, SEND_SENDER 22, SEND_SENDER_TT 23 | msg |
 * | `exit` | EXIT 3, EXIT_TT 13, PAYLOAD_EXIT 24, PAYLOAD_EXIT_TT 25 | reason (24, 25) |
 * | `unlink` | UNLINK 4 (before UNLINK_ID) | |
 * | `node_link` | NODE_LINK 5 | |
 * | `reg_send` | REG_SEND 6, REG_SEND_TT 16 | msg |
 * | `group_leader` | GROUP_LEADER 7 | |
 * | `exit2` | EXIT2 8, EXIT2_TT 18, PAYLOAD_EXIT2 26, PAYLOAD_EXIT2_TT 27 | reason (26, 27) |
 * | `monitor` | MONITOR_P 19 | |
 * | `demonitor` | DEMONITOR_P 20 | |
 * | `monitor_exit` | MONITOR_P_EXIT 21, PAYLOAD_MONITOR_P_EXIT 28 | reason (28) |
 * | `spawn_request` | SPAWN_REQUEST 29, SPAWN_REQUEST_TT 30 | args |
 * | `spawn_reply` | SPAWN_REPLY 31, SPAWN_REPLY_TT 32 | |
 * | `alias_send` | ALIAS_SEND 33, ALIAS_SEND_TT 34 | msg |
 * | `unlink_id` | UNLINK_ID 35 | |
 * | `unlink_id_ack` | UNLINK_ID_ACK 36 | |
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, Ref } from "../term/identifiers.js";
import { Tuple } from "../term/tuple.js";
import { type Decoder, type Encoder, EtfDecodeError, Tag } from "../etf/index.js";
import type { ControlCache, SentControl } from "./control_cache.js";
import { DistProtocolError } from "./errors.js";
import { DFLAG, type DistFlags } from "./flags.js";

/** Operation numbers of the distribution protocol. */
export const OP = {
  LINK: 1,
  SEND: 2,
  EXIT: 3,
  UNLINK: 4,
  NODE_LINK: 5,
  REG_SEND: 6,
  GROUP_LEADER: 7,
  EXIT2: 8,
  SEND_TT: 12,
  EXIT_TT: 13,
  REG_SEND_TT: 16,
  EXIT2_TT: 18,
  MONITOR_P: 19,
  DEMONITOR_P: 20,
  MONITOR_P_EXIT: 21,
  SEND_SENDER: 22,
  SEND_SENDER_TT: 23,
  PAYLOAD_EXIT: 24,
  PAYLOAD_EXIT_TT: 25,
  PAYLOAD_EXIT2: 26,
  PAYLOAD_EXIT2_TT: 27,
  PAYLOAD_MONITOR_P_EXIT: 28,
  SPAWN_REQUEST: 29,
  SPAWN_REQUEST_TT: 30,
  SPAWN_REPLY: 31,
  SPAWN_REPLY_TT: 32,
  ALIAS_SEND: 33,
  ALIAS_SEND_TT: 34,
  UNLINK_ID: 35,
  UNLINK_ID_ACK: 36,
} as const;

/** Operations followed by a second term (the message, the exit reason or the spawn arguments). */
export const HAS_PAYLOAD: ReadonlySet<number> = new Set([
  OP.SEND,
  OP.REG_SEND,
  OP.SEND_TT,
  OP.REG_SEND_TT,
  OP.SEND_SENDER,
  OP.SEND_SENDER_TT,
  OP.PAYLOAD_EXIT,
  OP.PAYLOAD_EXIT_TT,
  OP.PAYLOAD_EXIT2,
  OP.PAYLOAD_EXIT2_TT,
  OP.PAYLOAD_MONITOR_P_EXIT,
  OP.SPAWN_REQUEST,
  OP.SPAWN_REQUEST_TT,
  OP.ALIAS_SEND,
  OP.ALIAS_SEND_TT,
]);

/** A trace token (seq_trace), present on the `_TT` forms; Agner passes it through untouched. */
type Traced = { token?: unknown };

/** A message from a process to a pid. `from` is set by SEND_SENDER. */
export type SendMsg = { op: "send"; to: Pid; msg: unknown; from?: Pid } & Traced;
/** A message to a registered name on the receiving node. */
export type RegSendMsg = { op: "reg_send"; from: Pid; to: Atom; msg: unknown } & Traced;
/** A message to a process alias (OTP 24). */
export type AliasSendMsg = { op: "alias_send"; from: Pid; alias: Ref; msg: unknown } & Traced;
export type LinkMsg = { op: "link"; from: Pid; to: Pid };
/** The old unlink, for peers without UNLINK_ID (no acknowledgement). */
export type UnlinkMsg = { op: "unlink"; from: Pid; to: Pid };
export type UnlinkIdMsg = { op: "unlink_id"; id: number | bigint; from: Pid; to: Pid };
export type UnlinkIdAckMsg = { op: "unlink_id_ack"; id: number | bigint; from: Pid; to: Pid };
/** A link exit signal (a linked process died). */
export type ExitMsg = { op: "exit"; from: Pid; to: Pid; reason: unknown } & Traced;
/** `exit(Pid, Reason)` sent to a remote process. */
export type Exit2Msg = { op: "exit2"; from: Pid; to: Pid; reason: unknown } & Traced;
export type NodeLinkMsg = { op: "node_link" };
export type GroupLeaderMsg = { op: "group_leader"; from: Pid; to: Pid };
/** A monitor of a pid or of a registered name (an atom) on the receiving node. */
export type MonitorMsg = { op: "monitor"; from: Pid; to: Pid | Atom; ref: Ref };
export type DemonitorMsg = { op: "demonitor"; from: Pid; to: Pid | Atom; ref: Ref };
/** A monitored process (by pid, or by the name it was monitored by) went down. */
export type MonitorExitMsg = { op: "monitor_exit"; from: Pid | Atom; to: Pid; ref: Ref; reason: unknown };
export type SpawnRequestMsg = {
  op: "spawn_request";
  reqId: Ref;
  from: Pid;
  groupLeader: Pid;
  module: Atom;
  function: Atom;
  arity: number;
  options: unknown[];
  args: unknown[];
} & Traced;
/** `result` is the new pid, or the error reason (an atom). */
export type SpawnReplyMsg = { op: "spawn_reply"; reqId: Ref; to: Pid; flags: number; result: unknown } & Traced;

/** Every control message, as the semantics layer sends and receives it. */
export type ControlMessage =
  | SendMsg
  | RegSendMsg
  | AliasSendMsg
  | LinkMsg
  | UnlinkMsg
  | UnlinkIdMsg
  | UnlinkIdAckMsg
  | ExitMsg
  | Exit2Msg
  | NodeLinkMsg
  | GroupLeaderMsg
  | MonitorMsg
  | DemonitorMsg
  | MonitorExitMsg
  | SpawnRequestMsg
  | SpawnReplyMsg;

export type ControlOp = ControlMessage["op"];

const EMPTY = atom("");
const TRUE = atom("true");
const FALSE = atom("false");

// ---- encoding --------------------------------------------------------------

function tupleHead(e: Encoder, arity: number, op: number): void {
  e.u8(Tag.SMALL_TUPLE);
  e.u8(arity);
  e.u8(Tag.SMALL_INTEGER);
  e.u8(op);
}

/** Starts the payload term: its own version byte in the pass-through form (a function, not a closure per message). */
function payloadVersion(e: Encoder, versioned: boolean): void {
  if (versioned) e.u8(Tag.VERSION);
}

/**
 * Writes the control tuple and its payload (each term without a version
 * byte, as after a DIST_HEADER; with one each when `versioned`, the
 * pass-through form) in the form `peerFlags` allows (always the same
 * flags for one `sent`, which repeats the last SEND / REG_SEND control
 * tuple from the same sender to the same destination). Returns
 * false when the peer cannot receive it at all (an alias send to a peer
 * without ALIAS: erts drops it too).
 *
 * @example
 * encodeControl(enc, { op: "reg_send", from, to: atom("shell"), msg: "hi" }, conn.peerFlags);
 */
export function encodeControl(e: Encoder, m: ControlMessage, peerFlags: DistFlags, versioned = false, sent?: SentControl): boolean {
  const start = e.pos;
  if (versioned) e.u8(Tag.VERSION);
  switch (m.op) {
    case "send": {
      const tt = m.token !== undefined;
      const sender = m.from !== undefined && (peerFlags & DFLAG.SEND_SENDER) !== 0n;
      const op = sender ? (tt ? OP.SEND_SENDER_TT : OP.SEND_SENDER) : tt ? OP.SEND_TT : OP.SEND;
      if (tt || sent === undefined || !sent.write(e, op, m.from, m.to)) {
        const at = e.pos;
        tupleHead(e, tt ? 4 : 3, op);
        if (sender) e.term(m.from);
        else e.atomBytes(EMPTY.utf8);
        e.term(m.to);
        if (tt) e.term(m.token);
        else sent?.keep(e, at, op, m.from, m.to);
      }
      payloadVersion(e, versioned);
      e.term(m.msg);
      return true;
    }
    case "reg_send": {
      const tt = m.token !== undefined;
      if (tt || sent === undefined || !sent.write(e, OP.REG_SEND, m.from, m.to)) {
        const at = e.pos;
        tupleHead(e, tt ? 5 : 4, tt ? OP.REG_SEND_TT : OP.REG_SEND);
        e.term(m.from);
        e.atomBytes(EMPTY.utf8);
        e.atomBytes(m.to.utf8);
        if (tt) e.term(m.token);
        else sent?.keep(e, at, OP.REG_SEND, m.from, m.to);
      }
      payloadVersion(e, versioned);
      e.term(m.msg);
      return true;
    }
    case "alias_send": {
      if ((peerFlags & DFLAG.ALIAS) === 0n) {
        e.pos = start;
        return false;
      }
      const tt = m.token !== undefined;
      tupleHead(e, tt ? 4 : 3, tt ? OP.ALIAS_SEND_TT : OP.ALIAS_SEND);
      e.term(m.from);
      e.term(m.alias);
      if (tt) e.term(m.token);
      payloadVersion(e, versioned);
      e.term(m.msg);
      return true;
    }
    case "link":
    case "unlink":
    case "group_leader":
      tupleHead(e, 3, m.op === "link" ? OP.LINK : m.op === "unlink" ? OP.UNLINK : OP.GROUP_LEADER);
      e.term(m.from);
      e.term(m.to);
      return true;
    case "unlink_id":
    case "unlink_id_ack":
      if ((peerFlags & DFLAG.UNLINK_ID) === 0n) {
        // A peer from before UNLINK_ID knows only the old UNLINK, and acks nothing.
        if (m.op === "unlink_id_ack") {
          e.pos = start;
          return false;
        }
        tupleHead(e, 3, OP.UNLINK);
      } else {
        tupleHead(e, 4, m.op === "unlink_id" ? OP.UNLINK_ID : OP.UNLINK_ID_ACK);
        e.integer(m.id);
      }
      e.term(m.from);
      e.term(m.to);
      return true;
    case "exit":
    case "exit2": {
      const tt = m.token !== undefined;
      const ex = m.op === "exit";
      if ((peerFlags & DFLAG.EXIT_PAYLOAD) !== 0n) {
        const op = ex ? (tt ? OP.PAYLOAD_EXIT_TT : OP.PAYLOAD_EXIT) : tt ? OP.PAYLOAD_EXIT2_TT : OP.PAYLOAD_EXIT2;
        tupleHead(e, tt ? 4 : 3, op);
        e.term(m.from);
        e.term(m.to);
        if (tt) e.term(m.token);
        payloadVersion(e, versioned);
      } else {
        tupleHead(e, tt ? 5 : 4, ex ? (tt ? OP.EXIT_TT : OP.EXIT) : tt ? OP.EXIT2_TT : OP.EXIT2);
        e.term(m.from);
        e.term(m.to);
        if (tt) e.term(m.token);
      }
      e.term(m.reason);
      return true;
    }
    case "node_link":
      e.u8(Tag.SMALL_TUPLE);
      e.u8(1);
      e.integer(OP.NODE_LINK);
      return true;
    case "monitor":
    case "demonitor":
      tupleHead(e, 4, m.op === "monitor" ? OP.MONITOR_P : OP.DEMONITOR_P);
      e.term(m.from);
      e.term(m.to);
      e.term(m.ref);
      return true;
    case "monitor_exit":
      if ((peerFlags & DFLAG.EXIT_PAYLOAD) !== 0n) {
        tupleHead(e, 4, OP.PAYLOAD_MONITOR_P_EXIT);
        e.term(m.from);
        e.term(m.to);
        e.term(m.ref);
        payloadVersion(e, versioned);
      } else {
        tupleHead(e, 5, OP.MONITOR_P_EXIT);
        e.term(m.from);
        e.term(m.to);
        e.term(m.ref);
      }
      e.term(m.reason);
      return true;
    case "spawn_request": {
      const tt = m.token !== undefined;
      tupleHead(e, tt ? 7 : 6, tt ? OP.SPAWN_REQUEST_TT : OP.SPAWN_REQUEST);
      e.term(m.reqId);
      e.term(m.from);
      e.term(m.groupLeader);
      e.u8(Tag.SMALL_TUPLE);
      e.u8(3);
      e.term(m.module);
      e.term(m.function);
      e.integer(m.arity);
      e.term(m.options);
      if (tt) e.term(m.token);
      payloadVersion(e, versioned);
      e.term(m.args);
      return true;
    }
    case "spawn_reply": {
      const tt = m.token !== undefined;
      tupleHead(e, tt ? 6 : 5, tt ? OP.SPAWN_REPLY_TT : OP.SPAWN_REPLY);
      e.term(m.reqId);
      e.term(m.to);
      e.integer(m.flags);
      e.term(m.result);
      if (tt) e.term(m.token);
      return true;
    }
  }
}

// ---- decoding --------------------------------------------------------------

function bad(what: string): never {
  throw new DistProtocolError(`bad control message: ${what}`);
}

function pid(x: unknown, field: string): Pid {
  if (!(x instanceof Pid)) bad(`${field} is not a pid`);
  return x;
}

function ref(x: unknown, field: string): Ref {
  if (!(x instanceof Ref)) bad(`${field} is not a reference`);
  return x;
}

/** An atom field; the decoder gives `true`/`false` as booleans. */
function name(x: unknown, field: string): Atom {
  if (x === true) return TRUE;
  if (x === false) return FALSE;
  if (!(x instanceof Atom)) bad(`${field} is not an atom`);
  return x;
}

function pidOrName(x: unknown, field: string): Pid | Atom {
  return x instanceof Pid ? x : name(x, field);
}

function unlinkId(x: unknown): number | bigint {
  if (!((typeof x === "number" && Number.isInteger(x) && x >= 0) || (typeof x === "bigint" && x >= 0n))) {
    bad("an unlink id is not a non-negative integer");
  }
  return x;
}

function arity(t: Tuple, n: number, opName: string): void {
  if (t.length !== n) bad(`${opName} has ${t.length} elements, not ${n}`);
}

const OP_NAMES = new Map<number, string>(Object.entries(OP).map(([k, v]) => [v, k]));

/** The wire name of an operation number, for logs. */
export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `unknown operation ${op}`;
}

/**
 * Validates a decoded control tuple and its payload (`undefined` when the
 * operation has none) into a {@link ControlMessage}.
 *
 * @throws DistProtocolError naming what is wrong.
 */
export function toControl(ctl: unknown, payload: unknown): ControlMessage {
  if (!(ctl instanceof Tuple) || ctl.length === 0) bad("not a non-empty tuple");
  const op = ctl[0];
  if (typeof op !== "number") bad("the operation is not an integer");
  const n = opName(op);
  switch (op) {
    case OP.LINK:
      arity(ctl, 3, n);
      return { op: "link", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid") };
    case OP.SEND:
      arity(ctl, 3, n);
      return { op: "send", to: pid(ctl[2], "ToPid"), msg: payload };
    case OP.SEND_TT:
      arity(ctl, 4, n);
      return { op: "send", to: pid(ctl[2], "ToPid"), msg: payload, token: ctl[3] };
    case OP.SEND_SENDER:
      arity(ctl, 3, n);
      return { op: "send", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid"), msg: payload };
    case OP.SEND_SENDER_TT:
      arity(ctl, 4, n);
      return { op: "send", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid"), msg: payload, token: ctl[3] };
    case OP.EXIT:
    case OP.EXIT2:
      arity(ctl, 4, n);
      return { op: op === OP.EXIT ? "exit" : "exit2", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid"), reason: ctl[3] };
    case OP.EXIT_TT:
    case OP.EXIT2_TT:
      arity(ctl, 5, n);
      return {
        op: op === OP.EXIT_TT ? "exit" : "exit2",
        from: pid(ctl[1], "FromPid"),
        to: pid(ctl[2], "ToPid"),
        token: ctl[3],
        reason: ctl[4],
      };
    case OP.PAYLOAD_EXIT:
    case OP.PAYLOAD_EXIT2:
      arity(ctl, 3, n);
      return { op: op === OP.PAYLOAD_EXIT ? "exit" : "exit2", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid"), reason: payload };
    case OP.PAYLOAD_EXIT_TT:
    case OP.PAYLOAD_EXIT2_TT:
      arity(ctl, 4, n);
      return {
        op: op === OP.PAYLOAD_EXIT_TT ? "exit" : "exit2",
        from: pid(ctl[1], "FromPid"),
        to: pid(ctl[2], "ToPid"),
        token: ctl[3],
        reason: payload,
      };
    case OP.UNLINK:
      arity(ctl, 3, n);
      return { op: "unlink", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid") };
    case OP.NODE_LINK:
      arity(ctl, 1, n);
      return { op: "node_link" };
    case OP.REG_SEND:
      arity(ctl, 4, n);
      return { op: "reg_send", from: pid(ctl[1], "FromPid"), to: name(ctl[3], "ToName"), msg: payload };
    case OP.REG_SEND_TT:
      arity(ctl, 5, n);
      return { op: "reg_send", from: pid(ctl[1], "FromPid"), to: name(ctl[3], "ToName"), msg: payload, token: ctl[4] };
    case OP.GROUP_LEADER:
      arity(ctl, 3, n);
      return { op: "group_leader", from: pid(ctl[1], "FromPid"), to: pid(ctl[2], "ToPid") };
    case OP.MONITOR_P:
    case OP.DEMONITOR_P:
      arity(ctl, 4, n);
      return {
        op: op === OP.MONITOR_P ? "monitor" : "demonitor",
        from: pid(ctl[1], "FromPid"),
        to: pidOrName(ctl[2], "ToProc"),
        ref: ref(ctl[3], "Ref"),
      };
    case OP.MONITOR_P_EXIT:
      arity(ctl, 5, n);
      return { op: "monitor_exit", from: pidOrName(ctl[1], "FromProc"), to: pid(ctl[2], "ToPid"), ref: ref(ctl[3], "Ref"), reason: ctl[4] };
    case OP.PAYLOAD_MONITOR_P_EXIT:
      arity(ctl, 4, n);
      return { op: "monitor_exit", from: pidOrName(ctl[1], "FromProc"), to: pid(ctl[2], "ToPid"), ref: ref(ctl[3], "Ref"), reason: payload };
    case OP.SPAWN_REQUEST:
    case OP.SPAWN_REQUEST_TT: {
      arity(ctl, op === OP.SPAWN_REQUEST ? 6 : 7, n);
      const mfa = ctl[4];
      if (!(mfa instanceof Tuple) || mfa.length !== 3) bad("SPAWN_REQUEST's {Module, Function, Arity} is not a 3-tuple");
      const ar = mfa[2];
      if (typeof ar !== "number" || !Number.isInteger(ar) || ar < 0 || ar > 255) bad("SPAWN_REQUEST's arity is not 0..255");
      const opts = ctl[5];
      if (!Array.isArray(opts) || opts instanceof Tuple) bad("SPAWN_REQUEST's options are not a proper list");
      if (!Array.isArray(payload) || payload instanceof Tuple) bad("SPAWN_REQUEST's arguments are not a proper list");
      const m: SpawnRequestMsg = {
        op: "spawn_request",
        reqId: ref(ctl[1], "ReqId"),
        from: pid(ctl[2], "From"),
        groupLeader: pid(ctl[3], "GroupLeader"),
        module: name(mfa[0], "Module"),
        function: name(mfa[1], "Function"),
        arity: ar,
        options: opts,
        args: payload,
      };
      if (op === OP.SPAWN_REQUEST_TT) m.token = ctl[6];
      return m;
    }
    case OP.SPAWN_REPLY:
    case OP.SPAWN_REPLY_TT: {
      arity(ctl, op === OP.SPAWN_REPLY ? 5 : 6, n);
      const flags = ctl[3];
      if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0) bad("SPAWN_REPLY's flags are not a non-negative integer");
      const m: SpawnReplyMsg = { op: "spawn_reply", reqId: ref(ctl[1], "ReqId"), to: pid(ctl[2], "To"), flags, result: ctl[4] };
      if (op === OP.SPAWN_REPLY_TT) m.token = ctl[5];
      return m;
    }
    case OP.ALIAS_SEND:
      arity(ctl, 3, n);
      return { op: "alias_send", from: pid(ctl[1], "FromPid"), alias: ref(ctl[2], "Alias"), msg: payload };
    case OP.ALIAS_SEND_TT:
      arity(ctl, 4, n);
      return { op: "alias_send", from: pid(ctl[1], "FromPid"), alias: ref(ctl[2], "Alias"), msg: payload, token: ctl[3] };
    case OP.UNLINK_ID:
    case OP.UNLINK_ID_ACK:
      arity(ctl, 4, n);
      return {
        op: op === OP.UNLINK_ID ? "unlink_id" : "unlink_id_ack",
        id: unlinkId(ctl[1]),
        from: pid(ctl[2], "FromPid"),
        to: pid(ctl[3], "ToPid"),
      };
    default:
      return bad(`unknown operation ${op}`);
  }
}

/**
 * Decodes a control message and its payload from `d` up to `end`: each
 * term without a version byte (after a DIST_HEADER), or with one each
 * (`versioned`, the pass-through form). Exactly the bytes up to `end` must
 * be used. With a `cache`, a control message equal to the last kept one
 * is not decoded again (control_cache.ts).
 *
 * @throws DistProtocolError for a malformed or unknown control message
 *   (with the ETF error as its cause when a term did not decode).
 */
export function decodeControl(d: Decoder, end: number, versioned = false, cache?: ControlCache): ControlMessage {
  try {
    if (versioned && d.u8() !== Tag.VERSION) d.fail("the version byte 131 before the control message", d.offset - 1);
    let ctl: unknown;
    if (cache === undefined) ctl = d.term();
    else {
      const start = d.offset;
      ctl = cache.lookup(d.buf, start);
      if (ctl !== null) d.offset = start + cache.size;
      else {
        ctl = d.term();
        cache.keep(d.buf, start, d.offset, ctl);
      }
    }
    let payload: unknown;
    const op = ctl instanceof Tuple ? ctl[0] : undefined;
    if (typeof op === "number" && HAS_PAYLOAD.has(op)) {
      if (d.offset >= end) bad(`${opName(op)} without its payload`);
      if (versioned && d.u8() !== Tag.VERSION) d.fail("the version byte 131 before the payload", d.offset - 1);
      payload = d.term();
    }
    if (d.offset !== end) bad(`${end - d.offset} bytes after the ${typeof op === "number" ? opName(op) : "control"} message`);
    return toControl(ctl, payload);
  } catch (e) {
    if (e instanceof EtfDecodeError) throw new DistProtocolError(`undecodable control message: ${e.message}`, { cause: e });
    throw e;
  }
}
