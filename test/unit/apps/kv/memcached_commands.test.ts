/**
 * memcached's commands on the engine's data, where memcached and Redis
 * meet: Redis writes reset flags and CAS, TTL-only changes keep them,
 * hash and list keys answer WRONGTYPE and stay untouched, and what the
 * commands propagate replays (through the Redis command table) to the same
 * data.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CommandEntry, Context, checkCommand, execCommand } from "../../../../src/apps/kv/commands/engine.js";
import { Keyspace, KeyspaceFull } from "../../../../src/apps/kv/commands/db.js";
import {
  WRONGTYPE_LINE,
  mcArith,
  mcDelete,
  mcFlush,
  mcGet,
  mcStore,
  mcTooLarge,
  mcTouch,
  nextCas,
} from "../../../../src/apps/kv/memcached/memcached_commands.js";
import { ErrorReply, type Reply } from "../../../../src/apps/kv/resp/reply.js";

const MB = 1 << 20;

function setup(now = Date.now()) {
  const ks = new Keyspace();
  const log: string[][] = [];
  const ctx = new Context(ks.db(0), now, (argv) => log.push([...argv]));
  const redis = (...argv: string[]): Reply => {
    const cmd = checkCommand(argv);
    assert.ok(!(cmd instanceof ErrorReply), String(cmd instanceof ErrorReply && cmd.text));
    return execCommand(ctx, cmd as CommandEntry, argv);
  };
  const set = (key: string, value: string, flags = 0, exptime = 0) => mcStore(ctx, "set", key, flags, exptime, value, 0n, MB);
  const gets = (key: string): { flags: number; cas: bigint; value: string } | null => {
    const [line] = mcGet(ctx, [key], true, false, 0) as string[];
    if (line === "") return null;
    const m = /^VALUE \S+ (\d+) (\d+) (\d+)\r\n/.exec(line!)!;
    return { flags: Number(m[1]), cas: BigInt(m[3]!), value: line!.slice(m[0].length, m[0].length + Number(m[2])) };
  };
  return { ks, ctx, log, redis, set, gets };
}

test("set over memcached is GET over Redis, and the other way round", () => {
  const { redis, set, gets } = setup();
  set("foo", "bar", 42);
  assert.equal(redis("GET", "foo"), "bar");
  redis("SET", "baz", "qux");
  assert.deepEqual(gets("baz")?.value, "qux");
  assert.equal(gets("baz")?.flags, 0);
});

test("every write of the value changes the CAS, by either protocol; flags reset on Redis writes", () => {
  const { ctx, redis, set, gets } = setup();
  set("k", "1", 7);
  const seen = new Set<bigint>();
  const step = (what: string, flags: number) => {
    const g = gets("k")!;
    assert.ok(!seen.has(g.cas), `CAS unchanged after ${what}`);
    assert.equal(gets("k")!.cas, g.cas, "CAS stable while the key is not written");
    assert.equal(g.flags, flags, `flags after ${what}`);
    seen.add(g.cas);
  };
  step("set", 7);
  mcStore(ctx, "append", "k", 0, 0, "0", 0n, MB);
  step("append", 7);
  mcArith(ctx, true, "k", 5n);
  step("incr", 7);
  redis("APPEND", "k", "9");
  step("Redis APPEND", 0);
  set("k", "5", 3);
  step("set again", 3);
  redis("INCR", "k");
  step("Redis INCR", 0);
  redis("SET", "k", "x");
  step("Redis SET", 0);
  redis("SETRANGE", "k", "0", "y");
  step("Redis SETRANGE", 0);
});

test("TTL-only changes keep the CAS and flags (memcached's touch does; so does Redis' EXPIRE)", () => {
  const { ctx, redis, set, gets } = setup();
  set("k", "v", 9);
  const cas = gets("k")!.cas;
  mcTouch(ctx, "k", 1000);
  redis("EXPIRE", "k", "500");
  redis("PERSIST", "k");
  mcGet(ctx, ["k"], false, true, 100);
  assert.deepEqual(gets("k"), { flags: 9, cas, value: "v" });
});

test("CAS uniques are unique across keys and only grow; a new run starts above the last one's", () => {
  const { set, gets } = setup();
  const cas: bigint[] = [];
  for (let i = 0; i < 50; i++) {
    set(`k${i}`, "v");
    cas.push(gets(`k${i}`)!.cas);
  }
  for (let i = 1; i < cas.length; i++) assert.ok(cas[i]! > cas[i - 1]!);
  // A restarted server (a fresh counter) starts from the clock: past any unique handed out before, at 1024 per ms.
  assert.ok(nextCas(Date.now() + 1) >= (Date.now() + 1) * 1024);
});

test("a hash or list key: every memcached command answers WRONGTYPE and changes nothing", () => {
  const { ctx, ks, redis, log } = setup();
  redis("HSET", "h", "f", "v");
  redis("RPUSH", "l", "a", "b");
  redis("SET", "s", "1");
  log.length = 0;
  for (const key of ["h", "l"]) {
    for (const op of ["set", "add", "replace", "append", "prepend", "cas"] as const) {
      assert.equal(mcStore(ctx, op, key, 0, 0, "x", 1n, MB), WRONGTYPE_LINE, `${op} ${key}`);
    }
    assert.equal(mcGet(ctx, ["s", key], false, false, 0), WRONGTYPE_LINE);
    assert.equal(mcGet(ctx, [key], true, true, -1), WRONGTYPE_LINE);
    assert.equal(mcDelete(ctx, key), WRONGTYPE_LINE);
    assert.equal(mcArith(ctx, true, key, 1n), WRONGTYPE_LINE);
    assert.equal(mcTouch(ctx, key, -1), WRONGTYPE_LINE);
    mcTooLarge(ctx, "set", key);
  }
  assert.equal(redis("HGET", "h", "f"), "v");
  assert.deepEqual(redis("LRANGE", "l", "0", "-1"), ["a", "b"]);
  assert.equal(ks.db(0).size, 3);
  assert.deepEqual(log, []);
});

test("what memcached writes propagate replays, through the Redis commands, to the same data", () => {
  const now = Date.now();
  const { ctx, ks, log, set } = setup(now);
  set("a", "1", 0, 1000);
  set("b", "22", 0, 0);
  set("c", "x", 0, -1);
  set("d", "abs", 0, Math.floor(now / 1000) + 5000);
  mcStore(ctx, "append", "b", 0, 0, "3", 0n, MB);
  mcStore(ctx, "prepend", "b", 0, 0, "0", 0n, MB);
  mcArith(ctx, false, "b", 100n);
  mcArith(ctx, true, "a", 99999n);
  mcTouch(ctx, "d", 0);
  mcTouch(ctx, "b", 100);
  mcStore(ctx, "add", "e", 0, 0, "e", 0n, MB);
  mcStore(ctx, "replace", "e", 0, 0, "E", 0n, MB);
  mcDelete(ctx, "e");
  set("f", "f");
  mcGet(ctx, ["f"], false, true, -1);
  mcTooLarge(ctx, "set", "a");
  set("g", "g");
  // Replay the log on a fresh keyspace, as the append-only file would be.
  const ks2 = new Keyspace();
  const ctx2 = new Context(ks2.db(0), now);
  for (const argv of log) {
    const cmd = checkCommand(argv);
    assert.ok(!(cmd instanceof ErrorReply), argv.join(" "));
    execCommand(ctx2, cmd as CommandEntry, argv);
  }
  const dump = (k: Keyspace) => [...k.db(0).data].map(([key, v]) => [key, v, k.db(0).getExpire(key)]).sort();
  assert.deepEqual(dump(ks2), dump(ks));
  assert.equal(ks.db(0).data.get("b"), "123 "); // "0223" - 100, in place
  mcFlush(ctx);
  assert.deepEqual(log.at(-1), ["FLUSHDB"]);
  assert.equal(ks.db(0).size, 0);
});

test("a full keyspace answers SERVER_ERROR out of memory, as memcached's failed allocation", () => {
  const { ctx, gets } = setup();
  ctx.db.setKey = () => {
    throw new KeyspaceFull();
  };
  assert.equal(mcStore(ctx, "set", "k", 0, 0, "v", 0n, MB), "SERVER_ERROR out of memory storing object\r\n");
  assert.equal(gets("k"), null);
});

test("flush_all empties database 0 only", () => {
  const { ctx, ks } = setup();
  ks.db(1).setKey("other", "v");
  ctx.db.setKey("k", "v");
  mcFlush(ctx);
  assert.equal(ks.db(0).size, 0);
  assert.equal(ks.db(1).size, 1);
});
