/**
 * The memcached parser's own rules: chunking never changes what comes out,
 * data blocks are binary-safe and may be big, refused values are
 * swallowed without being held, and the limits (key, item, line) hold.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BAD_FORMAT,
  LINE_MAX,
  McParser,
  type McRequest,
  type McStore,
  cNumber,
  validKey,
} from "../../../../src/apps/kv/memcached/memcached_parser.js";

function all(p: McParser): McRequest[] {
  const out: McRequest[] = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  return out;
}

function parse(input: string | Buffer, chunk = Infinity, limits = {}): McRequest[] {
  const p = new McParser(limits);
  const buf = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const out: McRequest[] = [];
  for (let at = 0; at < buf.length; at += chunk) {
    p.feed(buf.subarray(at, Math.min(buf.length, at + chunk)));
    out.push(...all(p));
  }
  return out;
}

test("a storage command and its data block, whole or byte by byte", () => {
  const input = "set k 5 100 5\r\nhe\r\no\r\nget k\r\n";
  const whole = parse(input);
  assert.deepEqual(parse(input, 1), whole);
  assert.deepEqual(whole, [
    { kind: "store", op: "set", key: "k", flags: 5, exptime: 100, value: "he\r\no", cas: 0n, noreply: false },
    { kind: "get", cas: false, touch: false, exptime: 0, keys: ["k"], badKey: false },
  ]);
});

test("a big binary value across many chunks comes out exact", () => {
  const value = Buffer.alloc(300_000);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7919) & 0xff;
  const input = Buffer.concat([Buffer.from(`set big 0 0 ${value.length}\r\n`), value, Buffer.from("\r\nversion\r\n")]);
  for (const chunk of [1000, 65536, 7]) {
    const out = parse(input, chunk);
    assert.equal(out.length, 2);
    const s = out[0] as McStore;
    assert.equal(s.kind, "store");
    assert.ok(Buffer.from(s.value, "latin1").equals(value), `chunk ${chunk}`);
    assert.deepEqual(out[1], { kind: "version", noreply: false });
  }
});

test("an item over the size limit is refused on its line and its data swallowed, never held", () => {
  const p = new McParser({ itemSizeMax: 1024 });
  p.feed(Buffer.from("set k 0 0 5000\r\n"));
  assert.deepEqual(all(p), [{ kind: "too_large", op: "set", key: "k", noreply: false }]);
  for (let i = 0; i < 5; i++) {
    p.feed(Buffer.alloc(1000, 0x0a));
    assert.deepEqual(all(p), []);
    assert.equal(p.buffered, 0);
  }
  p.feed(Buffer.from("\r\nversion\r\n"));
  assert.deepEqual(all(p), [{ kind: "version", noreply: false }]);
  // key + value + 59 bytes of item header, as memcached sizes items
  assert.equal(parse("set k 0 0 964\r\n" + "x".repeat(964) + "\r\n", Infinity, { itemSizeMax: 1024 })[0]!.kind, "store");
  assert.equal(parse("set k 0 0 965\r\n" + "x".repeat(965) + "\r\n", Infinity, { itemSizeMax: 1024 })[0]!.kind, "too_large");
});

test("a data block not ending in CRLF is a bad chunk, and what follows is read as commands", () => {
  assert.deepEqual(parse("set k 0 0 1\r\nab\r\nget k\r\n"), [
    { kind: "bad_chunk", key: "k", noreply: false },
    { kind: "error", text: "ERROR" },
    { kind: "get", cas: false, touch: false, exptime: 0, keys: ["k"], badKey: false },
  ]);
});

test("keys: at most 250 bytes, no control characters (memcached only documents that one)", () => {
  assert.ok(validKey("k".repeat(250)));
  assert.ok(!validKey("k".repeat(251)));
  assert.ok(validKey("\xe9t\xe9:1/x"));
  for (const bad of ["a\tb", "a\rb", "\x01", "a\x7f", "\x1b[0m"]) assert.ok(!validKey(bad), JSON.stringify(bad));
  assert.deepEqual(parse("set a\x01b 0 0 1\r\nx\r\n"), [
    { kind: "error", text: BAD_FORMAT },
    { kind: "error", text: "ERROR" },
  ]);
  assert.deepEqual(parse("get a b\tc d\r\n"), [{ kind: "get", cas: false, touch: false, exptime: 0, keys: ["a"], badKey: true }]);
});

test("lines: 2048 bytes at most, but get/gets lines up to maxGetLine; past either the connection closes", () => {
  const longSet = "set k" + " ".repeat(LINE_MAX) + "0 0 1\r\nx\r\n";
  assert.deepEqual(parse(longSet), [{ kind: "close", reason: "line too long" }]);
  assert.deepEqual(parse(longSet, 100), [{ kind: "close", reason: "line too long" }]);
  const keys = Array.from({ length: 2000 }, (_, i) => `key${i}`);
  const get = `get ${keys.join(" ")}\r\n`;
  assert.ok(get.length > LINE_MAX);
  for (const chunk of [Infinity, 333]) {
    const out = parse(get, chunk);
    assert.equal(out.length, 1);
    assert.deepEqual((out[0] as { keys: string[] }).keys, keys);
  }
  assert.deepEqual(parse(get, Infinity, { maxGetLine: 4096 }), [{ kind: "close", reason: "line too long" }]);
  assert.deepEqual(parse(" ".repeat(101) + get), [{ kind: "close", reason: "line too long" }]);
  assert.equal(parse(" ".repeat(100) + get)[0]!.kind, "get");
  // once closed, nothing more comes out and nothing is held
  const p = new McParser();
  p.feed(Buffer.from("x".repeat(3000)));
  assert.equal(all(p)[0]!.kind, "close");
  p.feed(Buffer.from("version\r\n"));
  assert.deepEqual(all(p), []);
  assert.equal(p.buffered, 0);
});

test("numbers are read as C's strtol/strtoul with memcached's checks", () => {
  const u = (s: string) => cNumber(s, true);
  const i = (s: string) => cNumber(s, false);
  assert.equal(u("18446744073709551615"), 2n ** 64n - 1n);
  assert.equal(u("18446744073709551616"), null);
  assert.equal(u("-1"), null);
  assert.equal(u("-0"), 0n);
  assert.equal(u("+7"), 7n);
  assert.equal(u(" \t7"), 7n);
  assert.equal(u("7\t"), 7n);
  assert.equal(u("7x"), null);
  assert.equal(u(""), null);
  assert.equal(u("-"), null);
  assert.equal(u("-9223372036854775809"), 2n ** 63n - 1n);
  assert.equal(i("-9223372036854775808"), -(2n ** 63n));
  assert.equal(i("9223372036854775808"), null);
  assert.equal(i("0x10"), null);
  // 32-bit fields truncate what was read on 64 bits
  const [s] = parse("set k 4294967297 4294967295 4294967297\r\nx\r\n") as McStore[];
  assert.deepEqual([s!.flags, s!.exptime, s!.value], [1, -1, "x"]);
});

test("noreply silences the errors memcached silences, not the ERROR of a wrong token count", () => {
  assert.deepEqual(parse("incr k x noreply\r\ntouch k x noreply\r\ndelete k 1 noreply\r\nset k 0 0 noreply\r\n"), []);
  assert.deepEqual(parse("incr k 1 2 noreply\r\n"), [{ kind: "error", text: "ERROR" }]);
});

test("an HTTP request line closes the connection; an unknown command is ERROR", () => {
  assert.deepEqual(parse("GET / HTTP/1.1\r\nHost: x\r\n"), [{ kind: "close", reason: "HTTP request" }]);
  assert.deepEqual(parse("FOO bar\r\n"), [{ kind: "error", text: "ERROR" }]);
});

test("itemSizeMax must be a length a string can have", () => {
  assert.throws(() => new McParser({ itemSizeMax: 0 }), RangeError);
  assert.throws(() => new McParser({ itemSizeMax: 2 ** 30 }), RangeError);
});
