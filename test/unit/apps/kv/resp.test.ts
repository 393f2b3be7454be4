/**
 * The RESP request parser: multibulk and inline commands, every split
 * point of a pipeline, Redis' quirks (unchecked CRLF bytes, NUL in header
 * lines, quoted inline words) and each protocol error text. The texts are
 * checked against a real redis-server in resp_redis.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { INLINE_MAX_SIZE, RespParser, RespProtocolError, splitArgs } from "../../../../src/apps/kv/resp/resp.js";

const b = (s: string) => Buffer.from(s, "latin1");

/** Feeds chunks, returns [commands, error reply or undefined]. */
function parse(chunks: (string | Buffer)[], opts: ConstructorParameters<typeof RespParser>[0] = {}): [string[][], string | null | undefined] {
  const p = new RespParser(opts);
  const out: string[][] = [];
  try {
    for (const c of chunks) {
      p.feed(typeof c === "string" ? b(c) : c);
      for (let argv = p.next(); argv !== null; argv = p.next()) out.push(argv);
    }
  } catch (e) {
    assert.ok(e instanceof RespProtocolError, String(e));
    return [out, e.reply];
  }
  return [out, undefined];
}

function mb(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
}

test("multibulk commands, binary-safe (every byte value, CR/LF inside)", () => {
  const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  const [cmds, err] = parse([mb("SET", "k", all) + mb("GET", "k\r\n") + mb("PING")]);
  assert.equal(err, undefined);
  assert.deepEqual(cmds, [["SET", "k", all], ["GET", "k\r\n"], ["PING"]]);
});

test("a pipeline split at every byte parses to the same commands", () => {
  const big = "x".repeat(40_000); // a big argument: collected chunk by chunk
  const stream = mb("SET", "a", "1") + "PING\r\n" + mb("SET", "b", big) + mb("MGET", "a", "b", "") + "  get   a \r\n" + mb("ECHO", "");
  const whole = parse([stream])[0];
  assert.equal(whole.length, 6);
  assert.deepEqual(whole[1], ["PING"]);
  assert.deepEqual(whole[2], ["SET", "b", big]);
  assert.deepEqual(whole[4], ["get", "a"]);
  const bytes = b(stream);
  for (let cut = 1; cut < bytes.length; cut += cut < 200 || cut > bytes.length - 200 ? 1 : 97) {
    const [cmds, err] = parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(err, undefined);
    assert.deepEqual(cmds, whole, `cut at ${cut}`);
  }
  // and one byte at a time
  const [cmds] = parse([...bytes].map((x) => Buffer.from([x])));
  assert.deepEqual(cmds, whole);
});

test("empty commands are skipped: *0, *-1, blank inline lines", () => {
  const [cmds, err] = parse(["*0\r\n*-1\r\n\r\n\n   \r\n" + mb("PING")]);
  assert.equal(err, undefined);
  assert.deepEqual(cmds, [["PING"]]);
});

test("Redis' quirks: the bytes after a header's CR and after a payload are not checked", () => {
  const [cmds, err] = parse(["*2\rX$3\rYGETZZ$1\r\nkQQ"]);
  assert.equal(err, undefined);
  assert.deepEqual(cmds, [["GET", "k"]]);
});

test("inline commands: quotes and escapes as sdssplitargs", () => {
  const [cmds, err] = parse([`set "a b" 'c\\'d' "\\x41\\n\\t" x"y"\r\n`]);
  assert.equal(err, undefined);
  assert.deepEqual(cmds, [["set", "a b", "c'd", "A\n\t", "xy"]]);
  assert.deepEqual(splitArgs(b("a\x0bb c"), 0, 5), ["a\x0bb", "c"]);
  assert.equal(splitArgs(b('"a"b'), 0, 4), null);
  assert.equal(splitArgs(b("'a"), 0, 2), null);
});

test("protocol errors, with Redis' texts", () => {
  const cases: [string, string][] = [
    ["*x\r\n", "ERR Protocol error: invalid multibulk length"],
    ["*\r\n", "ERR Protocol error: invalid multibulk length"],
    ["*01\r\n", "ERR Protocol error: invalid multibulk length"],
    ["*2147483648\r\n", "ERR Protocol error: invalid multibulk length"],
    ["*-9223372036854775809\r\n", "ERR Protocol error: invalid multibulk length"],
    ["*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"],
    ["*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"],
    ["*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"],
    ["*1\r\n$01\r\n", "ERR Protocol error: invalid bulk length"],
    ["*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"],
    ['get "a\r\n', "ERR Protocol error: unbalanced quotes in request"],
  ];
  for (const [input, text] of cases) {
    const [, err] = parse([input]);
    assert.equal(err, text, JSON.stringify(input));
  }
});

test("the commands before a protocol error are returned, then it throws, and keeps throwing", () => {
  const p = new RespParser();
  p.feed(b(mb("PING") + "*1\r\n$x\r\n" + mb("PING")));
  assert.deepEqual(p.next(), ["PING"]);
  assert.throws(() => p.next(), RespProtocolError);
  assert.throws(() => p.next(), RespProtocolError);
  assert.throws(() => p.feed(b("PING\r\n")), RespProtocolError);
});

test("a bulk longer than proto-max-bulk-len is refused on its header, before its bytes arrive", () => {
  const [, err] = parse(["*2\r\n$3\r\nSET\r\n$2000\r\n"], { maxBulkLen: 1000 });
  assert.equal(err, "ERR Protocol error: invalid bulk length");
  const [ok] = parse([mb("SET", "x".repeat(1000))], { maxBulkLen: 1000 });
  assert.equal(ok.length, 1);
});

test("headers and inline lines longer than 64 KB without a line end are refused", () => {
  const long = "9".repeat(INLINE_MAX_SIZE + 1);
  assert.equal(parse(["*" + long])[1], "ERR Protocol error: too big mbulk count string");
  assert.equal(parse(["*1\r\n$" + long])[1], "ERR Protocol error: too big bulk count string");
  assert.equal(parse(["x".repeat(INLINE_MAX_SIZE + 1)])[1], "ERR Protocol error: too big inline request");
  // exactly 64 KB still waits for more
  assert.equal(parse(["x".repeat(INLINE_MAX_SIZE)])[1], undefined);
  // a NUL hides the line end from Redis' strchr: it waits, then refuses
  assert.equal(parse(["*1\x00\r\n"])[1], undefined);
  assert.equal(parse(["*1\x00\r\n", "y".repeat(INLINE_MAX_SIZE)])[1], "ERR Protocol error: too big mbulk count string");
});

test("while AUTH is required, counts above 10 and bulks above 16384 are refused", () => {
  const p = new RespParser();
  p.authRequired = true;
  p.feed(b("*11\r\n"));
  assert.throws(() => p.next(), (e: RespProtocolError) => e.reply === "ERR Protocol error: unauthenticated multibulk length");
  const q = new RespParser();
  q.authRequired = true;
  q.feed(b("*1\r\n$16385\r\n"));
  assert.throws(() => q.next(), (e: RespProtocolError) => e.reply === "ERR Protocol error: unauthenticated bulk length");
});

test("the query buffer limit counts buffered bytes and parsed arguments, and closes silently", () => {
  const p = new RespParser({ maxQueryBuffer: 10_000 });
  p.feed(b("*1000\r\n"));
  assert.equal(p.next(), null);
  assert.throws(
    () => {
      for (let i = 0; i < 1000; i++) {
        p.feed(b("$20\r\n" + "z".repeat(20) + "\r\n"));
        p.next();
      }
    },
    (e: RespProtocolError) => e.reply === null,
  );
});

test("a command's own bytes are marked only when they are exactly its RESP writer form, in a chunk as it came", () => {
  const marks = (chunks: string[], markRaw = true): [number, number, string][] => {
    const p = new RespParser();
    p.markRaw = markRaw;
    const out: [number, number, string][] = [];
    for (const c of chunks) {
      p.feed(b(c));
      for (let argv = p.next(); argv !== null; argv = p.next()) {
        out.push([p.rawStart, p.rawEnd, p.rawStart >= 0 ? p.rawBuf.toString("latin1", p.rawStart, p.rawEnd) : argv.join(" ")]);
      }
    }
    return out;
  };
  const one = mb("set", "k", "v");
  assert.deepEqual(marks([one + mb("GET", "k")]), [
    [0, one.length, one],
    [one.length, one.length + mb("GET", "k").length, mb("GET", "k")],
  ]);
  // Bytes Redis skips unchecked, not the CRLF the writer puts there: no mark (the argv is encoded again).
  for (const odd of ["*2\r\n$3\r\nGET\rX$1\r\nk\r\n", "*2\rX$3\r\nGET\r\n$1\r\nk\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nkAB"]) {
    assert.deepEqual(marks([odd]), [[-1, -1, "GET k"]], JSON.stringify(odd));
  }
  // A command split over two chunks is read from the parser's own store, which is reused: no mark.
  assert.deepEqual(marks([one.slice(0, 7), one.slice(7)]), [[-1, -1, "set k v"]]);
  // Not asked for: nothing is marked.
  assert.deepEqual(marks([one], false), [[-1, -1, "set k v"]]);
  // Inline commands have no RESP form of their own.
  assert.deepEqual(marks(["SET k v\r\n"]), [[-1, -1, "SET k v"]]);
});
