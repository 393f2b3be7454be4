/**
 * The global part of the `cluster` workload (../shared/anchors/erlang/README.md,
 * cluster.erl) between two nodes on loopback: this process is node a, a
 * child Node process (bench/cluster_global_node.ts) is node b, both Agner
 * (global is Agner's own on both sides). Node a connects, `global:sync()`s,
 * then measures:
 *
 * - `global_register_per_s`: 10,000 times `register_name({cluster_reg, K},
 *   self())` (must answer `yes`) then `unregister_name({cluster_reg, K})`,
 *   each a cluster-wide locked operation;
 * - `global_whereis_per_s`: `register_name(cluster_x, self())`, then
 *   1,000,000 `whereis_name(cluster_x)`.
 *
 * The BEAM anchor (cluster.erl, `erl +S 1` on both nodes) runs in the same
 * run (its pg figure is the pg workload's), and the same client against
 * cluster.erl's node b gives the `_with_beam` figures (Agner and BEAM in one
 * cluster). AGNER_BENCH_CLUSTER_SCALE=0.01
 * shrinks the Agner side for a quick check (do not compare figures taken so).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Atom, atom, await_, connect, global, run, runtime, self, silentLogger, sleep, startNode, stopNode, t } from "../src/index.js";
import { Child, freePort } from "./dist.js";
import { anchorDir, erlAvailable, figure, plain } from "./lib.js";
import { waitUp, waitGone } from "./node_wait.js";

const SCALE = Number(process.env.AGNER_BENCH_CLUSTER_SCALE ?? "1");
const REGS = Math.max(1, Math.round(10_000 * SCALE));
const LOOKUPS = Math.max(1, Math.round(1_000_000 * SCALE));
const COOKIE = "bench";
const here = fileURLToPath(new URL(".", import.meta.url));

function agnerNodeB(epmdPort: number): Child {
  return new Child(spawn(process.execPath, [resolve(here, "cluster_global_node.js"), "b", COOKIE, String(epmdPort)], { stdio: ["pipe", "pipe", "pipe"] }));
}

/** cluster.erl's `main/0`, the global part, as an Agner process. */
function measure(b: Atom): Promise<{ regPerS: number; whereisPerS: number }> {
  return run(function* () {
    for (let i = 0; !(yield* connectOp(b)); i++) {
      if (i > 200) throw new Error(`${b.name} is not up`);
      yield* sleep(50);
    }
    yield* global.sync();
    const me = self();
    const CLUSTER_REG = atom("cluster_reg");
    const YES = atom("yes");
    const t0 = performance.now();
    for (let k = REGS; k > 0; k--) {
      const name = t(CLUSTER_REG, k);
      if ((yield* global.registerName(name, me)) !== YES) throw new Error(`register_name(${k}) did not answer yes`);
      yield* global.unregisterName(name);
    }
    const regPerS = REGS / ((performance.now() - t0) / 1000);
    const X = atom("cluster_x");
    if ((yield* global.registerName(X, me)) !== YES) throw new Error("register_name(cluster_x) did not answer yes");
    const t1 = performance.now();
    for (let k = LOOKUPS; k > 0; k--) global.whereisName(X);
    const whereisPerS = LOOKUPS / ((performance.now() - t1) / 1000);
    yield* global.unregisterName(X);
    return { regPerS, whereisPerS };
  });
}

function* connectOp(b: Atom): Generator<unknown, boolean, unknown> {
  return (yield* await_(connect(b))) as boolean;
}

/** cluster.erl compiled into a fresh directory (removed by the caller). */
function compileAnchor(): string {
  const build = mkdtempSync(join(tmpdir(), "agner-bench-cluster-"));
  execFileSync("erlc", ["-o", build, join(anchorDir, "cluster.erl")], { stdio: "inherit" });
  return build;
}

function erl(build: string, epmdPort: number, args: string[]): Child {
  const env = { ...process.env, ERL_EPMD_PORT: String(epmdPort) };
  return new Child(spawn("erl", ["+S", "1", "-setcookie", COOKIE, "-noshell", "-start_epmd", "false", "-pa", build, ...args], { env, stdio: ["pipe", "pipe", "pipe"] }));
}

function parse(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && !Number.isNaN(Number(v))) m.set(k, Number(v));
  }
  return m;
}



export default async function main(): Promise<void> {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  // This node serves the EPMD every node of the run uses (erl nodes with -start_epmd false).
  const me = await startNode({ name: "agner_bench_a", cookie: COOKIE, epmdPort, epmd: "embedded", hidden: false });
  const host = me.name.slice(me.name.indexOf("@") + 1);
  const b = atom(`b@${host}`);

  // Agner -> Agner
  const child = agnerNodeB(epmdPort);
  await child.ready(/READY/);
  const agner = await measure(b);
  await child.stop();
  await waitGone(b);

  let beam: Map<string, number> | undefined;
  let toBeam: { regPerS: number; whereisPerS: number } | undefined;
  if (process.env.AGNER_BENCH_NO_ANCHOR !== "1" && erlAvailable()) {
    const build = compileAnchor();
    try {
      // Agner -> BEAM (a bonus figure: the same client against cluster.erl's node b)
      const eb = erl(build, epmdPort, ["-sname", "b", "-s", "cluster", "serve"]);
      await waitUp(b);
      toBeam = await measure(b);
      await eb.stop();
      await waitGone(b);
      // BEAM -> BEAM
      const bb = erl(build, epmdPort, ["-sname", "b", "-s", "cluster", "serve"]);
      await waitUp(b);
      beam = parse(await erl(build, epmdPort, ["-sname", "a", "-s", "cluster", "main", "-s", "init", "stop"]).done());
      await bb.stop();
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  }
  await stopNode();
  figure("global_register_per_s", agner.regPerS, beam?.get("global_register_per_s"), "higher");
  figure("global_whereis_per_s", agner.whereisPerS, beam?.get("global_whereis_per_s"), "higher");
  if (toBeam !== undefined) {
    plain("global_register_per_s_with_beam", toBeam.regPerS);
    plain("global_whereis_per_s_with_beam", toBeam.whereisPerS);
  }
}
