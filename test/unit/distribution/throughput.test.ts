/**
 * A transport-level throughput check (no timing assertion): small
 * messages and 1 KB payloads through one connection between two
 * transports in this process, every message received, in order. Prints
 * messages/s and MiB/s so that framing and encoding costs are visible.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { Encoder } from "../../../src/etf/index.js";
import { DistTransport, OFFERED, encodeControl } from "../../../src/distribution/index.js";
import { RecordingHandler, freePort, memoryLogger, rawConnect, uniqueName, until } from "../../support/dist.js";

const N = Number(process.env.AGNER_DIST_THROUGHPUT_N ?? 200_000);

async function run(atomCache: boolean, results: Record<string, number[]>): Promise<void> {
  const epmdPort = await freePort();
  const ha = new RecordingHandler();
  // Counting only: a recording handler would keep every message alive and measure the GC.
  const hb = new RecordingHandler();
  hb.control = (c, m) => hb.onControl?.(c, m);
  const a = await DistTransport.start({ name: `${uniqueName("tp_a")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger(), atomCache }, ha);
  const b = await DistTransport.start({ name: `${uniqueName("tp_b")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger(), atomCache }, hb);
  try {
    const conn = await a.connect(b.nodeName);
    const to = new ExternalPid(b.nodeName, 100, 0, b.creation);
    const from = new ExternalPid(a.nodeName, 100, 0, a.creation);
    let got = 0;
    let inOrder = true;
    let done: () => void = () => {};
    let target = 0;
    hb.onControl = (_c, m) => {
      if (m.op === "send") {
        const i = (m.msg as unknown[])[1];
        if (i !== got) inOrder = false;
      }
      if (++got === target) done();
    };
    const measure = async (what: string, n: number, msg: (i: number) => unknown, bytesEach: number): Promise<void> => {
      got = 0;
      target = n;
      const finished = new Promise<void>((r) => (done = r));
      const t0 = performance.now();
      // 1,000 sends per turn of the event loop, as a busy scheduler would make them.
      for (let i = 0; i < n; ) {
        const end = Math.min(n, i + 1000);
        for (; i < end; i++) conn.send({ op: "send", from, to, msg: msg(i) });
        await new Promise((r) => setImmediate(r));
      }
      await finished;
      const s = (performance.now() - t0) / 1000;
      assert.equal(got, n);
      assert.ok(inOrder, "messages arrive in order");
      const key = `${what}${atomCache ? "" : "_no_atom_cache"}`;
      (results[key] ??= []).push(bytesEach ? (n * bytesEach) / s / (1 << 20) : n / s);
    };
    const tag = atom("msg");
    await measure("small", N, (i) => t(tag, i), 0);
    const kb = new Uint8Array(1024).fill(7);
    await measure("1kb", Math.floor(N / 5), (i) => t(tag, i, kb), 1024);
    assert.equal(conn.stats.framesOut, N + Math.floor(N / 5));
    (results[`bytes_per_frame${atomCache ? "" : "_no_atom_cache"}`] ??= []).push(conn.stats.bytesOut / conn.stats.framesOut);
  } finally {
    await a.stop();
    await b.stop();
  }
}

test("throughput through one connection, with and without the atom cache", async () => {
  const results: Record<string, number[]> = {};
  // Alternating, so both settings see the same machine load; medians of 3.
  for (let i = 0; i < 3; i++) {
    await run(true, results);
    await run(false, results);
  }
  for (const [k, v] of Object.entries(results)) {
    const median = v.sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
    const unit = k.startsWith("1kb") ? "MiB/s" : k.startsWith("bytes") ? "bytes" : "msg/s";
    console.log(`# dist_transport_${k} ${unit === "MiB/s" ? median.toFixed(1) : Math.round(median)} ${unit}`);
  }
});

test("each side alone: sending to a peer that discards, receiving from a peer that replays frames", async () => {
  const h = new RecordingHandler();
  let got = 0;
  h.control = () => {
    got++;
  };
  const tr = await DistTransport.start({ name: `${uniqueName("tp1")}@localhost`, cookie: "c", epmd: "none", logger: memoryLogger() }, h);
  try {
    const cfg = { thisNode: atom(`${uniqueName("tpraw")}@localhost`), cookie: "c", flags: OFFERED, creation: 5 };
    const peer = await rawConnect(tr.port, cfg, tr.nodeName.name);
    await h.waitFor(() => h.rec.ups.length === 1, "up");
    const conn = h.rec.ups[0]!;
    const to = new ExternalPid(cfg.thisNode, 100, 0, 5);
    const from = new ExternalPid(tr.nodeName, 100, 0, tr.creation);
    const tag = atom("msg");
    // Send only: the raw peer's socket reads and drops (its frames array is not kept).
    peer.socket.removeAllListeners("data");
    let bytes = 0;
    peer.socket.on("data", (c: Buffer) => (bytes += c.length));
    const n = N;
    const t0 = performance.now();
    for (let i = 0; i < n; ) {
      const end = Math.min(n, i + 1000);
      for (; i < end; i++) conn.send({ op: "send", from, to, msg: t(tag, i) });
      await new Promise((r) => setImmediate(r));
    }
    await until(() => bytes >= conn.stats.bytesOut, "the peer to read everything", 60_000);
    const sendRate = n / ((performance.now() - t0) / 1000);
    // Receive only: the same frames, encoded once, written by the peer in 64 KB chunks.
    const e = new Encoder();
    for (let i = 0; i < n; i++) {
      const start = e.pos;
      e.u32(0);
      e.u8(131);
      e.u8(68);
      e.u8(0);
      encodeControl(e, { op: "send", from: to, to: from, msg: t(tag, i) }, OFFERED);
      e.view.setUint32(start, e.pos - start - 4);
    }
    const wire = e.buf.subarray(0, e.pos);
    const t1 = performance.now();
    for (let o = 0; o < wire.length; o += 1 << 16) peer.socket.write(wire.subarray(o, Math.min(wire.length, o + (1 << 16))));
    await until(() => got === n, "every frame decoded", 60_000);
    const recvRate = n / ((performance.now() - t1) / 1000);
    console.log(`# dist_transport_send_only ${Math.round(sendRate)} msg/s`);
    console.log(`# dist_transport_receive_only ${Math.round(recvRate)} msg/s (including the peer's writes in this process)`);
    peer.socket.destroy();
  } finally {
    await tr.stop();
  }
});
