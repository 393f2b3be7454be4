/**
 * ACL users from configuration, against redis-server 7.0.15: `user` lines
 * given at start, and an `aclfile` (loaded at start, ACL SAVE, ACL LOAD
 * with its errors, the connections of replaced users closed), compared
 * between the two servers (file paths masked).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Config } from "../../../src/apps/kv/server/config.js";
import { KvInstance } from "../../../src/apps/kv/server/instance.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";

const guard = needsRedis();
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "agner-acl-"));
  dirs.push(d);
  return d;
}

/** Sorted single-command rules (Redis orders them by its hash table). */
function normRules(s: string): string {
  const out: string[] = [];
  let run: string[] = [];
  for (const w of s.split(" ")) {
    if (/^[+-][a-z]/.test(w)) run.push(w);
    else {
      out.push(...run.sort(), w);
      run = [];
    }
  }
  return [...out, ...run.sort()].join(" ");
}

async function both<T>(argv: (dir: string) => string[], prepare: (dir: string) => void, f: (port: number, dir: string) => Promise<T>): Promise<[T, T]> {
  const da = tempDir();
  const dr = tempDir();
  prepare(da);
  prepare(dr);
  const agner: TestServer = await startAgner(argv(da));
  let mine: T;
  try {
    mine = await f(agner.port, da);
  } finally {
    await agner.stop();
  }
  const redis = await RedisServer.start(argv(dr));
  try {
    return [mine, await f(redis.port, dr)];
  } finally {
    await redis.stop();
  }
}

const FILE_USERS = [
  "user default on nopass ~* &* +@all",
  "user alice on #" + "b".repeat(64) + " ~a* resetchannels -@all +get +set",
  "user bob off resetchannels &news* -@all +@hash +@read (~x* +del)",
].join("\n");

describe("ACL configuration against redis-server", guard, () => {
  test("user lines at start", async () => {
    const argv = () => ["--user", "alice", "on", ">pw", "~k*", "+get", "--user", "bob", "off", "(+set", "~b*)"];
    const [mine, theirs] = await both(argv, () => {}, async (port) => {
      const c = await RespClient.connect(port);
      const out = [plain(await c.cmd("ACL", "LIST")), plain(await c.cmd("AUTH", "alice", "pw")), plain(await c.cmd("GET", "x"))];
      c.close();
      return out;
    });
    assert.deepEqual(mine, theirs);
  });

  test("aclfile: loaded at start, ACL SAVE, ACL LOAD and its errors", async () => {
    const argv = (dir: string) => ["--aclfile", join(dir, "users.acl")];
    const [mine, theirs] = await both(argv, (dir) => writeFileSync(join(dir, "users.acl"), FILE_USERS + "\n"), async (port, dir) => {
      const file = join(dir, "users.acl");
      const deep = (v: unknown): unknown => (Array.isArray(v) ? v.map(deep) : typeof v === "string" ? normRules(v) : v);
      const mask = (v: unknown) => JSON.stringify(deep(v)).split(file).join("FILE");
      const c = await RespClient.connect(port);
      const u = await RespClient.connect(port);
      const out: string[] = [];
      const step = async (client: RespClient, ...argv: string[]) => out.push(`${argv.join(" ")} -> ${mask(plain(await client.cmd(...argv)))}`);
      await step(c, "ACL", "LIST");
      await step(c, "ACL", "SETUSER", "carol", "on", ">c", "~c*", "+@list");
      await step(c, "ACL", "SAVE");
      out.push(readFileSync(file, "latin1").split("\n").map(normRules).join("\n"));
      await step(c, "ACL", "SETUSER", "carol", "+@set");
      await step(u, "AUTH", "carol", "c");
      await step(c, "ACL", "LOAD");
      await u.waitClosed();
      out.push("carol's connection closed by ACL LOAD");
      await step(c, "ACL", "GETUSER", "carol");
      writeFileSync(file, "user dave on +nosuch\nnotuser x\nuser eve on ~a allkeys ~b\nuser dave off\nuser a\tb on\n\n");
      await step(c, "ACL", "LOAD");
      await step(c, "ACL", "USERS");
      writeFileSync(file, "user dave on nopass +@all ~*\n");
      await step(c, "ACL", "LOAD");
      await step(c, "ACL", "LIST");
      rmSync(file);
      await step(c, "ACL", "LOAD");
      c.close();
      u.close();
      return out;
    });
    assert.deepEqual(mine, theirs);
  });

  test("an aclfile and user lines together stop the start, as in Redis", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "users.acl"), "user x on\n");
    const config = Config.from({ argv: ["--port", "0", "--aclfile", join(dir, "users.acl"), "--user", "alice", "on"] });
    assert.throws(() => new KvInstance({ config, prefix: "kv_acl_both" }), /an ACL file path is invalid/);
    const bad = Config.from({ argv: ["--port", "0", "--aclfile", join(dir, "missing.acl")] });
    assert.throws(() => new KvInstance({ config: bad, prefix: "kv_acl_missing" }), /Aborting Redis startup because of ACL errors/);
  });
});
