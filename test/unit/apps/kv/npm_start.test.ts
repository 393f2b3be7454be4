/**
 * `npm start` itself (real npm, the package's own script): it runs the
 * built server without rebuilding, and SIGTERM / SIGINT sent to the npm
 * process reach the server, which stops in order (the append-only file
 * flushed, the data directory unlocked) and leaves no process behind.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { staleSources } from "../../../../src/cli/stale_build.js";
import { freePort } from "../../../support/redis_tools.js";
import { RespClient, plain } from "../../../support/resp_client.js";

/** The package root (this file runs from dist/test/unit/apps/kv/). */
const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");
const tmp = mkdtempSync(join(tmpdir(), "agner-npm-start-"));
const pids: number[] = [];
after(() => {
  // A failed assertion must not leave a server behind (an orphan would outlive the test run).
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});
const hasNpm = spawnSync("npm", ["--version"], { encoding: "utf8" }).status === 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "latin1")); // a zombie is gone
  } catch {
    return true;
  }
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function pong(port: number): Promise<boolean> {
  try {
    const c = await RespClient.connect(port);
    const r = plain(await c.cmd("PING"));
    c.close();
    return r === "PONG";
  } catch {
    return false;
  }
}

const cases = [
  { sig: "SIGTERM", group: false, what: "SIGTERM to the npm process" },
  { sig: "SIGINT", group: false, what: "SIGINT to the npm process" },
  { sig: "SIGINT", group: true, what: "Ctrl-C (SIGINT to npm's whole process group, as a terminal sends it)" },
] as const;

for (const { sig, group, what } of cases) {
  test(`npm start, then ${what}: the server stops in order, no orphan`, { skip: hasNpm ? undefined : "no npm", timeout: 90_000 }, async () => {
    const dir = join(tmp, `${sig}${group ? "-group" : ""}`);
    const port = await freePort();
    const npm: ChildProcess = spawn("npm", ["start", "--", "--port", String(port), "--memcached-port", "0", "--dir", dir], {
      cwd: pkg,
      env: { ...process.env, AGNER_KV_DISTRIBUTION: "no" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: group, // its own process group, as a shell gives a foreground job
    });
    pids.push(npm.pid!);
    let text = "";
    npm.stdout!.on("data", (d) => (text += d));
    npm.stderr!.on("data", (d) => (text += d));
    const exited = new Promise<[number | null, string | null]>((r) => npm.once("exit", (code, s) => r([code, s])));

    await until("PING", () => pong(port));
    // The lock file holds the server's pid: the process to watch (npm is another one).
    const server = Number(readFileSync(join(dir, "agner.lock"), "utf8"));
    pids.push(server);
    assert.notEqual(server, npm.pid);
    const c = await RespClient.connect(port);
    assert.equal(plain(await c.cmd("SET", "key", "value")), "OK");
    c.close();

    if (group) process.kill(-npm.pid!, sig);
    else npm.kill(sig);
    const [code] = await exited;
    await until("the server to exit", () => !alive(server));
    assert.match(text, new RegExp(`${sig}: shutting down`), text);
    assert.equal(code, 0, text);
    assert.doesNotMatch(text, /tsc|> agner@[^\n]*build/, "npm start does not rebuild");
    assert.equal(existsSync(join(dir, "agner.lock")), false, "the lock released: a clean stop");
    const aof = join(dir, "appendonlydir");
    const incr = readdirSync(aof).find((f) => f.endsWith(".incr.aof"))!;
    assert.match(readFileSync(join(aof, incr), "latin1"), /\r\nkey\r\n\$5\r\nvalue\r\n/, "the write is in the append-only file");
  });
}

test("the start script builds only when there is no build, then never again; args reach the server", { skip: hasNpm ? undefined : "no npm", timeout: 60_000 }, () => {
  // The package's own start script, with a build that writes a stub server (tsc would take seconds).
  const start = (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
  const dir = join(tmp, "script");
  mkdirSync(dir);
  const stub = `mkdir -p dist/src/cli && echo 'console.log("stub server", process.argv.slice(2).join(" "))' > dist/src/cli/kv.js`;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "start-script", version: "1.0.0", private: true, scripts: { start, build: stub } }));
  const run = () => spawnSync("npm", ["start", "--", "--port", "7001"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /> start-script@1\.0\.0 build/, "no build yet: it builds");
  assert.match(first.stdout, /stub server --port 7001/);
  const second = run();
  assert.equal(second.status, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /start-script@1\.0\.0 build/, "a build is there: no rebuild");
  assert.match(second.stdout, /stub server --port 7001/);
});

test("staleSources: the sources newer than their build, or never built", () => {
  const root = join(tmp, "stale");
  mkdirSync(join(root, "src", "a"), { recursive: true });
  mkdirSync(join(root, "dist", "src", "a"), { recursive: true });
  const old = new Date(Date.now() - 60_000);
  for (const f of ["x", "a/y", "a/z"]) writeFileSync(join(root, "src", `${f}.ts`), "");
  for (const f of ["x", "a/y"]) writeFileSync(join(root, "dist", "src", `${f}.js`), "");
  utimesSync(join(root, "src", "x.ts"), old, old); // built after its last change
  utimesSync(join(root, "dist", "src", "a", "y.js"), old, old); // changed since its build
  assert.deepEqual(staleSources(join(root, "src"), join(root, "dist", "src")).sort(), ["src/a/y.ts", "src/a/z.ts"]);
});
