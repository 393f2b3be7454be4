/**
 * The replication parts of `npm run bench -- kv-server`
 * (AGNER_KV_BENCH_ONLY=repl): an Agner primary with an Agner replica
 * beside a redis-server primary with a redis-server replica, the same
 * workload on both, in the same run.
 *
 * - `repl_set_p16_rps`: `redis-benchmark -t set -P 16 -c 50` against the
 *   primary while one replica is attached; then, as a `#` line, how long
 *   the replica took to reach the primary's offset (its lag back to 0).
 * - `full_sync_1m_keys_s`: keys per second of a full resync: a fresh
 *   replica of a primary holding KEYS keys, from REPLICAOF to the link up
 *   with every key there (Redis without its 5 s repl-diskless-sync-delay,
 *   which Agner does not have).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type PartHost, cli, cpuSeconds, infoField } from "./kv_part.js";

const info = (port: number, name: string) => infoField(port, "replication", name);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes `replica` replicate `primary` and waits for the link to be up; the seconds it took. */
async function attach(replica: number, primary: number): Promise<number> {
  const t0 = performance.now();
  await cli(replica, "REPLICAOF", "127.0.0.1", String(primary));
  while ((await info(replica, "master_link_status")) !== "up") await sleep(5);
  return (performance.now() - t0) / 1000;
}

/** Seconds until the replica's offset reaches the primary's. */
async function catchUp(replica: number, primary: number): Promise<number> {
  const t0 = performance.now();
  const target = Number(await info(primary, "master_repl_offset"));
  while (Number(await info(replica, "slave_repl_offset")) < target) await sleep(5);
  return (performance.now() - t0) / 1000;
}

function rps(out: string): number {
  const m = /SET: ([\d.]+) requests per second/.exec(out.replace(/\r/g, "\n"));
  if (m === null) throw new Error(`no SET figure in: ${out.slice(-300)}`);
  return Number(m[1]);
}

export async function replBench(dir: string, h: PartHost): Promise<void> {
  // Redis waits repl-diskless-sync-delay (5 s) for more replicas before a full sync; Agner does not wait.
  const start = (name: "redis" | "agner", d: string) => (name === "redis" ? h.startRedis(d, ["--repl-diskless-sync-delay", "0"]) : h.startAgner(d, []));
  const sets = new Map<string, number>();
  const sync = new Map<string, number>();
  for (const name of ["redis", "agner"] as const) {
    const dirs = [join(dir, `repl-${name}-p`), join(dir, `repl-${name}-r`), join(dir, `repl-${name}-f`)];
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const primary = await start(name, dirs[0]!);
    const replica = await start(name, dirs[1]!);
    try {
      await attach(replica.port, primary.port);
      const args = ["-t", "set", "-n", String(h.requests), "-r", "1000000", "-c", "50", "-P", "16", "-q"];
      await h.bench(primary.port, ["-t", "set", "-n", String(Math.floor(h.requests / 4)), "-r", "1000000", "-c", "50", "-P", "16", "-q"]); // warm-up
      const cpu0 = [cpuSeconds(primary.proc.pid!), cpuSeconds(replica.proc.pid!)];
      sets.set(name, rps(await h.bench(primary.port, args)));
      const us = [cpuSeconds(primary.proc.pid!) - cpu0[0]!, cpuSeconds(replica.proc.pid!) - cpu0[1]!].map((s) => ((s * 1e6) / h.requests).toFixed(2));
      console.log(`# repl_set_p16 ${name}: CPU per request ${us[0]} µs on the primary, ${us[1]} µs on the replica (the machine's two cores also run redis-benchmark)`);
      console.log(`# repl_set_p16 ${name}: the replica reached the primary's offset ${(await catchUp(replica.port, primary.port)).toFixed(3)} s after the run`);
      // Full sync: the primary filled to KEYS keys, a fresh replica.
      await cli(primary.port, "FLUSHALL");
      await h.fill(primary.port, h.keys);
      const fresh = await start(name, dirs[2]!);
      try {
        const s = await attach(fresh.port, primary.port);
        const got = Number(await cli(fresh.port, "DBSIZE"));
        if (got !== h.keys) throw new Error(`${name}: the fresh replica holds ${got} keys, not ${h.keys}`);
        sync.set(name, h.keys / s);
      } finally {
        await fresh.stop();
      }
    } finally {
      await replica.stop();
      await primary.stop();
    }
  }
  h.figure("repl_set_p16_rps", sets.get("agner")!, sets.get("redis")!, "higher");
  h.figure("full_sync_1m_keys_s", sync.get("agner")!, sync.get("redis")!, "higher");
}
