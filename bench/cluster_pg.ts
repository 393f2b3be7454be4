/**
 * `pg_broadcast_msgs_per_s`: the pg part of ../shared/anchors/erlang/
 * cluster.erl (README: "cluster.erl"), between two Agner nodes on loopback:
 * node b (bench/cluster_pg_node.ts, a child process) has 50 members in
 * group `grp` of scope `pg`; this process, node a, joins 50 more, waits
 * until `getMembers(grp)` shows 100, then makes 10,000 broadcasts (each
 * `getMembers(grp)` and one send of `{b, K}` to every member), then asks
 * every member for its count until the sum is 1,000,000. Rate = 1,000,000 /
 * elapsed (first broadcast to the last count).
 *
 * In the same run: cluster.erl itself (BEAM to BEAM, `erl +S 1`, its
 * `pg_broadcast_msgs_per_s` line; it measures its global figures first) for
 * the ratio, and the same Agner client against cluster.erl's node b (an
 * Agner and a BEAM node in one group: `pg_broadcast_msgs_per_s_with_beam`).
 *
 * The sender yields to the scheduler every 100 broadcasts (BEAM preempts
 * its sender; JS cannot, and members and sockets must run meanwhile).
 * AGNER_BENCH_PG_SCALE=0.01 shrinks the Agner runs for a quick check (do not
 * compare figures taken that way); AGNER_BENCH_NO_ANCHOR=1 skips erl.
 */
import { execFileSync, spawn as spawnChild } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Atom, atom, isPid, on, receive, rpc, run, self, send, silentLogger, sleep, startNode, stopNode, runtime, t, yieldNow } from "../src/index.js";
import { pg } from "../src/distribution/pg.js";
import { Child, freePort } from "./dist.js";
import { MEMBERS, member } from "./cluster_pg_node.js";
import { anchorDir, erlAvailable, figure, plain } from "./lib.js";
import { waitGone, waitUp } from "./node_wait.js";

const SCALE = Number(process.env.AGNER_BENCH_PG_SCALE ?? "1");
const BROADCASTS = Math.max(1, Math.round(10_000 * SCALE));
const GRP = atom("grp");
const B = atom("b");
const COUNT = atom("count");
const COUNTED = atom("counted");
const COOKIE = "bench";
const here = fileURLToPath(new URL(".", import.meta.url));

/** cluster.erl's pg part from node a: the rate of deliveries. */
function measure(b: Atom): Promise<number> {
  return run(function* () {
    for (let i = 0; !isPid(yield* rpc.call(b, "erlang", "whereis", [atom("cluster_b")])); i++) {
      if (i > 200) throw new Error(`${b.name} is not up`);
      yield* sleep(50);
    }
    const local = Array.from({ length: MEMBERS }, member);
    yield* pg.join(GRP, local);
    for (let i = 0; pg.getMembers(GRP).length < 2 * MEMBERS; i++) {
      if (i > 200) throw new Error("members_not_seen");
      yield* sleep(20);
    }
    const t0 = performance.now();
    for (let k = BROADCASTS; k > 0; k--) {
      const msg = t(B, k);
      for (const p of pg.getMembers(GRP)) send(p, msg);
      if (k % 100 === 0) yield* yieldNow();
    }
    const total = BROADCASTS * 2 * MEMBERS;
    const members = pg.getMembers(GRP);
    for (;;) {
      for (const p of members) send(p, t(COUNT, self()));
      let sum = 0;
      for (const p of members) sum += yield* receive(on([COUNTED, p, (n: unknown): n is number => typeof n === "number"], (m) => m[2]));
      if (sum >= total) break;
      yield* sleep(1);
    }
    const secs = (performance.now() - t0) / 1000;
    yield* pg.leave(GRP, local); // the next run starts with b's members only
    return total / secs;
  });
}

function erl(build: string, epmdPort: number, args: string[]): Child {
  return new Child(
    spawnChild("erl", ["+S", "1", "-setcookie", COOKIE, "-noshell", "-start_epmd", "false", "-pa", build, ...args], {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}


export default async function main(): Promise<void> {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  const me = await startNode({ name: "agner_bench_a", cookie: COOKIE, epmdPort, epmd: "embedded", hidden: false });
  const host = me.name.slice(me.name.indexOf("@") + 1);
  const b = atom(`b@${host}`);
  await pg.start();

  // Agner -> Agner
  const child = new Child(spawnChild(process.execPath, [resolve(here, "cluster_pg_node.js"), "b", COOKIE, String(epmdPort)], { stdio: ["pipe", "pipe", "pipe"] }));
  await child.ready(/READY/);
  const aa = await measure(b);
  await child.stop();
  await waitGone(b);

  let beam: number | undefined;
  let withBeam: number | undefined;
  if (erlAvailable() && process.env.AGNER_BENCH_NO_ANCHOR !== "1") {
    const build = mkdtempSync(join(tmpdir(), "agner-bench-cluster-"));
    try {
      execFileSync("erlc", ["-o", build, join(anchorDir, "cluster.erl")], { stdio: "inherit" });
      // Agner -> BEAM: node a (its members from the first run are gone) against cluster.erl's b.
      const eb = erl(build, epmdPort, ["-sname", "b", "-s", "cluster", "serve"]);
      await waitUp(b);
      withBeam = await measure(b);
      await eb.stop();
      await waitGone(b);
      // BEAM -> BEAM: cluster.erl on both sides (it prints its global figures too; the pg line is taken).
      const bb = erl(build, epmdPort, ["-sname", "b", "-s", "cluster", "serve"]);
      const out = await erl(build, epmdPort, ["-sname", "a", "-s", "cluster", "main", "-s", "init", "stop"]).done();
      await bb.stop();
      const m = /^pg_broadcast_msgs_per_s\s+([\d.]+)/m.exec(out);
      if (m !== null) beam = Number(m[1]);
      else console.error(`# cluster.erl printed no pg figure:\n${out}`);
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  }
  await stopNode();
  figure("pg_broadcast_msgs_per_s", aa, beam, "higher");
  if (withBeam !== undefined) plain("pg_broadcast_msgs_per_s_with_beam", withBeam);
}
