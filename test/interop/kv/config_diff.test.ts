/**
 * Every redis.conf directive side by side with redis-server 7.0.15: the
 * same parameter names in CONFIG GET '*', the same errors for bad values of
 * each kind, the same canonical rendering of good ones, and the same file
 * after the same CONFIG SETs and a CONFIG REWRITE.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type TestServer, testRuntime } from "../../support/agner_kv.js";
import { freePort, needsRedis, waitForPort } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { startKvServer, shutdown } from "../../../src/apps/kv/server/app.js";
import { AGNER_SETTINGS, Config } from "../../../src/apps/kv/server/config.js";
import { KvInstance } from "../../../src/apps/kv/server/instance.js";

const guard = needsRedis();
const tmp = mkdtempSync(join(tmpdir(), "agner-conf-diff-"));
const children: ChildProcess[] = [];
after(() => {
  children.forEach((p) => p.exitCode === null && p.kill("SIGKILL"));
  rmSync(tmp, { recursive: true, force: true });
});

/** redis-server with a config file (its first argument, as CONFIG REWRITE needs) and flags. */
async function startRedisWithFile(file: string, flags: string[], port?: number): Promise<number> {
  port ??= await freePort();
  const p = spawn("redis-server", [file, "--port", String(port), ...flags], { stdio: "ignore" });
  children.push(p);
  await waitForPort(port);
  return port;
}

let n = 0;
/** Agner in this process, started with a config file (CONFIG REWRITE writes it) and flags. */
async function startAgnerWithFile(file: string, flags: string[]): Promise<TestServer> {
  const { rt, logs } = testRuntime();
  const config = Config.from({ file: readFileSync(file, "utf8"), fileName: file, argv: ["--port", "0", "--memcached-port", "0", ...flags] });
  const inst = new KvInstance({ config, prefix: `kvconf${++n}`, configFile: file });
  await startKvServer(inst);
  return { inst, port: inst.port, rt, logs, stop: () => shutdown(inst) };
}

describe("every redis.conf directive, as redis-server 7.0.15 has it", guard, () => {
  let agner: TestServer;
  let redisPort: number;
  let a: RespClient;
  let b: RespClient;
  before(async () => {
    if (guard.skip) return;
    const af = join(tmp, "agner-base.conf");
    const rf = join(tmp, "redis-base.conf");
    // Agner bounds normal clients' output by default; Redis does not.
    writeFileSync(af, "save \"\"\nappendonly no\nclient-output-buffer-limit normal 0 0 0\n");
    writeFileSync(rf, "save \"\"\nappendonly no\n");
    agner = await startAgnerWithFile(af, ["--dir", join(tmp)]);
    redisPort = await startRedisWithFile(rf, ["--dir", tmp]);
    a = await RespClient.connect(agner.port);
    b = await RespClient.connect(redisPort);
  });
  after(async () => {
    if (guard.skip) return;
    a.close();
    b.close();
    await agner.stop();
  });

  const names = async (c: RespClient, pattern: string) => {
    const r = plain(await c.cmd("CONFIG", "GET", pattern)) as string[];
    return new Set(r.filter((_, i) => i % 2 === 0));
  };

  test("CONFIG GET '*' lists the same parameters (Agner's own aside); hidden ones only by name", async () => {
    const mine = await names(a, "*");
    const theirs = await names(b, "*");
    for (const s of AGNER_SETTINGS) assert.ok(mine.delete(s), s);
    assert.deepEqual([...mine].sort(), [...theirs].sort());
    assert.ok(theirs.size > 180, `${theirs.size} parameters`);
    for (const hidden of ["use-exit-on-panic", "key-load-delay", "watchdog-period"]) {
      assert.deepEqual(plain(await a.cmd("CONFIG", "GET", hidden)), plain(await b.cmd("CONFIG", "GET", hidden)), hidden);
    }
  });

  test("CONFIG SET: the same error for bad values of each kind", async () => {
    const cases: string[][] = [
      ["daemonize", "yes"], // immutable
      ["dir", "/tmp"], // protected
      ["nosuch", "1", "maxclients", "x"],
      ["maxclients", "x", "nosuch", "1"],
      ["hz", "1", "HZ", "2"],
      ["activerehashing", "maybe"],
      ["maxclients", "-1"],
      ["maxclients", "0"],
      ["port", "65536"],
      ["port", "+1"],
      ["port", "01"],
      ["list-max-listpack-size", "2147483648"],
      ["slowlog-log-slower-than", "-2"],
      ["slowlog-max-len", "-1"],
      ["busy-reply-threshold", "1.5"],
      ["lua-time-limit", "x"],
      ["maxmemory", "-1"],
      ["maxmemory", "1zb"],
      ["maxmemory-clients", "101%"],
      ["maxmemory-clients", "x%"],
      ["proto-max-bulk-len", "1kb"],
      ["proto-max-bulk-len", "9223372036854775808"],
      ["hash-max-listpack-value", "-1"],
      ["active-defrag-ignore-bytes", "0"],
      ["tracking-table-max-keys", "-5"],
      ["maxmemory-policy", "lru"],
      ["loglevel", "loud"],
      ["sanitize-dump-payload", "sometimes"],
      ["shutdown-on-sigint", "save nosave"],
      ["shutdown-on-sigterm", "later"],
      ["notify-keyspace-events", "KEQ"],
      ["save", "60"],
      ["save", "0 1"],
      ["save", "60 -1"],
      ["client-output-buffer-limit", "normal 1 2"],
      ["client-output-buffer-limit", "master 1 2 3"],
      ["client-output-buffer-limit", "pubsub 1x 2 3"],
      ["oom-score-adj-values", "0 200"],
      ["oom-score-adj-values", "0 200 3000"],
      ["latency-tracking-info-percentiles", "50 101"],
      ["latency-tracking-info-percentiles", "fifty"],
      ["cluster-announce-hostname", "bad_host"],
      ["proc-title-template", "{nosuch}"],
      ["proc-title-template", "{title}"],
      ["dbfilename", "a/b"],
      ["replica-announce-port", "x"],
      ["activedefrag", "yes"],
    ];
    for (const c of cases) {
      const ra = await a.raw("CONFIG", "SET", ...c);
      const rb = await b.raw("CONFIG", "SET", ...c);
      assert.equal(ra, rb, `CONFIG SET ${c.join(" ")}`);
    }
  });

  test("CONFIG SET then GET: the same canonical rendering", async () => {
    const sets: string[][] = [
      ["maxmemory", "100mb"],
      ["maxmemory", "1g"],
      ["maxmemory", ""],
      ["maxmemory-clients", "10%"],
      ["maxmemory-clients", "1kb"],
      ["maxmemory-policy", "ALLKEYS-LRU"],
      ["oom-score-adj", "relative"],
      ["notify-keyspace-events", "KEA"],
      ["notify-keyspace-events", "Exg$lshzxetdnm"],
      ["shutdown-on-sigint", "now save force"],
      ["shutdown-on-sigterm", "default"],
      ["save", "3600 1 300 100"],
      ["client-output-buffer-limit", "pubsub 1mb 2k 3 slave 4gb 5 6"],
      ["latency-tracking-info-percentiles", "50.0 99.99 100"],
      ["latency-tracking-info-percentiles", ""],
      ["hz", "1000"],
      ["hz", "0"],
      ["lua-time-limit", "3000"],
      ["slave-read-only", "no"],
      ["hash-max-ziplist-entries", "1000"],
      ["stream-node-max-bytes", "8kb"],
      ["lfu-decay-time", "0"],
      ["slowlog-log-slower-than", "-1"],
      ["requirepass", ""],
      ["masterauth", "x y"],
      ["cluster-announce-hostname", "host-1.example"],
      ["appendfsync", "ALWAYS"],
    ];
    for (const [name, value] of sets) {
      assert.equal(await a.raw("CONFIG", "SET", name!, value!), await b.raw("CONFIG", "SET", name!, value!), `set ${name} ${value}`);
      const sorted = async (c: RespClient) => JSON.stringify(plain(await c.cmd("CONFIG", "GET", name!)));
      assert.equal(await sorted(a), await sorted(b), `get ${name} after ${value}`);
    }
    for (const pattern of ["*max*", "slave-*", "lazyfree*", "*-ziplist-*", "tls-*"]) {
      const pairs = async (c: RespClient) => {
        const r = plain(await c.cmd("CONFIG", "GET", pattern)) as string[];
        return new Map(r.flatMap((x, i) => (i % 2 === 0 ? [[x, r[i + 1]!] as const] : [])).filter(([k]) => !AGNER_SETTINGS.includes(k as never)));
      };
      const [pa, pb] = [await pairs(a), await pairs(b)];
      pa.delete("client-output-buffer-limit");
      pb.delete("client-output-buffer-limit");
      assert.deepEqual(new Map([...pa].sort()), new Map([...pb].sort()), pattern);
    }
  });
});

describe("CONFIG REWRITE, as redis-server rewrites the same file after the same edits", guard, () => {
  test("kept comments and order, replaced lines (aliases by their names), defaults gone, new lines appended", async () => {
    const text = (port: string) =>
      [
        "# my server",
        `port ${port}`,
        'save ""',
        "appendonly no",
        "hz 15",
        "",
        "",
        "# limits",
        "maxmemory 100mb",
        "lua-time-limit 3000",
        "slave-read-only no",
        "timeout 0",
        "rename-command FLUSHALL \"\"",
        "client-output-buffer-limit normal 0 0 0",
        "client-output-buffer-limit replica 256mb 64mb 60",
        "client-output-buffer-limit pubsub 32mb 8mb 60",
        "save 60 1",
        "",
      ].join("\n");
    const af = join(tmp, "agner-rw.conf");
    const rf = join(tmp, "redis-rw.conf");
    const [ap, rp] = [await freePort(), await freePort()];
    writeFileSync(af, text(String(ap)));
    writeFileSync(rf, text(String(rp)));
    const agner = await startAgnerWithFile(af, ["--port", String(ap), "--dir", tmp]);
    await startRedisWithFile(rf, ["--dir", tmp], rp);
    const a = await RespClient.connect(ap);
    const b = await RespClient.connect(rp);
    try {
      const edits = [
        ["CONFIG", "SET", "maxmemory", "0", "hz", "10", "notify-keyspace-events", "KEA"],
        ["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0", "maxmemory-policy", "allkeys-lfu"],
        ["CONFIG", "SET", "requirepass", "s3cret", "timeout", "30", "save", "900 1 300 10"],
        ["CONFIG", "SET", "slowlog-max-len", "1000", "lazyfree-lazy-eviction", "yes", "masterauth", 'a "q"'],
        ["CONFIG", "REWRITE"],
      ];
      for (const e of edits) assert.equal(await a.raw(...e), await b.raw(...e), e.join(" "));
      // The port and dir lines differ by nature; what Redis appends comes in its hash table's order.
      const norm = (s: string) => {
        const own = (l: string) => AGNER_SETTINGS.includes(l.split(" ")[0] as never);
        const lines = s.replace(/^port \d+$/m, "port P").replace(/^dir .*$/m, "dir D").split("\n").filter((l) => !own(l));
        const sig = lines.indexOf("# Generated by CONFIG REWRITE");
        return { kept: lines.slice(0, sig), appended: lines.slice(sig + 1).sort() };
      };
      const got = norm(readFileSync(af, "utf8"));
      const want = norm(readFileSync(rf, "utf8"));
      assert.deepEqual(got, want);
      assert.ok(got.kept.includes("busy-reply-threshold 3000") && got.kept.includes("replica-read-only no"), "aliases rewritten");
      assert.ok(got.appended.some((l) => l.startsWith("user default on #")), "the default user with its password's hash");
    } finally {
      a.close();
      b.close();
      await agner.stop();
    }
  });

  test("no config file: the same error", async () => {
    writeFileSync(join(tmp, "none.conf"), "appendonly no\n");
    const agner = await startAgnerWithFile(join(tmp, "none.conf"), []);
    agner.inst.configFile = null;
    const redisPort = await freePort();
    const p = spawn("redis-server", ["--port", String(redisPort), "--save", "", "--dir", tmp], { stdio: "ignore" });
    children.push(p);
    await waitForPort(redisPort);
    const a = await RespClient.connect(agner.port);
    const b = await RespClient.connect(redisPort);
    assert.equal(await a.raw("CONFIG", "REWRITE"), await b.raw("CONFIG", "REWRITE"));
    assert.match(await a.raw("CONFIG", "REWRITE"), /The server is running without a config file/);
    a.close();
    b.close();
    await agner.stop();
  });
});
