/**
 * Property test of the list commands against a real redis-server: random
 * sequences over three list keys and one string key (LPUSH/RPUSH/X, pops,
 * LSET, LTRIM, LREM, LINSERT, LPOS with every option, LMOVE, RPOPLPUSH,
 * LMPOP, LRANGE...) give byte-identical replies in RESP2 and RESP3, and
 * after each sequence every list holds the same elements on both sides;
 * and what the engine propagated, replayed on an empty keyspace (as the
 * AOF is), rebuilds the same lists.
 * AGNER_PROPERTY_RUNS raises the count.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply } from "../../../src/apps/kv/resp/reply.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { type Twin } from "./twin.js";
import { twinProperty } from "./twin_property.js";

const KEYS = ["a", "b", "c", "s"];
const key = fc.constantFrom(...KEYS);
// Few distinct elements, so LREM/LINSERT/LPOS find them often.
const elem = fc.oneof(fc.constantFrom("x", "y", "z", "", "1", "01"), fc.string({ maxLength: 3 }));
const index = fc.oneof(
  fc.integer({ min: -8, max: 8 }).map(String),
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "x", "1.5"),
);
const count = fc.oneof(fc.integer({ min: -4, max: 6 }).map(String), fc.constantFrom("x", "9223372036854775807"));
const side = fc.constantFrom("LEFT", "RIGHT", "left", "UP");
const lposOpt = fc.oneof(
  fc.tuple(fc.constantFrom("RANK", "COUNT", "MAXLEN", "rank"), count).map(([o, n]) => [o, n]),
  fc.constant(["FOO"]),
);

const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), key, fc.array(elem, { minLength: 1, maxLength: 4 })).map(([c, k, vs]) => [c, k, ...vs]), weight: 6 },
  fc.tuple(fc.constantFrom("LPOP", "RPOP"), key, fc.option(count, { nil: undefined })).map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, n])),
  fc.tuple(key, index, elem).map(([k, i, v]) => ["LSET", k, i, v]),
  fc.tuple(key, index, index).map(([k, s, e]) => ["LTRIM", k, s, e]),
  fc.tuple(key, count, elem).map(([k, n, v]) => ["LREM", k, n, v]),
  fc.tuple(key, fc.constantFrom("BEFORE", "AFTER", "after", "NEAR"), elem, elem).map(([k, w, p, v]) => ["LINSERT", k, w, p, v]),
  fc.tuple(key, elem, fc.array(lposOpt, { maxLength: 3 })).map(([k, v, o]) => ["LPOS", k, v, ...o.flat()]),
  fc.tuple(key, key, side, side).map(([s, d, f, t]) => ["LMOVE", s, d, f, t]),
  fc.tuple(key, key).map(([s, d]) => ["RPOPLPUSH", s, d]),
  fc.tuple(fc.array(key, { minLength: 1, maxLength: 3 }), side, fc.option(count, { nil: undefined }), fc.integer({ min: -1, max: 1 }))
    .map(([ks, w, n, skew]) => ["LMPOP", String(ks.length + skew), ...ks, w, ...(n === undefined ? [] : ["COUNT", n])]),
  fc.tuple(key, index, index).map(([k, s, e]) => ["LRANGE", k, s, e]),
  fc.tuple(key, index).map(([k, i]) => ["LINDEX", k, i]),
  key.map((k) => ["LLEN", k]),
  fc.tuple(key, elem).map(([k, v]) => ["SET", k, v]),
  key.map((k) => ["DEL", k]),
);

/** Every key's TYPE and list, as RESP2 bytes, after replaying `log` on an empty keyspace. */
function replayed(log: readonly string[][]): string {
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), Date.now());
  for (const argv of log) {
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) throw new Error(`propagated ${JSON.stringify(argv)}: ${cmd.text}`);
    execCommand(ctx, cmd, argv);
  }
  const w = new RespWriter(2);
  for (const k of KEYS) {
    for (const argv of [["TYPE", k], ["LRANGE", k, "0", "-1"]]) {
      const r = execCommand(ctx, checkCommand(argv) as Exclude<ReturnType<typeof checkCommand>, ErrorReply>, argv);
      w.write(r);
    }
  }
  return w.take().toString("latin1");
}

async function redisLists(twin: Twin): Promise<string> {
  let out = "";
  for (const k of KEYS) {
    for (const argv of [["TYPE", k], ["LRANGE", k, "0", "-1"]]) out += (await twin.redis(argv)).toString("latin1");
  }
  return out;
}

twinProperty("random list command sequences answer as redis-server 7 does", {
  command,
  maxLength: 40,
  runs: 300,
  seed: 2024,
  finalChecks: KEYS.flatMap((k) => [["TYPE", k], ["LRANGE", k, "0", "-1"]]),
  atEnd: async (twin) => assert.equal(replayed(twin.propagated), await redisLists(twin), `replay of ${JSON.stringify(twin.propagated)}`),
});
