/**
 * The `npm start` entry as a child process: settings from a config file,
 * the environment and flags (in that increasing precedence), the banner,
 * real clients, and a clean stop on SIGTERM / SIGINT.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort, needsRedis, redisBenchmark, redisCli } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src/cli/kv.js");
const tmp = mkdtempSync(join(tmpdir(), "agner-kv-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
// A failed assertion must not leave a server running (the file's process would wait for it).
const started: ChildProcess[] = [];
after(() => started.forEach((p) => p.exitCode === null && p.kill("SIGKILL")));

function start(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; out: Promise<string>; ready: Promise<string> } {
  // memcached on a free port unless a test says otherwise (its default, 11212, would collide between runs).
  const proc = spawn(process.execPath, [cli, ...args], { env: { AGNER_KV_MEMCACHED_PORT: "0", AGNER_KV_DISTRIBUTION: "no", ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  let readyResolve: (s: string) => void;
  const ready = new Promise<string>((r) => (readyResolve = r));
  proc.stdout!.on("data", (d) => {
    text += d;
    if (text.includes("stop:")) readyResolve(text);
  });
  proc.stderr!.on("data", (d) => (text += d));
  const out = new Promise<string>((r) => proc.once("exit", (code, sig) => r(`${text}\nexit ${code} ${sig}`)));
  started.push(proc);
  return { proc, out, ready };
}

test("config file < environment < flags; banner; clients; SIGTERM stops cleanly", async () => {
  const port = await freePort();
  const file = join(tmp, "kv.conf");
  writeFileSync(file, `# test config\nport 1\nhz 15\nmaxclients 77\ntimeout 40\ndir "${join(tmp, "data")}"\n`);
  const { proc, out, ready } = start([file, "--port", String(port), "--timeout", "50"], { AGNER_KV_MAXCLIENTS: "88", AGNER_KV_PORT: "2" });
  const banner = await Promise.race([ready, out]);
  assert.match(banner, new RegExp(`redis-cli -h 127\\.0\\.0\\.1 -p ${port}`));
  assert.match(banner, /node \(none: distribution off\)/, "AGNER_KV_DISTRIBUTION=no: no Erlang node, no iex line");
  assert.doesNotMatch(banner, /iex:/);
  assert.match(banner, /data in .* \(append-only file, appendfsync everysec\)/, "npm start persists by default, and says so");
  const c = await RespClient.connect(port);
  assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "hz")), ["hz", "15"], "from the file");
  assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "maxclients")), ["maxclients", "88"], "env over file");
  assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "timeout")), ["timeout", "50"], "flag over file");
  assert.deepEqual(plain(await c.cmd("SET", "k", "v")), "OK");
  assert.ok(String(plain(await c.cmd("INFO", "server"))).includes(`config_file:${file}`));
  c.close();
  proc.kill("SIGTERM");
  const text = await out;
  assert.match(text, /SIGTERM: shutting down/);
  assert.match(text, /exit 0 null/);
  // The port is free again.
  const again = await freePort();
  assert.ok(again > 0);
});

test("redis-cli and redis-benchmark against the real entry; SIGINT stops it", needsRedis(), async () => {
  const port = await freePort();
  const { proc, out, ready } = start(["--port", String(port), "--dir", join(tmp, "d2")]);
  await Promise.race([ready, out]);
  assert.equal((await redisCli(port, ["SET", "x", "1"])).trim(), "OK");
  const bench = await redisBenchmark(port, ["-t", "set,get", "-n", "20000", "-r", "1000", "-c", "20", "-P", "4", "-q"]);
  assert.match(bench, /SET: [\d.]+ requests per second/);
  assert.match(bench, /GET: [\d.]+ requests per second/);
  assert.equal((await redisCli(port, ["DBSIZE"])).trim() !== "0", true);
  proc.kill("SIGINT");
  assert.match(await out, /exit 0 null/);
});

test("--help lists every setting with its flag and environment variable; bad settings exit 2", () => {
  const help = execFileSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  assert.match(help, /--port\s+AGNER_KV_PORT\s+default: "6380"/);
  assert.match(help, /--client-output-buffer-limit\s+AGNER_KV_CLIENT_OUTPUT_BUFFER_LIMIT/);
  assert.match(help, /precedence: flag > environment > config file > default/);
  assert.throws(
    () => execFileSync(process.execPath, [cli, "--port", "banana"], { encoding: "utf8", stdio: "pipe" }),
    (e: { status: number; stderr: string }) => e.status === 2 && /bad configuration: setting 'port'/.test(e.stderr),
  );
});
