/**
 * Node b of the global part of the `cluster` workload as an Agner node (the
 * twin of cluster.erl's `serve/0` for global: a visible node registered as
 * `cluster_b`), run as its own OS process by bench/cluster_global.ts:
 *
 *     node dist/bench/cluster_global_node.js NAME COOKIE EPMD_PORT
 *
 * Prints `READY <node>` and runs until its stdin closes.
 */
import { atom, register, silentLogger, spawn, startNode, receive, on, runtime } from "../src/index.js";

const [name, cookie, epmdPort] = process.argv.slice(2);
runtime().logger = silentLogger;
const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", hidden: false });
register(
  "cluster_b",
  spawn(function* () {
    yield* receive(on(atom("stop"), () => undefined));
  }),
);
process.stdout.write(`READY ${node.name}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
