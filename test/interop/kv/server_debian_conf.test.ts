/**
 * `npm start -- /etc/redis/redis.conf`: the `npm start` entry with Debian's
 * stock redis.conf (the redis-server package's), port, dir, logfile and
 * pidfile given by flags so the test is hermetic. It starts, answers, says
 * once what it accepted without effect, and reads the file's directives as
 * redis-server reads the same file.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort, needsRedis, waitForPort } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";

const DEBIAN = "/etc/redis/redis.conf";
const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src/cli/kv.js");
const tmp = mkdtempSync(join(tmpdir(), "agner-debian-conf-"));
const procs: ChildProcess[] = [];
after(() => {
  procs.forEach((p) => p.exitCode === null && p.kill("SIGKILL"));
  rmSync(tmp, { recursive: true, force: true });
});

const guard = needsRedis();
if (!guard.skip && !existsSync(DEBIAN) && process.env.AGNER_REQUIRE_REDIS === "1") throw new Error(`${DEBIAN} is missing (Debian's redis-server package ships it)`);

test("Debian's stock redis.conf: starts, answers, reports what it ignores once, reads the file as redis-server", { skip: guard.skip ?? (!existsSync(DEBIAN) ? `${DEBIAN} missing` : undefined) }, async () => {
  const [port, rport] = [await freePort(), await freePort()];
  const log = join(tmp, "agner.log");
  const pid = join(tmp, "agner.pid");
  const agner = spawn(process.execPath, [cli, DEBIAN, "--port", String(port), "--dir", join(tmp, "data"), "--logfile", log, "--pidfile", pid], {
    env: { ...process.env, AGNER_KV_MEMCACHED_PORT: "0", AGNER_KV_DISTRIBUTION: "no" },
    stdio: "ignore",
  });
  procs.push(agner);
  const exited = new Promise<number | null>((r) => agner.once("exit", (code) => r(code)));
  const redis = spawn("redis-server", [DEBIAN, "--port", String(rport), "--daemonize", "no", "--dir", tmp, "--logfile", "", "--pidfile", join(tmp, "redis.pid")], { stdio: "ignore" });
  procs.push(redis);
  await Promise.all([waitForPort(port), waitForPort(rport)]);

  const a = await RespClient.connect(port);
  const b = await RespClient.connect(rport);
  assert.deepEqual(plain(await a.cmd("PING")), "PONG");
  for (const name of ["bind", "protected-mode", "tcp-backlog", "timeout", "hz", "databases", "appendonly", "appendfsync", "client-output-buffer-limit", "oom-score-adj-values", "notify-keyspace-events", "proc-title-template", "lazyfree-lazy-eviction", "repl-diskless-load", "list-max-ziplist-size", "hash-max-listpack-value", "stream-node-max-bytes", "slowlog-max-len", "auto-aof-rewrite-min-size", "supervised", "jemalloc-bg-thread"]) {
    assert.deepEqual(plain(await a.cmd("CONFIG", "GET", name)), plain(await b.cmd("CONFIG", "GET", name)), name);
  }
  assert.deepEqual(plain(await a.cmd("CONFIG", "GET", "daemonize")), ["daemonize", "yes"], "stored as the file says, not applied");

  // logfile applied: the output went to the file; pidfile applied: the process id.
  assert.equal(readFileSync(pid, "utf8").trim(), String(agner.pid));
  const text = readFileSync(log, "utf8");
  const report = text.split("\n").filter((l) => l.includes("accepted, without effect here"));
  assert.equal(report.length, 1, "one line, once");
  for (const d of ["daemonize", "set-proc-title", "stop-writes-on-bgsave-error", "oom-score-adj-values", "jemalloc-bg-thread"]) assert.match(report[0]!, new RegExp(`[ :]${d}(,|$)`), d);
  for (const d of ["port", "bind", "timeout", "appendfsync", "logfile", "pidfile", "save", "dbfilename", "rdbcompression"]) assert.doesNotMatch(report[0]!, new RegExp(`[ :]${d}(,|$)`), `${d} is applied`);
  assert.match(text, /Agner KV server ready/);

  a.close();
  b.close();
  agner.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.equal(existsSync(pid), false, "the pidfile goes at exit");
});
