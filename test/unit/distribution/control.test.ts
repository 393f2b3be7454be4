/**
 * The control-message codec: every operation round-trips in every form
 * the encoder picks (payload exits or not, SEND_SENDER or not, trace
 * tokens, pass-through), and malformed tuples are refused with a reason.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid, ExternalRef } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { Decoder, Encoder } from "../../../src/etf/index.js";
import { type ControlMessage, DFLAG, DistProtocolError, OFFERED, OP, decodeControl, encodeControl, toControl } from "../../../src/distribution/index.js";

const node = atom("n@h");
const p1 = new ExternalPid(node, 1, 2, 3);
const p2 = new ExternalPid(atom("m@h"), 4, 5, 6);
const r = new ExternalRef(node, 3, [1, 2, 3]);

const all: ControlMessage[] = [
  { op: "link", from: p1, to: p2 },
  { op: "send", to: p2, msg: t(atom("a"), 1) },
  { op: "send", to: p2, msg: atom("x"), from: p1 },
  { op: "send", to: p2, msg: atom("x"), token: t(1, 2) },
  { op: "send", to: p2, msg: atom("x"), from: p1, token: t(1, 2) },
  { op: "reg_send", from: p1, to: atom("name"), msg: [1, 2] },
  { op: "reg_send", from: p1, to: atom("name"), msg: [1, 2], token: atom("tok") },
  { op: "alias_send", from: p1, alias: r, msg: 1 },
  { op: "alias_send", from: p1, alias: r, msg: 1, token: 5 },
  { op: "unlink", from: p1, to: p2 },
  { op: "unlink_id", id: 7, from: p1, to: p2 },
  { op: "unlink_id", id: 1n << 64n, from: p1, to: p2 },
  { op: "unlink_id_ack", id: 7, from: p1, to: p2 },
  { op: "exit", from: p1, to: p2, reason: atom("normal") },
  { op: "exit", from: p1, to: p2, reason: t(atom("shutdown"), [119, 104, 121]), token: 1 },
  { op: "exit2", from: p1, to: p2, reason: atom("kill") },
  { op: "exit2", from: p1, to: p2, reason: atom("kill"), token: 1 },
  { op: "node_link" },
  { op: "group_leader", from: p1, to: p2 },
  { op: "monitor", from: p1, to: p2, ref: r },
  { op: "monitor", from: p1, to: atom("registered"), ref: r },
  { op: "demonitor", from: p1, to: atom("registered"), ref: r },
  { op: "monitor_exit", from: p2, to: p1, ref: r, reason: atom("noproc") },
  { op: "monitor_exit", from: atom("registered"), to: p1, ref: r, reason: atom("noproc") },
  { op: "spawn_request", reqId: r, from: p1, groupLeader: p2, module: atom("m"), function: atom("f"), arity: 2, options: [atom("link")], args: [1, 2] },
  { op: "spawn_request", reqId: r, from: p1, groupLeader: p2, module: atom("m"), function: atom("f"), arity: 0, options: [], args: [], token: 9 },
  { op: "spawn_reply", reqId: r, to: p1, flags: 1, result: p2 },
  { op: "spawn_reply", reqId: r, to: p1, flags: 0, result: atom("badarg"), token: 9 },
];

/** Flags with and without the optional encodings. */
const flagSets = [OFFERED, OFFERED & ~DFLAG.EXIT_PAYLOAD & ~DFLAG.SEND_SENDER];

function roundTrip(m: ControlMessage, flags: bigint, versioned: boolean): ControlMessage | undefined {
  const e = new Encoder();
  if (!encodeControl(e, m, flags, versioned)) return undefined;
  const bytes = e.buf.slice(0, e.pos);
  return decodeControl(new Decoder(bytes, 0), bytes.length, versioned);
}

test("every control message round-trips, in every form", () => {
  for (const flags of flagSets) {
    for (const versioned of [false, true]) {
      for (const m of all) {
        const back = roundTrip(m, flags, versioned);
        const expected = m.op === "send" && (flags & DFLAG.SEND_SENDER) === 0n ? { ...m, from: undefined } : m;
        if (expected.op === "send" && expected.from === undefined) delete (expected as { from?: unknown }).from;
        assert.deepEqual(back, expected, `${m.op} with flags ${flags.toString(16)}${versioned ? " (pass-through)" : ""}`);
      }
    }
  }
});

test("the encoder picks the wire operation the peer's flags allow", () => {
  const opOf = (m: ControlMessage, flags: bigint): number => {
    const e = new Encoder();
    encodeControl(e, m, flags);
    return e.buf[3]!; // SMALL_TUPLE, arity, SMALL_INTEGER, op
  };
  const exit: ControlMessage = { op: "exit", from: p1, to: p2, reason: 1 };
  assert.equal(opOf(exit, OFFERED), OP.PAYLOAD_EXIT);
  assert.equal(opOf(exit, OFFERED & ~DFLAG.EXIT_PAYLOAD), OP.EXIT);
  assert.equal(opOf({ ...exit, token: 1 }, OFFERED), OP.PAYLOAD_EXIT_TT);
  assert.equal(opOf({ op: "send", to: p2, msg: 1, from: p1 }, OFFERED), OP.SEND_SENDER);
  assert.equal(opOf({ op: "send", to: p2, msg: 1, from: p1 }, OFFERED & ~DFLAG.SEND_SENDER), OP.SEND);
  assert.equal(opOf({ op: "unlink_id", id: 1, from: p1, to: p2 }, OFFERED & ~DFLAG.UNLINK_ID), OP.UNLINK);
  assert.equal(opOf({ op: "monitor_exit", from: p2, to: p1, ref: r, reason: 1 }, OFFERED), OP.PAYLOAD_MONITOR_P_EXIT);
  // What a peer cannot receive is not written at all.
  const e = new Encoder();
  assert.equal(encodeControl(e, { op: "alias_send", from: p1, alias: r, msg: 1 }, OFFERED & ~DFLAG.ALIAS), false);
  assert.equal(encodeControl(e, { op: "unlink_id_ack", id: 1, from: p1, to: p2 }, OFFERED & ~DFLAG.UNLINK_ID), false);
  assert.equal(e.pos, 0);
});

test("malformed control tuples are refused, naming what is wrong", () => {
  const bad: [unknown, unknown, RegExp][] = [
    [[1, 2], undefined, /not a non-empty tuple/],
    [t(), undefined, /not a non-empty tuple/],
    [t(atom("x")), undefined, /not an integer/],
    [t(OP.LINK, p1), undefined, /LINK has 2 elements, not 3/],
    [t(OP.LINK, p1, atom("x")), undefined, /ToPid is not a pid/],
    [t(OP.REG_SEND, p1, atom(""), 5), 1, /ToName is not an atom/],
    [t(OP.MONITOR_P, p1, p2, 5), undefined, /Ref is not a reference/],
    [t(OP.UNLINK_ID, -1, p1, p2), undefined, /unlink id/],
    [t(OP.SPAWN_REQUEST, r, p1, p2, t(atom("m"), atom("f"), 300), []), [], /arity/],
    [t(OP.SPAWN_REQUEST, r, p1, p2, t(atom("m"), atom("f"), 1), t()), [], /options/],
    [t(99), undefined, /unknown operation 99/],
  ];
  for (const [ctl, payload, re] of bad) assert.throws(() => toControl(ctl, payload), (e: unknown) => e instanceof DistProtocolError && re.test(e.what));
  // Trailing bytes, or a payload where none belongs.
  const e = new Encoder();
  encodeControl(e, { op: "link", from: p1, to: p2 }, OFFERED);
  e.u8(97);
  e.u8(1);
  assert.throws(() => decodeControl(new Decoder(e.buf.slice(0, e.pos), 0), e.pos), /2 bytes after the LINK message/);
});
