/**
 * Bitmap commands against a real redis-server (bitops.c): SETBIT, GETBIT,
 * BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO, every option, the
 * errors and their order, wrong types, missing keys, limits, RESP2 and
 * RESP3, each case compared byte for byte (with GET of the values) and
 * INFO's hit/miss counters compared after it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

/** Commands separated by " | ", words by spaces; `\xHH` is a byte, `{empty}` the empty word, `{x*n}` n copies of x. */
export const BIT_CASES: Record<string, string[]> = {
  setbit_getbit: [
    "SETBIT k 7 1 | GET k | SETBIT k 7 0 | GET k | SETBIT k 100 1 | STRLEN k | GETBIT k 100 | GETBIT k 101 | GETBIT k 1000",
    "SETBIT k 0 1 | SETBIT k 0 1 | SETBIT k 0 0 | SETBIT k 0 0 | GET k | GETBIT nokey 0 | GETBIT nokey 99999",
    "SETBIT k -1 1 | SETBIT k x 1 | SETBIT k 1 2 | SETBIT k 1 -1 | SETBIT k 1 x | SETBIT k 1 {empty} | SETBIT k 4294967296 1 | SETBIT k 9223372036854775807 1",
    "SETBIT k 1.5 1 | GETBIT k -1 | GETBIT k x | GETBIT k 4294967296 | EXISTS k | SETBIT k 5 0 | EXISTS k | GET k",
    "SET k abc | SETBIT k 1 0 | GET k | SETBIT k 30 1 | GET k | GETBIT k 9 | GETBIT k 30 | SET n 12345 | GETBIT n 2 | SETBIT n 0 1 | GET n",
    "HSET h f v | SETBIT h 0 1 | GETBIT h 0 | SETBIT h x 1 | GETBIT h x | SET t v EX 100 | SETBIT t 3 1 | TTL t | GET t",
    "SETBIT k 4000 1 | STRLEN k | SETBIT k 4000 0 | GETBIT k 4000 | BITCOUNT k | SETBIT k 80000 1 | STRLEN k | BITCOUNT k | APPEND k x | STRLEN k | GETBIT k 80000",
    "SETBIT k 1 1 | SETBIT k 1 01 | SETBIT k 1 +1 | SETBIT k 01 1 | SETBIT k {sp}1 1 | GETBIT k 1\\x00",
  ],
  bitcount: [
    "SET k foobar | BITCOUNT k | BITCOUNT k 0 0 | BITCOUNT k 1 1 | BITCOUNT k 1 -2 | BITCOUNT k -2 -1 | BITCOUNT k 0 -1 BYTE | BITCOUNT k 5 30 BIT",
    "SET k foobar | BITCOUNT k 0 -1 bit | BITCOUNT k -7 -2 BIT | BITCOUNT k 0 0 BIT | BITCOUNT k 1 1 BIT | BITCOUNT k 7 7 BIT | BITCOUNT k 100 200 | BITCOUNT k 100 200 BIT",
    "SET k foobar | BITCOUNT k 0 | BITCOUNT k 0 1 2 | BITCOUNT k 0 1 FOO | BITCOUNT k x 1 | BITCOUNT k 0 y | BITCOUNT k -1 -2 | BITCOUNT k -1 -2 FOO | BITCOUNT k 2 1",
    "BITCOUNT nokey | BITCOUNT nokey 0 | BITCOUNT nokey x y | BITCOUNT nokey 0 1 FOO | HSET h f v | BITCOUNT h | BITCOUNT h x | BITCOUNT h 0 1",
    "SET k foobar | BITCOUNT k -9223372036854775808 9223372036854775807 | BITCOUNT k 9223372036854775807 -9223372036854775808 BIT | BITCOUNT k 9223372036854775808 1",
    "SET e {empty} | BITCOUNT e | BITCOUNT e 0 -1 | BITCOUNT e 0 -1 BIT | SET n 1234567 | BITCOUNT n | BITCOUNT n 1 3 BIT",
    "SET k {\\xff*100} | BITCOUNT k | BITCOUNT k 3 797 BIT | BITCOUNT k 1 98 | SETBIT k 805 1 | BITCOUNT k -9 -1 BIT",
  ],
  bitpos: [
    "SET k \\xff\\xf0\\x00 | BITPOS k 0 | BITPOS k 1 | BITPOS k 0 1 | BITPOS k 1 2 | BITPOS k 1 2 -1 | BITPOS k 0 0 -1 | BITPOS k 0 2 -1",
    "SET k \\x00\\xff\\xf0 | BITPOS k 1 0 | BITPOS k 1 2 -1 BYTE | BITPOS k 1 7 15 BIT | BITPOS k 1 7 -3 bit | BITPOS k 0 8 23 BIT | BITPOS k 0 20 BIT",
    "SET k \\xff\\xff\\xff | BITPOS k 0 | BITPOS k 0 0 | BITPOS k 0 0 -1 | BITPOS k 0 0 -1 BIT | BITPOS k 0 3 21 BIT | BITPOS k 1 3 5 BIT | BITPOS k 0 100",
    "SET k \\x00\\x00\\x00 | BITPOS k 1 | BITPOS k 1 0 -1 | BITPOS k 0 | BITPOS k 1 5 17 BIT | BITPOS k 0 5 17 BIT | BITPOS k 0 -3 -1 BIT",
    "BITPOS nokey 0 | BITPOS nokey 1 | BITPOS nokey 2 | BITPOS nokey x | BITPOS nokey 1 x | BITPOS nokey 0 0 1 FOO | HSET h f v | BITPOS h 1 | BITPOS h 2",
    "SET k abc | BITPOS k 2 | BITPOS k -1 | BITPOS k 1 x | BITPOS k 1 0 y | BITPOS k 1 0 1 FOO | BITPOS k 1 0 1 BIT x | BITPOS k 1 2 1 | BITPOS k 1 -1 -2",
    "SET k \\x0f | BITPOS k 0 0 0 BIT | BITPOS k 1 0 3 BIT | BITPOS k 1 4 4 BIT | BITPOS k 0 4 7 BIT | BITPOS k 1 1 BIT | BITPOS k 0 1 BIT | BITPOS k 0 4 BIT",
    "SET e {empty} | BITPOS e 0 | BITPOS e 1 | BITPOS e 0 0 -1 | BITPOS e 0 0 BIT | SET k {\\xff*40}\\x7f | BITPOS k 0 | BITPOS k 0 -9223372036854775808 9223372036854775807",
    "SET k \\x80\\x00\\x00\\x01 | BITPOS k 1 1 | BITPOS k 1 9 BIT | BITPOS k 1 9 30 BIT | BITPOS k 1 9 31 BIT | BITPOS k 0 0 0 BIT | BITPOS k 0 31 31 BIT",
  ],
  bitop: [
    "SET a \\xff\\x0f | SET b \\xf0 | BITOP AND d a b | GET d | BITOP OR d a b | GET d | BITOP XOR d a b | GET d | BITOP NOT d a | GET d",
    "SET a foobar | SET b abcdef | BITOP and d a b nokey | GET d | BITOP Or d nokey a | GET d | BITOP xor d a a | GET d | STRLEN d",
    "BITOP AND d nokey | EXISTS d | SET d v | BITOP OR d nokey other | EXISTS d | BITOP NOT d nokey | BITOP NOT d a b | BITOP NOT d | BITOP FOO d a",
    "SET a x | HSET h f v | BITOP AND d a h | BITOP OR d h | EXISTS d | BITOP AND h a | TYPE h | GET h | BITOP NOT d {empty}",
    "SET d old EX 100 | SET a {\\xaa*100} | BITOP NOT d a | TTL d | GET d | BITOP AND a a a | GET a | SET e {empty} | BITOP OR d e | EXISTS d",
    "SET a 123 | SET b 456 | BITOP XOR d a b | GET d | BITOP AND d a b | GET d | BITOP NOT d a | GET d | BITOP AND\\x00x d a",
  ],
  bitfield: [
    "BITFIELD k SET i8 0 -100 GET u8 0 GET i8 0 INCRBY i8 0 10 GET u4 4 | GET k | BITFIELD k GET i8 0 GET u8 #0 GET i4 #1",
    "BITFIELD k SET u8 0 255 INCRBY u8 0 1 OVERFLOW SAT INCRBY u8 0 10 OVERFLOW FAIL INCRBY u8 0 1 GET u8 0 | GET k",
    "BITFIELD k OVERFLOW SAT SET i8 0 1000 SET i8 8 -1000 OVERFLOW WRAP SET i8 16 1000 SET u8 24 -1 OVERFLOW FAIL SET u8 32 256 SET i4 40 8 | GET k",
    "BITFIELD k SET i64 0 -1 GET u63 0 GET i64 0 INCRBY i64 0 -9223372036854775807 INCRBY i64 0 -1 OVERFLOW SAT INCRBY i64 0 -1 GET i64 0",
    "BITFIELD k SET i64 0 9223372036854775807 OVERFLOW WRAP INCRBY i64 0 1 OVERFLOW SAT INCRBY i64 0 9223372036854775807 INCRBY i64 0 -9223372036854775808 OVERFLOW FAIL INCRBY i64 0 -1",
    "BITFIELD k SET u63 0 9223372036854775807 INCRBY u63 0 1 OVERFLOW SAT INCRBY u63 0 5 INCRBY u63 0 -9223372036854775808 OVERFLOW WRAP INCRBY u63 0 -1 | GET k",
    "BITFIELD k SET u1 0 1 SET u1 1 2 SET i1 2 -1 SET i1 3 1 GET i1 0 GET u1 1 GET i2 2 INCRBY i1 4 -1 INCRBY i1 4 -1 | GET k",
    "BITFIELD k OVERFLOW SAT SET i8 0 -9223372036854775808 SET i8 8 9223372036854775807 SET u8 16 -9223372036854775808 INCRBY i8 24 -9223372036854775808 INCRBY i8 32 9223372036854775807",
    "BITFIELD k GET i8 0 | EXISTS k | BITFIELD k | EXISTS k | BITFIELD k OVERFLOW FAIL SET u2 0 5 | EXISTS k | GET k | BITFIELD nokey GET u16 100 GET i64 7",
    "BITFIELD k GET | BITFIELD k GET i8 | BITFIELD k SET i8 0 | BITFIELD k FOO | BITFIELD k OVERFLOW | BITFIELD k OVERFLOW BAD GET i8 0 | BITFIELD k GET x8 0 | BITFIELD k GET u64 0",
    "BITFIELD k GET i65 0 | BITFIELD k GET i0 0 | BITFIELD k GET i 0 | BITFIELD k GET {empty} 0 | BITFIELD k GET I8 0 | BITFIELD k GET i08 0 | BITFIELD k GET i8\\x00z 0 | BITFIELD k GET u-1 0",
    "BITFIELD k GET i8 -1 | BITFIELD k GET i8 x | BITFIELD k GET i8 #x | BITFIELD k GET i8 #-1 | BITFIELD k GET i8 4294967296 | BITFIELD k GET i8 #536870912 | BITFIELD k SET i8 0 x | BITFIELD k INCRBY i8 0 1.5",
    "BITFIELD k GET i8 #1152921504606846976 | BITFIELD k SET i64 #144115188075855872 1 | BITFIELD k SET u8 #2 x GET y 0 | BITFIELD k GET y 0 SET u8 0 x | BITFIELD k get u8 0 set u8 0 1 incrby u8 0 1 overflow fail",
    "HSET h f v | BITFIELD h GET i8 0 | BITFIELD h SET i8 0 1 | BITFIELD h | SET s abc | BITFIELD s GET u8 8 GET u16 4 SET u8 #5 65 | GET s | SET t v EX 100 | BITFIELD t SET u8 0 65 | TTL t",
    "BITFIELD k INCRBY u5 3 31 INCRBY u5 3 1 OVERFLOW SAT INCRBY u5 3 -100 INCRBY i5 60 15 INCRBY i5 60 1 INCRBY i5 60 -100 OVERFLOW WRAP INCRBY i5 60 -100 | GET k",
  ],
  bitfield_ro: [
    "SET k \\x01\\x02\\x03 | BITFIELD_RO k GET u8 0 GET u16 8 GET i24 0 GET u8 #5 | BITFIELD_RO k | BITFIELD_RO nokey GET u8 0",
    "BITFIELD_RO k SET u8 0 1 | EXISTS k | BITFIELD_RO k GET u8 0 INCRBY u8 0 1 | BITFIELD_RO k OVERFLOW SAT | BITFIELD_RO k FOO | BITFIELD_RO k GET x 0 | HSET h f v | BITFIELD_RO h GET u8 0 | BITFIELD_RO h SET u8 0 1",
  ],
  arity: [
    "SETBIT k 1 | GETBIT k | BITCOUNT | BITPOS k | BITOP AND d | BITFIELD | BITFIELD_RO | SETBIT k 1 1 1 | GETBIT k 1 1",
  ],
};

describe("bitmap commands answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(BIT_CASES)) {
    test(group, async () => {
      assert.deepEqual(await runCases(twin, cases), []);
    });
  }
});
