/**
 * Instructions per GenServer cast / call, counted by valgrind's callgrind:
 * noise-free on a shared machine where wall-clock figures drift by 2x.
 *
 *   node dist/bench/runtime_callgrind.js MODE N
 *     runs N operations of MODE through the real GenServer path and exits
 *     (what valgrind runs).
 *   node dist/bench/runtime_callgrind.js measure MODE [N1 N2]
 *     runs `valgrind --tool=callgrind` on MODE twice, with N1 and N2
 *     operations (default 100000 and 300000), and prints
 *     `MODE.instr_per_op VALUE` = (Ir(N2) - Ir(N1)) / (N2 - N1), Node run
 *     with --single-threaded (background threads add a varying count): start-up,
 *     compilation and the pollution pass cancel out. The callgrind files stay
 *     in /tmp/agner_cg_TAGMODE_N.out for `callgrind_annotate` (TAG: env
 *     AGNER_CG_TAG, to keep the files of two builds apart). AGNER_CG_NODE_FLAGS
 *     adds Node flags to the measured runs (a young-generation size, say).
 *
 * MODE: `cast` (N casts from one process, then one call: bench/gen_server.ts's
 * gs_cast), `cast_busy` (the same while another process is always runnable:
 * direct casts then stop at the turn's budget and the rest are queued),
 * `cast_aged` (`cast` with the server and the sender moved to the old
 * generation first, as in a system that has run a while), `call` (N sequential calls from one process), `call100` (100
 * client processes, N/100 calls each), `callasync` (N calls awaited from
 * plain async code), `kv` (N operations of the kv anchor's client: half
 * casts, half calls), `ring_receive` (N hops around bench/ring.ts's ring of
 * 10,000 loop-style processes), `selrecv` (N fresh-reference receives behind
 * 10,000 queued messages, bench/selective.ts), and the floors `cast_floor`,
 * `call_floor`, `kv_floor`, `ring_receive_floor`, `selrecv_floor` (the same
 * work with the least code: bench/floors.ts, the benches' `.floor` figures).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GenServer, call, cast } from "../src/index.js";
import { receive, run, self, send, spawn, yieldNow } from "../src/index.js";
import { pollute } from "./pollute.js";
import { COUNT, Counter, DONE, Echo, INC, Kv, PING, kvClient } from "./gen_server_servers.js";
import { bareCallRoundTrips, bareCasts, bareGeneratorRing, bareKvOps, bareRefReceives } from "./floors.js";
import { ringReceive } from "./ring.js";
import { queueJunk, refReceives } from "./selective.js";


async function runMode(mode: string, n: number): Promise<void> {
  await pollute();
  switch (mode) {
    case "cast": {
      const server = await GenServer.start(new Counter(), undefined);
      const got = await run(function* () {
        for (let i = 0; i < n; i++) cast(server, INC);
        return yield* call(server, COUNT, Infinity);
      });
      if (got !== n) throw new Error(`cast count ${got} != ${n}`);
      return;
    }
    case "cast_aged": {
      const server = await GenServer.start(new Counter(), undefined);
      const got = await run(function* () {
        // Scavenges before the loop, so that this process and the server are promoted (a loop of direct
        // casts allocates nothing). Short-lived garbage: kept objects would be pretenured, and scavenges stop.
        let junk: unknown[] = [];
        for (let i = 0; i < 2_000_000; i++) {
          junk.push({ i });
          if (junk.length === 1000) junk = [];
        }
        junk = [];
        for (let i = 0; i < n; i++) cast(server, INC);
        return (yield* call(server, COUNT, Infinity)) + junk.length;
      });
      if (got !== n) throw new Error(`cast count ${got} != ${n}`);
      return;
    }
    case "cast_busy": {
      const server = await GenServer.start(new Counter(), undefined);
      spawn(function* () {
        for (;;) yield* yieldNow(); // never waits: the run queue is never empty
      });
      const got = await run(function* () {
        for (let i = 0; i < n; i++) cast(server, INC);
        return yield* call(server, COUNT, Infinity);
      });
      if (got !== n) throw new Error(`cast count ${got} != ${n}`);
      return;
    }
    case "call": {
      const server = await GenServer.start(new Echo(), undefined);
      await run(function* () {
        for (let i = 0; i < n; i++) yield* call(server, PING);
      });
      return;
    }
    case "call100": {
      const server = await GenServer.start(new Echo(), undefined);
      await run(function* () {
        const main = self();
        for (let c = 0; c < 100; c++) {
          spawn(function* () {
            for (let i = 0; i < n / 100; i++) yield* call(server, PING);
            send(main, DONE);
          });
        }
        for (let c = 0; c < 100; c++) yield* receive(DONE);
      });
      return;
    }
    case "callasync": {
      const server = await GenServer.start(new Echo(), undefined);
      for (let i = 0; i < n; i++) await call(server, PING);
      return;
    }
    case "kv": {
      const server = await GenServer.start(new Kv(), undefined);
      await run(() => kvClient(server, n));
      return;
    }
    case "ring_receive":
      await ringReceive(n);
      return;
    case "selrecv":
      await run(function* () {
        queueJunk();
        yield* refReceives(n);
      });
      return;
    case "kv_floor":
      bareKvOps(n);
      return;
    case "ring_receive_floor":
      bareGeneratorRing(10_000, n);
      return;
    case "selrecv_floor":
      bareRefReceives(10_000, n);
      return;
    case "cast_floor":
      bareCasts(n);
      return;
    case "call_floor":
      bareCallRoundTrips(n);
      return;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

/** More Node flags for the measured runs (e.g. `--min-semi-space-size=16`), from AGNER_CG_NODE_FLAGS. */
const nodeFlags = (process.env.AGNER_CG_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");

function instructions(mode: string, n: number): number {
  const out = `/tmp/agner_cg_${process.env.AGNER_CG_TAG ?? ""}${mode}_${n}.out`;
  execFileSync(
    "valgrind",
    // --single-threaded: no background compiler or GC threads, whose share of the count varies from run to run.
    ["--tool=callgrind", `--callgrind-out-file=${out}`, process.execPath, "--single-threaded", ...nodeFlags, fileURLToPath(import.meta.url), mode, String(n)],
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"));
  if (m === null) throw new Error(`no totals in ${out}`);
  return Number(m[1]);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "measure") {
  const mode = rest[0]!;
  const n1 = Number(rest[1] ?? 100_000);
  const n2 = Number(rest[2] ?? 300_000);
  const a = instructions(mode, n1);
  const b = instructions(mode, n2);
  console.log(`${mode}.instr_per_op ${((b - a) / (n2 - n1)).toFixed(0)}`);
} else if (cmd !== undefined) {
  await runMode(cmd, Number(rest[0] ?? 100_000));
  process.exit(0);
} else {
  console.error("usage: runtime_callgrind.js MODE N | measure MODE [N1 N2]");
  process.exit(2);
}
