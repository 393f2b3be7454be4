/**
 * CPU time per message and per call of the `dist` workload between two
 * Agner nodes (this process is node a, bench/dist_node.ts node b), on both
 * ends: steadier than the rates of bench/dist.ts on a shared machine, for
 * deciding micro-optimisations of the distribution path.
 *
 *     npm run bench -- dist_cpu        # AGNER_BENCH_DIST_SCALE=0.2 for a quicker run
 *
 * Prints `dist_cpu_{msg,call,1kb}_{a,b}_us` (CPU µs per message on node
 * a / node b) and the wall time per message or call of the same run.
 */
import { atom, call, isPid, on, receive, rpc, run, runtime, self, send, silentLogger, sleep, startNode, stopNode, t } from "../src/index.js";
import { agnerNodeB, freePort } from "./dist.js";
import { plain } from "./lib.js";

const SCALE = Number(process.env.AGNER_BENCH_DIST_SCALE ?? "1");
const MSGS = Math.round(400_000 * SCALE / 1000) * 1000;
const CALLS = Math.round(40_000 * SCALE);
const BATCH = 1000;
const COOKIE = "bench";

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export default async function main(): Promise<void> {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  const me = await startNode({ name: "agner_bench_cpu_a", cookie: COOKIE, epmdPort, epmd: "embedded" });
  const b = atom(`b@${me.name.slice(me.name.indexOf("@") + 1)}`);
  const child = agnerNodeB(epmdPort);
  await child.ready(/READY/);
  try {
    await run(function* () {
      for (let i = 0; !isPid(yield* rpc.call(b, "erlang", "whereis", [atom("echo")])); i++) {
        if (i > 200) throw new Error(`${b.name} is not up`);
        yield* sleep(50);
      }
      const sink = t(atom("sink"), b);
      const echo = t(atom("echo"), b);
      const bin = new Uint8Array(1024).fill(0x78);
      const phase = function* (name: string, n: number, body: () => Generator<unknown, void, unknown>): Generator<unknown, void, unknown> {
        yield* body(); // warm-up
        const b0 = (yield* rpc.call(b, "agner_bench", "cpu_us", [])) as number;
        const a0 = cpuUs();
        const t0 = performance.now();
        yield* body();
        const wall = performance.now() - t0;
        const a1 = cpuUs();
        const b1 = (yield* rpc.call(b, "agner_bench", "cpu_us", [])) as number;
        plain(`dist_cpu_${name}_a_us`, (a1 - a0) / n);
        plain(`dist_cpu_${name}_b_us`, (b1 - b0) / n);
        plain(`dist_cpu_${name}_wall_us`, (wall * 1000) / n);
      };
      const stream = (make: (i: number) => unknown) =>
        function* (): Generator<unknown, void, unknown> {
          send(sink, t(atom("start"), self()));
          for (let sent = 0; sent < MSGS; sent += BATCH) {
            const last = sent + BATCH;
            for (let i = sent + 1; i <= last; i++) send(sink, make(i));
            yield* receive(on([atom("ack"), last], () => undefined));
          }
        };
      yield* phase("msg", MSGS, stream((i) => t(atom("msg"), i)));
      yield* phase("call", CALLS, function* () {
        for (let k = 0; k < CALLS; k++) yield* call(echo, atom("ping"));
      });
      yield* phase("1kb", MSGS, stream((i) => t(atom("msg"), i, bin)));
    });
  } finally {
    await child.stop();
    await stopNode();
  }
}
