/**
 * Redis' Lua libraries in our VM (expected values are redis-server 7.0.15's
 * answers; lua_libs_diff.test.ts checks many more against a live server):
 * the globals, glibc-exact number printing and parsing in cjson, round trips
 * of random nested tables, and random bytes into every decoder never
 * breaking the VM.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { formatG, strtod } from "../../../../src/apps/kv/scripting/lua_fpconv.js";
import { newLuaVm, ourEval, runChunk } from "../../../support/lua_eval.js";

const vm = newLuaVm();
/** The first value of expr, serialised (strings %q'd), or the error. */
const ev = (expr: string) => ourEval(vm, expr);
const one = (expr: string) => ev(expr);
const ok = (text: string) => ({ ok: `{["n"]=1,[1]=${text}}` });
const err = (text: string) => ({ err: `user_script:1: ${text}` });
const quote = (s: string) => '"' + [...s].map((c) => `\\${c.charCodeAt(0)}`).join("") + '"';

describe("cjson", () => {
  test("the module table", () => {
    assert.deepEqual(ev("cjson._NAME, cjson._VERSION, type(cjson.null), type(cjson.new)"), {
      ok: '{["n"]=4,[1]="cjson",[2]="2.1.0",[3]="userdata",[4]="function"}',
    });
  });

  test("encode: numbers as %.14g with glibc's ties to even, escapes, empty tables, sparse arrays", () => {
    assert.deepEqual(one("cjson.encode({123456789012345, 4.76837158203125e-07, -0.0, 0.1, 1e300})"),
      ok('"[1.2345678901234e+14,4.7683715820312e-07,-0,0.1,1e+300]"'));
    assert.deepEqual(one('cjson.encode("a/b\\1\\127")'), ok('"\\"a\\\\/b\\\\u0001\\\\u007f\\""'));
    assert.deepEqual(one("cjson.encode({})"), ok('"{}"'));
    assert.deepEqual(one("cjson.encode({[1]=1,[2]=2,[5]=3})"), ok('"[1,2,null,null,3]"'));
    assert.deepEqual(one("cjson.encode({[1]=1,[2]=2,[20]=3})"), err("Cannot serialise table: excessively sparse array"));
    assert.deepEqual(one("cjson.encode({[2^31]=1})"), ok('"{\\"2147483648\\":1}"'));
    assert.deepEqual(one("cjson.encode(1/0)"), err("Cannot serialise number: must not be NaN or Inf"));
    assert.deepEqual(one("cjson.encode(print)"), err("Cannot serialise function: type not supported"));
    assert.deepEqual(one("cjson.encode()"), err("bad argument #1 to 'encode' (expected 1 argument)"));
    assert.deepEqual(runChunk(vm, "local t = {} t[1] = t return select(2, pcall(cjson.encode, t))"), {
      ok: "Cannot serialise, excessive nesting (1001)",
    });
  });

  test("decode: values, errors at their character, depth", () => {
    assert.deepEqual(one('cjson.decode("[1,\\"\\\\u00e9\\",null,true,{\\"a\\":-2.5e1}]")'),
      ok('{[1]=1,[2]="\\195\\169",[3]=null,[4]=boolean:true,[5]={["a"]=-25}}'.replace(/\\195\\169/, "\u00c3\u00a9")));
    assert.deepEqual(one('cjson.decode("")'), err("Expected value but found T_END at character 1"));
    assert.deepEqual(one('cjson.decode("[1 2]")'), err("Expected comma or array end but found T_NUMBER at character 4"));
    assert.deepEqual(one('cjson.decode("\\"\\\\ud800\\"")'), err("Expected value but found invalid unicode escape code at character 2"));
    assert.deepEqual(one('cjson.decode("0x10"), cjson.decode("-Infinity")'), { ok: '{["n"]=2,[1]=16,[2]=-inf}' });
    assert.deepEqual(one('cjson.decode(string.rep("[", 1001))'), err("Found too many nested data structures (1001) at character 1001"));
    assert.deepEqual(one('cjson.decode("a\\0")'), err("JSON parser does not support UTF-16 or UTF-32"));
  });

  test("settings are per module table: cjson.new() starts from the defaults", () => {
    assert.deepEqual(runChunk(vm, 'local c = cjson.new() c.encode_invalid_numbers("null") return c.encode({1/0}) .. tostring(cjson.encode_invalid_numbers())'), {
      ok: "[null]false",
    });
    assert.deepEqual(one("cjson.encode_max_depth(0)"), err("bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"));
    assert.deepEqual(one("cjson.encode_invalid_numbers(1, 2)"), err("bad argument #2 to 'encode_invalid_numbers' (found too many arguments)"));
  });

  test("%.14g and strtod agree with the C library's printf and strtod (the VM's musl) on random doubles", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 1, max: 14 }), (d, prec) => {
        const r = runChunk(vm, `return string.format("%.${prec}g", ${Object.is(d, -0) ? "-0.0" : Number.isFinite(d) ? d.toPrecision(17) : d > 0 ? "1/0" : "-1/0"})`);
        assert.deepEqual(r, { ok: formatG(d, prec) });
        const text = formatG(d, 17);
        if (Number.isFinite(d)) assert.equal(strtod(text, 0).value, d);
      }),
      { numRuns: 2000 },
    );
    assert.deepEqual(strtod("0x1.8p1xyz", 0), { value: 3, end: 7 });
    assert.deepEqual(strtod("-infinityx", 0), { value: -Infinity, end: 9 });
    assert.deepEqual(strtod("1e+", 0), { value: 1, end: 1 });
    assert.deepEqual(strtod("0x", 0), { value: 0, end: 1 });
    assert.equal(strtod("0x1p-1075", 0).value, 0);
    assert.equal(strtod("0x3p-1075", 0).value, 2 * 5e-324);
  });
});

describe("cmsgpack, bit, struct", () => {
  test("cmsgpack: integer and float encodings, arrays and maps, unpack variants", () => {
    assert.deepEqual(one('cmsgpack.pack(1, -33, 2^32, 0.5, 0.1, "a", {1, 2}, {a = 1}, {})'),
      ok(luaQ("\x01\xd0\xdf\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xca\x3f\x00\x00\x00\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a\xa1a\x92\x01\x02\x81\xa1a\x01\x90")));
    assert.deepEqual(one('cmsgpack.unpack("\\207\\255\\255\\255\\255\\255\\255\\255\\255")'), ok("-1"));
    assert.deepEqual(ev("cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)"), { ok: '{["n"]=2,[1]=2,[2]=2}' });
    assert.deepEqual(ev("cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)"), { ok: '{["n"]=3,[1]=2,[2]=1,[3]=2}' });
    assert.deepEqual(one("cmsgpack.pack()"), err("bad argument #0 to 'pack' (MessagePack pack needs input.)"));
    assert.deepEqual(one('cmsgpack.unpack("\\193")'), err("Bad data format in input."));
    assert.deepEqual(one('cmsgpack.unpack(string.rep("\\145", 5000))'), err("stack overflow (in function mp_decode_to_lua_array)"));
  });

  test("bit: LuaBitOp's 32-bit results", () => {
    assert.deepEqual(ev("bit.tobit(2^32 + 5), bit.tobit(2.5), bit.lshift(1, 31), bit.arshift(-256, 4), bit.rol(0x12345678, 4), bit.bswap(0x12345678), bit.tohex(-1, -4)"), {
      ok: '{["n"]=7,[1]=5,[2]=2,[3]=-2147483648,[4]=-16,[5]=591751041,[6]=2018915346,[7]="FFFF"}',
    });
    assert.deepEqual(one("bit.band(1, 2, {})"), err("bad argument #3 to 'band' (number expected, got table)"));
  });

  test("struct: sizes, alignment, endianness and its errors", () => {
    assert.deepEqual(ev('struct.size("bhilT"), struct.size("!8 b d"), struct.size("z")'), { ok: '{["n"]=3,[1]=23,[2]=16,[3]=0}' });
    assert.deepEqual(one('struct.pack(">i2", -2) .. struct.pack("<i16", -1):sub(8, 9)'), ok(luaQ("\xff\xfe\xff\x00")));
    assert.deepEqual(ev('struct.unpack(">i12", "\\0\\0\\0\\0\\128\\0\\0\\0\\0\\0\\0\\1")'), { ok: '{["n"]=2,[1]=-2147483647,[2]=13}' });
    assert.deepEqual(one('struct.pack("c5", "ab")'), err("bad argument #3 to 'pack' (string too short)"));
    assert.deepEqual(one('struct.pack("q", 1)'), err("bad argument #1 to 'pack' (invalid format option 'q')"));
    assert.deepEqual(one('struct.unpack("b", "a", -1)'), err("bad argument #2 to 'unpack' (data string too short)"));
    assert.deepEqual(one('struct.pack("!3 b")'), err("alignment 3 is not a power of 2"));
  });
});

/** A %q-quoted Lua string as string.format("%q") prints bytes. */
function luaQ(s: string): string {
  return '"' + s.replace(/[\\"\n\r\0]/g, (c) => (c === "\n" ? "\\\n" : c === "\r" ? "\\r" : c === "\0" ? "\\000" : "\\" + c)) + '"';
}

describe("random input", () => {
  /** A Lua table constructor for a random nested value (no NaN; numbers JSON keeps exactly). */
  const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String),
      fc.string({ unit: "binary-ascii", maxLength: 6 }).map(quote),
      fc.boolean().map(String),
      fc.array(tie("v"), { maxLength: 4 }).map((a) => `{${a.join(",")}}`),
      fc.dictionary(fc.string({ unit: fc.constantFrom(..."abcxyz_/\"".split("")), maxLength: 3 }), tie("v"), { maxKeys: 4 })
        .map((o) => `{${Object.entries(o).map(([k, v]) => `[${quote(k)}]=${v}`).join(",")}}`),
    ),
  })).v;
  const EQ = "local function eq(a, b) if type(a) ~= type(b) then return false end if type(a) ~= 'table' then return a == b end " +
    "for k, v in pairs(a) do if not eq(v, b[k]) then return false end end for k in pairs(b) do if a[k] == nil then return false end end return true end ";

  test("cjson.decode(cjson.encode(x)) and cmsgpack.unpack(cmsgpack.pack(x)) give x back", () => {
    fc.assert(
      fc.property(value, fc.double({ noNaN: true }), (v, d) => {
        const num = Object.is(d, -0) ? "-0.0" : Number.isFinite(d) ? d.toPrecision(17) : d > 0 ? "1/0" : "-1/0";
        const r = runChunk(vm, `${EQ}local x = ${v} local n = ${num} ` +
          "return tostring(eq(cjson.decode(cjson.encode(x)), x)) .. tostring(eq(cmsgpack.unpack(cmsgpack.pack(x)), x)) .. tostring(cmsgpack.unpack(cmsgpack.pack(n)) == n)");
        assert.deepEqual(r, { ok: "truetruetrue" }, v);
      }),
      { numRuns: 500 },
    );
  });

  test("random bytes into cjson.decode, cmsgpack.unpack and struct.unpack: a value or a Lua error, and the VM goes on", () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("latin1"));
    const fmt = fc.string({ unit: fc.constantFrom(..."<>!248 bBhHlLTiI3fdsc0xz".split("")), maxLength: 8 });
    fc.assert(
      fc.property(bytes, fmt, (b, f) => {
        for (const call of [`cjson.decode(${quote(b)})`, `cmsgpack.unpack(${quote(b)})`, `struct.unpack(${quote(f)}, ${quote(b)})`]) {
          const r = runChunk(vm, `local ok, e = pcall(function() return ${call} end) return type(e)`);
          assert.ok("ok" in r, call);
        }
        assert.deepEqual(runChunk(vm, "return tostring(1 + 1)"), { ok: "2" });
      }),
      { numRuns: 1000 },
    );
  });
});
