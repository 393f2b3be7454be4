/**
 * Crash matrix, exits (issue 11, finding 4b): the real entry under the
 * crash tests' write load (RESP one at a time, pipelined, MULTI/EXEC;
 * memcached one at a time and pipelined; each client INCRs a key of its
 * own), and `exit(P, kill)` of every process of the KV supervision tree in
 * turn (test/support/kv_crash_child.ts): each shard, the shards'
 * supervisor, the keyspace holder, the persistence writer, the expiry
 * process, the seed's `kv`, every connection, the connections' supervisor,
 * the RESP and memcached listeners, the memcached flusher and their
 * supervisors. After each kill, live, every acknowledged write is there and
 * none is applied twice. Kills are spaced so that no supervisor exceeds its
 * restart intensity (kv_sup: 10 in 5 s; its children are every other kill).
 * At the end the root `kv_sup` itself is killed (the application stops, as
 * in OTP), the process is killed -9 and started again on the same
 * directory, and the same checks run on what it loaded.
 *
 * Short here (one pass per policy); `npm run test:crash` runs
 * `AGNER_CRASH_EXIT_PASSES` (else `AGNER_CRASH_ROUNDS`) passes and prints
 * the counts per kill kind.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../../../support/redis_tools.js";
import { type LoadClient, ServerChild, clientMix, crashRounds, serverArgs, sleep, verify, verifyLive } from "../../../support/crash_load.js";

const tmp = mkdtempSync(join(tmpdir(), "agner-crash-exits-"));
const started: ServerChild[] = [];
after(async () => {
  for (const s of started) await s.kill9();
  rmSync(tmp, { recursive: true, force: true });
});

/** One pass, children of kv_sup every other kill (marked *). */
const TARGETS = [
  "kv_shard_0",
  "kv_holder", // *
  "kv_listener_0",
  "kv_writer", // *
  "kv_shard_1",
  "kv_expiry", // *
  "conns",
  "kv", // *
  "kv_shard_2",
  "kv_shard_sup", // *
  "kv_mc_listener_0",
  "kv_conn_sup", // *
  "kv_shard_3",
  "kv_listener_sup", // *
  "kv_mc_flusher",
  "kv_mc_sup",
];
/** At least this long between two kills: 7 children of kv_sup per 16 kills stay under 10 restarts in 5 s. */
const SPACING_MS = 320;

const passes = crashRounds(1, "AGNER_CRASH_EXIT_PASSES");

interface Tally {
  kills: number;
  acked: number;
  errors: number;
  lost: number;
  doubled: number;
}

const sum = (cs: readonly LoadClient[], f: (c: LoadClient) => number) => cs.reduce((a, c) => a + f(c), 0);

for (const fsync of ["always", "everysec", "no"]) {
  test(`exit(P, kill) of every process of the tree under load, appendfsync ${fsync}: after each, every acknowledged write there, none twice; then kill -9 and restart (${passes} passes)`, { timeout: 60_000 + passes * 30_000 }, async () => {
    const dir = join(tmp, fsync);
    const port = await freePort();
    const mcPort = await freePort();
    const clients = clientMix();
    const args = serverArgs(dir, fsync, port, mcPort);
    const server = await ServerChild.start("control", args);
    started.push(server);
    const tally = new Map<string, Tally>(TARGETS.map((k) => [k, { kills: 0, acked: 0, errors: 0, lost: 0, doubled: 0 }]));
    clients.forEach((c) => c.start(() => (c.proto === "mc" ? mcPort : port)));
    await sleep(200);
    for (let p = 0; p < passes; p++) {
      for (const target of TARGETS) {
        const t0 = Date.now();
        const acks0 = sum(clients, (c) => c.acks);
        const errors0 = sum(clients, (c) => c.errors);
        let answer = await server.control(target === "conns" ? "conns" : `kill ${target}`);
        // Registered again a moment after its supervisor restarted it.
        for (let i = 0; answer.startsWith("missing") && i < 100; i++) {
          await sleep(10);
          answer = await server.control(`kill ${target}`);
        }
        assert.match(answer, /^killed /, `pass ${p}: ${target}`);
        const v = await verifyLive(port, clients);
        const t = tally.get(target)!;
        t.kills++;
        t.lost += v.lost.length;
        t.doubled += v.doubled.length;
        assert.deepEqual(v.lost, [], `pass ${p}, after killing ${target}: acknowledged writes lost`);
        assert.deepEqual(v.doubled, [], `pass ${p}, after killing ${target}: writes applied twice`);
        await sleep(Math.max(0, SPACING_MS - (Date.now() - t0)));
        t.acked += sum(clients, (c) => c.acks) - acks0;
        t.errors += sum(clients, (c) => c.errors) - errors0;
      }
    }
    // The root: its death stops the application (as in OTP); then the whole process goes.
    assert.match(await server.control("kill kv_sup"), /^killed kv_sup/);
    await sleep(100);
    await server.kill9();
    await Promise.all(clients.map((c) => c.stop()));
    assert.match(server.output, /ready/);
    const again = await ServerChild.start("cli", args);
    started.push(again);
    const { verdict } = await verify(port, clients);
    await again.stop();
    assert.deepEqual(verdict.lost, [], "after kill -9 and restart: acknowledged writes lost");
    assert.deepEqual(verdict.doubled, [], "after kill -9 and restart: writes applied twice");
    assert.deepEqual(clients.flatMap((c) => c.anomalies), [], "every request answered (no silence), values only grow");
    for (const c of clients) assert.ok(c.acks > 0, `${c.key} got acknowledgements`);
    for (const [k, t] of tally) console.log(`CRASH-MATRIX kill=exit:${k} fsync=${fsync} rounds=${t.kills} acked=${t.acked} errors=${t.errors} lost=${t.lost} doubled=${t.doubled}`);
    console.log(`CRASH-MATRIX kill=exit-all+kill9 fsync=${fsync} rounds=1 acked=${verdict.acked} lost=${verdict.lost.length} doubled=${verdict.doubled.length}`);
  });
}
