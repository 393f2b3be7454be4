/**
 * A new user's first program: `npm pack` gives a tarball of the built code,
 * its types and the docs only; `agner new DIR` scaffolds a project; npm
 * installs Agner into it from that tarball (and TypeScript from the
 * registry); `npm test` builds and passes; `npm start` runs a node whose
 * GenServer a real erl node calls, and the installed `agner` command reads
 * its state.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { type LocalNode, startLocalNode, uniqueName } from "../support/dist.js";

const run = promisify(execFile);

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = join(repo, "dist/src/cli/agner.js");

describe("agner new, from npm pack's tarball to a running node", needsErl(), () => {
  const tmp = mkdtempSync(join(tmpdir(), "agner-new-"));
  const app = join(tmp, "shop");
  const cookie = "agner_new_cookie";
  let tarball: string;
  let local: LocalNode;
  let erl: ErlNode;
  let started: ChildProcess | undefined;

  before(async () => {
    // dist/ is the build the tests run from: pack it as it is (no prepare).
    const name = execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], { cwd: repo, encoding: "utf8" }).trim().split("\n").pop()!;
    tarball = join(tmp, name);
    local = await startLocalNode("newepmd", cookie); // an EPMD for the new node and erl
  });

  afterAll(async () => {
    // npm start's whole process group: npm, its shell and the node under it.
    if (started?.pid !== undefined) {
      try {
        process.kill(-started.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await erl?.stop(true);
    await local?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, ERL_EPMD_PORT: String(local.epmdPort), AGNER_COOKIE: cookie });

  test("the tarball holds the built code, its types and the docs, nothing else", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
    const outside = files.filter((f) => !f.startsWith("dist/src/") && !f.startsWith("docs/") && f !== "README.md" && f !== "package.json");
    assert.deepEqual(outside, []);
    for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/agner.js", "docs/remote_tools.md", "docs/your_first_program.md"]) assert.ok(files.includes(f), `${f} is in the tarball`);
    assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
  });

  test("agner new scaffolds; npm installs from the tarball; npm test passes; npm start serves erl and the agner command", async () => {
    const out = execFileSync(process.execPath, [CLI, "new", app], { encoding: "utf8" });
    assert.match(out, /created src\/counter\.ts/);
    assert.deepEqual(readdirSync(join(app, "src")).sort(), ["app.ts", "counter.ts", "main.ts"]);
    assert.throws(() => execFileSync(process.execPath, [CLI, "new", app], { stdio: "pipe" }), /is not empty/);

    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: app, stdio: "pipe", timeout: 300_000 });
    assert.ok(existsSync(join(app, "node_modules/agner/dist/src/index.js")));

    // Its own test runner, not a child of this one (which would talk to us in the runner's protocol).
    const { NODE_TEST_CONTEXT: _child, ...plainEnv } = process.env;
    const tested = execFileSync("npm", ["test"], { cwd: app, encoding: "utf8", timeout: 300_000, env: plainEnv });
    assert.match(tested, /^# pass 1$/m);
    assert.match(tested, /^# fail 0$/m);

    const node = `${uniqueName("shop")}@localhost`;
    started = spawn("npm", ["start"], { cwd: app, env: { ...env(), NODE_NAME: node }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let text = "";
    await new Promise<void>((resolve, reject) => {
      started!.stdout!.on("data", (d) => {
        text += d;
        if (text.includes(`running on ${node}`)) resolve();
      });
      started!.stderr!.on("data", (d) => (text += d));
      started!.once("exit", (code) => reject(new Error(`npm start exited (${code}): ${text}`)));
    });

    erl = await startErl({ sname: uniqueName("newerl"), cookie, epmdPort: local.epmdPort });
    assert.equal(await erl.eval(`gen_server:call({counter, '${node}'}, {add, 5}).`), 5);
    // Asynchronously: the EPMD the command asks runs in this test process.
    const agner = async (...args: string[]) => (await run(join(app, "node_modules/.bin/agner"), args, { env: env(), encoding: "utf8" })).stdout;
    assert.equal(await agner("rpc", node, "sys", "get_state", "counter"), "5\n");
    assert.equal(await agner("rpc", node, "application", "which_applications"), `[{shop,"shop, an Agner application","0.1.0"}]\n`);
  });
});
