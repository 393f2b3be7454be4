/**
 * `agner remsh NODE` in a real pseudo-terminal against an Agner node over
 * real distribution: TypeScript inputs run inside the node with the Agner
 * API in scope and variables kept between inputs, multi-line input,
 * `self()` a shell process that lives for the session, tab completion of
 * the session's names, Ctrl-C interrupting an evaluation (the node and the
 * session go on), the history file, and the shell process gone with the
 * session. The test's node opens itself with `startRemoteShell()`; a node
 * started with `remoteShell: false` has none even then.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, GenServer, Runtime, atom, ok, setDefaultRuntime, startNode, startRemoteShell, stopNode, t } from "../../src/index.js";
import { type LocalNode, memoryLogger, startLocalNode, uniqueName, until } from "../support/dist.js";
import { type Pty, needsPty, spawnPty } from "../support/pty.js";

const CLI = fileURLToPath(new URL("../../src/cli/agner.js", import.meta.url));

class Store extends GenServer<unknown> {
  init() {
    return ok(t(atom("items"), 3));
  }
}

describe("agner remsh", needsPty(), () => {
  const cookie = "remsh_cookie";
  let rt: Runtime;
  let local: LocalNode;
  const tmp = mkdtempSync(join(tmpdir(), "agner-remsh-"));
  const history = join(tmp, "history");
  let me: Atom;
  let epmdPort: number;
  let term: Pty;

  before(async () => {
    local = await startLocalNode("remsh", cookie);
    ({ rt, name: me, epmdPort } = local);
    await startRemoteShell();
    await GenServer.start(new Store(), undefined, { name: "remsh_store" });
  });

  afterAll(async () => {
    term?.kill();
    await local.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: cookie, AGNER_REMSH_HISTORY: history });
  const prompt = () => `${me.name}> `;

  /** Types a line and waits for the next prompt; resolves with what was printed in between. */
  async function enter(line: string, wait = prompt()): Promise<string> {
    const from = term.output().length;
    term.write(`${line}\r`);
    // The prompt, maybe followed by the cursor's column (ESC [ n G).
    await term.waitFor(new RegExp(`${escape(line)}[^]*${escape(wait)}(\\x1b\\[\\d+G)?$`), 20_000, from);
    return term.output().slice(from);
  }

  test("a session: TypeScript in the node, the API in scope, multi-line, self(), completion, Ctrl-C, history", async () => {
    term = spawnPty(process.execPath, [CLI, "remsh", me.name], env());
    await term.waitFor(new RegExp(escape(prompt())));

    // TypeScript: the types are stripped; the variable lives on; the result is printed with inspect.
    await enter("const answer: number = 40");
    assert.match(await enter("answer + 2"), /\r\n42\r\n/);
    assert.match(await enter(`t(atom("ok"), [1, "two"])`), /\{ok,\[1,<<"two"\/utf8>>\]\}/);

    // The Agner API reaches the node's processes.
    assert.match(await enter(`await sys.getState("remsh_store")`), /\{items,3\}/);
    assert.match(await enter(`node()`), new RegExp(escape(me.name)));

    // Multi-line: an open function waits for its end.
    await enter("function twice(n: number) {", "... ");
    await enter("  return n * 2", "... ");
    await enter("}");
    assert.match(await enter("twice(answer)"), /\r\n80\r\n/);

    // self() is the session's shell process: messages to it wait for flush().
    const shellText = await enter("self()");
    const shellId = Number(/\.(\d+)\.\d+>/.exec(shellText)![1]);
    assert.ok(rt.processes().some((p) => p.id === shellId), "the shell process runs on the node");
    await enter(`send(self(), atom("ping")); send(self(), t(atom("n"), 2))`);
    assert.match(await enter("await flush()"), /\[ping,\{n,2\}\]/);
    assert.match(await enter("self()"), new RegExp(`\\.${shellId}\\.\\d+>`), "the same process for the whole session");

    // Errors are printed; the session goes on.
    assert.match(await enter("undefinedFunction()"), /Uncaught ReferenceError: undefinedFunction is not defined/);

    // Tab completion of a session variable.
    await enter("const remshVariable = 7");
    let from = term.output().length;
    term.write("remshVar\t");
    await term.waitFor(/remshVariable/, 20_000, from);
    from = term.output().length;
    term.write("\r");
    await term.waitFor(new RegExp(`7\\r\\n[^]*${escape(prompt())}`), 20_000, from);

    // Tab completion of an object's properties: the common part, then (a second Tab) the choices.
    from = term.output().length;
    term.write("sys.getSta\t");
    await term.waitFor(/sys\.getStat/, 20_000, from);
    term.write("\t");
    await term.waitFor(/sys\.getState\s+sys\.getStatus/, 20_000, from);
    term.write("\x15"); // Ctrl-U: the line is dropped

    // Ctrl-C interrupts an evaluation that waits forever: the evaluating process is killed, the node and session go on.
    from = term.output().length;
    term.write("await new Promise(() => {})\r");
    await term.waitFor(/await new Promise\(\(\) => \{\}\)\r*\n/, 20_000, from);
    await new Promise((r) => setTimeout(r, 300)); // the evaluation has started on the node (a wait, not an assertion)
    term.write("\x03");
    await term.waitFor(new RegExp(`\\*\\* interrupted[^]*${escape(prompt())}`), 20_000, from);
    assert.match(await enter("answer"), /\r\n40\r\n/);

    // Leaving: the shell process goes, the history has the inputs.
    term.write(".exit\r");
    assert.equal(await term.exit, 0);
    await until(() => !rt.processes().some((p) => p.id === shellId), "the shell process ended with the session");
    assert.match(readFileSync(history, "utf8"), /^answer \+ 2$/m);
  });

  test("Ctrl-C twice on an empty line leaves the shell", async () => {
    const t1 = spawnPty(process.execPath, [CLI, "remsh", me.name], env());
    try {
      await t1.waitFor(new RegExp(escape(prompt())));
      t1.write("\x03");
      await t1.waitFor(/To exit, press Ctrl\+C again/);
      t1.write("\x03");
      assert.equal(await t1.exit, 0);
    } finally {
      t1.kill();
    }
  });

  test("a node started with remoteShell: false has no remote shell", async () => {
    const other = new Runtime({ logger: memoryLogger() });
    const name = await startNode({ name: `${uniqueName("noshell")}@localhost`, cookie, epmdPort, epmd: "client", runtime: other, remoteShell: false });
    try {
      const t2 = spawnPty(process.execPath, [CLI, "remsh", name.name], env());
      assert.equal(await t2.exit, 1);
      assert.match(t2.output(), /has no remote shell.*undef/);
    } finally {
      await stopNode(other);
      other.shutdown();
      setDefaultRuntime(rt);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
