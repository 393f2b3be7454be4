/**
 * Agner as a replica of a real redis-server 7.0.15 primary: full sync of
 * every type with expiries in both payload forms (disk-less `$EOF:` and
 * `$<len>`) while the primary takes writes, then the stream, checked key by
 * key; partial resync after a dropped link and after the link process is
 * killed (the primary's sync_partial_ok counts them); WAIT on the primary
 * counting Agner's ACKs; no active expiry on the replica; its own AOF; the
 * promotion's replication ids; and -READONLY, -MASTERDOWN and REPLICAOF's
 * replies compared with a redis-server replica's.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { after, describe, test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exit, whereis } from "../../../src/index.js";
import { freePort, needsRedisServer, startRedis } from "../../support/redis_server.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { type TestServer, restarted, startAgner } from "../../support/agner_kv.js";
import { startKvProcess } from "../../support/kv_process.js";
import { assertSame, infoField, population, run, snapshot } from "../../support/repl_compare.js";
import { until } from "../../support/dist.js";

const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
});

async function primary(extra: string[] = []): Promise<{ port: number; c: RespClient }> {
  const r = await startRedis(["--repl-diskless-sync-delay", "0", ...extra]);
  stops.push(() => r.stop());
  const c = await RespClient.connect(r.port);
  stops.push(async () => c.socket.destroy());
  return { port: r.port, c };
}

async function agner(argv: string[] = []): Promise<{ a: TestServer; c: RespClient }> {
  const a = await startAgner(["--appendonly", "no", ...argv]);
  stops.push(() => a.stop());
  const c = await RespClient.connect(a.port);
  stops.push(async () => c.socket.destroy());
  return { a, c };
}

/** The replica has applied everything the primary has sent so far (offsets equal, and acknowledged as applied). */
async function caughtUp(p: RespClient, a: TestServer): Promise<void> {
  await until(async () => {
    const want = Number(await infoField(p, "replication", "master_repl_offset"));
    const v = a.inst.repl.primary;
    return v !== null && v.state === "connected" && a.inst.repl.offset === want && v.processedOffset === want;
  }, "the replica to catch up");
}

async function counter(p: RespClient, name: string): Promise<number> {
  return Number(await infoField(p, "stats", name));
}

/** Writes of every kind, expiries included, while something else happens. */
async function writeLoad(p: RespClient, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const k = `${tag}:${i % 50}`;
    await run(p, [["SET", k, String(i), "EX", "1000"], ["INCR", `${tag}:n`], ["RPUSH", `${tag}:l`, String(i)], ["HINCRBY", `${tag}:h`, `f${i % 7}`, "1"]]);
    if (i % 10 === 0) await run(p, [["ZADD", `${tag}:z`, String(i), `m${i}`], ["SADD", `${tag}:s`, String(i % 13)], ["PEXPIRE", `${tag}:h`, "5000000"]]);
  }
}

function withoutSeenTimes(m: Map<string, unknown>): Map<string, unknown> {
  return new Map([...m].map(([k, v]) => [k, JSON.parse(JSON.stringify(v).replace(/"seen-time",\d+/g, '"seen-time",0'))]));
}

function loggedReplica(a: TestServer): string {
  return a.logs.filter((l) => l.what === "kv_replica").map((l) => l.text).join("\n");
}

describe("Agner as a replica of redis-server 7.0.15", needsRedisServer(), () => {
  for (const [diskless, form] of [["yes", "EOF-marked"], ["no", "length-prefixed"]] as const) {
    test(`full sync (${form} payload) of every type with TTLs under write load, then the stream, key by key`, async () => {
      const p = await primary(["--repl-diskless-sync", diskless]);
      await run(p.c, population());
      const { a, c } = await agner();
      const load = writeLoad(p.c, 300, "during");
      assert.deepEqual(plain(await c.cmd("REPLICAOF", "127.0.0.1", String(p.port))), "OK");
      await load;
      await writeLoad(p.c, 100, "after");
      await run(p.c, [["SELECT", "5"], ["SET", "db5:later", "x"], ["SELECT", "0"], ["FUNCTION", "LOAD", "#!lua name=later\nredis.register_function('later', function() return 1 end)"]]);
      const want = await snapshot(p.c);
      await caughtUp(p.c, a);
      assertSame(await snapshot(c), want);
      assert.match(loggedReplica(a), new RegExp(`${form} payload`));
      assert.equal(a.inst.repl.replid, await infoField(p.c, "replication", "master_replid"));
    });
  }

  test("transactions, scripts, multi-key commands and the commands Redis rewrites as it propagates them converge key by key", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, a);
    for (let i = 0; i < 20; i++) {
      await run(p.c, [["MULTI"], ["SET", `t:${i}`, "a"], ["INCR", "t:n"], ["LPUSH", `tl:${i % 3}`, String(i)], ["SELECT", "3"], ["SET", `t3:${i}`, "b"], ["SELECT", "0"], ["EXEC"]]);
      await run(p.c, [["EVAL", "redis.call('set', KEYS[1], ARGV[1]); redis.call('pexpire', KEYS[1], 900000); return redis.call('incr', KEYS[2])", "2", `e:${i}`, "e:n", String(i)]]);
      await run(p.c, [["MSET", `m:${i}:a`, "1", `m:${i}:b`, "2", `m:${i}:c`, "3"], ["RENAME", `m:${i}:a`, `m:${i}:renamed`], ["SADD", `sa:${i}`, "x", "y"], ["SADD", "sb", String(i)]]);
      await run(p.c, [["SUNIONSTORE", `su:${i}`, `sa:${i}`, "sb"], ["SPOP", "sb"], ["INCRBYFLOAT", "f", "1.5"], ["EXPIRE", `t:${i}`, "1000"], ["SET", `px:${i}`, "v", "EX", "500"]]);
      await run(p.c, [["LMOVE", `tl:${i % 3}`, "moved", "LEFT", "RIGHT"], ["HINCRBYFLOAT", "hf", "x", "0.25"], ["ZINCRBY", "zi", "2", `m${i % 4}`], ["GETEX", `m:${i}:b`, "PX", "800000"], ["COPY", `m:${i}:c`, `copy:${i}`]]);
    }
    await run(p.c, [["SWAPDB", "0", "3"], ["SELECT", "3"], ["DEL", "t:0"], ["SELECT", "0"], ["FLUSHDB"], ["SET", "after-flush", "1"]]);
    const want = await snapshot(p.c, ["0", "3"]);
    assert.ok(want.size > 150, `${want.size} keys`);
    await caughtUp(p.c, a);
    assertSame(await snapshot(c, ["0", "3"]), want);
  });

  test("property: random commands on the primary; once WAIT counts the replica, its keyspace is the primary's", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, a);
    const key = fc.constantFrom("a", "b", "c", "d", "e", "f");
    const val = fc.constantFrom("1", "2", "x", "-7", "3.5", "");
    const cmd = fc.oneof(
      fc.tuple(key, val).map(([k, v]) => [["SET", k, v]]),
      fc.tuple(key, fc.integer({ min: 1, max: 100000 })).map(([k, ms]) => [["SET", k, "t", "PX", String(ms)]]),
      key.map((k) => [["INCR", k]]),
      fc.tuple(key, val).map(([k, v]) => [["APPEND", k, v]]),
      key.map((k) => [["DEL", k]]),
      fc.tuple(key, val).map(([k, v]) => [["RPUSH", k, v, v]]),
      key.map((k) => [["LPOP", k]]),
      fc.tuple(key, key).map(([k, d]) => [["LMOVE", k, d, "LEFT", "RIGHT"]]),
      fc.tuple(key, val).map(([k, v]) => [["SADD", k, v]]),
      key.map((k) => [["SPOP", k]]),
      fc.tuple(key, key, val).map(([k, f, v]) => [["HSET", k, f, v]]),
      fc.tuple(key, key).map(([k, f]) => [["HINCRBYFLOAT", k, f, "0.5"]]),
      fc.tuple(key, key).map(([k, m]) => [["ZINCRBY", k, "1.5", m]]),
      key.map((k) => [["ZPOPMIN", k]]),
      fc.tuple(key, fc.integer({ min: 1, max: 100000 })).map(([k, s]) => [["EXPIRE", k, String(s)]]),
      key.map((k) => [["PERSIST", k]]),
      fc.tuple(key, key).map(([k, d]) => [["RENAME", k, d]]),
      fc.tuple(key, key).map(([k, d]) => [["COPY", k, d, "REPLACE"]]),
      fc.tuple(key, key, val).map(([k, d, v]) => [["MSET", k, v, d, v]]),
      fc.tuple(key, key).map(([k, d]) => [["SUNIONSTORE", d, k, d]]),
      key.map((k) => [["XADD", k, "*", "f", "v"]]),
      fc.tuple(key, val, key).map(([k, v, d]) => [["MULTI"], ["SET", k, v], ["INCR", d], ["EXEC"]]),
      fc.tuple(key, key).map(([k, d]) => [["EVAL", "redis.call('incr', KEYS[1]); return redis.call('rpush', KEYS[2], 'e')", "2", k, d]]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), async (steps) => {
        await run(p.c, [["FLUSHALL"]]);
        for (const group of steps) for (const argv of group) await p.c.cmd(...argv);
        assert.equal(plain(await p.c.cmd("WAIT", "1", "10000")), 1);
        assertSame(await snapshot(c, ["0"]), await snapshot(p.c, ["0"]));
      }),
      { numRuns: 25, seed: 16 },
    );
  });

  test("a dropped link (CLIENT KILL TYPE replica) continues with a partial resync", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await writeLoad(p.c, 50, "before");
    await caughtUp(p.c, a);
    const [full, partial] = [await counter(p.c, "sync_full"), await counter(p.c, "sync_partial_ok")];
    assert.equal(plain(await p.c.cmd("CLIENT", "KILL", "TYPE", "replica")), 1);
    await writeLoad(p.c, 50, "while-down");
    await caughtUp(p.c, a);
    assert.equal(await counter(p.c, "sync_partial_ok"), partial + 1);
    assert.equal(await counter(p.c, "sync_full"), full);
    assertSame(await snapshot(c), await snapshot(p.c));
  });

  test("the link process killed restarts alone and continues partially; clients are served throughout", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await writeLoad(p.c, 50, "x");
    await caughtUp(p.c, a);
    const partial = await counter(p.c, "sync_partial_ok");
    const old = whereis(a.inst.names.replica)!;
    exit(old, "kill");
    await restarted(a.inst.names.replica, old);
    assert.equal(plain(await c.cmd("GET", "x:n")), "50");
    await writeLoad(p.c, 50, "y");
    await until(async () => (await counter(p.c, "sync_partial_ok")) === partial + 1, "a partial resync");
    await caughtUp(p.c, a);
    assertSame(await snapshot(c), await snapshot(p.c));
  });

  test("masterauth / masteruser authenticate to the primary; a wrong password is logged and retried", async () => {
    const p = await primary();
    await run(p.c, [["CONFIG", "SET", "requirepass", "s3cret"], ["ACL", "SETUSER", "repl", "on", ">pw", "+@all", "~*"], ["SET", "k", "v"]]);
    const { a: viaPass, c: c1 } = await agner(["--masterauth", "s3cret", "--replicaof", "127.0.0.1", String(p.port)]);
    const { a: viaUser, c: c2 } = await agner(["--masteruser", "repl", "--masterauth", "pw", "--replicaof", "127.0.0.1", String(p.port)]);
    for (const [a, c] of [[viaPass, c1], [viaUser, c2]] as const) {
      await caughtUp(p.c, a);
      assert.equal(plain(await c.cmd("GET", "k")), "v");
    }
    const from = viaPass.logs.length;
    const { a: wrong } = await agner(["--masterauth", "nope", "--replicaof", "127.0.0.1", String(p.port)]);
    await until(() => viaPass.logs.slice(from).filter((l) => /Unable to AUTH to MASTER: -WRONGPASS/.test(l.text)).length >= 2, "the AUTH failure logged, and tried again");
    assert.equal(wrong.inst.repl.primary?.state, "connect");
  });

  test("npm start -- --replicaof HOST PORT: the banner says the role, and the server replicates", async () => {
    const p = await primary();
    await run(p.c, [["SET", "k", "v"]]);
    const proc = await startKvProcess(["--replicaof", "127.0.0.1", String(p.port)]);
    stops.push(() => proc.stop());
    assert.match(proc.output(), new RegExp(`role: +replica of 127\\.0\\.0\\.1:${p.port} \\(read-only; REPLICAOF NO ONE promotes it\\)`));
    const c = await RespClient.connect(proc.port);
    stops.push(async () => c.socket.destroy());
    await until(async () => plain(await c.cmd("GET", "k")) === "v", "the key replicated");
    const plainStart = await startKvProcess();
    stops.push(() => plainStart.stop());
    assert.match(plainStart.output(), /role: +primary\n/);
  });

  test("CLIENT KILL TYPE master on the replica: it continues partially, in the database the stream was in", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, a); // synced: the stream's next write says its database
    await run(p.c, [["SELECT", "5"], ["SET", "a", "1"]]);
    await caughtUp(p.c, a);
    const partial = await counter(p.c, "sync_partial_ok");
    assert.equal(plain(await c.cmd("CLIENT", "KILL", "TYPE", "master")), 1);
    await until(async () => (await counter(p.c, "sync_partial_ok")) === partial + 1, "a partial resync");
    await run(p.c, [["SET", "b", "2"], ["SELECT", "0"]]); // no SELECT in the stream: the primary's stream is still in db 5
    await caughtUp(p.c, a);
    assertSame(await snapshot(c), await snapshot(p.c));
  });

  test("WAIT on the primary counts Agner's acknowledgements (REPLCONF GETACK / ACK)", async () => {
    const p = await primary();
    const { a } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, a);
    await run(p.c, [["SET", "w", "1"]]);
    assert.equal(plain(await p.c.cmd("WAIT", "1", "5000")), 1);
  });

  test("the master client in CLIENT LIST / KILL (TYPE master, flag M) as a redis-server replica's, and not closed by timeout", async () => {
    const p = await primary();
    const r = await startRedis(["--replicaof", "127.0.0.1", String(p.port)]);
    stops.push(() => r.stop());
    const rc = await RespClient.connect(r.port);
    stops.push(async () => rc.socket.destroy());
    const { a, c: ac } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, a);
    await until(async () => (await infoField(rc, "replication", "master_link_status")) === "up", "redis-server's replica up");
    const seen: unknown[][] = [];
    for (const c of [rc, ac]) {
      await run(c, [["CONFIG", "SET", "timeout", "1"]]);
      const list = () => c.cmd("CLIENT", "LIST", "TYPE", "master").then((x) => (plain(x) as string).trim().split("\n"));
      const before = await list();
      // Past the idle timeout (this client keeps itself busy).
      for (let i = 0; i < 10; i++) {
        await new Promise((res) => setTimeout(res, 250));
        await c.cmd("PING");
      }
      const after = await list();
      const id = (l: string | undefined) => /^id=(\d+)/.exec(l ?? "")?.[1];
      const flags = before.map((l) => / flags=(\S+) /.exec(l)?.[1]);
      const addr = before.map((l) => / addr=(\S+) /.exec(l)?.[1]);
      const normal = (plain(await c.cmd("CLIENT", "LIST", "TYPE", "normal")) as string).trim().split("\n").length;
      seen.push([before.length, flags, addr, id(after[0]) === id(before[0]), normal, plain(await c.cmd("CLIENT", "KILL", "TYPE", "normal"))]);
    }
    assert.deepEqual(seen[1], seen[0]);
    assert.deepEqual(seen[0]!.slice(0, 2), [1, ["M"]]);
    assert.equal(seen[0]![3], true);
  });

  test("maxmemory on a replica: ignored by default (nothing evicted), else it evicts but still applies every primary command", async () => {
    const p = await primary();
    const { a: ignoring, c: ic } = await agner(["--replicaof", "127.0.0.1", String(p.port), "--maxmemory", "1", "--maxmemory-policy", "noeviction"]);
    const { a: evicting, c: ec } = await agner(["--replicaof", "127.0.0.1", String(p.port), "--maxmemory", "1", "--maxmemory-policy", "noeviction", "--replica-ignore-maxmemory", "no"]);
    await writeLoad(p.c, 100, "mem");
    await caughtUp(p.c, ignoring);
    await caughtUp(p.c, evicting);
    const want = await snapshot(p.c);
    assertSame(await snapshot(ic), want);
    // noeviction over maxmemory refuses clients' writes (with replica-read-only no), never the primary's.
    assertSame(await snapshot(ec), want);
    await run(ec, [["CONFIG", "SET", "replica-read-only", "no"]]);
    assert.deepEqual(plain(await ec.cmd("SET", "mine", "1")), { error: "OOM command not allowed when used memory > 'maxmemory'." });
    await run(ic, [["CONFIG", "SET", "replica-read-only", "no"]]);
    assert.equal(plain(await ic.cmd("SET", "mine", "1")), "OK");
  });

  test("no active expiry on a replica: an expired key is hidden until the primary's DEL removes it", async () => {
    const p = await primary(["--enable-debug-command", "yes"]);
    await run(p.c, [["DEBUG", "SET-ACTIVE-EXPIRE", "0"]]);
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await run(p.c, [["SET", "soon", "v", "PX", "100"], ["SET", "stays", "v"]]);
    await caughtUp(p.c, a);
    await new Promise((r) => setTimeout(r, 400)); // past the TTL, and several expiry cycles of the replica
    assert.equal(plain(await c.cmd("GET", "soon")), null);
    assert.equal(plain(await c.cmd("EXISTS", "soon")), 0);
    assert.equal(plain(await c.cmd("DBSIZE")), 2, "still held: only the primary expires keys");
    // A full sync keeps it too.
    const { a: late, c: lc } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await caughtUp(p.c, late);
    assert.equal(plain(await lc.cmd("DBSIZE")), 2);
    assert.equal(plain(await lc.cmd("GET", "soon")), null);
    assert.equal(plain(await p.c.cmd("GET", "soon")), null); // the primary's lazy expiry propagates a DEL
    await caughtUp(p.c, a);
    await caughtUp(p.c, late);
    assert.equal(plain(await c.cmd("DBSIZE")), 1);
    assert.equal(plain(await lc.cmd("DBSIZE")), 1);
  });

  test("with appendonly yes the replica's AOF holds what it applied: a server started on its directory has the same keys", async () => {
    const p = await primary();
    await run(p.c, population());
    const dir = mkdtempSync(join(tmpdir(), "agner-replica-aof-"));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const r = await startAgner(["--appendonly", "yes", "--dir", dir, "--replicaof", "127.0.0.1", String(p.port)]);
    await writeLoad(p.c, 100, "aof");
    await caughtUp(p.c, r);
    const want = await snapshot(p.c);
    await r.stop();
    const { c } = await agner(["--appendonly", "yes", "--dir", dir]);
    // A consumer's seen-time is when it was last seen: an append-only file's replay sees it again (redis-server's too).
    assertSame(withoutSeenTimes(await snapshot(c)), withoutSeenTimes(want));
  });

  test("REPLICAOF NO ONE promotes: writable, the primary's history kept as replid2 up to the offset reached", async () => {
    const p = await primary();
    const { a, c } = await agner(["--replicaof", "127.0.0.1", String(p.port)]);
    await writeLoad(p.c, 20, "p");
    await caughtUp(p.c, a);
    const id = await infoField(p.c, "replication", "master_replid");
    const offset = a.inst.repl.offset;
    assert.deepEqual(plain(await c.cmd("SET", "mine", "1")), { error: "READONLY You can't write against a read only replica." });
    assert.equal(plain(await c.cmd("REPLICAOF", "NO", "ONE")), "OK");
    assert.equal(a.inst.repl.primary, null);
    assert.equal(a.inst.repl.replid2, id);
    assert.equal(a.inst.repl.secondOffset, offset + 1);
    assert.notEqual(a.inst.repl.replid, id);
    assert.equal(plain(await c.cmd("SET", "mine", "1")), "OK");
    await run(p.c, [["SET", "after-promotion", "1"]]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(plain(await c.cmd("EXISTS", "after-promotion")), 0);
    // The master client is gone, as Redis frees it.
    await until(async () => (plain(await c.cmd("CLIENT", "LIST", "TYPE", "master")) as string) === "", "no master client");
    // Pointed at the old primary again: its history has a new id now, so a full sync (as Redis), key by key.
    const full = await counter(p.c, "sync_full");
    assert.equal(plain(await c.cmd("REPLICAOF", "127.0.0.1", String(p.port))), "OK");
    await caughtUp(p.c, a);
    assert.equal(await counter(p.c, "sync_full"), full + 1);
    assertSame(await snapshot(c), await snapshot(p.c));
  });

  test("-READONLY, -MASTERDOWN and REPLICAOF's replies are redis-server's", async () => {
    const dead = String(await freePort());
    const r = await startRedis();
    stops.push(() => r.stop());
    const rc = await RespClient.connect(r.port);
    stops.push(async () => rc.socket.destroy());
    const { c: ac } = await agner();
    const script: string[][] = [
      ["CONFIG", "SET", "replica-serve-stale-data", "no"],
      ["REPLICAOF", "127.0.0.1", dead],
      ["GET", "k"],
      ["PING"],
      ["SET", "k", "v"],
      ["EVAL", "#!lua\nreturn 1", "0"],
      ["EVAL", "#!lua flags=allow-stale,no-writes\nreturn 1", "0"],
      ["EVAL", "#!lua flags=allow-stale\nreturn 1", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
      ["INFO", "nosuchsection"],
      ["REPLICAOF", "127.0.0.1", dead],
      ["SLAVEOF", "127.0.0.1", dead],
      ["REPLICAOF", "127.0.0.1", "notaport"],
      ["REPLICAOF", "127.0.0.1", "70000"],
      ["CONFIG", "SET", "replica-serve-stale-data", "yes"],
      ["GET", "k"],
      ["SET", "k", "v"],
      ["EVAL", "return redis.call('set', 'k', 'v')", "0"],
      ["EVAL", "return redis.pcall('set', 'k', 'v')", "0"],
      ["EVAL", "return redis.call('get', 'k')", "0"],
      ["EVAL", "#!lua\nreturn redis.call('get', 'k')", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"],
      ["MULTI"],
      ["SET", "k", "v"],
      ["EXEC"],
      ["CONFIG", "SET", "replica-read-only", "no"],
      ["SET", "k", "v"],
      ["SLAVEOF", "NO", "ONE"],
      ["REPLICAOF", "NO", "ONE"],
      ["SET", "k", "w"],
    ];
    const replies: unknown[][] = [[], []];
    for (const [i, cl] of [rc, ac].entries()) for (const argv of script) replies[i]!.push(plain(await cl.cmd(...argv)));
    assert.deepEqual(replies[1], replies[0]);
    assert.deepEqual(replies[0]!.slice(2, 5), [
      { error: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." },
      { error: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." },
      { error: "READONLY You can't write against a read only replica." },
    ]);
  });
});
