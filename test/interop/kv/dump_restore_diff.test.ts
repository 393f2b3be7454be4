/**
 * DUMP and RESTORE against a real redis-server: for values of every type
 * and encoding, the engine's DUMP is byte for byte Redis' (where Redis'
 * order is not its hash table's), Redis' payload RESTOREs into the engine
 * and the engine's into Redis with the same value read back (and the same
 * encoding: DUMP again gives equal bytes), and every error RESTORE can
 * answer is Redis' own, in RESP2 and RESP3.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { crc64Bytes } from "../../../src/apps/kv/rdb/crc64.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { compareSet } from "./set_twin.js";
import { Twin } from "./twin.js";

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
/** Deterministic bytes of every value 0..255. */
const binary = (n: number) => String.fromCharCode(...range(n, (i) => (i * 7919 + 13) % 251));
/** Incompressible-looking latin1 text. */
const noise = (n: number) => range(n, (i) => String.fromCharCode(33 + ((i * 2654435761) >>> 7) % 90)).join("");

interface Case {
  name: string;
  setup: string[][];
  /** DUMP bytes must equal Redis' (false where Redis writes its hash table's order). */
  exact: boolean;
}

const CASES: Case[] = [
  { name: "short string", setup: [["SET", "k", "hello"]], exact: true },
  ...["0", "12", "-128", "127", "128", "-32768", "32767", "40000", "-2147483648", "2147483647", "2147483648", "-2147483649",
    "9223372036854775807", "-9223372036854775808", "007", "-0", "+1", "1.5", " 1", ""].map((v) => ({ name: `string ${JSON.stringify(v)}`, setup: [["SET", "k", v]], exact: true })),
  { name: "21-byte compressible string", setup: [["SET", "k", "a".repeat(21)]], exact: true },
  { name: "compressible string", setup: [["SET", "k", "abc".repeat(40)]], exact: true },
  { name: "incompressible string", setup: [["SET", "k", noise(50)]], exact: true },
  { name: "binary string", setup: [["SET", "k", binary(3000)]], exact: true },
  { name: "long repetitive string", setup: [["SET", "k", "0123456789abcdef".repeat(20000)]], exact: true },
  { name: "text with long matches", setup: [["SET", "k", range(400, (i) => `line ${i % 37} of the text, `).join("")]], exact: true },
  { name: "small list", setup: [["RPUSH", "k", "a", "b", "1", "-1", "300", "70000", "2147483648", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-0", "007", "", "-4096", "4095", "-4097", "8388607", "-8388609"]], exact: true },
  { name: "list of long elements", setup: [["RPUSH", "k", "x".repeat(100), noise(5000), "y".repeat(70000)]], exact: true },
  { name: "list of several nodes", setup: [["RPUSH", "k", ...range(3000, (i) => `item-${i}`)]], exact: true },
  { name: "list of several nodes with big elements", setup: [["RPUSH", "k", ...range(60, (i) => noise(500 + i * 3))]], exact: true },
  { name: "list built at the head", setup: [["LPUSH", "k", ...range(3000, (i) => `item-${i}`)]], exact: false },
  { name: "intset 16", setup: [["SADD", "k", "3", "1", "2", "-5"]], exact: true },
  { name: "intset 32", setup: [["SADD", "k", "3", "-40000", "5"]], exact: true },
  { name: "intset 64", setup: [["SADD", "k", "9223372036854775807", "-9223372036854775808", "0"]], exact: true },
  { name: "big intset", setup: [["SADD", "k", ...range(500, (i) => String(i * 3))]], exact: true },
  { name: "hashtable set", setup: [["SADD", "k", "a", "b", "1"]], exact: false },
  { name: "hashtable set of one", setup: [["SADD", "k", "member"]], exact: true },
  { name: "set of many integers", setup: [["SADD", "k", ...range(600, String)]], exact: false },
  { name: "listpack zset", setup: [["ZADD", "k", "1", "a", "2", "b", "1.5", "c", "-inf", "d", "inf", "e", "0", "f", "-0", "g", "1e20", "h", "3.14159", "i", "-7", "j", "4611686018427387904", "l", "4611686018427387903", "m", "0.1", "n"]], exact: true },
  { name: "skiplist zset", setup: [["ZADD", "k", ...range(200, (i) => [String(i % 17 === 0 ? -i : i / 3), `m${i}`]).flat()]], exact: true },
  { name: "skiplist zset by a long member", setup: [["ZADD", "k", "1", "x".repeat(100), "2", "b", "-0", "z", "inf", "y"]], exact: true },
  { name: "listpack hash", setup: [["HSET", "k", "f", "v", "a", "1", "b", "300", "c", "", "d", "-9223372036854775808"]], exact: true },
  { name: "listpack hash after deletes", setup: [["HSET", "k", "a", "1", "b", "2", "c", "3"], ["HDEL", "k", "b"], ["HSET", "k", "d", "4", "a", "x"]], exact: true },
  { name: "hashtable hash of one long value", setup: [["HSET", "k", "f", "v".repeat(100)]], exact: true },
  { name: "hashtable hash", setup: [["HSET", "k", ...range(600, (i) => [`f${i}`, String(i)]).flat()]], exact: false },
];

const READ: Record<string, (k: string) => string[]> = {
  string: (k) => ["GET", k],
  list: (k) => ["LRANGE", k, "0", "-1"],
  set: (k) => ["SMEMBERS", k],
  zset: (k) => ["ZRANGE", k, "0", "-1", "WITHSCORES"],
  hash: (k) => ["HGETALL", k],
};

const bulk = (b: Buffer): string => {
  const n = decodeAll(b);
  if (n.type !== "$" || n.text === undefined) throw new Error(`not a bulk string: ${b.toString("latin1").slice(0, 200)}`);
  return n.text;
};

/** A ziplist of "f", "v", "n", 12 (as Redis before 7.0 wrote small hashes and lists). */
const ZIPLIST = [22, 0, 0, 0, 19, 0, 0, 0, 4, 0, 0, 1, 0x66, 3, 1, 0x76, 3, 1, 0x6e, 3, 0xfd, 0xff];

/** A DUMP payload of `body` with a correct footer (version `version`). */
function payload(body: number[], version = 10): string {
  const b = Buffer.from([...body, version & 0xff, version >> 8]);
  return Buffer.concat([b, crc64Bytes(b)]).toString("latin1");
}

describe("DUMP and RESTORE as redis-server 7.0 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  test("DUMP gives Redis' bytes, and payloads RESTORE both ways to equal values", async () => {
    const diffs: string[] = [];
    for (const c of CASES) {
      await twin.reset();
      for (const cmd of c.setup) {
        const d = await twin.compare(cmd, 2);
        if (d !== null) diffs.push(`${c.name}: ${d.slice(0, 300)}`);
      }
      const type = decodeAll(await twin.redis(["TYPE", "k"])).text!;
      const theirs = bulk(await twin.redis(["DUMP", "k"]));
      const mine = bulk(twin.ours(["DUMP", "k"], 2));
      if (c.exact && theirs !== mine) {
        diffs.push(`${c.name}: DUMP differs\n  redis: ${Buffer.from(theirs, "latin1").toString("hex").slice(0, 400)}\n  agner: ${Buffer.from(mine, "latin1").toString("hex").slice(0, 400)}`);
      }
      // Redis' payload into the engine, the engine's into Redis
      const r1 = (await twin.redis(["RESTORE", "k2", "0", mine])).toString();
      const r2 = twin.ours(["RESTORE", "k2", "0", theirs], 2).toString();
      if (r1 !== "+OK\r\n" || r2 !== "+OK\r\n") diffs.push(`${c.name}: RESTORE redis ${r1.trim()} agner ${r2.trim()}`);
      for (const key of ["k", "k2"]) {
        const argv = READ[type]!(key);
        const d = type === "set" ? await compareSet(twin, argv, 2) : await twin.compare(argv, 2);
        if (d !== null) diffs.push(`${c.name}: ${d.slice(0, 300)}`);
      }
      if (!twin.ours(READ[type]!("k"), 2).equals(twin.ours(READ[type]!("k2"), 2)) && type !== "set" && type !== "hash") {
        diffs.push(`${c.name}: the engine's restored value differs from its original`);
      }
      // the restored values keep their encodings: DUMP again agrees
      if (c.exact) {
        const again = bulk(await twin.redis(["DUMP", "k2"]));
        const againMine = bulk(twin.ours(["DUMP", "k2"], 2));
        if (again !== againMine) diffs.push(`${c.name}: DUMP after RESTORE differs`);
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("RESTORE's options, TTLs and errors, and DUMP of a missing key", async () => {
    const good = payload([0, 3, 0x61, 0x62, 0x63]); // the string "abc"
    const cases: string[][][] = [
      [["DUMP", "nope"], ["RESTORE", "k", "0", good], ["GET", "k"], ["RESTORE", "k", "0", good], ["RESTORE", "k", "0", good, "REPLACE"], ["GET", "k"]],
      [["RESTORE", "k", "100000", good], ["PTTL", "k"], ["RESTORE", "k", "0", good, "REPLACE"], ["PTTL", "k"]],
      [["RESTORE", "k", String(Date.now() + 100000), good, "ABSTTL"], ["PTTL", "k"], ["RESTORE", "k", "1", good, "ABSTTL", "REPLACE"], ["EXISTS", "k"]],
      [["SET", "k", "v"], ["RESTORE", "k", "1", good, "ABSTTL", "REPLACE"], ["EXISTS", "k"], ["RESTORE", "k", "1", good, "ABSTTL"], ["EXISTS", "k"]],
      [["RESTORE", "k", "-1", good], ["RESTORE", "k", "x", good], ["RESTORE", "k", "9223372036854775808", good], ["EXISTS", "k"]],
      [["SET", "k", "v"], ["RESTORE", "k", "-1", good], ["RESTORE", "k", "0", "junk"], ["RESTORE", "k", "x", "junk", "BAD"]],
      [["RESTORE", "k", "0", good, "BAD"], ["RESTORE", "k", "0", good, "IDLETIME"], ["RESTORE", "k", "0", good, "IDLETIME", "-1"],
        ["RESTORE", "k", "0", good, "IDLETIME", "x"], ["RESTORE", "k", "0", good, "FREQ", "256"], ["RESTORE", "k", "0", good, "FREQ", "-1"],
        ["RESTORE", "k", "0", good, "FREQ", "x"], ["RESTORE", "k", "0", good, "IDLETIME", "5", "FREQ", "5"],
        ["RESTORE", "k", "0", good, "FREQ", "5", "IDLETIME", "5"], ["RESTORE", "k", "0", good, "idletime", "10", "replace", "absttl"], ["GET", "k"]],
      [["RESTORE", "k", "0", good, "FREQ", "255", "REPLACE"], ["GET", "k"], ["RESTORE", "k"], ["RESTORE", "k", "0"], ["DUMP"], ["DUMP", "a", "b"]],
      // version and checksum
      [["RESTORE", "k", "0", ""], ["RESTORE", "k", "0", "123456789"], ["RESTORE", "k", "0", payload([0, 3, 0x61, 0x62, 0x63], 11)],
        ["RESTORE", "k", "0", payload([0, 3, 0x61, 0x62, 0x63], 9)], ["GET", "k"], ["RESTORE", "k", "0", good.slice(0, -1) + "\x00"]],
      // well-formed footers around bad bodies
      [["RESTORE", "k", "0", payload([0, 0xc5])], ["RESTORE", "k", "0", payload([0, 0xc3, 5, 10, 1, 2])], ["RESTORE", "k", "0", payload([200])],
        ["RESTORE", "k", "0", payload([18, 0])], ["RESTORE", "k", "0", payload([2, 0])], ["RESTORE", "k", "0", payload([4, 0])],
        ["RESTORE", "k", "0", payload([5, 0])], ["RESTORE", "k", "0", payload([1, 0])], ["RESTORE", "k", "0", payload([18, 1, 3, 1, 0x61])],
        ["RESTORE", "k", "0", payload([2, 2, 1, 0x61, 1, 0x61])], ["RESTORE", "k", "0", payload([11, 8, 2, 0, 0, 0, 0, 0, 0, 0])],
        ["RESTORE", "k", "0", payload([5, 1, 1, 0x61, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f])], ["EXISTS", "k"]],
      [["RESTORE", "k", "0", payload([0, 0x80, 0, 0, 0, 5, 0x61])], ["RESTORE", "k", "0", payload([0, 0x81, 0, 0, 0, 0, 0, 0, 0, 5, 0x61])],
        ["RESTORE", "k", "0", payload([0, 0xc0, 5])], ["GET", "k"], ["RESTORE", "k", "0", payload([0, 0xc1, 5, 1]), "REPLACE"], ["GET", "k"]],
      [["SET", "k", "v"], ["RESTORE", "k", "0", payload([0, 0xc5]), "REPLACE"], ["GET", "k"]],
      // encodings of Redis before 7.0: a ziplist as a hash, a list, a quicklist v1 node, a zset; a text-score zset
      [["RESTORE", "h", "0", payload([13, ZIPLIST.length, ...ZIPLIST])], ["HGETALL", "h"], ["RESTORE", "l", "0", payload([10, ZIPLIST.length, ...ZIPLIST])],
        ["LRANGE", "l", "0", "-1"], ["RESTORE", "q", "0", payload([14, 2, ZIPLIST.length, ...ZIPLIST, ZIPLIST.length, ...ZIPLIST])], ["LRANGE", "q", "0", "-1"],
        ["RESTORE", "z", "0", payload([12, ZIPLIST.length, ...ZIPLIST])], ["RESTORE", "z2", "0", payload([3, 2, 1, 0x61, 3, 0x31, 0x2e, 0x35, 1, 0x62, 254])],
        ["ZRANGE", "z2", "0", "-1", "WITHSCORES"], ["RESTORE", "zm", "0", payload([9, 13, 2, 1, 0x66, 1, 0, 0x76, 1, 0x6e, 2, 0, 0x31, 0x32, 0xff])], ["HGETALL", "zm"]],
    ];
    const diffs: string[] = [];
    for (const c of cases) {
      for (const resp of [2, 3] as const) {
        await twin.reset();
        for (const cmd of c) {
          const d = await twin.compare(cmd, resp);
          if (d !== null) diffs.push(d);
        }
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("RESTORE propagates with an absolute TTL, as Redis does", async () => {
    await twin.reset();
    const good = payload([0, 1, 0x78]);
    twin.ours(["RESTORE", "a", "0", good], 2);
    twin.ours(["RESTORE", "b", "5000", good], 2);
    twin.ours(["RESTORE", "c", String(Date.now() + 5000), good, "ABSTTL"], 2);
    twin.ours(["RESTORE", "a", "1", good, "ABSTTL", "REPLACE"], 2);
    twin.ours(["RESTORE", "x", "1", good, "ABSTTL"], 2);
    const p = twin.propagated;
    assert.deepEqual(p[0], ["RESTORE", "a", "0", good]);
    assert.equal(p[1]![0], "RESTORE");
    assert.ok(Math.abs(Number(p[1]![2]) - (Date.now() + 5000)) < 2000);
    assert.equal(p[1]![4], "ABSTTL");
    assert.equal(p[2]!.length, 5);
    assert.deepEqual(p[3], ["DEL", "a"]);
    assert.equal(p.length, 4);
  });
});
