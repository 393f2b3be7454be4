/**
 * A visible Agner node in its own OS process that registers one process
 * globally, for tests that kill a node with -9:
 *
 *     node dist/test/support/global_node_main.js NAME COOKIE EPMD_PORT GLOBAL_NAME PEER
 *
 * Connects to PEER, syncs, registers GLOBAL_NAME, prints `READY <node>` and
 * runs until killed.
 */
import { atom, connect, global, on, receive, runtime, silentLogger, spawn, startNode } from "../../src/index.js";

const [name, cookie, epmdPort, globalName, peer] = process.argv.slice(2);
runtime().logger = silentLogger;
const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), hidden: false });
if (!(await connect(atom(peer!)))) throw new Error(`cannot reach ${peer}`);
await global.sync();
const p = spawn(function* () {
  yield* receive(on(atom("stop"), () => undefined));
});
if ((await global.registerName(atom(globalName!), p)) !== atom("yes")) throw new Error("the name is taken");
process.stdout.write(`READY ${node.name}\n`);
setInterval(() => {}, 1 << 30);
