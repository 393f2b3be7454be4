/**
 * The engine end to end without a socket: parse, check, exec, encode.
 * Exact replies for every command are checked against a real redis-server
 * in redis_diff.test.ts; this file covers what needs no Redis: the command
 * lookup errors, propagation, lazy and active expiry, counters, SCAN's
 * guarantee, the cross-shard helpers and the AOF rewrite.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Keyspace, activeExpireCycle } from "../../../../src/apps/kv/commands/db.js";
import {
  Context,
  checkCommand,
  execCommand,
  mergeAll,
  mergeSplit,
  rewrite,
  scanReply,
  scanRoute,
  splitByShard,
} from "../../../../src/apps/kv/commands/engine.js";
import { ErrorReply, OK, type Reply } from "../../../../src/apps/kv/resp/reply.js";
import { RespParser } from "../../../../src/apps/kv/resp/resp.js";
import { RespWriter } from "../../../../src/apps/kv/resp/resp_writer.js";

function setup(now = 1_700_000_000_000) {
  const ks = new Keyspace();
  const log: string[][] = [];
  const ctx = new Context(ks.db(0), now, (argv) => log.push([...argv]));
  const run = (...argv: string[]): Reply => {
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) return cmd;
    return execCommand(ctx, cmd, argv);
  };
  return { ks, ctx, log, run };
}

test("bytes in, bytes out: SET, GET, DEL through the parser and the writer", () => {
  const { ctx } = setup();
  const p = new RespParser();
  const w = new RespWriter();
  p.feed(Buffer.from("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\x00\xff\r\nGET k\r\nDEL k nope\r\nGET k\r\n", "latin1"));
  for (let argv = p.next(); argv !== null; argv = p.next()) {
    const cmd = checkCommand(argv);
    w.write(cmd instanceof ErrorReply ? cmd : execCommand(ctx, cmd, argv));
  }
  assert.equal(w.take().toString("latin1"), "+OK\r\n$3\r\nv\x00\xff\r\n:1\r\n$-1\r\n");
});

test("unknown commands, unknown subcommands and arity, with Redis' texts", () => {
  const text = (argv: string[]) => (checkCommand(argv) as ErrorReply).text;
  assert.equal(text(["foo", "a", "b"]), "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  assert.equal(text(["foo"]), "ERR unknown command 'foo', with args beginning with: ");
  assert.equal(text(["get"]), "ERR wrong number of arguments for 'get' command");
  assert.equal(text(["GET", "a", "b"]), "ERR wrong number of arguments for 'get' command");
  assert.equal(text(["config", "nope"]), "ERR unknown subcommand 'nope'. Try CONFIG HELP.");
  assert.equal(text(["config", "get"]), "ERR wrong number of arguments for 'config|get' command");
  assert.equal(text(["x\r\ny"]), "ERR unknown command 'x  y', with args beginning with: ");
  const long = "a".repeat(200);
  assert.equal(text([long, long]), `ERR unknown command '${"a".repeat(128)}', with args beginning with: '${"a".repeat(128)}' `);
  assert.ok(!(checkCommand(["sEt", "k", "v"]) instanceof ErrorReply));
});

test("relative expiries propagate as absolute times, INCRBYFLOAT as SET, SET ... GET as SET", () => {
  const { run, log } = setup(1000);
  run("SET", "k", "v", "EX", "10");
  run("SET", "k", "w", "GET");
  run("EXPIRE", "k", "5");
  run("INCRBYFLOAT", "f", "1.5");
  run("GETEX", "k", "PX", "100");
  run("SET", "n", "1", "NX");
  run("SET", "n", "2", "NX"); // not done: not propagated
  assert.deepEqual(log, [
    ["SET", "k", "v", "PXAT", "11000"],
    ["SET", "k", "w"],
    ["PEXPIREAT", "k", "6000"],
    ["SET", "f", "1.5", "KEEPTTL"],
    ["PEXPIREAT", "k", "1100"],
    ["SET", "n", "1", "NX"],
  ]);
});

test("lazy expiry: a read removes an expired key, counts it and propagates DEL", () => {
  const { ks, ctx, run, log } = setup(1000);
  run("SET", "k", "v", "PX", "100");
  ctx.now = 1100;
  assert.equal(run("GET", "k"), "v"); // alive while now <= when, as Redis
  ctx.now = 1101;
  assert.equal(run("GET", "k"), null);
  assert.equal(ks.db(0).size, 0);
  assert.equal(ks.stats.expiredKeys, 1);
  assert.deepEqual(log.at(-1), ["DEL", "k"]);
  assert.equal(ks.stats.keyspaceHits, 1);
  assert.equal(ks.stats.keyspaceMisses, 1);
});

test("active expiry removes expired keys a bounded number at a time, resuming where it stopped", () => {
  const { ks, ctx, run } = setup(1000);
  for (let i = 0; i < 1000; i++) run("SET", `k${i}`, "v", "PX", String(i < 500 ? 10 : 100_000));
  ctx.now = 2000;
  const db = ks.db(0);
  const dels: string[] = [];
  const r1 = activeExpireCycle(db, ctx.now, 100, (argv) => dels.push(argv[1]!));
  assert.equal(r1.sampled, 100);
  assert.equal(r1.expired, 100);
  let total = r1.expired;
  for (let i = 0; i < 20 && db.size > 500; i++) total += activeExpireCycle(db, ctx.now, 100).expired;
  assert.equal(db.size, 500);
  assert.equal(total, 500);
  assert.equal(ks.stats.expiredKeys, 500);
  assert.deepEqual(dels.slice(0, 3), ["k0", "k1", "k2"]);
  // a cycle over only live keys stops after one round, and estimates their TTL
  assert.equal(activeExpireCycle(db, ctx.now, 1000).sampled, 20);
  assert.ok(db.avgTtl > 90_000 && db.avgTtl <= 99_000, String(db.avgTtl));
});

test("SCAN returns every key present for the whole iteration, despite deletes and inserts", () => {
  const { run } = setup();
  for (let i = 0; i < 1000; i++) run("SET", `k${i}`, "v");
  const seen = new Set<string>();
  let cursor = "0";
  let step = 0;
  do {
    const [next, keys] = run("SCAN", cursor, "COUNT", "7") as [string, string[]];
    for (const k of keys) seen.add(k);
    cursor = next;
    // churn: delete some not-yet-seen odd keys, add new ones
    run("DEL", `k${(step * 13 + 1) % 1000 | 1}`);
    run("SET", `new${step}`, "v");
    step++;
  } while (cursor !== "0" && step < 10_000);
  assert.equal(cursor, "0");
  for (let i = 0; i < 1000; i += 2) assert.ok(seen.has(`k${i}`), `k${i} missed`);
});

test("an unknown SCAN cursor restarts the iteration; MATCH and TYPE filter", () => {
  const { run } = setup();
  run("SET", "a1", "x");
  run("HSET", "a2", "f", "v");
  run("SET", "b1", "x");
  assert.deepEqual(run("SCAN", "123456", "COUNT", "100"), ["0", ["a1", "a2", "b1"]]);
  assert.deepEqual(run("SCAN", "0", "MATCH", "a*", "TYPE", "HASH"), ["0", ["a2"]]);
  assert.equal((run("SCAN", "x") as ErrorReply).text, "ERR invalid cursor");
  assert.equal((run("SCAN", "0", "COUNT", "0") as ErrorReply).text, "ERR syntax error");
});

test("multi-shard helpers: split by key, merge in key order; SCAN cursor across shards", () => {
  const mget = checkCommand(["MGET", "a", "b", "c"]);
  assert.ok(!(mget instanceof ErrorReply));
  const shardOf = (k: string) => (k === "b" ? 1 : 0);
  const parts = splitByShard(mget, ["MGET", "a", "b", "c"], shardOf);
  assert.deepEqual(parts.map((p) => p.argv), [["MGET", "a", "c"], ["MGET", "b"]]);
  assert.deepEqual(mergeSplit(mget, parts, [["A", "C"], ["B"]]), ["A", "B", "C"]);
  const mset = checkCommand(["MSET", "a", "1", "b", "2"]);
  assert.ok(!(mset instanceof ErrorReply));
  assert.deepEqual(splitByShard(mset, ["MSET", "a", "1", "b", "2"], shardOf).map((p) => p.argv), [["MSET", "a", "1"], ["MSET", "b", "2"]]);
  assert.equal(mergeAll("dbsize", [2, 3]), 5);
  assert.deepEqual(mergeAll("keys", [["a"], ["b"]]), ["a", "b"]);
  const r = scanRoute(["SCAN", "9", "COUNT", "5"], 4);
  assert.deepEqual(r, { shard: 1, argv: ["SCAN", "2", "COUNT", "5"] });
  assert.deepEqual(scanReply(["7", ["k"]], 1, 4), ["29", ["k"]]);
  assert.deepEqual(scanReply(["0", []], 1, 4), ["2", []]);
  assert.deepEqual(scanReply(["0", []], 3, 4), ["0", []]);
});

test("rewrite yields commands that rebuild the database, expired keys left out", () => {
  const src = setup(1000);
  src.run("SET", "s", "v", "PX", "5000");
  src.run("SET", "gone", "v", "PX", "1");
  src.run("RPUSH", "l", ...Array.from({ length: 130 }, (_, i) => String(i)));
  src.run("HSET", "h", "a", "1", "b", "2");
  src.ctx.now = 2000;
  const cmds = [...rewrite(src.ks.db(0), 2000)];
  assert.equal(cmds.filter((c) => c[0] === "RPUSH").length, 3);
  const dst = setup(2000);
  for (const c of cmds) dst.run(...c);
  assert.deepEqual(dst.run("LRANGE", "l", "0", "-1"), src.run("LRANGE", "l", "0", "-1"));
  assert.equal(dst.run("GET", "s"), "v");
  assert.equal(dst.run("PTTL", "s"), 4000);
  assert.equal(dst.run("EXISTS", "gone"), 0);
  assert.equal(dst.ks.db(0).size, 3);
});

test("every write calls db.modified: per-key metadata is cleared", () => {
  const { ks, run } = setup();
  const db = ks.db(0);
  const cases: string[][] = [
    ["SET", "k", "v"], ["APPEND", "k", "x"], ["INCR", "n"], ["HSET", "h", "f", "v"], ["RPUSH", "l", "a"], ["LPOP", "l"], ["DEL", "k"],
  ];
  for (const c of cases) {
    db.meta = new Map([[c[1]!, { flags: 1 }]]);
    run(...c);
    assert.equal(db.meta.has(c[1]!), false, c.join(" "));
  }
  db.meta = new Map([["n", 1]]);
  run("EXPIRE", "n", "100"); // TTL-only changes keep it
  assert.equal(db.meta.has("n"), true);
});

test("a full database answers OOM instead of throwing; overwrites still work", () => {
  const { ks, run } = setup();
  ks.config.maxKeys = 3;
  assert.equal(run("MSET", "a", "1", "b", "2", "c", "3"), OK);
  assert.equal((run("SET", "d", "4") as ErrorReply).text.startsWith("OOM "), true);
  assert.equal((run("RPUSH", "l", "x") as ErrorReply).text.startsWith("OOM "), true);
  assert.equal(run("SET", "a", "9"), OK);
  assert.equal(run("GET", "a"), "9");
  assert.equal(ks.db(0).size, 3);
});

test("APPEND/SETRANGE beyond the longest JS string answer Redis' too-long error", () => {
  const { run } = setup();
  run("SET", "k", "abc");
  assert.equal((run("SETRANGE", "k", String(2 ** 29 - 24), "x") as ErrorReply).text, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  assert.equal(run("SETRANGE", "k", "1", "x"), 3);
});

test("SCAN with the shard's refreshes and expiry cycles between steps still returns every key", () => {
  const { ks, ctx, run } = setup(1000);
  for (let i = 0; i < 3000; i++) run("SET", `k${i}`, "v", ...(i % 3 === 0 ? ["PX", "10"] : []));
  ctx.now = 2000; // a third of the keys expire
  const seen = new Set<string>();
  let cursor = "0";
  let steps = 0;
  do {
    const [next, keys] = run("SCAN", cursor, "COUNT", "50") as [string, string[]];
    keys.forEach((k) => seen.add(k));
    cursor = next;
    for (let r = 0; r < 3; r++) activeExpireCycle(ks.db(0), ctx.now, 100);
    for (let j = 0; j < 40; j++) run("SET", `n${steps}_${j}`, "v"); // growth: the Map rehashes under the cursor
    steps++;
  } while (cursor !== "0" && steps < 1000);
  assert.equal(cursor, "0");
  for (let i = 0; i < 3000; i++) if (i % 3 !== 0) assert.ok(seen.has(`k${i}`), `k${i} missed`);
});

test("an idle SCAN cursor is dropped after its read-ahead fills; it then restarts, missing nothing", () => {
  const { ks, run } = setup();
  for (let i = 0; i < 10_000; i++) run("SET", `k${i}`, "v");
  const [c1, first] = run("SCAN", "0", "COUNT", "10") as [string, string[]];
  for (let r = 0; r < 5000; r++) ks.db(0).refreshScans();
  assert.equal(ks.db(0).scanCursors, 0);
  const [, again] = run("SCAN", c1, "COUNT", "10") as [string, string[]];
  assert.deepEqual(again, first); // restarted from the beginning
});
