/**
 * The data directory's lock and creation for servers started from code (no
 * CLI): the append-only file's writer locks `dir` while it writes there, so
 * two servers of one program on one directory are refused as two programs
 * are; directories are made without Node's recursive mkdir.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DataDirError, LOCK_FILE, claimDataDir, ensureDir, releaseDataDir } from "../../../../src/apps/kv/server/data_dir.js";
import { startAgner } from "../../../support/agner_kv.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const root = mkdtempSync(join(tmpdir(), "agner-data-dir-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("ensureDir: makes missing levels; a file on the way or /proc is a DataDirError, at once", { skip: existsSync("/proc/self") ? undefined : "no /proc" }, () => {
  ensureDir(join(root, "a", "b", "c"));
  assert.ok(existsSync(join(root, "a", "b", "c")));
  ensureDir(join(root, "a", "b", "c")); // already there: nothing to do
  writeFileSync(join(root, "f"), "");
  assert.throws(() => ensureDir(join(root, "f", "x", "y")), (e: unknown) => e instanceof DataDirError && e.why === `${join(root, "f")} is not a directory`);
  assert.throws(() => ensureDir("/proc/agnerdata/x"), (e: unknown) => e instanceof DataDirError && /cannot create directory \/proc\/agnerdata: no such file or directory \(ENOENT\)/.test(e.why));
});

test("claim: the lock file holds this pid; the same owner claims again; another owner is refused until released", () => {
  const dir = join(root, "claim");
  const a = {};
  const b = {};
  claimDataDir(dir, a);
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), `${process.pid}\n`);
  assert.equal(claimDataDir(dir, a).tookOver, null, "reentrant for its owner");
  assert.throws(() => claimDataDir(dir, b), (e: unknown) => e instanceof DataDirError && /in use by another server of this process/.test(e.why));
  releaseDataDir(a);
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  claimDataDir(dir, b);
  releaseDataDir(b);
});

test("claim: a live process's lock is refused; a dead one's is taken over", async () => {
  const dir = join(root, "other");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    ensureDir(dir);
    writeFileSync(join(dir, LOCK_FILE), `${child.pid}\n`);
    assert.throws(() => claimDataDir(dir, {}), (e: unknown) => e instanceof DataDirError && e.why.startsWith(`it is in use by process ${child.pid} `));
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  }
  const owner = {};
  assert.deepEqual(claimDataDir(dir, owner).tookOver, { pid: child.pid });
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), `${process.pid}\n`);
  releaseDataDir(owner);
});

test("two servers of one program on one directory: the second does not start; after the first stops it does", async () => {
  const dir = join(root, "servers");
  const first = await startAgner(["--appendonly", "yes", "--dir", dir]);
  await assert.rejects(startAgner(["--appendonly", "yes", "--dir", dir]), (e: unknown) => /in use by another server of this process/.test(String((e as { reason?: unknown }).reason ?? e) + String(e)));
  const c = await RespClient.connect(first.port);
  assert.equal(plain(await c.cmd("SET", "k", "1")), "OK", "the first is unharmed");
  c.close();
  await first.stop();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, "released by shutdown");
  const second = await startAgner(["--appendonly", "yes", "--dir", dir]);
  const c2 = await RespClient.connect(second.port);
  assert.equal(plain(await c2.cmd("GET", "k")), "1");
  c2.close();
  await second.stop();
});

test("CONFIG SET appendonly yes on another server's directory: an error, appendonly stays no; no releases it", async () => {
  const dir = join(root, "config");
  const owner = await startAgner(["--appendonly", "yes", "--dir", dir]);
  const other = await startAgner(["--appendonly", "no", "--dir", dir]);
  const c = await RespClient.connect(other.port);
  const r = plain(await c.cmd("CONFIG", "SET", "appendonly", "yes")) as { error: string };
  assert.match(r.error, /^ERR CONFIG SET failed \(possibly related to argument 'appendonly'\) - cannot use the data directory .* in use by another server of this process/);
  assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "appendonly")), ["appendonly", "no"]);
  const oc = await RespClient.connect(owner.port);
  assert.equal(plain(await oc.cmd("CONFIG", "SET", "appendonly", "no")), "OK");
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, "appendonly no: nothing is written there, the lock goes");
  assert.equal(plain(await c.cmd("CONFIG", "SET", "appendonly", "yes")), "OK", "now the other server may");
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), `${process.pid}\n`);
  oc.close();
  c.close();
  await other.stop();
  await owner.stop();
});
