/**
 * The memcached port of the server with real clients on loopback sockets:
 * Debian's libmemcached-tools (memccp, memccat, memcrm, memcflush,
 * memcstat, and memcapable, its protocol conformance suite), the `memcache-client` npm client (text protocol; it encodes
 * value types in the flags), and the same keys read and written over
 * Redis with ioredis, both ways.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { MemcacheClient, type MultiRetrievalResponse } from "memcache-client";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { exchange, freePort, needsMemcachedTools } from "../../support/memcached_server.js";
import { Config } from "../../../src/apps/kv/server/config.js";
import { memcachedPort } from "../../../src/apps/kv/memcached/memcached_server.js";

const run = promisify(execFile);

let srv: TestServer;
let mport: number;
let redis: Redis;
before(async () => {
  srv = await startAgner(["--shards", "4"]);
  mport = memcachedPort(srv.inst);
  redis = new Redis({ port: srv.port, host: "127.0.0.1", lazyConnect: true });
  await redis.connect();
});
after(async () => {
  redis.disconnect();
  await srv.stop();
});

const mc = (bytes: string) => exchange(mport, Buffer.from(bytes, "latin1")).then((b) => b.toString("latin1"));

describe("memcached and Redis on the same data", () => {
  test("set over memcached is GET over Redis, and SET over Redis is get over memcached", async () => {
    assert.equal(await mc("set mc:a 5 0 5\r\nhello\r\n"), "STORED\r\n");
    assert.equal(await redis.get("mc:a"), "hello");
    await redis.set("mc:b", "from redis");
    assert.equal(await mc("get mc:b mc:a\r\n"), "VALUE mc:b 0 10\r\nfrom redis\r\nVALUE mc:a 5 5\r\nhello\r\nEND\r\n");
  });

  test("binary values cross unchanged", async () => {
    const bytes = Buffer.from([0, 13, 10, 255, 128, 69, 78, 68, 13, 10]);
    const out = await exchange(mport, Buffer.concat([Buffer.from(`set mc:bin 0 0 ${bytes.length}\r\n`), bytes, Buffer.from("\r\n")]));
    assert.equal(out.toString(), "STORED\r\n");
    assert.ok((await redis.getBuffer("mc:bin"))!.equals(bytes));
    await redis.set(Buffer.from("mc:bin2"), Buffer.from([1, 2, 0, 3]));
    const got = await exchange(mport, Buffer.from("get mc:bin2\r\n"));
    assert.ok(got.equals(Buffer.concat([Buffer.from("VALUE mc:bin2 0 4\r\n"), Buffer.from([1, 2, 0, 3]), Buffer.from("\r\nEND\r\n")])));
  });

  test("a Redis write resets the flags and changes the CAS; EXPIRE keeps both", async () => {
    await mc("set mc:c 42 0 1\r\n1\r\n");
    const cas1 = /VALUE mc:c 42 1 (\d+)/.exec(await mc("gets mc:c\r\n"))![1]!;
    await redis.expire("mc:c", 1000);
    assert.match(await mc("gets mc:c\r\n"), new RegExp(`^VALUE mc:c 42 1 ${cas1}\r\n`));
    await redis.incr("mc:c");
    const after = await mc("gets mc:c\r\n");
    const m = /^VALUE mc:c 0 1 (\d+)\r\n2\r\nEND\r\n$/.exec(after);
    assert.ok(m !== null, after);
    assert.notEqual(m[1], cas1);
    assert.equal(await mc(`cas mc:c 0 0 1 ${cas1}\r\n3\r\n`), "EXISTS\r\n");
    assert.equal(await mc(`cas mc:c 0 0 1 ${m[1]}\r\n3\r\n`), "STORED\r\n");
    assert.equal(await redis.get("mc:c"), "3");
    assert.ok((await redis.ttl("mc:c")) === -1, "a memcached set replaces the TTL too");
  });

  test("memcached exptimes are Redis TTLs; Redis TTLs expire memcached items", async () => {
    await mc("set mc:t 0 100 1\r\nx\r\n");
    const ttl = await redis.ttl("mc:t");
    assert.ok(ttl > 95 && ttl <= 100, String(ttl));
    await mc("touch mc:t 0\r\n");
    assert.equal(await redis.ttl("mc:t"), -1);
    await redis.set("mc:gone", "v", "PX", 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await mc("get mc:gone\r\n"), "END\r\n");
    assert.equal(await mc("set mc:past 0 -1 1\r\nx\r\n"), "STORED\r\n");
    assert.equal(await redis.exists("mc:past"), 0);
  });

  test("a hash or list key answers SERVER_ERROR WRONGTYPE to every memcached command, and is left alone", async () => {
    await redis.hset("mc:h", "f", "v");
    await redis.rpush("mc:l", "a");
    const wrong = "SERVER_ERROR WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    for (const k of ["mc:h", "mc:l"]) {
      assert.equal(await mc(`get mc:a ${k}\r\n`), wrong);
      assert.equal(await mc(`set ${k} 0 0 1\r\nx\r\n`), wrong);
      assert.equal(await mc(`delete ${k}\r\n`), wrong);
      assert.equal(await mc(`incr ${k} 1\r\n`), wrong);
      assert.equal(await mc(`touch ${k} -1\r\n`), wrong);
    }
    assert.equal(await redis.hget("mc:h", "f"), "v");
    assert.deepEqual(await redis.lrange("mc:l", 0, -1), ["a"]);
  });

  test("memcached's keys are database 0's; flush_all empties database 0 only", async () => {
    await redis.select(3);
    await redis.set("other-db", "v");
    await redis.select(0);
    await redis.set("mc:f", "v");
    assert.equal(await mc("flush_all\r\n"), "OK\r\n");
    assert.equal(await redis.dbsize(), 0);
    await redis.select(3);
    assert.equal(await redis.get("other-db"), "v");
    await redis.select(0);
  });

  test("CONFIG GET shows the memcached settings", async () => {
    const got = (await redis.call("CONFIG", "GET", "memcached*")) as string[];
    const map = Object.fromEntries(Array.from({ length: got.length / 2 }, (_, i) => [got[2 * i], got[2 * i + 1]]));
    assert.deepEqual(map, { memcached: "yes", "memcached-port": "0", "memcached-bind": "127.0.0.1", "memcached-item-size-max": "1048576" });
    assert.equal(await redis.call("CONFIG", "SET", "memcached-item-size-max", "2048"), "OK");
    assert.equal(await mc("set big 0 0 2000\r\n" + "x".repeat(2000) + "\r\n"), "SERVER_ERROR object too large for cache\r\n");
    await redis.call("CONFIG", "SET", "memcached-item-size-max", "1mb");
    assert.equal(await mc("set big 0 0 2000\r\n" + "x".repeat(2000) + "\r\n"), "STORED\r\n");
    await assert.rejects(redis.call("CONFIG", "SET", "memcached-port", "1"), /can't set immutable config/);
  });
});

describe("libmemcached-tools", needsMemcachedTools(), () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-mc-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const servers = () => `--servers=127.0.0.1:${mport}`;

  test("memccp, memccat, memcrm, memcflush, memcstat", async () => {
    const file = join(dir, "tool-file.txt");
    writeFileSync(file, "contents of a file\nline two\n");
    await run("memccp", [servers(), file], { cwd: dir });
    assert.equal(await redis.get("tool-file.txt"), "contents of a file\nline two\n");
    const cat = await run("memccat", [servers(), "tool-file.txt"]);
    assert.ok(cat.stdout.startsWith("contents of a file\nline two\n"), cat.stdout);
    const stat = await run("memcstat", [servers()]);
    assert.match(stat.stdout, new RegExp(`Server: 127\\.0\\.0\\.1 \\(${mport}\\)`));
    assert.match(stat.stdout, /version: 1\.6\.18/);
    assert.match(stat.stdout, /curr_items: [1-9]/);
    assert.match(stat.stdout, /pid: \d+/);
    await run("memcrm", [servers(), "tool-file.txt"]);
    assert.equal(await redis.exists("tool-file.txt"), 0);
    await assert.rejects(run("memccat", [servers(), "tool-file.txt"]));
    await redis.set("left", "over");
    await run("memcflush", [servers()]);
    assert.equal(await redis.dbsize(), 0);
  });
});

describe("libmemcached's memcapable (the ASCII protocol conformance suite)", needsMemcachedTools(), () => {
  test("every ASCII test passes", async () => {
    const { stdout } = await run("memccapable", ["-h", "127.0.0.1", "-p", String(mport), "-a", "-t", "10"]);
    const lines = stdout.split("\n").filter((l) => l.startsWith("ascii "));
    assert.ok(lines.length >= 27, stdout);
    assert.deepEqual(lines.filter((l) => !l.endsWith("[pass]")), []);
    assert.match(stdout, /All tests passed/);
  });
});

describe("memcache-client (npm, text protocol)", () => {
  let client: MemcacheClient;
  before(() => {
    client = new MemcacheClient({ server: `127.0.0.1:${mport}`, cmdTimeout: 5000 });
  });
  after(() => client.shutdown());

  test("strings, numbers, objects and buffers round-trip through the flags", async () => {
    await client.set("npm:s", "text");
    await client.set("npm:n", 12345);
    await client.set("npm:o", { a: [1, 2], b: "c" });
    await client.set("npm:b", Buffer.from([0, 1, 2, 255]));
    assert.equal((await client.get<string>("npm:s")).value, "text");
    assert.equal((await client.get<number>("npm:n")).value, 12345);
    assert.deepEqual((await client.get<object>("npm:o")).value, { a: [1, 2], b: "c" });
    assert.ok(Buffer.from((await client.get<Buffer>("npm:b")).value).equals(Buffer.from([0, 1, 2, 255])));
    const multi = await client.get<MultiRetrievalResponse>(["npm:s", "npm:n", "npm:none"]);
    assert.equal(multi["npm:s"]!.value, "text");
    assert.equal(multi["npm:n"]!.value, 12345);
    assert.equal(multi["npm:none"], undefined);
    assert.equal(await redis.get("npm:o"), JSON.stringify({ a: [1, 2], b: "c" }));
  });

  test("gets and cas, incr and decr, touch, delete, version", async () => {
    await client.set("npm:k", "v1");
    const g = await client.gets<string>("npm:k");
    assert.deepEqual(await client.cas("npm:k", "v2", { casUniq: g.casUniq }), ["STORED"]);
    await assert.rejects(client.cas("npm:k", "v3", { casUniq: g.casUniq }), /EXISTS/);
    assert.equal((await client.get<string>("npm:k")).value, "v2");
    await client.set("npm:count", "10");
    assert.equal(await client.incr("npm:count", 5), "15");
    assert.equal(await client.decr("npm:count", 20), "0");
    assert.deepEqual(await client.touch("npm:k", 100), ["TOUCHED"]);
    assert.ok((await redis.ttl("npm:k")) > 90);
    assert.deepEqual(await client.delete("npm:k"), ["DELETED"]);
    assert.equal(await redis.exists("npm:k"), 0);
    assert.deepEqual(await client.version(), ["VERSION", "1.6.18"]);
  });
});

describe("npm start", () => {
  test("memcached is on by default, on 11212 and loopback", () => {
    const c = new Config();
    assert.deepEqual([c.get("memcached"), c.get("memcached-port"), c.get("memcached-bind"), c.get("memcached-item-size-max")], [true, 11212, ["127.0.0.1"], 1024 * 1024]);
    const e = Config.from({ env: { AGNER_KV_MEMCACHED_PORT: "11999", AGNER_KV_MEMCACHED: "no" }, argv: ["--memcached-item-size-max", "2mb"] });
    assert.deepEqual([e.get("memcached"), e.get("memcached-port"), e.get("memcached-item-size-max")], [false, 11999, 2 * 1024 * 1024]);
    assert.throws(() => Config.from({ argv: ["--memcached-item-size-max", "100"] }), /between 1024 and/);
  });

  test("the entry prints how to reach memcached and serves it", async () => {
    const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src/cli/kv.js");
    const dir = mkdtempSync(join(tmpdir(), "agner-mc-cli-"));
    const [port, mp] = [await freePort(), await freePort()];
    const proc = spawn(process.execPath, [cli, "--port", String(port), "--memcached-port", String(mp), "--dir", dir, "--distribution", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    await new Promise<void>((r) => proc.stdout!.on("data", (d) => ((text += d), text.includes("stop:") && r())));
    assert.match(text, new RegExp(`memcached protocol on 127\\.0\\.0\\.1 port ${mp}.*memccat --servers=127\\.0\\.0\\.1:${mp} foo`));
    assert.equal((await exchange(mp, Buffer.from("set foo 0 0 3\r\nbar\r\nget foo\r\n"))).toString(), "STORED\r\nVALUE foo 0 3\r\nbar\r\nEND\r\n");
    proc.kill("SIGTERM");
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
