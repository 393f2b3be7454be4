/**
 * The append-only file's format and loader, on real files in a temporary
 * directory: records and SELECT, the manifest, a torn last record cut at
 * every byte offset (loads, truncates, logs), corruption in the middle
 * refused with a typed error, and random bytes never crashing the loader.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { FLUSHSHARD, MCFLAGS, RecordEncoder, scopedFlush, encodeCommand, formatManifest, parseManifest, ManifestError } from "../../../../src/apps/kv/aof/aof_format.js";
import { AofLoadError, loadAof } from "../../../../src/apps/kv/aof/aof_load.js";
import { Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { McMeta } from "../../../../src/apps/kv/memcached/memcached_commands.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";

const root = mkdtempSync(join(tmpdir(), "agner-aof-load-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A directory with a base and one incremental file holding `base` and `incr`. */
function aofDir(base: string, incr: string | Buffer): string {
  const dir = join(root, `d${++dirs}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "appendonly.aof.1.base.aof"), base, "latin1");
  writeFileSync(join(dir, "appendonly.aof.1.incr.aof"), incr);
  writeFileSync(
    join(dir, "appendonly.aof.manifest"),
    formatManifest([
      { file: "appendonly.aof.1.base.aof", seq: 1, type: "b" },
      { file: "appendonly.aof.1.incr.aof", seq: 1, type: "i" },
    ]),
  );
  return dir;
}

function get(kss: Keyspace[], db: number, key: string): unknown {
  return kss[shardOf(key, kss.length - 1)]!.db(db).data.get(key);
}

describe("format", () => {
  test("records are RESP arrays; SELECT goes before a change of database only", () => {
    assert.equal(encodeCommand(["SET", "k", "v"]), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    const e = new RecordEncoder();
    const text = e.encode(0, ["SET", "a", "1"]) + e.encode(0, ["DEL", "a"]) + e.encode(3, ["SET", "b", "\u00ff\r\n"]);
    assert.equal(text.match(/SELECT/g)!.length, 2, "once at the start of the file, once for db 3");
    assert.ok(text.includes("$3\r\n\u00ff\r\n\r\n"), "binary-safe: lengths in bytes");
  });

  test("the manifest in Redis' line format; bad lines are a ManifestError", () => {
    const text = "file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.base.aof seq 1 type b\n";
    assert.deepEqual(parseManifest(text).map((e) => e.file), ["appendonly.aof.1.base.aof", "appendonly.aof.2.incr.aof"], "base first");
    assert.throws(() => parseManifest("file x seq 1\n"), ManifestError);
    assert.throws(() => parseManifest("file ../x seq 1 type i\n"), ManifestError);
  });
});

describe("load", () => {
  const e = new RecordEncoder();
  const base = e.encode(0, ["SET", "a", "1"]) + e.encode(0, ["HSET", "h", "f", "v"]) + e.encode(2, ["RPUSH", "l", "x", "y"]) + e.encode(2, ["PEXPIREAT", "l", String(Date.now() + 100_000)]);
  const inc = new RecordEncoder();
  const incr = inc.encode(0, ["INCR", "a"]) + inc.encode(0, ["SET", "m", "hi"]) + inc.encode(0, [MCFLAGS, "m", "42"]) + inc.encode(5, ["SET", "z", "last"]);

  test("base then incremental file, into the shard of each key, with TTLs and memcached flags", () => {
    const kss = [new Keyspace(), new Keyspace(), new Keyspace(), new Keyspace()];
    const r = loadAof(aofDir(base, incr), "appendonly.aof", kss, true);
    assert.equal(r.truncated, null);
    assert.equal(get(kss, 0, "a"), "2");
    assert.deepEqual([...(get(kss, 0, "h") as Map<string, string>)], [["f", "v"]]);
    assert.deepEqual([...(get(kss, 2, "l") as Iterable<string>)], ["x", "y"]);
    assert.ok(kss[shardOf("l", 3)]!.db(2).getExpire("l")! > Date.now());
    assert.equal(get(kss, 5, "z"), "last");
    const m = kss[shardOf("m", 3)]!.db(0).meta!.get("m") as McMeta;
    assert.equal(m.flags, 42);
  });

  test("a flush recorded by one shard of several empties only that shard's part, whatever the shard count now", () => {
    // Shard 1 of 2 flushed, then another client wrote a key of shard 1, then shard 0 flushed: nothing written after a flush is lost.
    const keys = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const one = keys.filter((k) => shardOf(k, 1) === 1);
    const enc = new RecordEncoder();
    let text = "";
    for (const k of keys) text += enc.encode(0, ["SET", k, "old"]) + enc.encode(4, ["SET", k, "old"]);
    text += enc.encode(0, [FLUSHSHARD, "1", "2"]);
    text += enc.encode(0, ["SET", one[0]!, "new"]);
    text += enc.encode(0, [FLUSHSHARD, "0", "2", "ALL"]);
    const kss = [new Keyspace(), new Keyspace(), new Keyspace(), new Keyspace()];
    loadAof(aofDir("", text), "appendonly.aof", kss, true);
    const left = keys.filter((k) => get(kss, 0, k) !== undefined);
    assert.deepEqual(left, [one[0]], "db 0: only the key written between the two shards' flushes");
    assert.equal(get(kss, 0, one[0]!), "new");
    assert.deepEqual(keys.filter((k) => get(kss, 4, k) !== undefined), one, "db 4: shard 0's part went with FLUSHALL's ALL");
    assert.throws(() => loadAof(aofDir("", enc.encode(0, [FLUSHSHARD, "2", "2"])), "appendonly.aof", [new Keyspace()], true), AofLoadError);
    assert.equal(scopedFlush(["flushdb"], 0, 1)[0], "flushdb", "one shard: the command itself (Redis can load the file)");
    assert.deepEqual(scopedFlush(["FLUSHALL", "ASYNC"], 3, 4), [FLUSHSHARD, "3", "4", "ALL"]);
  });

  test("a torn last record, cut at every byte: loads what is whole, truncates the file there", () => {
    const whole = Buffer.from(incr, "latin1");
    const lastStart = whole.lastIndexOf(Buffer.from("*3\r\n$3\r\nSET\r\n$1\r\nz"));
    for (let cut = lastStart; cut < whole.length; cut++) {
      const dir = aofDir(base, whole.subarray(0, cut));
      const kss = [new Keyspace(), new Keyspace()];
      const r = loadAof(dir, "appendonly.aof", kss, true);
      assert.equal(get(kss, 0, "a"), "2", `cut at ${cut}`);
      assert.equal(get(kss, 5, "z"), undefined, `cut at ${cut}: the torn SET is not applied`);
      const file = join(dir, "appendonly.aof.1.incr.aof");
      // SELECT 5 before the torn SET is whole: kept (harmless), so the file ends at the torn record or at the SELECT.
      assert.ok(statSync(file).size <= lastStart, `cut at ${cut}: truncated to a whole record`);
      if (cut > lastStart) assert.deepEqual(r.truncated, [file, cut, statSync(file).size]);
      // The truncated file loads clean.
      assert.equal(loadAof(dir, "appendonly.aof", [new Keyspace()], true).truncated, null);
    }
  });

  test("aof-load-truncated no: a torn tail refuses to load", () => {
    const dir = aofDir(base, Buffer.from(incr.slice(0, -3), "latin1"));
    assert.throws(() => loadAof(dir, "appendonly.aof", [new Keyspace()], false), (e: unknown) => e instanceof AofLoadError && e.kind === "truncated");
  });

  test("corruption in the middle, a torn base, an unknown command, a missing file: typed errors", () => {
    const bad = incr.replace("$4\r\nINCR", "$4\r\nINCX");
    assert.throws(() => loadAof(aofDir(base, bad), "appendonly.aof", [new Keyspace()], true), (e: unknown) => e instanceof AofLoadError && e.kind === "command" && /unknown command/.test(e.message));
    const garbled = incr.replace("*2\r\n$2\r\nhi", "?2\r\n$2\r\nhi").replace("$2\r\nhi\r\n", "$2\r\nhiXX");
    assert.throws(() => loadAof(aofDir(base, garbled), "appendonly.aof", [new Keyspace()], true), (e: unknown) => e instanceof AofLoadError && e.kind === "format");
    assert.throws(() => loadAof(aofDir(base.slice(0, -2), incr), "appendonly.aof", [new Keyspace()], true), (e: unknown) => e instanceof AofLoadError && e.kind === "truncated", "only the last file may be torn");
    const dir = aofDir(base, incr);
    rmSync(join(dir, "appendonly.aof.1.base.aof"));
    assert.throws(() => loadAof(dir, "appendonly.aof", [new Keyspace()], true), (e: unknown) => e instanceof AofLoadError && e.kind === "missing");
  });

  test("fuzz: random bytes (and records with random bytes spliced in) load or give an AofLoadError, never anything else", () => {
    const dir = join(root, "fuzz");
    mkdirSync(dir);
    writeFileSync(join(dir, "appendonly.aof.manifest"), "file f seq 1 type i\n");
    const valid = Buffer.from(base + incr, "latin1");
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) => Buffer.concat([valid.subarray(0, at), Buffer.from(junk), valid.subarray(at)])),
      fc.array(fc.array(fc.constantFrom("SET", "DEL", "k", "1", "HSET", "RPUSH", "SELECT", "99", "FLUSHALL", "CONFIG", "EXPIRE", "", "\r\n"), { minLength: 1, maxLength: 4 }), { maxLength: 6 }).map((cmds) => Buffer.from(cmds.map(encodeCommand).join(""), "latin1")),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        writeFileSync(join(dir, "f"), bytes);
        try {
          loadAof(dir, "appendonly.aof", [new Keyspace(), new Keyspace()], true);
        } catch (e) {
          if (!(e instanceof AofLoadError)) throw e;
        }
        return true;
      }),
      { numRuns: 1500 },
    );
    assert.ok(readFileSync(join(dir, "appendonly.aof.manifest"), "latin1").length > 0);
  });
});
