/**
 * Node b of the `dist` workload as an Agner node (the twin of dist.erl's
 * `serve/0`), run as its own OS process by bench/dist.ts:
 *
 *     node dist/bench/dist_node.js NAME COOKIE EPMD_PORT
 *
 * Registers `sink` (counts messages, acks every 1,000 to whoever sent
 * `{start, From}`) and `echo` (a GenServer: `ping` -> `pong`), exports
 * `erlang:whereis/1` for rpc (dist.erl's `main/0` checks that `echo` runs
 * with it) and `agner_bench:cpu_us/0` (its CPU time, for bench/dist_cpu.ts),
 * prints `READY <node>` and runs until its stdin closes.
 */
import { type Atom, type CallSpec, type Pid, GenServer, Tuple, atom, ok, register, reply, rpc, send, spawn, startNode, t, whereis } from "../src/index.js";

const START = atom("start");
const ACK = atom("ack");
const PONG = atom("pong");
const BATCH = 1000;

class Echo extends GenServer<null, CallSpec<Atom<"ping">, Atom<"pong">>> {
  init() {
    return ok(null);
  }
  override handleCall() {
    return reply(PONG, null);
  }
}

/** dist.erl's sink: `{start, From}` resets the count; every other message counts, and each 1,000th is acked. */
function startSink(): Pid {
  let from: Pid | null = null;
  let n = 0;
  return spawn({
    handle(m: unknown) {
      if (m instanceof Tuple && m.length === 2 && m[0] === START) {
        from = m[1] as Pid;
        n = 0;
        return;
      }
      if (++n % BATCH === 0 && from !== null) send(from, t(ACK, n));
    },
  });
}

const [name, cookie, epmdPort] = process.argv.slice(2);
const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded" });
register("sink", startSink());
await GenServer.start(new Echo(), undefined, { name: "echo" });
rpc.export("erlang", "whereis", (n: Atom) => whereis(n) ?? atom("undefined"));
// For bench/dist_cpu.ts: this process's CPU time so far, in microseconds.
rpc.export("agner_bench", "cpu_us", () => {
  const u = process.cpuUsage();
  return u.user + u.system;
});
process.stdout.write(`READY ${node.name}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
