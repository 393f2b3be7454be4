/**
 * The hash commands HRANDFIELD and HSCAN, and the listpack/hashtable
 * encoding, against a real redis-server: byte for byte where Redis is
 * deterministic (errors, missing keys, a listpack hash scanned whole,
 * HRANDFIELD with a count past the size), by shape and membership where it
 * is random (HRANDFIELD), and by the set of fields a whole scan returns
 * (HSCAN of a hashtable).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Keyspace } from "../../../src/apps/kv/commands/db.js";
import { valueType } from "../../../src/apps/kv/commands/value_types.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { type Node, decodeAll } from "../../support/resp_reply.js";
import { Twin } from "./twin.js";
import { expand, runCases, words } from "./twin_cases.js";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";

const CASES: Record<string, string[]> = {
  hrandfield: [
    "HRANDFIELD nokey | HRANDFIELD nokey 5 | HRANDFIELD nokey -5 WITHVALUES | HRANDFIELD nokey 0 | HRANDFIELD nokey x | HRANDFIELD nokey 1 FOO",
    "HSET h a 1 b 2 c 3 | HRANDFIELD h 0 | HRANDFIELD h 3 | HRANDFIELD h 10 | HRANDFIELD h 3 WITHVALUES | HRANDFIELD h 100 withvalues",
    "HSET h a 1 | HRANDFIELD h | HRANDFIELD h 1 | HRANDFIELD h -3 | HRANDFIELD h -2 WITHVALUES | HRANDFIELD h 1 WITHVALUES",
    `HSET h a 1 | HRANDFIELD h x | HRANDFIELD h 1 x | HRANDFIELD h 1 WITHVALUES x | HRANDFIELD h ${MAX} WITHVALUES | HRANDFIELD h ${MIN} WITHVALUES | HRANDFIELD h ${MIN}`,
    "HSET h a 1 | HRANDFIELD h 4611686018427387904 WITHVALUES | HRANDFIELD h -4611686018427387904 WITHVALUES | HRANDFIELD h 4611686018427387903 WITHVALUES",
    "SET s v | HRANDFIELD s | HRANDFIELD s 1 | HRANDFIELD s x | HRANDFIELD s 1 FOO | HRANDFIELD s 0 | HRANDFIELD",
  ],
  hscan_listpack: [
    "HSET h a 1 b 2 c 3 | HSCAN h 0 | HSCAN h 0 COUNT 1 | HSCAN h 5 | HSCAN h 0 MATCH b* | HSCAN h 0 MATCH * COUNT 2 | HSCAN h 0 MATCH z",
    "HSET h a 1 b 2 c 3 | HDEL h a | HSET h a 4 | HSET h b 5 | HSCAN h 0 | HSCAN h 0 match ? count 1000",
    "HSCAN nokey 0 | HSCAN nokey x | HSCAN nokey 0 FOO | HSCAN nokey 0 COUNT 0 | SET s v | HSCAN s 0 | HSCAN s x | HSCAN s 0 FOO",
    "HSET h a 1 | HSCAN h x | HSCAN h -1 | HSCAN h 18446744073709551615 | HSCAN h 18446744073709551616 | HSCAN h 0 COUNT 0 | HSCAN h 0 COUNT x",
    "HSET h a 1 | HSCAN h 0 COUNT | HSCAN h 0 MATCH | HSCAN h 0 TYPE string | HSCAN h 0 COUNT -1 | HSCAN h 0 NOVALUES | HSCAN h",
  ],
};

/** The engine's keyspace inside the Twin (its encoding is not visible through commands: OBJECT is not ours). */
function engineKs(twin: Twin): Keyspace {
  return (twin as unknown as { ks: Keyspace }).ks;
}

async function both(twin: Twin, argv: string[], resp: 2 | 3): Promise<[Node, Node]> {
  const theirs = decodeAll(await twin.redis(argv, resp));
  const mine = decodeAll(twin.ours(argv, resp));
  return [theirs, mine];
}

describe("hash commands answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      assert.deepEqual(await runCases(twin, cases), []);
    });
  }

  test("OBJECT ENCODING: listpack until 512 fields or a 65-byte argument, then hashtable for good", async () => {
    const scripts = [
      "HSET h a 1",
      `HSET h a {x*64}`,
      `HSET h a {x*65} | HSET h a 1`,
      `HSET h a 1 | HSET h {x*65} 1 | HDEL h {x*65}`,
      `HSET h a 1 | HSETNX h a {x*65}`,
      `HSETNX h {x*65} 1 | HDEL h {x*65} | HSET h a 1`,
      `HINCRBY h {x*65} 1`,
      `HINCRBYFLOAT h {x*65} 1.5`,
      `HSET h a 1 | HMSET h b {x*65}`,
      `HSET h a 1 | COPY h h2 | HSET h b {x*65}`,
    ];
    const diffs: string[] = [];
    for (const script of scripts) {
      await twin.reset();
      for (const cmd of script.split(" | ")) {
        const argv = words(expand(cmd));
        if (argv[0] === "COPY") continue;
        await twin.redis(argv);
        twin.ours(argv, 2);
      }
      const theirs = (await twin.redis(["OBJECT", "ENCODING", "h"])).toString();
      const v = engineKs(twin).db(0).data.get("h");
      const mine = v === undefined ? "nil" : valueType(v).encoding(v);
      if (!theirs.includes(mine)) diffs.push(`${script}: redis ${JSON.stringify(theirs)} agner ${mine}`);
    }
    // 513 fields (config.c's default is 512), then back down to 1: still a hashtable in Redis.
    await twin.reset();
    const many = ["HSET", "big"];
    for (let i = 0; i < 513; i++) many.push(`f${i}`, "v");
    await twin.redis(many);
    twin.ours(many, 2);
    const del = ["HDEL", "big", ...Array.from({ length: 512 }, (_, i) => `f${i}`)];
    await twin.redis(del);
    twin.ours(del, 2);
    const theirs = (await twin.redis(["OBJECT", "ENCODING", "big"])).toString();
    const big = engineKs(twin).db(0).data.get("big")!;
    assert.match(theirs, /hashtable/);
    assert.equal(valueType(big).encoding(big), "hashtable");
    assert.deepEqual(diffs, []);
  });

  test("HRANDFIELD with random picks: the shape Redis gives, members of the hash, distinct for a positive count", async () => {
    await twin.reset();
    const fields = ["a", "b", "c", "d", "e"];
    const hset = ["HSET", "h", ...fields.flatMap((f) => [f, `v${f}`])];
    await twin.redis(hset);
    twin.ours(hset, 2);
    const problems: string[] = [];
    const shape = (n: Node): string =>
      n.items === undefined ? n.type : `${n.type}${n.items.length}(${[...new Set(n.items.map(shape))].join("|")})`;
    for (const resp of [2, 3] as const) {
      for (const args of [[], ["3"], ["-8"], ["1"], ["3", "WITHVALUES"], ["-8", "WITHVALUES"], ["4", "withvalues"]]) {
        const argv = ["HRANDFIELD", "h", ...args];
        for (let round = 0; round < 5; round++) {
          const [theirs, mine] = await both(twin, argv, resp);
          if (shape(theirs) !== shape(mine)) problems.push(`RESP${resp} ${argv.join(" ")}: ${shape(theirs)} vs ${shape(mine)}`);
          // Fields (and values) picked: from the hash, distinct for a positive count.
          const withValues = args.length === 2;
          const picked: string[] = [];
          if (mine.items === undefined) picked.push(mine.text!);
          else if (!withValues) for (const n of mine.items) picked.push(n.text!);
          else if (resp === 3) {
            for (const p of mine.items) {
              picked.push(p.items![0]!.text!);
              if (p.items![1]!.text !== `v${p.items![0]!.text}`) problems.push(`value of ${p.items![0]!.text}`);
            }
          } else {
            for (let i = 0; i < mine.items.length; i += 2) {
              picked.push(mine.items[i]!.text!);
              if (mine.items[i + 1]!.text !== `v${mine.items[i]!.text}`) problems.push(`value of ${mine.items[i]!.text}`);
            }
          }
          if (!picked.every((f) => fields.includes(f))) problems.push(`not fields: ${picked.join(",")}`);
          if (Number(args[0] ?? 1) > 0 && new Set(picked).size !== picked.length) problems.push(`repeats: ${picked.join(",")}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("HSCAN of a hashtable hash: a whole scan returns every field, with its value, as Redis does", async () => {
    for (const resp of [2, 3] as const) {
      await twin.reset();
      const hset = ["HSET", "h"];
      for (let i = 0; i < 600; i++) hset.push(`field:${i}`, `value:${i}`);
      await twin.redis(hset, resp);
      twin.ours(hset, resp);
      for (const opts of [[], ["COUNT", "7"], ["MATCH", "field:1*", "COUNT", "20"]]) {
        const collect = async (mine: boolean): Promise<[Map<string, string>, number]> => {
          const seen = new Map<string, string>();
          let cursor = "0";
          let calls = 0;
          do {
            const argv = ["HSCAN", "h", cursor, ...opts];
            const n = decodeAll(mine ? twin.ours(argv, resp) : await twin.redis(argv, resp));
            cursor = n.items![0]!.text!;
            const kv = n.items![1]!.items!;
            for (let i = 0; i < kv.length; i += 2) seen.set(kv[i]!.text!, kv[i + 1]!.text!);
            calls++;
          } while (cursor !== "0" && calls < 10_000);
          return [seen, calls];
        };
        const [theirs, theirCalls] = await collect(false);
        const [mine, myCalls] = await collect(true);
        assert.deepEqual([...mine].sort(), [...theirs].sort(), `RESP${resp} HSCAN ${opts.join(" ")}`);
        // Both walk it in steps, not in one call.
        assert.ok(theirCalls > 1 && myCalls > 1, `calls: redis ${theirCalls}, agner ${myCalls}`);
      }
    }
  });

  test("HSCAN of a hashtable hash that changes during the scan still returns every field present throughout", async () => {
    await twin.reset();
    const hset = ["HSET", "h"];
    for (let i = 0; i < 1000; i++) hset.push(`f${i}`, "v");
    twin.ours(hset, 2);
    const seen = new Set<string>();
    let cursor = "0";
    let step = 0;
    do {
      const n = decodeAll(twin.ours(["HSCAN", "h", cursor, "COUNT", "5"], 2));
      cursor = n.items![0]!.text!;
      const kv = n.items![1]!.items!;
      for (let i = 0; i < kv.length; i += 2) seen.add(kv[i]!.text!);
      // Churn: add new fields and delete others (f900.. go), which may grow or shrink the table.
      twin.ours(["HSET", "h", `new${step}a`, "v", `new${step}b`, "v", `new${step}c`, "v"], 2);
      if (step < 100) twin.ours(["HDEL", "h", `f${900 + step}`], 2);
      step++;
    } while (cursor !== "0" && step < 10_000);
    const missing = Array.from({ length: 900 }, (_, i) => `f${i}`).filter((f) => !seen.has(f));
    assert.deepEqual(missing, []);
  });
});
