/**
 * A new user's path, as docs/your_first_program.md walks it: the package
 * packed (`npm pack`: the built code, its types, the docs and `agner new`'s
 * templates, nothing else), a project scaffolded by `agner new`, Agner installed into it from
 * the tarball, then the project's own `npm test` and `npm start`, and a
 * real Elixir node calling its GenServer.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { promisify } from "node:util";
import { newProject, NewProjectError } from "../../src/cli/agner_new.js";
import { repoRoot } from "../support/doc_transcript.js";
import { freePort, uniqueName } from "../support/dist.js";
import { needsElixir, startElixir } from "../support/elixir_node.js";

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "agner-new-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("agner new, from npm pack to a node iex calls", () => {
  let tarball = "";

  test("npm pack holds the built code, its types and the docs, and nothing else", async () => {
    // The tree is built (npm test builds first): pack it as it is.
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], { cwd: repoRoot, timeout: 120_000 });
    tarball = join(tmp, readdirSync(tmp).find((f) => f.endsWith(".tgz"))!);
    const { stdout } = await run("tar", ["tzf", tarball], { maxBuffer: 16 << 20 });
    const files = stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
    const stray = files.filter((f) => !(f === "package.json" || f === "README.md" || /^(docs|templates)\/[\w./-]+$/.test(f) || /^dist\/src\/.*\.(js|d\.ts)$/.test(f)));
    assert.deepEqual(stray, []);
    for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/kv.js", "docs/your_first_program.md"]) assert.ok(files.includes(f), f);
  });

  test("a scaffolded project installs Agner from the tarball, builds, and passes its test", async () => {
    assert.throws(() => newProject(tmp), NewProjectError, "a directory that is not empty is refused");
    const dir = join(tmp, "my-app");
    const written = newProject(dir, { agner: `file:${tarball}` });
    assert.deepEqual(written.sort(), [".gitignore", "README.md", "package.json", "src/app.ts", "src/counter.ts", "src/main.ts", "test/counter.test.ts", "tsconfig.json"]);
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, timeout: 300_000 });
    // Not as a child of this test runner (NODE_TEST_CONTEXT would make its node --test report to us in V8's format).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const { stdout } = await run("npm", ["test"], { cwd: dir, timeout: 300_000, env });
    assert.match(stdout, /# pass 1\n# fail 0/);
  });

  test("npm start is the Erlang node my_app@localhost, iex calls its counter, and its remote shell is open", needsElixir(), async () => {
    const dir = join(tmp, "my-app");
    const epmdPort = await freePort();
    const node = `${uniqueName("myapp")}@localhost`;
    const env: NodeJS.ProcessEnv = { ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: "firstprogram", NODE_NAME: node };
    delete env.NODE_TEST_CONTEXT;
    const app: ChildProcess = spawn("npm", ["start"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        app.stdout!.on("data", (d) => {
          out += d;
          if (out.includes(`${node} ready`)) resolve();
        });
        app.once("exit", (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
      });
      const ex = await startElixir({ sname: `${uniqueName("iex")}@localhost`, cookie: "firstprogram", epmdPort });
      try {
        assert.equal((await ex.evalInspect(`GenServer.cast({:counter, :"${node}"}, {:add, 2})`)).inspected, ":ok");
        assert.equal((await ex.evalInspect(`GenServer.call({:counter, :"${node}"}, :get)`)).inspected, "2");
        // Its remote shell is open (main.ts calls startRemoteShell): agner remsh's first call gets a shell.
        assert.match((await ex.evalInspect(`:rpc.call(:"${node}", :agner_shell, :start, [self()])`)).inspected, /^\{:ok, #PID<[\d.]+>\}$/);
      } finally {
        await ex.stop(true);
      }
    } finally {
      // npm start's whole group: npm, its shell and node.
      process.kill(-app.pid!, "SIGTERM");
    }
  });
});
