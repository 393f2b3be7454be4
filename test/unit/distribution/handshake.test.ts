/**
 * The handshake: codecs round-trip and reject bad input; the state
 * machines driven through real sockets (two Agner transports, or a
 * hand-driven peer): versions 5 and 6, wrong cookie, missing flags,
 * simultaneous connect.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { atom, atomCount, setAtomLimit } from "../../../src/term/atom.js";
import { DFLAG, DistConnectError, DistProtocolError, DistTransport, MANDATORY_25, OFFERED } from "../../../src/distribution/index.js";
import {
  Acceptor,
  type HandshakeConfig,
  Initiator,
  decodeAck,
  decodeChallenge,
  decodeComplement,
  decodeName,
  decodeReply,
  decodeStatus,
  digest,
  encodeAck,
  encodeChallenge,
  encodeComplement,
  encodeName,
  encodeReply,
  encodeStatus,
} from "../../../src/distribution/handshake.js";
import { RecordingHandler, freePort, memoryLogger, rawConnect, uniqueName } from "../../support/dist.js";

const cfg = (name: string, cookie = "cookie", flags = OFFERED): HandshakeConfig => ({ thisNode: atom(name), cookie, flags, creation: 0x12345678 });

describe("handshake codecs", () => {
  test("every message round-trips", () => {
    for (const version of [5, 6] as const) {
      const n = decodeName(encodeName({ version, flags: OFFERED, creation: 7, name: "a@h" }));
      assert.equal(n.version, version);
      assert.equal(n.name, "a@h");
      assert.equal(n.flags, version === 6 ? OFFERED : OFFERED & 0xffffffffn);
      assert.equal(n.creation, version === 6 ? 7 : undefined);
      const c = decodeChallenge(encodeChallenge({ version, flags: OFFERED, challenge: 0xfedcba98, creation: 9, name: "b@h" }));
      assert.equal(c.challenge, 0xfedcba98);
      assert.equal(c.name, "b@h");
      assert.equal(c.creation, version === 6 ? 9 : undefined);
    }
    assert.deepEqual(decodeComplement(encodeComplement({ flagsHigh: 0xf, creation: 0xffffffff })), { flagsHigh: 0xf, creation: 0xffffffff });
    const d = digest(123, "c");
    assert.deepEqual(decodeReply(encodeReply({ challenge: 5, digest: d })), { challenge: 5, digest: d });
    assert.deepEqual(decodeAck(encodeAck(d)), d);
    assert.deepEqual(decodeStatus(encodeStatus("ok_simultaneous")), { status: "ok_simultaneous" });
  });

  test("the digest is MD5(cookie ++ decimal challenge), as erlang:md5/1 gives it", () => {
    // erl: erlang:md5(["secret" | integer_to_list(4294967295)]) (the interop tests check erl agrees).
    assert.equal(Buffer.from(digest(0xffffffff, "secret")).toString("hex"), createHash("md5").update("secret4294967295").digest("hex"));
    assert.deepEqual(digest(-1, "secret"), digest(0xffffffff, "secret"), "the challenge is unsigned");
    assert.notDeepEqual(digest(1, "a"), digest(1, "b"));
    assert.notDeepEqual(digest(1, "a"), digest(2, "a"));
  });

  test("bad messages are DistProtocolErrors", () => {
    const bad = [
      () => decodeName(new Uint8Array([])),
      () => decodeName(Buffer.from("x")),
      () => decodeName(Buffer.from([0x4e, 0, 0, 0])),
      () => decodeName(Buffer.from([0x4e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 65])),
      () => decodeChallenge(Buffer.from([0x6e, 0, 5])),
      () => decodeReply(Buffer.from([0x72, 1, 2])),
      () => decodeAck(Buffer.from([0x61])),
      () => decodeStatus(Buffer.from("x")),
      () => decodeComplement(Buffer.from("c")),
    ];
    for (const f of bad) assert.throws(f, DistProtocolError);
  });
});

describe("handshake state machines in memory", () => {
  /** Runs initiator and acceptor against each other, message by message. */
  function run(init: Initiator, acc: Acceptor) {
    let toAcc = init.start();
    let toInit: Uint8Array[] = [];
    let iDone, aDone;
    for (let round = 0; round < 10 && !(iDone && aDone); round++) {
      for (const m of toAcc) {
        const s = acc.receive(m);
        toInit.push(...s.send);
        if (s.done) aDone = s.done;
      }
      toAcc = [];
      for (const m of toInit) {
        const s = init.receive(m);
        toAcc.push(...s.send);
        if (s.done) iDone = s.done;
      }
      toInit = [];
    }
    return { iDone, aDone };
  }

  test("a version 5 initiator with HANDSHAKE_23 gets a N challenge and sends a complement", () => {
    const init = new Initiator(cfg("i@h"), atom("a@h"), 5);
    const first = init.start()[0]!;
    assert.equal(first[0], 0x6e); // 'n'
    const acc = new Acceptor(cfg("a@h"), () => "ok");
    const { iDone, aDone } = run(new Initiator(cfg("i@h"), atom("a@h"), 5), acc);
    assert.ok(iDone && aDone);
    assert.equal(aDone.version, 5);
    assert.equal(aDone.peerCreation, 0x12345678, "the creation came in the complement");
    assert.ok((aDone.flags & DFLAG.ALIAS) !== 0n, "the upper flags came in the complement");
  });

  test("an old version 5 peer without HANDSHAKE_23 gets the old n challenge", () => {
    const acc = new Acceptor(cfg("a@h"), () => "ok");
    const name = encodeName({ version: 5, flags: MANDATORY_25 & ~DFLAG.HANDSHAKE_23, name: "old@h" });
    // Its flags lack HANDSHAKE_23, which OTP 25 requires: refused.
    assert.throws(() => acc.receive(name), DistConnectError);
    const lax = new Acceptor({ ...cfg("a@h"), required: DFLAG.EXTENDED_REFERENCES }, () => "ok");
    const step = lax.receive(name);
    assert.equal(decodeStatus(step.send[0]!).status, "ok");
    assert.equal(step.send[1]![0], 0x6e, "an old 'n' challenge");
    assert.equal(decodeChallenge(step.send[1]!).version, 5);
  });

  test("a wrong cookie fails on the acceptor's side with bad_cookie", () => {
    const acc = new Acceptor(cfg("a@h", "one"), () => "ok");
    assert.throws(
      () => run(new Initiator(cfg("i@h", "two"), atom("a@h")), acc),
      (e: unknown) => e instanceof DistConnectError && /invalid challenge reply/.test(e.message) && String(e.reason) .includes("bad_cookie"),
    );
  });

  test("a peer whose name would be a new atom past the atom limit is refused with system_limit; a known name is let in", () => {
    const acc = () => new Acceptor(cfg("a@h"), () => "ok");
    const prev = setAtomLimit(atomCount());
    try {
      assert.throws(
        () => acc().receive(encodeName({ version: 6, flags: OFFERED, creation: 1, name: "atom_limit_peer@h" })),
        (e: unknown) => e instanceof DistConnectError && /atom table full/.test(e.message) && String(e.reason).includes("system_limit"),
      );
      const { iDone, aDone } = run(new Initiator(cfg("i@h"), atom("a@h")), acc());
      assert.ok(iDone && aDone);
    } finally {
      setAtomLimit(prev);
    }
  });

  test("a challenge from another node than the one dialled is refused", () => {
    const init = new Initiator(cfg("i@h"), atom("a@h"));
    init.start();
    init.receive(encodeStatus("ok"));
    assert.throws(() => init.receive(encodeChallenge({ version: 6, flags: OFFERED, challenge: 1, creation: 1, name: "other@h" })), DistConnectError);
  });
});

describe("handshakes between transports over real sockets", () => {
  let epmdPort: number;
  const started: DistTransport[] = [];
  before(async () => {
    epmdPort = await freePort();
  });
  after(async () => {
    for (const t of started) await t.stop();
  });
  const start = async (prefix: string, cookie = "c", extra = {}) => {
    const h = new RecordingHandler();
    const log = memoryLogger();
    const tr = await DistTransport.start({ name: `${uniqueName(prefix)}@localhost`, cookie, epmdPort, epmd: "embedded", logger: log, ...extra }, h);
    started.push(tr);
    return { tr, h, log };
  };

  test("wrong cookie: the acceptor logs the reason naming the peer; connect rejects", async () => {
    const a = await start("wc_a", "right");
    const b = await start("wc_b", "wrong");
    await assert.rejects(b.tr.connect(a.tr.nodeName), DistConnectError);
    assert.match(a.log.texts(), new RegExp(`connection attempt from ${b.tr.nodeName.name} failed: .*invalid challenge reply`));
    assert.match(b.log.texts(), new RegExp(`connection to ${a.tr.nodeName.name} failed: .*refused our cookie`));
    assert.equal(a.h.rec.ups.length + b.h.rec.ups.length, 0);
  });

  test("missing mandatory flags: not_allowed, logged with the flag names", async () => {
    const a = await start("mf_a");
    const flags = OFFERED & ~DFLAG.UTF8_ATOMS & ~DFLAG.MAP_TAG;
    await assert.rejects(rawConnect(a.tr.port, { ...cfg(`${uniqueName("raw")}@localhost`, "c", flags), required: 0n }, a.tr.nodeName.name), (e: unknown) => {
      assert.ok(e instanceof DistConnectError);
      assert.match(String(e.message), /not allowed/);
      return true;
    });
    assert.match(a.log.texts(), /cannot handle UTF8_ATOMS, MAP_TAG/);
  });

  test("a version 5 initiator (n, then complement) connects to a transport", async () => {
    const a = await start("v5_a");
    const me = `${uniqueName("raw5")}@localhost`;
    const peer = await rawConnect(a.tr.port, cfg(me, "c"), a.tr.nodeName.name, 5);
    assert.equal(peer.result.version, 6);
    await a.h.waitFor(() => a.h.rec.ups.length === 1, "up");
    const conn = a.h.rec.ups[0]!;
    assert.equal(conn.peer.name, me);
    assert.equal(conn.peerCreation, 0x12345678);
    assert.ok((conn.flags & DFLAG.UNLINK_ID) !== 0n);
    peer.socket.destroy();
    await a.h.waitFor(() => a.h.rec.downs.length === 1, "down");
  });

  test("simultaneous connect: one connection survives, both connects resolve to it", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await start("sim_a");
      const b = await start("sim_b");
      const [ca, cb] = await Promise.all([a.tr.connect(b.tr.nodeName), b.tr.connect(a.tr.nodeName)]);
      assert.equal(ca.peer, b.tr.nodeName);
      assert.equal(cb.peer, a.tr.nodeName);
      assert.equal(a.h.rec.ups.length, 1, "one up on a");
      assert.equal(b.h.rec.ups.length, 1, "one up on b");
      // The survivor is the one the greater name initiated (erl's rule), seen from both ends.
      assert.notEqual(ca.initiated, cb.initiated);
      const aGreater = a.tr.nodeName.name > b.tr.nodeName.name;
      assert.equal(ca.initiated, aGreater);
      assert.equal(a.tr.connections().length, 1);
      ca.send({ op: "node_link" });
      await b.h.waitFor(() => b.h.rec.messages.length === 1, "a message over the survivor");
      await a.tr.stop();
      await b.tr.stop();
    }
  });

  test("a peer that restarts while its old connection looks alive replaces it (alive, true)", async () => {
    const a = await start("alive_a");
    const name = `${uniqueName("raw_alive")}@localhost`;
    const first = await rawConnect(a.tr.port, cfg(name, "c"), a.tr.nodeName.name);
    await a.h.waitFor(() => a.h.rec.ups.length === 1, "first up");
    // The old socket stays open (a lost FIN): the new incarnation connects again.
    const second = await rawConnect(a.tr.port, cfg(name, "c"), a.tr.nodeName.name);
    await a.h.waitFor(() => a.h.rec.ups.length === 2 && a.h.rec.downs.length === 1, "old down, new up");
    assert.equal(a.tr.connection(name), a.h.rec.ups[1]);
    await first.closed;
    second.socket.destroy();
  });
});
