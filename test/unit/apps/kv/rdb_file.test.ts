/**
 * The RDB file codec (rdb_file.ts): a keyspace of every type written and
 * read back key by key with its expiries and libraries; a file cut short,
 * a flipped byte and a wrong checksum each fail with the offset; a file
 * saved without checksum loads; and the snapshot's copy-on-write keeps
 * the listed contents while commands change the values in place.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Value, Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { type Int64 } from "../../../../src/apps/kv/commands/numbers.js";
import { Context, execCommand, checkCommand } from "../../../../src/apps/kv/commands/engine.js";
import { dumpPayload } from "../../../../src/apps/kv/rdb/rdb_value.js";
import { type RdbDbSource, RdbFileError, fromTriples, loadRdb, rdbChunks } from "../../../../src/apps/kv/rdb/rdb_file.js";
import { takeSnapshot } from "../../../../src/apps/kv/rdb/rdb_snapshot.js";
import { sampleValues } from "./rdb_file_values.js";

const HEADER = { ctime: 1700000000, usedMem: 1234, aofBase: false };

function sources(): RdbDbSource[] {
  const e: unknown[] = [];
  for (const [k, v] of sampleValues()) e.push(k, v, k === "list" ? 1800000000000 : undefined);
  return [fromTriples(0, e), fromTriples(3, ["other", "x", 1900000000123])];
}

function file(srcs = sources(), opts = {}): Buffer {
  return Buffer.concat([...rdbChunks(HEADER, ["#!lua name=lib\nredis.register_function('f', function() return 1 end)"], srcs, { chunkBytes: 512, ...opts })]);
}

interface Loaded {
  keys: Map<string, [number, Value, Int64 | undefined]>;
  libs: string[];
  aux: Map<string, string>;
}

function load(buf: Uint8Array, verify = true): Loaded {
  const out: Loaded = { keys: new Map(), libs: [], aux: new Map() };
  loadRdb(buf, {
    key: (db, k, v, at) => {
      if (out.keys.has(k)) return false;
      out.keys.set(k, [db, v, at]);
    },
    library: (code) => void out.libs.push(code),
    aux: (k, v) => void out.aux.set(k, v),
  }, verify);
  return out;
}

test("a file of every type reads back key by key, with expiries, libraries and the AUX fields", () => {
  const buf = file();
  assert.equal(buf.subarray(0, 9).toString(), "REDIS0010");
  const got = load(buf);
  assert.deepEqual([...got.aux], [["redis-ver", "7.0.15"], ["redis-bits", "64"], ["ctime", "1700000000"], ["used-mem", "1234"], ["aof-base", "0"]]);
  assert.equal(got.libs.length, 1);
  for (const [k, v] of sampleValues()) {
    const [db, loaded, at] = got.keys.get(k)!;
    assert.equal(db, 0);
    assert.deepEqual(dumpPayload(loaded), dumpPayload(v), k);
    assert.equal(at, k === "list" ? 1800000000000 : undefined);
  }
  assert.deepEqual(got.keys.get("other"), [3, "x", 1900000000123]);
});

test("a truncated file, a corrupt byte and a wrong checksum fail with the byte offset", () => {
  const buf = file();
  for (const cut of [5, 20, 200, Math.floor(buf.length / 2), buf.length - 3]) {
    assert.throws(() => load(buf.subarray(0, cut)), (e: unknown) => e instanceof RdbFileError && e.offset <= cut && /at byte \d+/.test(e.message), `cut at ${cut}`);
  }
  const bad = Buffer.from(buf);
  bad[bad.length - 20]! ^= 0xff;
  assert.throws(() => load(bad), (e: unknown) => e instanceof RdbFileError);
  const sum = Buffer.from(buf);
  sum[sum.length - 1]! ^= 1;
  assert.throws(() => load(sum), (e: unknown) => e instanceof RdbFileError && e.reason === "wrong RDB checksum" && e.offset === buf.length - 8);
  // rdbchecksum no on loading: not checked
  load(sum, false);
});

test("a file saved without checksum (rdbchecksum no) ends in zeros and loads", () => {
  const buf = file(sources(), { checksum: false, compress: false });
  assert.deepEqual([...buf.subarray(buf.length - 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(load(buf).keys.size, sampleValues().length + 1);
});

test("a duplicated key is refused", () => {
  const buf = file([fromTriples(0, ["k", "a", undefined]), fromTriples(0, ["k", "b", undefined])]);
  assert.throws(() => load(buf), /duplicated key 'k' in DB 0/);
});

test("a snapshot keeps the values of the moment it was taken while commands change them in place", () => {
  const ks = new Keyspace();
  const db = ks.db(0);
  for (const [k, v] of sampleValues()) db.setKey(k, v);
  const before = new Map([...db.data].map(([k, v]) => [k, dumpPayload(v)]));
  const snap = takeSnapshot(ks);
  assert.notEqual(ks.cow, null);
  const ctx = new Context(db, Date.now());
  const run = (...argv: string[]) => {
    const cmd = checkCommand(argv);
    if (!("exec" in cmd)) throw new Error(String(cmd));
    execCommand(ctx, cmd, argv);
  };
  run("RPUSH", "list", "new");
  run("LPOP", "biglist");
  run("SADD", "intset", "99");
  run("SREM", "bigset", "m1");
  run("ZADD", "zset", "5", "d");
  run("HSET", "hash", "f", "changed");
  run("XADD", "groups", "*", "a", "b");
  run("XACK", "groups", "g", "1700000000000-0");
  run("APPEND", "str", "!");
  run("SETRANGE", "long", "0", "ZZZ");
  run("DEL", "set");
  run("SET", "new", "1");
  const got = load(Buffer.concat([...rdbChunks(HEADER, [], snap.dbs)]));
  assert.equal(got.keys.size, before.size);
  for (const [k, p] of before) assert.deepEqual(dumpPayload(got.keys.get(k)![1]), p, k);
  // and the live keyspace did change
  assert.notDeepEqual(dumpPayload(db.data.get("list")!), before.get("list"));
  snap.release();
  assert.equal(ks.cow, null);
});
