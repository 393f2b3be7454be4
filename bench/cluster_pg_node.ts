/**
 * Node b of the pg part of cluster.erl (its `serve/0`) as an Agner node,
 * run as its own OS process by bench/cluster_pg.ts:
 *
 *     node dist/bench/cluster_pg_node.js NAME COOKIE EPMD_PORT
 *
 * Starts the scope `pg`, spawns 50 members that count `{b, K}` messages and
 * answer `{count, From}` with `{counted, Self, N}`, joins them all to
 * `grp`, registers `cluster_b`, exports `erlang:whereis/1` (cluster.erl's
 * main checks b is up with it), prints `READY <node>`, and runs until its
 * stdin closes.
 */
import { type Atom, type Pid, Tuple, atom, register, rpc, run, send, spawn, startNode, t, whereis } from "../src/index.js";
import { pg } from "../src/distribution/pg.js";

export const MEMBERS = 50;
const COUNT = atom("count");
const COUNTED = atom("counted");

/** cluster.erl's `member/1`: counts what it gets, tells the count when asked. */
export function member(): Pid {
  let n = 0;
  const me: Pid = spawn({
    handle(m: unknown) {
      if (m instanceof Tuple && m[0] === COUNT) send(m[1] as Pid, t(COUNTED, me, n));
      else n++;
    },
  });
  return me;
}

const [name, cookie, epmdPort] = process.argv.slice(2);
if (epmdPort !== undefined) {
  const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", hidden: false });
  await pg.start();
  const members = Array.from({ length: MEMBERS }, member);
  await run(function* () {
    yield* pg.join(atom("grp"), members);
  });
  register("cluster_b", spawn({ handle() {} }));
  rpc.export("erlang", "whereis", (n: Atom) => whereis(n) ?? atom("undefined"));
  process.stdout.write(`READY ${node.name}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}
