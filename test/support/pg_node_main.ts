/**
 * An Agner node as an OS process for pg tests (started by agner_node.ts with
 * `main`: the same command line and stdin protocol as agner_node_main.ts):
 * a visible node whose default scope `pg` runs. Commands (ETF, one a line):
 *
 * - `{connect, Node}` -> boolean
 * - `{pg_join, Group, N}`: spawns N members here, joins them -> their pids
 * - `{pg_members, Group}` -> the node's view of the group
 * - `{pg_kill_local, Group}`: kills this node's members of the group -> how many
 */
import { type Atom, type Pid, Tuple, atom, connect, exit, receive, on, run, self, spawn, startNode, t, _ } from "../../src/index.js";
import { pg } from "../../src/distribution/pg.js";
import { serveCommands } from "./node_main_loop.js";

const [name, cookie, epmdPort, ticktime] = process.argv.slice(2);
// `node --test dist/test/` runs every file here too: without arguments there is nothing to do.
if (ticktime === undefined) process.exit(0);
const node = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", netTicktime: Number(ticktime), hidden: false });
await pg.start();
const ERROR = atom("error");

async function command(c: unknown): Promise<unknown> {
  if (!(c instanceof Tuple)) return t(ERROR, atom("badcommand"));
  const [op, ...args] = c as unknown as [Atom, ...unknown[]];
  switch (op.name) {
    case "connect":
      return connect(args[0] as Atom);
    case "pg_join":
      return run(function* () {
        const pids: Pid[] = [];
        for (let i = 0; i < (args[1] as number); i++) pids.push(spawn(() => receive(on(_, () => undefined))));
        yield* pg.join(args[0], pids);
        return pids;
      });
    case "pg_members":
      return run(() => [...pg.getMembers(args[0])]);
    case "pg_kill_local":
      return run(() => {
        const mine = pg.getLocalMembers(args[0]);
        for (const p of mine) exit(p, atom("kill"));
        return mine.length;
      });
    default:
      return t(ERROR, atom("badcommand"));
  }
}

void self;
serveCommands(node.name, command);
