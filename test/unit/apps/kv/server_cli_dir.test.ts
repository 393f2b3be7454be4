/**
 * The data directory of the `npm start` entry: one server per directory
 * (a lock file holding the server's pid, taken over once that process is
 * gone), and `--dir` values that cannot be used refused with one line and
 * exit code 1 (never a hang, never a stack trace).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../support/redis_tools.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../src/cli/kv.js");
const tmp = mkdtempSync(join(tmpdir(), "agner-kv-dir-"));
const started: ChildProcess[] = [];
after(() => {
  started.forEach((p) => p.exitCode === null && p.signalCode === null && p.kill("SIGKILL"));
  rmSync(tmp, { recursive: true, force: true });
});
const env = { ...process.env, AGNER_KV_DISTRIBUTION: "no", AGNER_KV_MEMCACHED_PORT: "0" };

function start(args: string[]): { proc: ChildProcess; ready: Promise<string>; out: Promise<string> } {
  const proc = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  started.push(proc);
  let text = "";
  let onReady: (s: string) => void;
  const ready = new Promise<string>((r) => (onReady = r));
  proc.stdout!.on("data", (d) => {
    text += d;
    if (text.includes("stop:")) onReady(text);
  });
  proc.stderr!.on("data", (d) => (text += d));
  const out = new Promise<string>((r) => proc.once("exit", (code, sig) => r(`${text}\nexit ${code} ${sig}`)));
  return { proc, ready: Promise.race([ready, out.then((o) => Promise.reject(new Error(`exited before ready:\n${o}`)))]), out };
}

/** Runs the entry to its end (a hang is killed after 20 s and fails the test). */
function refused(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [cli, "--port", "0", ...args], { env, encoding: "utf8", timeout: 20_000, killSignal: "SIGKILL" });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** One line on stderr, `agner kv: cannot use --dir DIR: ...`, nothing on stdout, exit 1. */
function assertOneLine(r: { status: number | null; stderr: string; stdout: string }, dir: string, why: RegExp): void {
  assert.equal(r.status, 1, `exit code 1 (null: it hung and was killed); stderr:\n${r.stderr}`);
  assert.equal(r.stdout, "", "no banner");
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.ok(lines[0]!.startsWith(`agner kv: cannot use --dir ${dir}: `), lines[0]);
  assert.match(lines[0]!, why);
}

test("--dir under /proc: refused at once (Node's recursive mkdir would spin there forever)", { skip: existsSync("/proc/self") ? undefined : "no /proc" }, () => {
  assertOneLine(refused(["--dir", "/proc/agnerdata"]), "/proc/agnerdata", /cannot create directory \/proc\/agnerdata/);
});

test("--dir naming a file, or a path under a file: not a directory", () => {
  const file = join(tmp, "a-file");
  writeFileSync(file, "x");
  assertOneLine(refused(["--dir", file]), file, new RegExp(`${file} is not a directory`));
  assertOneLine(refused(["--dir", join(file, "sub")]), join(file, "sub"), new RegExp(`${file} is not a directory`));
});

test("--dir that cannot be written in (root included): one line, no crash reports", () => {
  // Root ignores permission bits, not sysfs: nobody may create files in /sys.
  const dirs: string[] = [];
  if (existsSync("/sys/kernel")) dirs.push("/sys/kernel");
  if (process.getuid?.() !== 0) {
    const ro = join(tmp, "read-only");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    dirs.push(ro);
  }
  assert.ok(dirs.length > 0, "an unwritable directory to try");
  for (const d of dirs) assertOneLine(refused(["--dir", d]), d, /cannot write in it: .*(permission denied|read-only|not permitted)/i);
});

test("appendonly no writes nothing in --dir: an unwritable one is accepted, and CONFIG SET appendonly yes is refused with the reason", { timeout: 60_000 }, async () => {
  const d = existsSync("/sys/kernel") ? "/sys/kernel" : join(tmp, "read-only");
  const port = await freePort();
  const s = start(["--port", String(port), "--dir", d, "--appendonly", "no"]);
  await s.ready;
  const c = await RespClient.connect(port);
  const r = plain(await c.cmd("CONFIG", "SET", "appendonly", "yes")) as { error: string };
  assert.match(r.error, /^ERR CONFIG SET failed \(possibly related to argument 'appendonly'\) - cannot use the data directory .*cannot write in it/);
  assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "appendonly")), ["appendonly", "no"], "the setting is back to no");
  assert.equal(plain(await c.cmd("SET", "k", "v")), "OK", "the server still serves writes");
  c.close();
  s.proc.kill("SIGTERM");
  assert.match(await s.out, /exit 0 null/);
});

test("two servers on one directory: the second exits 1 naming the first's pid; the first is unharmed", { timeout: 60_000 }, async () => {
  const dir = join(tmp, "shared");
  const [p1, p2] = [await freePort(), await freePort()];
  const first = start(["--port", String(p1), "--dir", dir]);
  await first.ready;
  assert.equal(readFileSync(join(dir, "agner.lock"), "utf8").trim(), String(first.proc.pid), "the lock holds the server's pid");
  const c = await RespClient.connect(p1);
  assert.equal(plain(await c.cmd("SET", "k", "1")), "OK");

  const r = refused(["--port", String(p2), "--dir", dir]);
  assertOneLine(r, dir, new RegExp(`in use by process ${first.proc.pid}\\b`));
  assert.equal(plain(await c.cmd("GET", "k")), "1", "the first server still serves");
  assert.equal(readFileSync(join(dir, "agner.lock"), "utf8").trim(), String(first.proc.pid), "its lock is untouched");
  c.close();

  first.proc.kill("SIGTERM");
  assert.match(await first.out, /exit 0 null/);
  assert.equal(existsSync(join(dir, "agner.lock")), false, "released on a clean stop");
});

test("kill -9 leaves a stale lock: the next start takes it over and says so", { timeout: 60_000 }, async () => {
  const dir = join(tmp, "stale");
  const port = await freePort();
  // appendfsync always: the reply waits for the file, so the kill cannot come before the write.
  const first = start(["--port", String(port), "--dir", dir, "--appendfsync", "always"]);
  await first.ready;
  const c = await RespClient.connect(port);
  assert.equal(plain(await c.cmd("SET", "k", "kept")), "OK");
  c.close();
  first.proc.kill("SIGKILL");
  await first.out;
  assert.equal(readFileSync(join(dir, "agner.lock"), "utf8").trim(), String(first.proc.pid), "kill -9 leaves the lock behind");

  const second = start(["--port", String(port), "--dir", dir]);
  const text = await second.ready;
  assert.match(text, new RegExp(`taking over the lock of process ${first.proc.pid}, which is no longer running`));
  assert.equal(readFileSync(join(dir, "agner.lock"), "utf8").trim(), String(second.proc.pid));
  const c2 = await RespClient.connect(port);
  assert.equal(plain(await c2.cmd("GET", "k")), "kept");
  c2.close();
  second.proc.kill("SIGINT");
  assert.match(await second.out, /exit 0 null/);
  assert.equal(existsSync(join(dir, "agner.lock")), false);
});

test("a lock file that is not a pid (a crash while writing it) is taken over too", { timeout: 60_000 }, async () => {
  const dir = join(tmp, "garbage");
  mkdirSync(dir);
  closeSync(openSync(join(dir, "agner.lock"), "w"));
  const port = await freePort();
  const s = start(["--port", String(port), "--dir", dir]);
  assert.match(await s.ready, /taking over an unreadable lock file/);
  s.proc.kill("SIGTERM");
  assert.match(await s.out, /exit 0 null/);
  assert.equal(existsSync(join(dir, "agner.lock")), false);
});
