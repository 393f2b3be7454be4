/**
 * `failover_ms`: the distributed-application part of issue 15. Three Agner
 * nodes a, b, c (bench/cluster_distac_node.ts, OS processes) run the seed's
 * KeyValueStore as a distributed application (examples/distributed_kv.ts,
 * priority `[a, b, c]`, registered `{global, kv}`); this process is a
 * fourth node, the client. Each round: a runs it (it took it over when it
 * came back), a is killed -9, and the time is taken from the kill to the
 * first answer of `{global, kv}` from another node. The median of ROUNDS
 * is printed beside net_ticktime: a killed process's sockets close at once,
 * so the failover does not wait for a tick timeout (a host that vanishes
 * without closing them would be seen after up to net_ticktime).
 * No anchor: cluster.erl has no distributed-application part.
 */
import { spawn as spawnChild } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Atom, atom, call, connect, global, runtime, silentLogger, startNode, stopNode, t } from "../src/index.js";
import { Child, freePort } from "./dist.js";
import { median, plain } from "./lib.js";

const ROUNDS = Number(process.env.AGNER_BENCH_FAILOVER_ROUNDS ?? "5");
const TICKTIME = 60;
const COOKIE = "bench";
const KV = atom("kv");
const here = fileURLToPath(new URL(".", import.meta.url));

/** The node `{global, kv}` answers from, or undefined (not registered, or the call failed). */
async function answering(): Promise<Atom | undefined> {
  const pid = global.whereisName(KV);
  if (pid === undefined) return undefined;
  try {
    await call(pid, t(atom("get"), atom("probe")), 500);
    return pid.node;
  } catch {
    return undefined;
  }
}

async function until<R>(f: () => Promise<R | undefined>, what: string, ms = 30_000): Promise<R> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await f();
    if (r !== undefined) return r;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export default async function main(): Promise<void> {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  const me = await startNode({ name: "agner_bench_client", cookie: COOKIE, epmdPort, epmd: "embedded", hidden: false, netTicktime: TICKTIME });
  const host = me.name.slice(me.name.indexOf("@") + 1);
  const [a, b, c] = ["dac_a", "dac_b", "dac_c"].map((n) => `${n}@${host}`) as [string, string, string];
  const priority = [a, b, c].join(",");
  const node = (name: string) =>
    new Child(spawnChild(process.execPath, [resolve(here, "cluster_distac_node.js"), name, COOKIE, String(epmdPort), String(TICKTIME), priority], { stdio: ["pipe", "pipe", "pipe"] }));
  const children = [node(a), node(b), node(c)];
  const times: number[] = [];
  try {
    await Promise.all(children.map((ch) => ch.ready(/READY/)));
    for (const n of [a, b, c]) await connect(n);
    for (let r = 0; r < ROUNDS; r++) {
      await until(async () => ((await answering()) === atom(a) ? true : undefined), "kv on a");
      const t0 = performance.now();
      children[0]!.proc.kill("SIGKILL");
      const on = await until(async () => {
        const n = await answering();
        return n !== undefined && n !== atom(a) ? n : undefined;
      }, "the failover");
      times.push(performance.now() - t0);
      if (on !== atom(b)) throw new Error(`kv failed over to ${on.name}, not b`);
      // a comes back and takes kv over.
      await new Promise((r) => setTimeout(r, 200)); // its name leaves EPMD with its socket
      children[0] = node(a);
      await children[0].ready(/READY/);
    }
  } finally {
    for (const ch of children) ch.proc.kill("SIGKILL");
    await stopNode();
  }
  plain("failover_ms", median(times));
  plain("failover_net_ticktime_s", TICKTIME);
}
