/**
 * A node of the failover part (bench/cluster_distac.ts), its own OS process:
 *
 *     node dist/bench/cluster_distac_node.js NAME COOKIE EPMD_PORT TICKTIME PRIORITY
 *
 * PRIORITY is kernel's `distributed` list for `kv`, comma-separated. Runs
 * examples/distributed_kv.ts's application (sync with the other nodes up to
 * 10 s), prints `READY <node>`, runs until killed or its stdin closes.
 */
import { Application, distAc, startNode } from "../src/index.js";
import { defineKvApp } from "../examples/distributed_kv.js";

const [name, cookie, epmdPort, ticktime, priority] = process.argv.slice(2);
if (priority !== undefined) {
  const me = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", hidden: false, netTicktime: Number(ticktime) });
  const nodes = priority.split(",");
  await distAc.start({ distributed: [{ app: "kv", nodes }], syncNodesOptional: nodes.filter((n) => n !== me.name), syncNodesTimeout: 10_000 });
  defineKvApp();
  await Application.start("kv");
  process.stdout.write(`READY ${me.name}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}
