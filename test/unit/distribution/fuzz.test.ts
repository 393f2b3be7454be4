/**
 * Fuzzing the decoders of untrusted distribution input: handshake
 * messages (and the state machines fed with them), frames (the framer with
 * hostile lengths and random chunking), distribution headers with atom
 * cache references and fragments, control messages, EPMD requests and
 * replies. Truncations, mutations, random bytes: the only errors allowed
 * are DistProtocolError (and DistConnectError from a state machine), and
 * nothing hangs. A few seconds here; AGNER_FUZZ_ITERATIONS runs longer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid, ExternalRef } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { Encoder } from "../../../src/etf/index.js";
import { type ControlMessage, DistConnectError, DistProtocolError, OFFERED, encodeControl } from "../../../src/distribution/index.js";
import { Connection } from "../../../src/distribution/connection.js";
import type { CarrierSocket } from "../../../src/distribution/carrier.js";
import { FrameReader } from "../../../src/distribution/framing.js";
import * as hs from "../../../src/distribution/handshake.js";
import * as epmd from "../../../src/distribution/epmd_protocol.js";
import { rng } from "../../support/fuzz_input.js";

// A fixed count, not a time budget: the same inputs on a busy machine as on an idle one.
const iterations = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 1500);
const seed = Number(process.env.AGNER_FUZZ_SEED ?? 20261201);

/** Truncations at every offset, then random mutations (boundary bytes favoured) and random inputs. */
function fuzz(name: string, corpus: Uint8Array[], run: (b: Uint8Array) => void, allowed: (e: unknown) => boolean): void {
  const check = (input: Uint8Array): void => {
    try {
      run(input);
    } catch (e) {
      if (!allowed(e)) throw new Error(`${name}: ${String((e as Error)?.stack ?? e)} on ${Buffer.from(input).toString("hex")}`);
    }
  };
  let n = 0;
  for (const v of corpus) for (let cut = 0; cut < v.length; cut++, n++) check(v.subarray(0, cut));
  const rand = rng(seed);
  while (n < iterations) {
    let input: Uint8Array;
    if (rand() < 0.15) input = new Uint8Array(Math.floor(rand() * 48)).map(() => Math.floor(rand() * 256));
    else {
      input = corpus[Math.floor(rand() * corpus.length)]!.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips && input.length > 0; k++) {
        const at = Math.floor(rand() * input.length);
        const r = rand();
        input[at] = r < 0.3 ? 0xff : r < 0.5 ? 0 : r < 0.6 ? 0x7f : Math.floor(rand() * 256);
      }
    }
    check(input);
    n++;
  }
  console.log(`# fuzz ${name}: ${n} inputs`);
  assert.ok(n > corpus.length);
}

const isProtocol = (e: unknown): boolean => e instanceof DistProtocolError && e.what.length > 0;

test("handshake message decoders", () => {
  const corpus = [
    hs.encodeName({ version: 6, flags: OFFERED, creation: 5, name: "a@h" }),
    hs.encodeName({ version: 5, flags: OFFERED, name: "a@h" }),
    hs.encodeChallenge({ version: 6, flags: OFFERED, challenge: 1, creation: 2, name: "b@h" }),
    hs.encodeChallenge({ version: 5, flags: OFFERED, challenge: 1, name: "b@h" }),
    hs.encodeComplement({ flagsHigh: 1, creation: 2 }),
    hs.encodeReply({ challenge: 3, digest: new Uint8Array(16) }),
    hs.encodeAck(new Uint8Array(16)),
    hs.encodeStatus("ok_simultaneous"),
    Buffer.from([0x73, ...Buffer.from("named:"), 0, 3, 97, 64, 104, 0, 0, 0, 1]),
  ];
  const decoders = [hs.decodeName, hs.decodeChallenge, hs.decodeComplement, hs.decodeReply, hs.decodeAck, hs.decodeStatus];
  fuzz("handshake decoders", corpus, (b) => {
    for (const d of decoders) {
      try {
        d(b);
      } catch (e) {
        if (!isProtocol(e)) throw e;
      }
    }
  }, isProtocol);
});

test("handshake state machines fed hostile messages", () => {
  const cfg = { thisNode: atom("me@h"), cookie: "c", flags: OFFERED, creation: 1 };
  const corpus = [
    hs.encodeName({ version: 6, flags: OFFERED, creation: 5, name: "a@h" }),
    hs.encodeStatus("ok"),
    hs.encodeChallenge({ version: 6, flags: OFFERED, challenge: 1, creation: 2, name: "peer@h" }),
    hs.encodeReply({ challenge: 3, digest: new Uint8Array(16) }),
  ];
  const allowed = (e: unknown): boolean => isProtocol(e) || e instanceof DistConnectError;
  fuzz("state machines", corpus, (b) => {
    const acc = new hs.Acceptor(cfg, () => "ok");
    const init = new hs.Initiator(cfg, atom("peer@h"));
    init.start();
    for (const m of [b, b]) {
      try {
        acc.receive(m);
      } catch (e) {
        if (!allowed(e)) throw e;
      }
      try {
        init.receive(m);
      } catch (e) {
        if (!allowed(e)) throw e;
      }
    }
  }, allowed);
});

test("the framer: any chunking gives the same frames; hostile lengths fail before allocating", () => {
  const rand = rng(seed);
  for (let round = 0; round < 300; round++) {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 1 + Math.floor(rand() * 6); i++) frames.push(new Uint8Array(Math.floor(rand() * 300)).map(() => Math.floor(rand() * 256)));
    const wire = Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([0, 0, f.length >> 8, f.length & 255]), f])));
    const got: Uint8Array[] = [];
    const r = new FrameReader(4, 1 << 20);
    for (let o = 0; o < wire.length; ) {
      const n = 1 + Math.floor(rand() * 40);
      r.push(wire.subarray(o, o + n), (f) => got.push(f.slice()));
      o += n;
    }
    assert.deepEqual(got.map((g) => Buffer.from(g).toString("hex")), frames.map((f) => Buffer.from(f).toString("hex")));
  }
  const r = new FrameReader(4, 1024);
  assert.throws(() => r.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1]), () => {}), isProtocol);
  const r2 = new FrameReader(4, 1024);
  r2.push(Uint8Array.from([0, 0]), () => {});
  assert.throws(() => r2.push(Uint8Array.from([0x10, 0x00]), () => {}), isProtocol);
});

test("distribution headers, fragments and control messages", () => {
  const me = atom("me@h");
  const p1 = new ExternalPid(me, 1, 2, 3);
  const r = new ExternalRef(me, 3, [1, 2, 3]);
  const msgs: ControlMessage[] = [
    { op: "reg_send", from: p1, to: atom("name"), msg: t(atom("a"), [1, 2], "bin", 3.5, 1n << 80n) },
    { op: "send", to: p1, msg: new Map([[1, 2]]) },
    { op: "exit", from: p1, to: p1, reason: t(atom("shutdown"), atom("x")) },
    { op: "monitor", from: p1, to: atom("reg"), ref: r },
    { op: "spawn_request", reqId: r, from: p1, groupLeader: p1, module: atom("m"), function: atom("f"), arity: 1, options: [], args: [1] },
    { op: "unlink_id", id: 5, from: p1, to: p1 },
  ];
  const corpus: Uint8Array[] = [];
  for (const m of msgs) {
    const e = new Encoder();
    e.u8(131);
    e.u8(68);
    e.u8(0);
    encodeControl(e, m, OFFERED);
    corpus.push(e.buf.slice(0, e.pos));
    const p = new Encoder();
    p.u8(112);
    encodeControl(p, m, OFFERED, true);
    corpus.push(p.buf.slice(0, p.pos));
  }
  const text = [...Buffer.from("name")];
  corpus.push(Uint8Array.from([131, 68, 2, 0x89, 0x00, 5, text.length, ...text, 0, 0, 104, 1, 82, 1]));
  corpus.push(Uint8Array.from([131, 68, 1, 0x01, 5, 104, 2, 97, 1, 82, 0]));
  corpus.push(Uint8Array.from([131, 69, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 104, 2]));
  corpus.push(Uint8Array.from([131, 70, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 97, 1, 97, 2]));
  const socket = { write() {}, end() {}, destroy() {}, queuedBytes: 0 } as unknown as CarrierSocket;
  const conn = new Connection(
    socket,
    new FrameReader(4, 1 << 20),
    { peer: atom("peer@h"), peerFlags: OFFERED, flags: OFFERED, peerCreation: 1, version: 6 },
    false,
    { logger: () => {}, decode: { maxNewAtoms: 100 }, maxFragmentBytes: 1 << 16, maxFragmentedMessages: 4, tickIntensity: 4, hidden: true, busyWaitUs: 0 },
    { control() {}, down() {} },
  );
  fuzz("frames", corpus, (b) => void conn.decodeFrame(b), isProtocol);
});

test("EPMD requests and replies", () => {
  const node = { port: 4370, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, name: "agner", extra: new Uint8Array(0) };
  const requests = [epmd.encodeAlive2(node), epmd.encodePortPlease2("agner"), epmd.encodeSimple(epmd.EPMD.NAMES_REQ), epmd.encodeSimple(epmd.EPMD.STOP_REQ)].map((b) =>
    b.subarray(2),
  );
  fuzz("EPMD requests", requests, (b) => void epmd.decodeRequest(b), isProtocol);
  const replies = [epmd.encodePort2Resp(node), epmd.encodePort2Resp(undefined), epmd.encodeAliveResp(0, 7, true), epmd.encodeNamesResp(4369, [{ name: "a", port: 1 }])];
  fuzz(
    "EPMD replies",
    replies,
    (b) => {
      for (const d of [epmd.decodePort2Resp, epmd.decodeAliveResp, epmd.decodeNamesResp]) {
        try {
          d(b);
        } catch (e) {
          if (!isProtocol(e)) throw e;
        }
      }
    },
    isProtocol,
  );
});
