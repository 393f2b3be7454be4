/**
 * An Agner node as an OS process, for cluster tests (started by
 * agner_node.ts):
 *
 *     node dist/test/support/agner_node_main.js NAME COOKIE EPMD_PORT TICKTIME
 *
 * It runs the seed article's KeyValueStore registered as `kv`, prints
 * `=READY= <node>`, then evaluates commands read from stdin, one per line:
 * an ETF term in base64, `{Command, Args...}`; each answer is printed as
 * `=R=` and the ETF of the result in base64. Commands:
 *
 * - `{connect, Node}`, `{nodes}`
 * - `{kv_set, Node, Key, Value}` (a cast to `{kv, Node}`), `{kv_get, Node, Key}`
 *   (a call: the value, or `{error, Reason}`)
 * - `{watch, Node}`: a trapping process links to `{kv, Node}`'s pid,
 *   monitors `{kv, Node}` and calls `monitorNode(Node)`; `{events}` lists
 *   what it received since.
 */
import { type Atom, type Pid, CallError, GenServer, Tuple, atom, call, cast, connect, link, monitor, monitorNode, nodes, on, processFlag, receive, rpc, run, self, send, spawn, startNode, t, whereis, _ } from "../../src/index.js";
import { KeyValueStoreServer } from "../../examples/key_value_store.js";
import { serveCommands } from "./node_main_loop.js";

const [name, cookie, epmdPort, ticktime] = process.argv.slice(2);
// `node --test dist/test/` runs every file here too: without arguments there is nothing to do.
if (ticktime === undefined) process.exit(0);
const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", netTicktime: Number(ticktime), hidden: false });
await GenServer.start(new KeyValueStoreServer(), new Map(), { name: "kv" });
rpc.export("cluster", "kv_pid", () => whereis("kv") ?? atom("undefined"));

const events: unknown[] = [];
const KV = atom("kv");
const GET = atom("get");
const SET = atom("set");
const ERROR = atom("error");

/** A trapping process that links to `{kv, Node}`'s pid, monitors `{kv, Node}` and the node, and keeps what it gets. */
async function watch(n: Atom): Promise<unknown> {
  const pid = (await rpc.call(n, "cluster", "kv_pid", [])) as Pid;
  return run(function* () {
    const parent = self();
    spawn(function* () {
      processFlag("trap_exit", true);
      link(pid);
      monitor(t(KV, n));
      monitorNode(n);
      send(parent, atom("watching"));
      for (;;) events.push(yield* receive(on(_, (m) => m)));
    });
    return yield* receive(on(atom("watching"), (m) => m));
  });
}

async function command(c: unknown): Promise<unknown> {
  if (!(c instanceof Tuple)) return t(ERROR, atom("badcommand"));
  const [op, ...args] = c as unknown as [Atom, ...unknown[]];
  switch (op.name) {
    case "connect":
      return connect(args[0] as Atom);
    case "nodes":
      return nodes("connected");
    case "kv_set":
      cast(t(KV, args[0] as Atom), t(SET, args[1], args[2]));
      return atom("ok");
    case "kv_get":
      try {
        return await call(t(KV, args[0] as Atom), t(GET, args[1]));
      } catch (e) {
        return t(ERROR, e instanceof CallError ? e.reason : String(e));
      }
    case "watch":
      return watch(args[0] as Atom);
    case "events":
      return events;
    default:
      return t(ERROR, atom("badcommand"));
  }
}

serveCommands(node.name, command);
