/**
 * HyperLogLog commands against a real redis-server (hyperloglog.c):
 * PFADD, PFCOUNT (one key with its cached cardinality, several keys),
 * PFMERGE, PFDEBUG, corrupt and wrong-type values, RESP2 and RESP3, each
 * reply compared byte for byte, and GET of every HLL compared too, so the
 * sparse and dense strings (opcode splits and merges, promotion to dense
 * past 3000 bytes or at a register over 32) are Redis' own. A value built
 * by Redis and SET here counts and grows the same.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

const HDR = "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00";

const CASES: Record<string, string[]> = {
  pfadd: [
    "PFADD h a b c | GET h | PFADD h a | PFADD h c d | GET h | PFCOUNT h | GET h | PFCOUNT h | PFADD h e | GET h",
    "PFADD h | GET h | PFADD h | PFCOUNT h | PFADD h {empty} | GET h | PFCOUNT h | TYPE h | STRLEN h",
    "PFADD h 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 | GET h | PFCOUNT h | PFADD h 20 21 | PFCOUNT h | GET h",
    "HSET x f v | PFADD x a | PFCOUNT x | PFMERGE x | PFMERGE d x | EXISTS d | PFDEBUG ENCODING x",
    "SET s v | PFADD s a | PFCOUNT s | SET s {x*20} | PFADD s a | SET n 12345678901234567 | PFADD n a | PFCOUNT n a b",
    "SET t v EX 100 | DEL t | PFADD t a EX | TTL t | SET u x EX 100 | PFADD t b | PFMERGE u t | TTL u",
  ],
  corrupt: [
    `SET h ${HDR} | PFADD h a | PFCOUNT h | GET h`,
    `SET h ${HDR}\\x7f\\xfe | PFADD h a | PFCOUNT h | PFCOUNT h h | PFMERGE d h | PFDEBUG GETREG h | PFDEBUG DECODE h | PFDEBUG TODENSE h`,
    `SET h ${HDR}\\x7f\\xff\\x80 | PFCOUNT h | PFADD h a b c | GET h | PFCOUNT h | PFMERGE d h`,
    `SET h HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00 | PFADD h a | PFCOUNT h | SET h HYLL\\x02{\\x00*11} | PFADD h a | SET h HYL | PFCOUNT h`,
    `SET h HYLX\\x01{\\x00*11}\\x7f\\xff | PFADD h a | SET h ${HDR}\\x7f\\xff | PFADD h a | GET h | PFDEBUG DECODE h | PFDEBUG ENCODING h`,
    `SET h ${HDR}\\x3f\\x7f\\xbe | PFADD h x | PFCOUNT h | SET h ${HDR}\\x7f\\xff\\xff | PFCOUNT h | PFCOUNT h nokey`,
    `SET h HYLL\\x01\\x00\\x00\\x00\\x05\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff | PFCOUNT h | PFADD h a | PFCOUNT h | GET h`,
    `SET h HYLL\\x01\\x00\\x00\\x00\\x05\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff | PFCOUNT h | GET h | SET h HYLL\\x01\\x00\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x7f\\x7f\\xff | PFCOUNT h`,
  ],
  pfcount_pfmerge: [
    "PFADD a 1 2 3 | PFADD b 3 4 5 | PFCOUNT a b | PFCOUNT a b nokey | PFCOUNT nokey | PFCOUNT nokey other | PFMERGE d a b | GET d | PFCOUNT d | GET d",
    "PFADD a x | PFMERGE a | GET a | PFMERGE new | GET new | PFMERGE new2 nokey | EXISTS new2 | PFMERGE a a a | GET a",
    "PFADD a x | SET b v | PFMERGE d a b | EXISTS d | PFCOUNT a b | HSET c f v | PFCOUNT a c | PFMERGE c a",
    "PFADD a x y | PFDEBUG TODENSE a | PFMERGE d a | PFDEBUG ENCODING d | GET d | PFADD s z | PFMERGE s a | PFDEBUG ENCODING s | PFCOUNT s",
  ],
  pfdebug: [
    "PFADD h a b c | PFDEBUG ENCODING h | PFDEBUG DECODE h | PFDEBUG decode h | PFDEBUG TODENSE h | PFDEBUG TODENSE h | PFDEBUG ENCODING h | PFDEBUG DECODE h | GET h",
    "PFADD h a | PFDEBUG GETREG h | PFDEBUG ENCODING h | PFDEBUG FOO h | PFDEBUG GETREG nokey | PFDEBUG GETREG | SET s v | PFDEBUG ENCODING s | PFDEBUG Foo\\x00x s",
    "PFADD h a | PFDEBUG ENCODING h extra | PFDEBUG | PFSELFTEST x",
  ],
};

describe("HyperLogLog commands answer as redis-server 7 does", needsRedisServer(), () => {
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

  /** Runs argv on both sides; collects differences. */
  async function both(diffs: string[], argv: string[], resp: 2 | 3 = 2): Promise<void> {
    const d = await twin.compare(argv, resp);
    if (d !== null) diffs.push(d.slice(0, 2000));
  }

  test("growing sparse HLLs stay byte-identical through promotion to dense", async () => {
    const diffs: string[] = [];
    await twin.reset();
    // Batches of new elements; GET after each shows every split, merge and the promotion.
    for (let n = 0, batch = 1; n < 4000; n += batch, batch = Math.min(batch * 2, 97)) {
      const els = Array.from({ length: batch }, (_, i) => `el:${n + i}`);
      await both(diffs, ["PFADD", "h", ...els]);
      await both(diffs, ["GET", "h"]);
      await both(diffs, ["PFDEBUG", "ENCODING", "h"]);
      if (n % 7 === 0) await both(diffs, ["PFCOUNT", "h"]);
    }
    // One element at a time, near the 3000-byte limit of another key.
    for (let i = 0; i < 2600; i++) {
      await both(diffs, ["PFADD", "g", `x${i}`]);
      if (i > 1500 && i % 25 === 0) await both(diffs, ["GET", "g"]);
    }
    await both(diffs, ["GET", "g"]);
    await both(diffs, ["PFCOUNT", "g", "h"]);
    await both(diffs, ["PFMERGE", "m", "g", "h"]);
    await both(diffs, ["GET", "m"]);
    await both(diffs, ["PFCOUNT", "m"]);
    await both(diffs, ["GET", "m"]);
    assert.deepEqual(diffs, []);
  });

  test("a register over 32 makes the HLL dense", async () => {
    const diffs: string[] = [];
    await twin.reset();
    // Elements are tried until one hashes to a run of more than 32 zeros is hard to find;
    // instead a sparse value with VAL opcodes near the limit is grown by merging a dense one.
    await both(diffs, ["PFADD", "d", "a", "b"]);
    await both(diffs, ["PFDEBUG", "TODENSE", "d"]);
    await both(diffs, ["SETRANGE", "d", "16", "\xff\xff\xff"]); // registers 0-3 at 63
    await both(diffs, ["PFCOUNT", "d"]);
    await both(diffs, ["PFADD", "s", "z"]);
    await both(diffs, ["PFMERGE", "s", "d"]);
    await both(diffs, ["GET", "s"]);
    await both(diffs, ["PFDEBUG", "ENCODING", "s"]);
    await both(diffs, ["PFCOUNT", "s", "d"]);
    // A sparse value with a VAL of 32 raised past it by PFMERGE from a dense HLL.
    await both(diffs, ["SET", "v", `HYLL\x01${"\0".repeat(11)}\xfc\x7f\xfe`]);
    await both(diffs, ["PFCOUNT", "v"]);
    await both(diffs, ["PFMERGE", "v", "d"]);
    await both(diffs, ["GET", "v"]);
    assert.deepEqual(diffs, []);
  });

  test("sparse opcodes split and merge as Redis' (crafted registers merged in)", async () => {
    const diffs: string[] = [];
    // [registers of the destination, registers merged into it]: runs of equal values up to
    // and past 4, zero runs on both sides of 64, values raised inside a VAL run.
    const pairs: [Record<number, number>, Record<number, number>][] = [
      [{ 0: 1, 1: 1, 2: 1 }, { 3: 1 }],
      [{ 0: 1, 1: 1, 2: 1, 3: 1 }, { 1: 2 }],
      [{ 0: 1, 1: 1, 2: 1, 3: 1 }, { 4: 1 }],
      [{ 1: 3, 3: 3 }, { 2: 3 }],
      [{ 5: 2, 6: 2 }, { 3: 2, 4: 2, 7: 2, 8: 2 }],
      [{}, { 64: 1 }],
      [{}, { 65: 7, 16383: 1 }],
      [{ 100: 5 }, { 35: 5, 36: 5, 99: 5, 101: 5, 166: 5, 167: 32 }],
      [{ 200: 1, 201: 2, 202: 1 }, { 199: 1, 203: 1, 201: 1 }],
      [{ 10: 4, 11: 4, 12: 4, 13: 4 }, { 10: 5, 11: 5, 12: 5, 13: 5, 14: 5 }],
    ];
    for (const [dest, src] of pairs) {
      await twin.reset();
      await both(diffs, ["SET", "d", sparse(dest)]);
      await both(diffs, ["SET", "s", sparse(src)]);
      await both(diffs, ["PFMERGE", "d", "s"]);
      await both(diffs, ["GET", "d"]);
      await both(diffs, ["PFDEBUG", "DECODE", "d"]);
      await both(diffs, ["PFCOUNT", "d", "s"]);
      await both(diffs, ["PFADD", "d", "a", "b", "c", "d", "e", "f"]);
      await both(diffs, ["GET", "d"]);
    }
    assert.deepEqual(diffs, []);
  });

  test("an HLL made by Redis, SET here, counts and grows the same", async () => {
    const diffs: string[] = [];
    await twin.reset();
    for (const [key, n] of [["small", 50], ["big", 5000]] as const) {
      for (let i = 0; i < n; i += 250) {
        await twin.redis(["PFADD", key, ...Array.from({ length: Math.min(250, n - i) }, (_, j) => `r${i + j}`)]);
      }
      const value = decodeAll(await twin.redis(["GET", key])).text!;
      await both(diffs, ["SET", `copy:${key}`, value]);
      await both(diffs, ["PFCOUNT", `copy:${key}`]);
      await both(diffs, ["GET", `copy:${key}`]);
      await both(diffs, ["PFADD", `copy:${key}`, "more", "and", "more2"]);
      await both(diffs, ["GET", `copy:${key}`]);
      await both(diffs, ["PFCOUNT", `copy:${key}`, "nokey"]);
    }
    assert.deepEqual(diffs, []);
  });
});

/** A sparse HLL string with the given registers (value 1-32), zero runs as XZERO opcodes. */
function sparse(regs: Record<number, number>): string {
  const out: number[] = [72, 89, 76, 76, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const zeros = (n: number) => {
    if (n > 0) out.push(((n - 1) >> 8) | 0x40, (n - 1) & 0xff);
  };
  let at = 0;
  for (const i of Object.keys(regs).map(Number).sort((a, b) => a - b)) {
    zeros(i - at);
    out.push(0x80 | ((regs[i]! - 1) << 2));
    at = i + 1;
  }
  zeros(16384 - at);
  return Buffer.from(out).toString("latin1");
}
