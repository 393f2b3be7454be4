/**
 * AofFile: a descriptor is closed once, never under a write or fdatasync in
 * flight (a close asked meanwhile waits for them), and a closed file refuses
 * work instead of writing into whatever the kernel gave the number to next.
 */
import assert from "node:assert/strict";
import { fstatSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AofFile } from "../../../../src/apps/kv/aof/aof_files.js";

const root = mkdtempSync(join(tmpdir(), "agner-aof-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

test("a close asked while a write is in flight happens after it; later work gets EBADF; closing twice is harmless", async () => {
  const path = join(root, "a.aof");
  const f = AofFile.open(path, "a");
  const written = new Promise<NodeJS.ErrnoException | null>((r) => f.write(Buffer.from("x".repeat(1 << 20)), r));
  f.close();
  assert.ok(isOpen(f.fd), "still open: the write holds it");
  assert.equal(await written, null);
  assert.ok(!isOpen(f.fd), "closed once the write was done");
  assert.equal(readFileSync(path).length, 1 << 20);
  // The number may now be anybody's: a stale close or write must not touch it.
  const other = openSync(join(root, "b.aof"), "a");
  f.close();
  const late = await new Promise<NodeJS.ErrnoException | null>((r) => f.datasync(r));
  assert.equal(late?.code, "EBADF");
  assert.ok(isOpen(other), "the other file's descriptor is untouched");
  closeSync(other);
});
