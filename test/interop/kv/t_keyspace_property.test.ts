/**
 * Property test against a real redis-server: random sequences of COPY,
 * MOVE, SWAPDB and SELECT among writes and reads of every type over three
 * keys and three databases give byte-identical replies on Redis and on the
 * engine, in RESP2 and RESP3, and the same INFO counters. Fixed seed;
 * AGNER_PROPERTY_RUNS raises the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { needsRedisServer } from "../../support/redis_server.js";
import { DbTwin } from "./db_twin.js";

const key = fc.constantFrom("a", "b", "c");
const db = fc.constantFrom("0", "1", "2");
const anyDb = fc.oneof(db, fc.constantFrom("16", "-1", "x", "2147483648"));
const value = fc.constantFrom("v", "w", "1", "123", "x".repeat(50));

const command: fc.Arbitrary<string[]> = fc.oneof(
  db.map((d) => ["SELECT", d]),
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v]),
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v, "EX", "100000"]),
  fc.tuple(key, value).map(([k, v]) => ["HSET", k, "f", v]),
  fc.tuple(key, value).map(([k, v]) => ["RPUSH", k, v]),
  fc.tuple(key, key, fc.option(anyDb, { nil: undefined }), fc.boolean()).map(([k, d, n, r]) => [
    "COPY", k, d, ...(n === undefined ? [] : ["DB", n]), ...(r ? ["REPLACE"] : []),
  ]),
  fc.tuple(key, anyDb).map(([k, d]) => ["MOVE", k, d]),
  fc.tuple(anyDb, anyDb).map(([a, b]) => ["SWAPDB", a, b]),
  key.map((k) => ["DEL", k]),
  fc.tuple(fc.constantFrom("GET", "TYPE", "EXISTS", "TTL", "LRANGE", "HGETALL", "TOUCH"), key).map(([c, k]) =>
    c === "LRANGE" ? [c, k, "0", "-1"] : [c, k],
  ),
  fc.tuple(fc.constantFrom("ENCODING", "REFCOUNT", "FREQ"), key).map(([s, k]) => ["OBJECT", s, k]),
  fc.constant<string[]>(["DBSIZE"]),
  fc.constant<string[]>(["KEYS", "*"]),
);

const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 300);

describe("random COPY/MOVE/SWAPDB sequences answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: DbTwin;
  before(async () => {
    twin = await DbTwin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const resp of [2, 3] as const) {
    test(`RESP${resp}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (cmds) => {
          await twin.reset();
          for (const argv of cmds) {
            const d = await twin.compare(argv, resp);
            if (d !== null) assert.fail(`${d}\nafter ${JSON.stringify(cmds)}`);
          }
          const st = await twin.compareStats();
          if (st !== null) assert.fail(`${st} after ${JSON.stringify(cmds)}`);
        }),
        { numRuns: runs, seed: 20261206 + resp },
      );
    });
  }
});
