/**
 * The reply encoder: every Reply kind in RESP2 and RESP3, integers at the
 * int64 edges, doubles as C's %.17g prints them (checked against Python's
 * printf-style formatting, which is C's), errors kept on one line, and the
 * buffer handed over once per batch.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import fc from "fast-check";
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NULL_ARRAY,
  OK,
  PONG,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from "../../../../src/apps/kv/resp/reply.js";
import { CHUNK_BYTES, type OutPiece, RespWriter, formatDouble } from "../../../../src/apps/kv/resp/resp_writer.js";
import { fastReply } from "../../../../src/apps/kv/resp/fast_reply.js";

function enc(r: Reply, resp: 2 | 3): string {
  const w = new RespWriter(resp);
  w.write(r);
  return w.take().toString("latin1");
}

test("each reply kind in RESP2 and RESP3", () => {
  const cases: [Reply, string, string][] = [
    ["bar", "$3\r\nbar\r\n", "$3\r\nbar\r\n"],
    ["", "$0\r\n\r\n", "$0\r\n\r\n"],
    ["\x00\xff\r\n", "$4\r\n\x00\xff\r\n\r\n", "$4\r\n\x00\xff\r\n\r\n"],
    [0, ":0\r\n", ":0\r\n"],
    [1, ":1\r\n", ":1\r\n"],
    [-1, ":-1\r\n", ":-1\r\n"],
    [1234567890, ":1234567890\r\n", ":1234567890\r\n"],
    [Number.MAX_SAFE_INTEGER, ":9007199254740991\r\n", ":9007199254740991\r\n"],
    [-(2n ** 63n), ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"],
    [2n ** 63n - 1n, ":9223372036854775807\r\n", ":9223372036854775807\r\n"],
    [null, "$-1\r\n", "_\r\n"],
    [NULL_ARRAY, "*-1\r\n", "_\r\n"],
    [[], "*0\r\n", "*0\r\n"],
    [["a", 1, null, ["b"]], "*4\r\n$1\r\na\r\n:1\r\n$-1\r\n*1\r\n$1\r\nb\r\n", "*4\r\n$1\r\na\r\n:1\r\n_\r\n*1\r\n$1\r\nb\r\n"],
    [OK, "+OK\r\n", "+OK\r\n"],
    [PONG, "+PONG\r\n", "+PONG\r\n"],
    [new SimpleString("string"), "+string\r\n", "+string\r\n"],
    [new ErrorReply("ERR bad\r\nthing"), "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"],
    [new MapReply([["a", 1], ["b", "x"]]), "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nx\r\n", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nx\r\n"],
    [new MapReply([]), "*0\r\n", "%0\r\n"],
    [new SetReply(["a"]), "*1\r\n$1\r\na\r\n", "~1\r\n$1\r\na\r\n"],
    [new DoubleReply(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"],
    [new DoubleReply(Infinity), "$3\r\ninf\r\n", ",inf\r\n"],
    [new BoolReply(true), ":1\r\n", "#t\r\n"],
    [new BoolReply(false), ":0\r\n", "#f\r\n"],
    [new VerbatimReply("txt", "hello"), "$5\r\nhello\r\n", "=9\r\ntxt:hello\r\n"],
  ];
  for (const [r, two, three] of cases) {
    assert.equal(enc(r, 2), two, `RESP2 ${String(r)}`);
    assert.equal(enc(r, 3), three, `RESP3 ${String(r)}`);
  }
});

test("integers and bulk lengths of every digit count", () => {
  for (let n = 1, d = 1; d <= 16; n *= 10, d++) {
    for (const v of [n - 1, n, n + 1, -n]) assert.equal(enc(v, 2), `:${v}\r\n`);
  }
  for (const len of [9, 10, 99, 100, 999, 1000, 65535, 65536, 100_000]) {
    const s = "x".repeat(len);
    assert.equal(enc(s, 2), `$${len}\r\n${s}\r\n`);
  }
});

test("doubles as C's %.17g", (t) => {
  let python: boolean;
  try {
    execFileSync("python3", ["-c", "0"]);
    python = true;
  } catch {
    python = false;
  }
  if (!python) {
    t.skip("python3 not installed: the printf comparison needs it");
    return;
  }
  const values = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 2000);
  // ties at the 17th digit (glibc rounds them to even), and the edges of the fixed notation
  values.push(-1595895479904985.25, -29260222761475.8125, 2.5, 0, -0, 1, 0.1, 1e16, 1e17, 1e-4, 1e-5, 123456789012345678, 5e-324, 1.7976931348623157e308);
  // integers, below and past 2^53 (where String would print the shortest digits, not the exact value)
  values.push(49858, -7, 1e15, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 2 ** 60, -(2 ** 60), 99999999999999984);
  const out = execFileSync("python3", ["-c", "import sys\nfor l in sys.stdin: print('%.17g' % float(l))"], {
    input: values.map((v) => (Object.is(v, -0) ? "-0.0" : String(v))).join("\n") + "\n",
    encoding: "utf8",
    maxBuffer: 1 << 24,
  }).trim().split("\n");
  values.forEach((v, i) => assert.equal(formatDouble(v), out[i], String(v)));
});

test("fastReply's text is the writer's bytes, doubles included", () => {
  const cases: Reply[] = ["bar", "", OK, null, 0, -12, [], ["a", null, "b"], new DoubleReply(1.5), new DoubleReply(-0), new DoubleReply(49858), new DoubleReply(Infinity), new DoubleReply(2, "2.0"), ["m", new DoubleReply(0.1), "n", new DoubleReply(-3)]];
  for (const r of cases) {
    for (const resp of [2, 3] as const) {
      const text = fastReply(r, resp);
      assert.notEqual(text, undefined, `fastReply ${String(r)}`);
      assert.equal(text, enc(r, resp), `RESP${resp} ${String(r)}`);
    }
  }
  assert.equal(fastReply(new MapReply([]), 3), undefined);
});

test("take hands over what was written once; later writes do not touch it", () => {
  const w = new RespWriter();
  assert.equal(w.take().length, 0);
  w.write("abc");
  const a = w.take();
  w.write("xyz");
  const big = "y".repeat(200_000);
  w.write(big);
  const b = w.take();
  w.write("zzz");
  assert.equal(a.toString(), "$3\r\nabc\r\n");
  assert.equal(b.toString(), `$3\r\nxyz\r\n$200000\r\n${big}\r\n`);
  assert.equal(w.take().toString(), "$3\r\nzzz\r\n");
});

test("large output is drained in pieces of about a chunk; a large bulk is its own piece, not a copy", () => {
  const w = new RespWriter(3);
  const big = "b".repeat(CHUNK_BYTES * 2);
  const small = Array.from({ length: 40_000 }, (_, i) => `item${i}`);
  const reply: Reply = [new MapReply([["k", big]]), small, big, 7];
  w.write(reply);
  const pieces: OutPiece[] = [];
  const bytes = w.drain(pieces);
  assert.equal(w.length, 0);
  assert.equal(bytes, pieces.reduce((n, p) => n + p.length, 0));
  assert.equal(pieces.filter((p) => p === big).length, 2, "the big string itself, twice");
  for (const p of pieces) if (p !== big) assert.ok(p.length <= CHUNK_BYTES, `a piece of ${p.length} bytes`);
  const joined = Buffer.concat(pieces.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : p))).toString("latin1");
  const expected = `*4\r\n%1\r\n$1\r\nk\r\n$${big.length}\r\n${big}\r\n*${small.length}\r\n${small.map((s) => `$${s.length}\r\n${s}\r\n`).join("")}$${big.length}\r\n${big}\r\n:7\r\n`;
  assert.equal(joined, expected);
  // take() still gives it all as one Buffer; the writer goes back to small buffers
  w.write(reply);
  assert.equal(w.take().toString("latin1"), expected);
  w.write("x");
  assert.equal(w.take().toString("latin1"), "$1\r\nx\r\n");
});
