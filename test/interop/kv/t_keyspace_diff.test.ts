/**
 * Keyspace commands against a live redis-server, through the engine:
 * COPY, MOVE, SWAPDB, OBJECT, MEMORY, TYPE/RANDOMKEY over every type,
 * TOUCH and UNLINK, each case in RESP2 and RESP3, reply bytes compared
 * (SELECT switches the database on both sides), then INFO's hit, miss and
 * expired-key counters. MEMORY USAGE differs by design (an estimate of
 * Redis' allocation, not Redis' number): its reply type is compared, and a
 * separate test checks that it grows with the value on both sides.
 * OBJECT IDLETIME is compared as "an integer >= 0"; its reset by access is
 * checked on the engine with a clock the test sets (no timing assertions).
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply, OK } from "../../../src/apps/kv/resp/reply.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { DbTwin } from "./db_twin.js";

/** Commands separated by " | "; `{x*n}` is n copies of x; `{SLEEP n}` waits n ms on the test's side (lets a PX 1 key expire). */
const CASES: Record<string, string[]> = {
  copy: [
    "SET a 1 | COPY a b | GET b | COPY a b | COPY a b REPLACE | GET b | COPY a a | COPY a a DB 0 | COPY a a DB 1 | SELECT 1 | GET a | SELECT 0",
    "COPY nokey b | COPY a b DB | COPY a b DB x | COPY a b DB 16 | COPY a b DB -1 | COPY a b FOO | COPY a b DB 99999999999 | COPY a b DB 1.5",
    "COPY a a FOO | COPY a a DB 16 | COPY a a REPLACE | COPY a a db 0 replace | COPY nokey x DB 0 REPLACE REPLACE | COPY a",
    "HSET h f v | COPY h h2 | HSET h2 f w | HGET h f | HGET h2 f | RPUSH l a b | COPY l l2 | RPUSH l2 c | LRANGE l 0 -1 | LRANGE l2 0 -1 | TYPE l2 | OBJECT ENCODING l2 | TYPE h2",
    "SET a v EX 100 | COPY a b | TTL b | COPY a c DB 2 | SELECT 2 | TTL c | GET c | COPY c a DB 0 | COPY c a DB 0 REPLACE | SELECT 0 | GET a",
    "SELECT 1 | SET b old PX 1 | SELECT 0 | SET a v | {SLEEP 5} | COPY a b DB 1 | SELECT 1 | GET b | DBSIZE",
    "SET a v | SET b w PX 1 | {SLEEP 5} | COPY a b | GET b | COPY b a | SET x 123 | COPY x y | OBJECT ENCODING y | SET s {x*60} | COPY s t | OBJECT ENCODING t",
    "SET a v PX 1 | {SLEEP 5} | COPY a b | EXISTS b",
  ],
  move: [
    "SET a v | MOVE a 1 | EXISTS a | MOVE a 1 | SELECT 1 | GET a | MOVE a 1 | MOVE a 0 | SELECT 0 | GET a",
    "MOVE a x | MOVE a 16 | MOVE a -1 | MOVE nokey 1 | MOVE nokey 0 | MOVE a 99999999999 | MOVE a 1 2",
    "SET a v | SELECT 1 | SET a w | SELECT 0 | MOVE a 1 | GET a | SELECT 1 | GET a",
    "SET a v EX 100 | MOVE a 3 | SELECT 3 | TTL a | HSET h f v | MOVE h 0 | SELECT 0 | HGET h f | RPUSH l x | MOVE l 15 | SELECT 15 | LRANGE l 0 -1",
    "SELECT 1 | SET a old PX 1 | SELECT 0 | SET a v | {SLEEP 5} | MOVE a 1 | SELECT 1 | GET a | SELECT 0 | EXISTS a",
    "SET a v PX 1 | {SLEEP 5} | MOVE a 1 | SELECT 1 | EXISTS a",
  ],
  swapdb: [
    "SET a 0 | SELECT 1 | SET b 1 | SWAPDB 0 1 | GET a | GET b | SELECT 0 | GET a | GET b | DBSIZE",
    "SWAPDB 02 1 | SWAPDB 0 0 | SWAPDB x 0 | SWAPDB 0 x | SWAPDB x y | SWAPDB 16 0 | SWAPDB 0 16 | SWAPDB -1 0 | SWAPDB 0 | SWAPDB 99999999999 0 | SWAPDB 16 x",
    "SET a v EX 100 | HSET h f v | SWAPDB 0 5 | TTL a | EXISTS h | SELECT 5 | TTL a | HGET h f | SWAPDB 5 0 | GET a | SELECT 0 | GET a | KEYS *",
    "SET a 1 | SWAPDB 0 1 | SWAPDB 1 2 | SELECT 2 | GET a | SWAPDB 2 2 | GET a",
  ],
  object: [
    "SET s abc | OBJECT ENCODING s | SET i 123 | OBJECT ENCODING i | OBJECT REFCOUNT i | SET big 123456 | OBJECT REFCOUNT big | OBJECT REFCOUNT s",
    "SET r {x*44} | OBJECT ENCODING r | SET r {x*45} | OBJECT ENCODING r | OBJECT REFCOUNT r",
    "SET z 0 | OBJECT REFCOUNT z | SET m 9999 | OBJECT REFCOUNT m | SET m 10000 | OBJECT REFCOUNT m | SET n -1 | OBJECT REFCOUNT n | SET e 01 | OBJECT REFCOUNT e",
    "OBJECT ENCODING nokey | OBJECT REFCOUNT nokey | OBJECT IDLETIME nokey | OBJECT FREQ nokey | SET s v | OBJECT FREQ s | OBJECT IDLETIME s",
    "OBJECT HELP | OBJECT | OBJECT FOO | OBJECT FOO bar | OBJECT ENCODING | OBJECT ENCODING a b | OBJECT HELP x | object help | OBJECT encoding nokey",
    "HSET h f v | OBJECT ENCODING h | RPUSH l a | OBJECT ENCODING l | OBJECT IDLETIME h | OBJECT REFCOUNT h | OBJECT REFCOUNT l",
    "SET a v PX 1 | {SLEEP 5} | OBJECT ENCODING a | EXISTS a",
  ],
  memory: [
    "MEMORY USAGE nokey | SET a v | MEMORY USAGE a | MEMORY USAGE a SAMPLES 0 | MEMORY USAGE a SAMPLES 100 | MEMORY USAGE a samples 1",
    "SET a v | MEMORY USAGE a SAMPLES -1 | MEMORY USAGE a SAMPLES x | MEMORY USAGE a FOO | MEMORY USAGE a SAMPLES | MEMORY USAGE nokey FOO",
    "MEMORY HELP | MEMORY | MEMORY USAGE | MEMORY FOO | MEMORY PURGE | MEMORY HELP x | memory help",
    "HSET h f v | MEMORY USAGE h | RPUSH l a b | MEMORY USAGE l | SET i 1 | MEMORY USAGE i | MEMORY USAGE i SAMPLES 9223372036854775807",
    "SET a v PX 1 | {SLEEP 5} | MEMORY USAGE a | EXISTS a",
  ],
  types: [
    "TYPE nokey | SET s v | TYPE s | HSET h f v | TYPE h | RPUSH l a | TYPE l | RANDOMKEY | TYPE h x",
    "RANDOMKEY | HSET h f v | RANDOMKEY | DEL h | RPUSH l a | RANDOMKEY",
    "SET a 1 | SET b 2 | TOUCH a b c | UNLINK a c | EXISTS a b | UNLINK | TOUCH | TOUCH b b | UNLINK b b",
    "SET a v PX 1 | {SLEEP 5} | TOUCH a | TYPE a | SET b v PX 1 | {SLEEP 5} | UNLINK b | TYPE b",
  ],
};

function words(cmd: string): string[] {
  return cmd
    .replace(/\{(\w)\*(\d+)\}/g, (_, c: string, n: string) => c.repeat(Number(n)))
    .trim()
    .split(/ +/);
}

describe("keyspace commands as redis-server 7 answers them", needsRedisServer(), () => {
  let twin: DbTwin;
  before(async () => {
    twin = await DbTwin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      const diffs: string[] = [];
      for (const c of cases) {
        for (const resp of [2, 3] as const) {
          await twin.reset();
          for (const cmd of c.split(" | ")) {
            const sl = /^\{SLEEP (\d+)\}$/.exec(cmd.trim());
            if (sl !== null) {
              await sleep(Number(sl[1]));
              continue;
            }
            const d = await twin.compare(words(cmd), resp);
            if (d !== null) diffs.push(d);
          }
          const st = await twin.compareStats();
          if (st !== null) diffs.push(`${st} after ${c}`);
        }
      }
      assert.deepEqual(diffs, []);
    });
  }

  test("MEMORY USAGE grows with the value, on both sides", async () => {
    await twin.reset();
    const usage = async (key: string): Promise<[number, number]> => {
      const argv = ["MEMORY", "USAGE", key, "SAMPLES", "0"];
      return [Number(decodeAll(await twin.theirs(argv, 2)).text), Number(decodeAll(twin.ours(argv, 2)).text)];
    };
    const run = async (argv: string[]) => {
      await twin.theirs(argv, 2);
      twin.ours(argv, 2);
    };
    const grow: [string, (i: number) => string[]][] = [
      ["s", (i) => ["SET", "s", "x".repeat(10 ** i)]],
      ["h", (i) => ["HSET", "h", ...Array.from({ length: 10 ** i }, (_, j) => [`f${j}`, `value${j}`]).flat()]],
      ["l", (i) => ["RPUSH", "l", ...Array.from({ length: 10 ** i }, (_, j) => `element${j}`)]],
    ];
    for (const [key, cmd] of grow) {
      let last: [number, number] = [0, 0];
      for (let i = 1; i <= 4; i++) {
        await run(cmd(i));
        const now = await usage(key);
        assert.ok(now[0] > last[0] && now[1] > last[1], `${key} at 10^${i}: redis ${last[0]} -> ${now[0]}, agner ${last[1]} -> ${now[1]}`);
        // Within a factor of 2 of Redis' own figure.
        assert.ok(now[1] <= now[0] * 2 && now[1] >= now[0] / 2, `${key} at 10^${i}: redis ${now[0]}, agner ${now[1]}`);
        last = now;
      }
    }
  });

  test("COPY, MOVE and SWAPDB propagate themselves; a lazy expiry in the other database propagates its DEL", async () => {
    await twin.reset();
    for (const c of ["SELECT 1", "SET b old PX 1", "SELECT 0", "SET a v"]) twin.ours(words(c), 2);
    twin.propagated = [];
    await sleep(5);
    for (const c of ["COPY a b DB 1", "MOVE a 2", "MOVE a 2", "SWAPDB 2 1", "COPY nokey x"]) twin.ours(words(c), 2);
    assert.deepEqual(twin.propagated, [["DEL", "b"], ["COPY", "a", "b", "DB", "1"], ["MOVE", "a", "2"], ["SWAPDB", "2", "1"]]);
  });
});

describe("OBJECT IDLETIME on the engine, with a clock the test moves", () => {
  test("reads and writes reset it; EXISTS, TYPE, TTL and OBJECT do not; SWAPDB carries it", () => {
    const ks = new Keyspace();
    let now = 1_000_000_000_000;
    ks.clock = () => now;
    const ctx = new Context(ks.db(0), now);
    const run = (c: string) => {
      ctx.now = now;
      const argv = words(c);
      const cmd = checkCommand(argv);
      assert.ok(!(cmd instanceof ErrorReply), c);
      if (cmd.name === "select") {
        ctx.db = ks.db(Number(argv[1]));
        ctx.dbIndex = Number(argv[1]);
        return OK;
      }
      return execCommand(ctx, cmd, argv);
    };
    run("SET a v");
    run("SET b v");
    assert.equal(run("OBJECT IDLETIME a"), 0);
    now += 5000;
    assert.equal(run("OBJECT IDLETIME a"), 5, "not accessed since tracking began");
    for (const c of ["EXISTS a", "TYPE a", "TTL a", "OBJECT ENCODING a", "OBJECT IDLETIME a", "MEMORY USAGE a"]) run(c);
    now += 2000;
    assert.equal(run("OBJECT IDLETIME a"), 7, "no-touch lookups leave it");
    run("GET a");
    assert.equal(run("OBJECT IDLETIME a"), 0, "GET resets it");
    now += 3000;
    run("TOUCH a");
    assert.equal(run("OBJECT IDLETIME a"), 0, "TOUCH resets it");
    assert.equal(run("OBJECT IDLETIME b"), 10);
    run("SET b w");
    assert.equal(run("OBJECT IDLETIME b"), 0, "a write resets it");
    run("SET c v");
    now += 4000;
    assert.equal(run("OBJECT IDLETIME c"), 4, "a key written after tracking began");
    run("COPY c d");
    assert.equal(run("OBJECT IDLETIME d"), 0, "a copy is new");
    run("MOVE c 1");
    run("SWAPDB 0 1");
    now += 1000;
    assert.equal(run("OBJECT IDLETIME c"), 1, "moved, then swapped into database 0 with its clock");
    run("UNLINK c");
    assert.equal(run("OBJECT IDLETIME c"), null);
  });
});
