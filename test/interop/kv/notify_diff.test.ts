/**
 * Keyspace notifications against a real redis-server 7.0.15: the same
 * commands run on Agner (four shards) and on redis-server, a subscriber on
 * each (PSUBSCRIBE `__key*`) collecting what they publish; after every
 * command a PUBLISH marks the end of its messages, and the messages of each
 * command are compared (in order; as a multiset for the commands split over
 * shards, whose parts Redis runs in argument order and Agner's shards side
 * by side). Covered: every type's writing commands, the generic ones
 * (DEL, RENAME, MOVE, COPY, EXPIRE, PERSIST, RESTORE, SORT STORE), the
 * classes filter (K E g $ l s h z x t n m A), lazy and active expiry,
 * another database, MULTI/EXEC and scripts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { serverPair } from "../../support/server_pair.js";
import { RespClient, plain } from "../../support/resp_client.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;

/** A step: a command, or a pause (ms) for a TTL to pass. */
type Step = string[] | number;

/** Commands whose keys Agner splits over shards (their messages are compared as a multiset). */
const SPLIT = new Set(["del", "unlink", "mset", "touch", "exists"]);

interface Outcome {
  replies: unknown[];
  events: string[][];
}

async function run(port: number, flags: string, steps: readonly Step[]): Promise<Outcome> {
  const c = await RespClient.connect(port);
  const sub = await RespClient.connect(port);
  try {
    await c.cmd("CONFIG", "SET", "notify-keyspace-events", "");
    await c.cmd("FLUSHALL");
    await c.cmd("CONFIG", "SET", "notify-keyspace-events", flags);
    await sub.cmd("PSUBSCRIBE", "__key*");
    const replies: unknown[] = [];
    const events: string[][] = [];
    let n = 0;
    let inMulti = false;
    for (const s of steps) {
      if (typeof s === "number") {
        await sleep(s);
        continue;
      }
      const r = plain(await c.cmd(...s));
      // DUMP's bytes and SPOP's members may differ (not the point here): their shape is compared.
      replies.push(s[0] === "DUMP" || s[0] === "SPOP" ? (Array.isArray(r) ? r.length : typeof r) : r);
      if (s[0] === "DUMP" && typeof r === "string") lastDump = r;
      const word = s[0]!.toUpperCase();
      if (word === "MULTI") inMulti = true;
      else if (word === "EXEC" || word === "DISCARD") inMulti = false;
      if (inMulti) continue; // queued: its messages come with EXEC's
      const mark = `__key_sync_${++n}`;
      await c.cmd("PUBLISH", mark, "x");
      const got: string[] = [];
      for (;;) {
        const m = plain(await sub.read()) as string[];
        if (m[2] === mark) break;
        got.push(`${m[2]} ${m[3]}`);
      }
      if (SPLIT.has(s[0]!.toLowerCase())) got.sort();
      events.push([s.join(" "), ...got]);
    }
    return { replies, events };
  } finally {
    c.close();
    sub.close();
  }
}

let lastDump = "";

async function compare(flags: string, steps: readonly Step[]): Promise<void> {
  const a = await run(servers.agner.port, flags, steps);
  const r = await run(servers.redis.port, flags, steps);
  assert.deepEqual(a.events, r.events, `events under '${flags}'`);
  assert.deepEqual(a.replies, r.replies, `replies under '${flags}'`);
}

const STRINGS: Step[] = [
  ["SET", "k", "v"], ["SET", "k", "v2", "EX", "100"], ["SET", "k", "v3", "KEEPTTL"], ["SET", "k", "v4", "GET"], ["SET", "nokey", "v", "XX"],
  ["SET", "k", "x", "NX"], ["SETNX", "k", "x"], ["SETNX", "n", "v"], ["SETEX", "e", "100", "v"], ["PSETEX", "p", "100000", "v"],
  ["GETSET", "k", "w"], ["MSET", "a", "1", "b", "2", "c", "3"], ["MSETNX", "a", "1", "zz", "2"], ["MSETNX", "d1", "1", "d2", "2"],
  ["INCR", "n1"], ["INCRBY", "n1", "5"], ["DECR", "n1"], ["DECRBY", "n1", "2"], ["INCR", "k"], ["INCRBYFLOAT", "f", "1.5"],
  ["APPEND", "k", "xyz"], ["APPEND", "ap", "new"], ["SETRANGE", "k", "1", "QQ"], ["SETRANGE", "k", "1", ""], ["SETRANGE", "sr", "3", "x"],
  ["GETDEL", "a"], ["GETDEL", "nokey"], ["GETEX", "b", "EX", "100"], ["GETEX", "b", "PERSIST"], ["GETEX", "b", "PERSIST"], ["GETEX", "b", "PXAT", "1"],
  ["SETBIT", "bk", "7", "1"], ["SETBIT", "bk", "7", "1"], ["SETBIT", "bk", "100", "0"], ["BITFIELD", "bf", "SET", "u8", "0", "255"], ["BITFIELD", "bf", "GET", "u8", "0"],
  ["BITFIELD", "bf", "SET", "u8", "0", "255"], ["BITOP", "OR", "bo", "bk", "bf"], ["BITOP", "AND", "bo", "nokey1", "nokey2"], ["BITOP", "AND", "bo2", "nokey1"],
  ["PFADD", "h", "a", "b"], ["PFADD", "h", "a"], ["PFMERGE", "h2", "h"], ["PFCOUNT", "h"], ["GET", "nokey"], ["GET", "k"], ["MGET", "k", "nokey"],
];

const LISTS: Step[] = [
  ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z"], ["LPUSHX", "l", "y"], ["RPUSHX", "nol", "y"], ["LPUSHX", "nol", "y"],
  ["LINSERT", "l", "BEFORE", "a", "q"], ["LINSERT", "l", "BEFORE", "none", "q"], ["LSET", "l", "0", "w"], ["LREM", "l", "1", "q"], ["LREM", "l", "1", "nothere"],
  ["LTRIM", "l", "0", "-1"], ["LTRIM", "l", "0", "3"], ["LPOP", "l"], ["RPOP", "l", "2"], ["LPOP", "l", "0"], ["LRANGE", "l", "0", "-1"],
  ["RPUSH", "src", "1", "2"], ["RPOPLPUSH", "src", "dst"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"],
  ["RPUSH", "m1", "a", "b", "c"], ["LMPOP", "2", "nol", "m1", "LEFT", "COUNT", "2"], ["LMPOP", "1", "m1", "RIGHT", "COUNT", "5"],
  ["RPUSH", "bl", "x"], ["BLPOP", "bl", "1"], ["RPUSH", "bl", "x", "y"], ["BRPOP", "bl", "1"], ["BLMOVE", "bl", "dst", "RIGHT", "LEFT", "1"],
  ["RPUSH", "nums", "3", "1", "2"], ["SORT", "nums", "STORE", "sorted"], ["SORT", "nokey", "STORE", "sorted"], ["SORT", "nokey", "STORE", "sorted"],
  ["LTRIM", "nums", "5", "10"],
];

const HASHES: Step[] = [
  ["HSET", "h", "f", "v", "g", "w"], ["HSET", "h", "f", "v"], ["HSETNX", "h", "f", "x"], ["HSETNX", "h", "n", "x"], ["HMSET", "h", "a", "1"],
  ["HINCRBY", "h", "c", "2"], ["HINCRBYFLOAT", "h", "d", "1.5"], ["HINCRBY", "h", "f", "1"], ["HDEL", "h", "f", "g"], ["HDEL", "h", "nofield"],
  ["HDEL", "h", "a", "c", "d", "n"], ["HGET", "h", "f"], ["HINCRBY", "h2", "x", "1"],
];

const SETS: Step[] = [
  ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SREM", "s", "a"], ["SREM", "s", "zz"], ["SMOVE", "s", "s2", "b"], ["SMOVE", "s", "s2", "c"],
  ["SMOVE", "s2", "s2", "c"], ["SADD", "s3", "1", "2", "3", "4"], ["SPOP", "s3"], ["SPOP", "s3", "2"], ["SPOP", "s3", "5"], ["SPOP", "s3", "0"],
  ["SADD", "x", "1", "2"], ["SADD", "y", "2", "3"], ["SINTERSTORE", "d", "x", "y"], ["SUNIONSTORE", "d", "x", "y"], ["SDIFFSTORE", "d", "x", "x"],
  ["SDIFFSTORE", "d", "x", "x"], ["SINTERCARD", "2", "x", "y"], ["SMEMBERS", "nokey"],
];

const ZSETS: Step[] = [
  ["ZADD", "z", "1", "a", "2", "b"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "INCR", "5", "a"], ["ZADD", "z", "XX", "1", "nope"], ["ZINCRBY", "z", "1", "b"],
  ["ZREM", "z", "a"], ["ZREM", "z", "nope"], ["ZADD", "z", "1", "x", "2", "y", "3", "w"], ["ZREMRANGEBYSCORE", "z", "1", "1"], ["ZREMRANGEBYRANK", "z", "0", "0"],
  ["ZADD", "lex", "0", "a", "0", "b", "0", "c"], ["ZREMRANGEBYLEX", "lex", "[a", "[b"], ["ZREMRANGEBYLEX", "lex", "[a", "[z"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "5"],
  ["ZADD", "z1", "1", "a", "2", "b"], ["ZADD", "z2", "1", "b", "3", "c"], ["ZUNIONSTORE", "zd", "2", "z1", "z2"], ["ZINTERSTORE", "zd", "2", "z1", "z2"],
  ["ZDIFFSTORE", "zd", "2", "z1", "z1"], ["ZRANGESTORE", "zr", "z1", "0", "-1"], ["ZRANGESTORE", "zr", "z1", "5", "10"], ["ZMPOP", "1", "z1", "MIN"],
  ["BZPOPMAX", "z2", "1"], ["BZPOPMIN", "z2", "1"],
  ["GEOADD", "g", "13.361389", "38.115556", "a", "15.087269", "37.502669", "b"], ["GEOSEARCHSTORE", "gd", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
  ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "gd2"], ["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "gd2"], ["GEORADIUS", "nog", "0", "0", "1", "km", "STORE", "gd"],
];

const STREAMS: Step[] = [
  ["XADD", "x", "1-0", "f", "v"], ["XADD", "x", "MAXLEN", "1", "2-0", "f", "v"], ["XADD", "x", "MAXLEN", "5", "3-0", "f", "v"], ["XTRIM", "x", "MAXLEN", "0"],
  ["XTRIM", "x", "MAXLEN", "0"], ["XADD", "x", "4-0", "f", "v"], ["XADD", "x", "5-0", "f", "v"], ["XDEL", "x", "4-0"], ["XDEL", "x", "4-0"],
  ["XGROUP", "CREATE", "x", "g", "0"], ["XGROUP", "CREATE", "x2", "g", "$", "MKSTREAM"], ["XGROUP", "CREATECONSUMER", "x", "g", "c1"],
  ["XGROUP", "CREATECONSUMER", "x", "g", "c1"], ["XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "STREAMS", "x", ">"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "x", ">"],
  ["XCLAIM", "x", "g", "c3", "0", "5-0", "JUSTID"], ["XAUTOCLAIM", "x", "g", "c4", "0", "0", "JUSTID"], ["XACK", "x", "g", "5-0"], ["XGROUP", "SETID", "x", "g", "0"],
  ["XGROUP", "DELCONSUMER", "x", "g", "c1"], ["XGROUP", "DESTROY", "x", "g"], ["XSETID", "x", "10-0"], ["XADD", "x3", "NOMKSTREAM", "*", "f", "v"],
];

const GENERIC: Step[] = [
  ["MSET", "a", "1", "b", "2", "c", "3"], ["DEL", "a", "nokey"], ["UNLINK", "b", "c", "nokey"], ["SET", "k", "v"], ["EXPIRE", "k", "100"], ["EXPIRE", "k", "100", "NX"],
  ["PEXPIRE", "k", "200000"], ["EXPIREAT", "k", "99999999999"], ["PERSIST", "k"], ["PERSIST", "k"], ["PEXPIRE", "k", "0"], ["EXPIRE", "nokey", "10"],
  ["SET", "r1", "v"], ["RENAME", "r1", "r2"], ["SET", "r3", "x"], ["RENAMENX", "r2", "r3"], ["RENAME", "r2", "r3"], ["RENAME", "r3", "r3"],
  ["MOVE", "r3", "1"], ["MOVE", "nokey", "1"], ["SET", "cp", "v"], ["COPY", "cp", "cp2"], ["COPY", "cp", "cp2"], ["COPY", "cp", "cp2", "REPLACE"], ["COPY", "cp", "cp3", "DB", "2"],
  ["SELECT", "1"], ["SET", "in1", "v"], ["DEL", "r3"], ["SELECT", "0"], ["DUMP", "cp"], ["TOUCH", "cp", "nokey"], ["TYPE", "cp"], ["EXISTS", "nokey"],
  ["SET", "lazy", "v", "PX", "1"], 30, ["GET", "lazy"], ["SET", "lazy", "v", "PX", "1"], 30, ["SET", "lazy", "w"],
  ["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"],
];

const CLASSES = ["KEA", "KEA$lshzxegtdn", "E$", "Kl", "Eg", "KEx", "Eh", "Ez", "Et", "Es", "En", "KEm", "Km$", "K", "E", "A", "KAn"];

describe("keyspace notifications, differential against redis-server", guard, () => {
  for (const [name, steps] of Object.entries({ STRINGS, LISTS, HASHES, SETS, ZSETS, STREAMS, GENERIC })) {
    test(`${name.toLowerCase()} under KEA and KEAnm`, async () => {
      await compare("KEA", steps);
      await compare("KEAnm", steps);
    });
  }

  test("the classes filter: every steps list under each class selection", async () => {
    const all = [...STRINGS, ...LISTS, ...HASHES, ...SETS, ...ZSETS, ...STREAMS];
    for (const flags of CLASSES) await compare(flags, all);
  });

  test("RESTORE, with and without REPLACE, and a TTL in the past", async () => {
    for (const port of [servers.agner.port, servers.redis.port]) {
      const c = await RespClient.connect(port);
      await c.cmd("SET", "src", "value");
      lastDump = plain(await c.cmd("DUMP", "src")) as string;
      c.close();
    }
    const payload = lastDump;
    await compare("KEA", [
      ["RESTORE", "rk", "0", payload], ["RESTORE", "rk", "0", payload], ["RESTORE", "rk", "0", payload, "REPLACE"],
      ["RESTORE", "rk", "1", payload, "REPLACE", "ABSTTL"], ["RESTORE", "rk2", "100000", payload],
    ]);
  });

  test("MULTI/EXEC and scripts publish in command order", async () => {
    await compare("KEA", [
      ["MULTI"], ["SET", "a", "1"], ["RPUSH", "l", "x"], ["DEL", "a"], ["RENAME", "l", "l2"], ["EXEC"],
      ["EVAL", "redis.call('set', KEYS[1], 'v') redis.call('incr', KEYS[2]) redis.call('del', KEYS[1]) return redis.call('lpush', KEYS[3], 'e')", "3", "s1", "s2", "s3"],
      ["EVAL", "redis.call('hset', KEYS[1], 'f', 'v') redis.call('expire', KEYS[1], 100) redis.call('persist', KEYS[1]) return 1", "1", "hk"],
    ]);
  });

  test("active expiry publishes expired", async () => {
    for (const port of [servers.agner.port, servers.redis.port]) {
      const c = await RespClient.connect(port);
      const sub = await RespClient.connect(port);
      try {
        await c.cmd("CONFIG", "SET", "notify-keyspace-events", "Ex");
        await sub.cmd("SUBSCRIBE", "__keyevent@0__:expired");
        await c.cmd("SET", "soon", "v", "PX", "5");
        // Nothing reads the key: only the active expiry can remove it.
        assert.deepEqual(plain(await sub.read(10_000)), ["message", "__keyevent@0__:expired", "soon"]);
      } finally {
        c.close();
        sub.close();
      }
    }
  });

  test("off by default: nothing is published", async () => {
    for (const port of [servers.agner.port, servers.redis.port]) {
      const c = await RespClient.connect(port);
      const sub = await RespClient.connect(port);
      try {
        await c.cmd("CONFIG", "SET", "notify-keyspace-events", "");
        await sub.cmd("PSUBSCRIBE", "__key*");
        await c.cmd("SET", "quiet", "v");
        await c.cmd("DEL", "quiet");
        await c.cmd("PUBLISH", "__key_end", "x");
        assert.deepEqual(plain(await sub.read()), ["pmessage", "__key*", "__key_end", "x"]);
      } finally {
        c.close();
        sub.close();
      }
    }
  });
});
