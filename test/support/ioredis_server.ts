/**
 * A one-shard Agner server with the append-only file on, in a directory of
 * its own for the test file, reached through ioredis: each `withServer`
 * starts the server on that directory (so a later one loads what an
 * earlier one wrote), runs `f` with a connected client, and stops it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { Redis } from "ioredis";
import { startAgner } from "./agner_kv.js";

export interface AofServer {
  /** The data directory every server of this file uses (removed after the file's tests). */
  readonly dir: string;
  withServer<T>(f: (c: Redis) => Promise<T>): Promise<T>;
}

export function aofServer(prefix: string): AofServer {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    async withServer<T>(f: (c: Redis) => Promise<T>): Promise<T> {
      const srv = await startAgner(["--shards", "1", "--appendonly", "yes", "--dir", dir]);
      const c = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      await c.connect();
      try {
        return await f(c);
      } finally {
        c.disconnect();
        await srv.stop();
      }
    },
  };
}
