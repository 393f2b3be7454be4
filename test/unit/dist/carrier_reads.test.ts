/**
 * An outgoing TCP connection reads into one reused buffer (carrier.ts):
 * every chunk is copied out, because frames and the binaries decoded from
 * them are views of it. Binaries received long ago must keep their bytes
 * while many later reads refill the buffer, and messages keep their order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { DistTransport } from "../../../src/dist/index.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../../support/dist.js";

test("binaries received on a connection this node opened keep their bytes while later reads reuse the read buffer", async () => {
  const epmdPort = await freePort();
  const ha = new RecordingHandler();
  const hb = new RecordingHandler();
  const a = await DistTransport.start({ name: `${uniqueName("rd_a")}@localhost`, cookie: "c", epmdPort, logger: memoryLogger() }, ha);
  const b = await DistTransport.start({ name: `${uniqueName("rd_b")}@localhost`, cookie: "c", epmdPort, logger: memoryLogger() }, hb);
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
