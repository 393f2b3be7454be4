/**
 * The real server entry (`main` of src/cli/kv.ts, as `npm start` runs it)
 * in a child process, with a control channel for crash tests: each line on
 * stdin names what to kill with `exit(Pid, kill)` inside the server's own
 * runtime, as `exit(P, kill)` from an Erlang shell would:
 *
 * - `kill <registered name>` (kv_shard_0, kv_writer, kv, ...) answers
 *   `killed <name>` or `missing <name>`;
 * - `conns` kills every connection process (the children of kv_conn_sup)
 *   and answers `killed conns <n>`.
 *
 * It prints `ready` once the server accepts connections. SIGKILL it to
 * crash the whole process.
 */
import { createInterface } from "node:readline";
import { atom } from "../../src/term/atom.js";
import { exit, whereis } from "../../src/index.js";
import { Supervisor } from "../../src/otp/supervisor.js";
import { main } from "../../src/cli/kv.js";

const KILL = atom("kill");

async function command(line: string): Promise<string> {
  const [what, name] = line.trim().split(/\s+/);
  if (what === "kill" && name !== undefined) {
    const p = whereis(atom(name));
    if (p === undefined) return `missing ${name}`;
    exit(p, KILL);
    return `killed ${name}`;
  }
  if (what === "conns") {
    const sup = whereis(atom("kv_conn_sup"));
    if (sup === undefined) return "killed conns 0";
    const kids = await Supervisor.whichChildren(sup);
    let n = 0;
    for (const k of kids) {
      if (k.pid === undefined) continue;
      exit(k.pid, KILL);
      n++;
    }
    return `killed conns ${n}`;
  }
  return `unknown ${line}`;
}

await main(process.argv.slice(2), process.env);
console.log("ready");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  command(line).then(
    (r) => console.log(r),
    (e: unknown) => console.log(`failed ${line}: ${String(e)}`),
  );
});
