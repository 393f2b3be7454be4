/**
 * Multi-key commands whose keys live in different shards (server/txn.ts:
 * gather into a scratch database, the command's own exec, write back)
 * answer as redis-server does: the same scripts run on Agner with four
 * shards and on a real redis-server, the replies compared byte for byte
 * (replies whose order Redis leaves undefined compared as sets), and the
 * keys read back afterwards on both. Every script's keys are spread over
 * at least two shards.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";
import { canonical, decodeAll } from "../../support/resp_reply.js";

const SHARDS = 4;
const servers = serverPair(["--shards", String(SHARDS)]);
const guard = servers.guard;

/** Commands whose reply order Redis does not define. */
const UNORDERED = new Set(["smembers", "sinter", "sunion", "sdiff", "keys", "hgetall", "hkeys", "hvals"]);

/**
 * Scripts: commands separated by " | ", words by spaces. Keys a..f are
 * spread over the shards (checked below); `{T}` is a unix time far ahead.
 */
const SCRIPTS: Record<string, string[]> = {
  rename: [
    "SET a 1 | RENAME a b | GET a | GET b | RENAME nokey b | RENAMENX b c | RENAMENX c b | GET b | GET c",
    "SET a v EXAT {T} | RENAME a d | EXPIRETIME d | EXPIRETIME a | SET e w | RENAME d e | GET e | EXPIRETIME e",
    "HSET a f v | RPUSH b x y | RENAME a b | TYPE b | HGETALL b | RENAMENX b a | TYPE a | LRANGE nokey 0 -1",
  ],
  sets: [
    "SADD a 1 2 3 x | SADD b 2 3 4 | SADD c 3 4 5 | SINTER a b c | SUNION a b c | SDIFF a b c | SINTERCARD 3 a b c | SINTERCARD 2 a b LIMIT 1",
    "SADD a 1 2 3 | SADD b 2 3 4 | SINTERSTORE d a b | SMEMBERS d | SUNIONSTORE e a b | SMEMBERS e | SDIFFSTORE f a b | SMEMBERS f | SDIFFSTORE f b b | EXISTS f",
    "SADD a 1 2 | SMOVE a b 1 | SMEMBERS a | SMEMBERS b | SMOVE a b 2 | EXISTS a | SMOVE a b 9 | SET c x | SMOVE b c 1 | SINTER b c | SINTERSTORE b c d",
    "SADD a x EXAT {T} | SET d v EXAT {T} | SUNIONSTORE d a | EXPIRETIME d | SMEMBERS d | SINTERSTORE e nokey a | EXISTS e",
  ],
  lists: [
    "RPUSH a 1 2 3 | LMOVE a b LEFT RIGHT | LMOVE a b RIGHT LEFT | LRANGE a 0 -1 | LRANGE b 0 -1 | RPOPLPUSH a c | EXISTS a | RPOPLPUSH a c | LRANGE c 0 -1",
    "RPUSH b x y | LMPOP 3 a b c LEFT | LMPOP 3 a b c RIGHT COUNT 5 | EXISTS b | LMPOP 2 a c LEFT | SET c s | LMOVE c a LEFT LEFT | LMPOP 2 a c LEFT",
    "SET a ohmytext | SET b mynewtext | LCS a b | LCS a b LEN | LCS a b IDX MINMATCHLEN 2 WITHMATCHLEN",
  ],
  zsets: [
    "ZADD a 1 x 2 y 3 z | ZADD b 2 y 3 z 4 w | SADD c y w | ZUNION 3 a b c WITHSCORES | ZINTER 2 a b WEIGHTS 2 3 AGGREGATE MAX WITHSCORES | ZDIFF 2 a b | ZINTERCARD 3 a b c",
    "ZADD a 1 x 2 y | ZADD b 5 y | ZUNIONSTORE d 2 a b | ZRANGE d 0 -1 WITHSCORES | ZINTERSTORE e 2 a b AGGREGATE MIN | ZRANGE e 0 -1 WITHSCORES | ZDIFFSTORE f 2 a b | ZRANGE f 0 -1 WITHSCORES",
    "ZADD a 1 x 2 y 3 z | ZRANGESTORE b a 0 1 | ZRANGE b 0 -1 WITHSCORES | ZRANGESTORE c a (1 +inf BYSCORE | ZRANGE c 0 -1 | ZMPOP 2 d a MIN COUNT 2 | ZMPOP 2 e d MAX | ZCARD a",
  ],
  bits: [
    "SET a foobar | SET b abcdef | BITOP AND c a b | GET c | BITOP OR d a b nokey | GET d | BITOP XOR e a b | GET e | BITOP NOT f a | GET f",
    "SETBIT a 100 1 | SETBIT b 3 1 | BITOP OR c a b | BITCOUNT c | BITPOS c 1 | HSET d f v | BITOP AND e a d",
    "PFADD a x y z | PFADD b z w | PFCOUNT a b | PFMERGE c a b | PFCOUNT c | GET c | PFMERGE d | PFCOUNT d",
  ],
  keyspace: [
    "SET a 1 EXAT {T} | COPY a b | GET b | EXPIRETIME b | COPY a b | COPY a b REPLACE | SADD c x | COPY c d | SMEMBERS d | COPY nokey e",
    "SET a 1 | COPY a b DB 1 | GET b | SELECT 1 | GET b | SELECT 0 | COPY a b DB 1 | COPY a b DB 1 REPLACE | ZADD c 1 x | COPY c d DB 2 | SELECT 2 | ZRANGE d 0 -1 WITHSCORES",
  ],
  geo: [
    "GEOADD a 13.361389 38.115556 p1 15.087269 37.502669 p2 | GEOSEARCHSTORE b a FROMLONLAT 15 37 BYRADIUS 200 km ASC | ZRANGE b 0 -1 WITHSCORES | GEOSEARCHSTORE c a FROMMEMBER p1 BYRADIUS 200 km STOREDIST | ZRANGE c 0 -1 | GEORADIUS a 15 37 200 km STORE d | ZRANGE d 0 -1 | GEORADIUSBYMEMBER a p1 200 km COUNT 1 STOREDIST e | ZRANGE e 0 -1 | GEORADIUS a 15 37 1 km STORE b | EXISTS b | GEORADIUS f 15 37 1 km STORE c | EXISTS c",
  ],
  sort: [
    "RPUSH a 3 1 2 | SET w_1 30 | SET w_2 10 | SET w_3 20 | HSET h_1 f x | HSET h_2 f y | HSET h_3 f z | SORT a BY w_* GET # GET h_*->f | SORT a BY w_* STORE b | LRANGE b 0 -1 | SORT_RO a BY w_* DESC GET w_* | SORT a STORE c | LRANGE c 0 -1 | SORT a BY nosort GET h_*->f STORE d | LRANGE d 0 -1 | SORT a LIMIT 0 1 GET nosuch_* STORE e | LRANGE e 0 -1",
    "SADD a x y z | SET w_x 3 | SET w_y 1 | SET w_z 2 | SORT a BY w_* | SORT a BY w_* ALPHA STORE b | LRANGE b 0 -1 | SET c str | SORT a BY w_* STORE c | TYPE c | SORT nokey BY w_* STORE c | EXISTS c",
  ],
  msetnx: [
    "MSETNX a 1 b 2 c 3 | MGET a b c | MSETNX c 9 d 9 | MGET c d | MSETNX d 1 e 2 f 3 | MGET a b c d e f",
    "SET a x EXAT {T} | MSETNX a 1 | MSETNX b 1 c | EXPIRETIME a",
  ],
};

/** `{T}`: one far unix time for both servers (computed per run, a second boundary between the two made them differ). */
const far = String(Math.floor(Date.now() / 1000) + 100_000);

function spread(script: string): boolean {
  const keys = new Set(script.match(/\b[a-f]\b/g) ?? []);
  return new Set([...keys].map((k) => shardOf(k, SHARDS - 1))).size > 1;
}

async function run(port: number, script: string): Promise<string[]> {
  const c = await RespClient.connect(port);
  try {
    await c.raw("FLUSHALL");
    const out: string[] = [];
    for (const line of script.split(" | ")) {
      const argv = line.replaceAll("{T}", far).split(" ");
      const raw = await c.raw(...argv);
      out.push(`${line} -> ${canonical(decodeAll(Buffer.from(raw, "latin1")), UNORDERED.has(argv[0]!.toLowerCase()))}`);
    }
    return out;
  } finally {
    c.close();
  }
}

describe("multi-key commands across shards, as redis-server answers them", guard, () => {
  test("the scripts' keys land on several shards", () => {
    for (const scripts of Object.values(SCRIPTS)) for (const s of scripts) assert.ok(spread(s), `keys of "${s}" on one shard`);
  });

  for (const [name, scripts] of Object.entries(SCRIPTS)) {
    test(name, async () => {
      for (const script of scripts) assert.deepEqual(await run(servers.agner.port, script), await run(servers.redis.port, script));
    });
  }

  test("a cross-shard RENAME touches WATCHed keys on both shards: EXEC aborts", async () => {
    const [a, b] = ["a", "b"].sort((x, y) => shardOf(x, SHARDS - 1) - shardOf(y, SHARDS - 1));
    assert.notEqual(shardOf(a!, SHARDS - 1), shardOf(b!, SHARDS - 1));
    const w = await RespClient.connect(servers.agner.port);
    const o = await RespClient.connect(servers.agner.port);
    for (const watched of [a!, b!]) {
      await o.raw("SET", a!, "1");
      await o.raw("DEL", b!);
      assert.equal(await w.raw("WATCH", watched), "+OK\r\n");
      assert.equal(await o.raw("RENAME", a!, b!), "+OK\r\n");
      assert.equal(await w.raw("MULTI"), "+OK\r\n");
      assert.equal(await w.raw("SET", "x", "1"), "+QUEUED\r\n");
      assert.equal(await w.raw("EXEC"), "*-1\r\n", `EXEC aborts when ${watched} was watched`);
    }
    w.close();
    o.close();
  });
});
