/**
 * Buffers that a connection reuses (carrier.ts, connection.ts). In: an
 * outgoing TCP connection reads into one buffer and copies every chunk
 * out, because frames and the binaries decoded from them are views of it.
 * Out: frames are written straight from the output buffer, reused only
 * when the kernel took the bytes at once. Either way every binary must
 * arrive with its own bytes, in order, however far the peer falls behind.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { DistTransport } from "../../../src/distribution/index.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../../support/dist.js";

test("binaries received on a connection this node opened keep their bytes while later reads reuse the read buffer", async () => {
  const epmdPort = await freePort();
  const ha = new RecordingHandler();
  const hb = new RecordingHandler();
  const a = await DistTransport.start({ name: `${uniqueName("rd_a")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, ha);
  const b = await DistTransport.start({ name: `${uniqueName("rd_b")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, hb);
  try {
    await a.connect(b.nodeName); // a opens the socket: its reads use the reused buffer
    await hb.waitFor(() => hb.rec.ups.length === 1, "b's side of the connection");
    const back = hb.rec.ups[0]!;
    const to = new ExternalPid(a.nodeName, 100, 0, a.creation);
    // 600 messages of 1-3 KiB: well over the 64 KiB read buffer, so it is refilled many times.
    const n = 600;
    const size = (i: number): number => 1024 + ((i * 37) % 2048);
    for (let i = 0; i < n; i++) back.send({ op: "send", to, msg: t(atom("bin"), i, new Uint8Array(size(i)).fill(i & 0xff)) });
    await ha.waitFor(() => ha.rec.messages.length === n, "every message at a");
    ha.rec.messages.forEach(({ msg }, i) => {
      assert.equal(msg.op, "send");
      const m = (msg as { msg: unknown[] }).msg;
      assert.equal(m[1], i, "in order");
      const bin = m[2] as Uint8Array;
      assert.equal(bin.length, size(i));
      assert.ok(
        bin.every((x) => x === (i & 0xff)),
        `message ${i}'s binary still holds its own bytes`,
      );
    });
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("frames written faster than the peer reads keep their bytes: the output buffer is not reused while a write queue holds it", async () => {
  const epmdPort = await freePort();
  const ha = new RecordingHandler();
  const hb = new RecordingHandler();
  const a = await DistTransport.start({ name: `${uniqueName("wr_a")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, ha);
  const b = await DistTransport.start({ name: `${uniqueName("wr_b")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, hb);
  try {
    const conn = await a.connect(b.nodeName);
    const to = new ExternalPid(b.nodeName, 100, 0, b.creation);
    // 16 MiB in one turn: far more than the kernel's socket buffers, so writes queue in memory.
    const n = 4000;
    for (let i = 0; i < n; i++) conn.send({ op: "send", to, msg: t(atom("bin"), i, new Uint8Array(4096).fill(i & 0xff)) });
    assert.ok((conn.queuedBytes ?? 0) > 0, "writes are queued: the peer cannot keep up");
    await hb.waitFor(() => hb.rec.messages.length === n, "every message at b", 30_000);
    hb.rec.messages.forEach(({ msg }, i) => {
      const m = (msg as { msg: unknown[] }).msg;
      assert.equal(m[1], i, "in order");
      assert.ok(
        (m[2] as Uint8Array).every((x) => x === (i & 0xff)),
        `message ${i}'s binary arrived with its own bytes`,
      );
    });
  } finally {
    await a.stop();
    await b.stop();
  }
});
