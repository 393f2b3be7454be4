/**
 * Two Agner transports on loopback, with an embedded EPMD on a private
 * port: connect, send control messages both ways, close.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { DistConnectError, DistError, DistTransport } from "../../../src/distribution/index.js";
import { EpmdError } from "../../../src/distribution/epmd_client.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../../support/dist.js";

describe("two Agner transports", () => {
  let epmdPort: number;
  let a: DistTransport;
  let b: DistTransport;
  const ha = new RecordingHandler();
  const hb = new RecordingHandler();
  const la = memoryLogger();
  const lb = memoryLogger();

  before(async () => {
    epmdPort = await freePort();
    a = await DistTransport.start({ name: `${uniqueName("a")}@localhost`, cookie: "c1", epmdPort, epmd: "embedded", logger: la }, ha);
    b = await DistTransport.start({ name: `${uniqueName("b")}@localhost`, cookie: "c1", epmdPort, epmd: "embedded", logger: lb }, hb);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  test("the first node runs the embedded EPMD, the second uses it", async () => {
    assert.equal(a.embeddedEpmd, true);
    assert.equal(b.embeddedEpmd, false);
    const names = (await b.names()).map((n) => n.name).sort();
    assert.deepEqual(names, [a.nodeName.name.split("@")[0], b.nodeName.name.split("@")[0]].sort());
  });

  test("connect, then reg_send and send both ways", async () => {
    const conn = await a.connect(b.nodeName);
    assert.equal(conn.peer, b.nodeName);
    assert.equal(conn.peerCreation, b.creation);
    assert.equal(conn.initiated, true);
    await hb.waitFor(() => hb.rec.ups.length === 1, "b's up");
    const back = hb.rec.ups[0]!;
    assert.equal(back.peer, a.nodeName);
    assert.equal(back.initiated, false);
    const from = new ExternalPid(a.nodeName, 80, 0, a.creation);
    conn.send({ op: "reg_send", from, to: atom("shell"), msg: t(atom("hello"), "world", 42n ** 30n) });
    await hb.waitFor(() => hb.rec.messages.length === 1, "b's message");
    const m = hb.rec.messages[0]!.msg;
    assert.equal(m.op, "reg_send");
    if (m.op !== "reg_send") return;
    assert.equal(m.to, atom("shell"));
    assert.equal(m.from.node, a.nodeName);
    const [tag, bin, big] = m.msg as unknown[];
    assert.equal(tag, atom("hello"));
    assert.ok(bin instanceof Uint8Array);
    assert.equal(Buffer.from(bin).toString(), "world");
    assert.equal(big, 42n ** 30n);
    const to = new ExternalPid(a.nodeName, 81, 0, a.creation);
    back.send({ op: "send", to, msg: [1, 2, 3] });
    await ha.waitFor(() => ha.rec.messages.length === 1, "a's message");
    assert.deepEqual(ha.rec.messages[0]!.msg, { op: "send", to, msg: [1, 2, 3] });
    // Sent this turn, not yet written: queued.
    back.send({ op: "send", to, msg: new Uint8Array(1000) });
    assert.ok((back.queuedBytes ?? 0) >= 1000);
    await ha.waitFor(() => ha.rec.messages.length === 2, "a's second message");
    assert.equal(back.queuedBytes, 0);
    // A second connect shares the open connection.
    assert.equal(await a.connect(b.nodeName), conn);
  });

  test("close: both sides see down", async () => {
    const conn = a.connection(b.nodeName)!;
    conn.close();
    await ha.waitFor(() => ha.rec.downs.length === 1, "a's down");
    await hb.waitFor(() => hb.rec.downs.length === 1, "b's down");
    assert.equal(ha.rec.downs[0]!.reason, atom("disconnected"));
    assert.equal(hb.rec.downs[0]!.reason, atom("connection_closed"));
    assert.equal(a.connection(b.nodeName), undefined);
  });
});

describe("the outgoing atom cache (atomCache option)", () => {
  test("atoms cross as cache references: new, reused, evicted, long, and past 255 per message", async () => {
    const epmdPort = await freePort();
    const ha = new RecordingHandler();
    const hb = new RecordingHandler();
    const a = await DistTransport.start({ name: `${uniqueName("ac_a")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger(), atomCache: true }, ha);
    const b = await DistTransport.start({ name: `${uniqueName("ac_b")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, hb);
    try {
      const conn = await a.connect(b.nodeName);
      const to = new ExternalPid(b.nodeName, 1, 0, b.creation);
      const sent: unknown[] = [];
      // Many distinct atoms (slot collisions and evictions across messages), some repeated.
      for (let i = 0; i < 3000; i++) sent.push(t(atom(`a${i % 2500}`), atom("common"), i, true, false));
      sent.push(t(atom("ä".repeat(200)), atom("ä".repeat(200))));
      sent.push(Array.from({ length: 400 }, (_, i) => atom(`many${i}`)));
      for (const msg of sent) conn.send({ op: "send", to, msg });
      await hb.waitFor(() => hb.rec.messages.length === sent.length, "every message");
      assert.deepEqual(hb.rec.messages.map((m) => (m.msg as { msg: unknown }).msg), sent);
      const back = hb.rec.ups[0]!;
      assert.ok(back.stats.atomCacheRefsIn > 3000 * 3, `references read: ${back.stats.atomCacheRefsIn}`);
      assert.ok(conn.stats.bytesOut < 3000 * 80, `bytes out: ${conn.stats.bytesOut}`);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe("start and connect failures", () => {
  test("epmd: 'client' with no EPMD fails to start; the listener is released", async () => {
    const epmdPort = await freePort();
    await assert.rejects(
      DistTransport.start({ name: `${uniqueName("cl")}@localhost`, cookie: "c", epmdPort, epmd: "client", logger: memoryLogger() }, new RecordingHandler()),
      (e: unknown) => e instanceof EpmdError && e.code === "ECONNREFUSED",
    );
  });

  test("connecting to an unregistered node, an unreachable EPMD, a bad name or ourselves", async () => {
    const epmdPort = await freePort();
    const log = memoryLogger();
    const a = await DistTransport.start({ name: `${uniqueName("cf")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: log }, new RecordingHandler());
    try {
      await assert.rejects(a.connect("nobody@localhost"), (e: unknown) => e instanceof DistConnectError && e.reason === atom("not_registered"));
      assert.match(log.texts(), /connection to nobody@localhost failed: nobody is not registered in EPMD on localhost/);
      await assert.rejects(a.connect("x@nonexistent-host-agner.invalid"), (e: unknown) => e instanceof DistConnectError && e.reason === atom("noconnection"));
      await assert.rejects(a.connect("not a node"), DistError);
      await assert.rejects(a.connect(a.nodeName), DistError);
      // Concurrent connects share one attempt (and one failure).
      const [p, q] = [a.connect("nobody2@localhost"), a.connect("nobody2@localhost")];
      assert.equal(p, q);
      await assert.rejects(p);
    } finally {
      await a.stop();
    }
    await assert.rejects(a.connect("late@localhost"), /stopped/);
  });
});
