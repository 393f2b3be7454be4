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
import { DistTransport } from "../../../src/dist/index.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../../support/dist.js";

const N = Number(process.env.AGNER_DIST_THROUGHPUT_N ?? 200_000);

async function run(atomCache: boolean, results: Record<string, number[]>): Promise<void> {
  const epmdPort = await freePort();
  const ha = new RecordingHandler();
  // Counting only: a recording handler would keep every message alive and measure the GC.
  const hb = new RecordingHandler();
  hb.control = (c, m) => hb.onControl?.(c, m);
  const a = await DistTransport.start({ name: `${uniqueName("tp_a")}@localhost`, cookie: "c", epmdPort, logger: memoryLogger(), atomCache }, ha);
  const b = await DistTransport.start({ name: `${uniqueName("tp_b")}@localhost`, cookie: "c", epmdPort, logger: memoryLogger(), atomCache }, hb);
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
