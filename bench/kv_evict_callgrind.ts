/**
 * Instructions per SET of a new key that evicts one, in the keyspace alone
 * (commands/db.ts, commands/evict.ts: no connection, shard or socket), as
 * valgrind's callgrind counts them: the eviction path without the request
 * path around it, whose counts swing with the time a major GC falls in
 * (bench/kv_callgrind.ts' set_lru). Not part of `npm run bench`.
 *
 *     npx tsc -p . && node dist/bench/kv_evict_callgrind.js
 *
 * 90,000 keys of 100 bytes (bench/kv_server.ts' maxmemory_lru holds about
 * as many), allkeys-lru, 5 samples; after 100,000 warm-up steps one run
 * makes N steps and the other 2N (N = 50,000): the difference over N is
 * the instructions per step, GC included.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Keyspace } from "../src/apps/kv/commands/db.js";
import { Evictor } from "../src/apps/kv/commands/evict.js";

const N = 50_000;

function run(n: number): void {
  const ks = new Keyspace(16);
  ks.setPolicy("allkeys-lru", Date.now());
  const db = ks.db(0);
  const ev = new Evictor();
  let seed = 42; // xorshift32, as bench/kv_callgrind.ts
  const key = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    // Flat strings, as the RESP parser makes them (a concatenation would be a rope).
    return Buffer.from(`key:${String((seed >>> 0) % 1_000_000).padStart(12, "0")}`, "latin1").toString("latin1");
  };
  const value = () => Buffer.from("x".repeat(100), "latin1").toString("latin1");
  for (let i = 0; i < 90_000; i++) db.setKey(key(), value());
  const step = () => {
    db.setKey(key(), value());
    for (;;) {
      const c = ev.pick(ks, "allkeys-lru", 5, Date.now());
      if (c === null || ks.dbs[c.db]!.deleteKey(c.key)) break;
    }
  };
  for (let i = 0; i < 100_000; i++) step();
  for (let i = 0; i < n; i++) step();
}

function instructions(n: number): number {
  const r = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, "--single-threaded", fileURLToPath(import.meta.url), "--run", String(n)], { encoding: "utf8" });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`callgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

if (process.argv[2] === "--run") run(Number(process.argv[3]));
else console.log(`kv_cg_evict_set_instr_per_step ${Math.round((instructions(2 * N) - instructions(N)) / N)}`);
