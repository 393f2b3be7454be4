/**
 * Temporary directories for test servers, removed when the test process
 * exits: a test that SIGKILLs a server and never stops it, a server that
 * fails to start, or a test that keeps its screenshots for inspection still
 * leaves /tmp as it was. One exit handler for all of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs = new Set<string>();

/** A fresh directory under the system's temporary directory, named `prefix` + random letters. */
export function tempDir(prefix: string): string {
  if (dirs.size === 0) process.once("exit", () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}
