/**
 * Differential tests against a real memcached 1.6: scripts of steps
 * (valid and broken commands, noreply, number quirks, binary data, limits)
 * give the same reply bytes from memcached and from Agner's parser,
 * request plans and engine commands (in-process, on 4 shards), CAS uniques
 * renamed on each side. The engine counters behind `stats` move as
 * memcached's do. The same scripts run against the real server, over
 * sockets, in memcached_server.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DETERMINISTIC, McRawConnection, type MemcachedServer, needsMemcached, startMemcached } from "../../support/memcached_server.js";
import { McTwin } from "../../support/memcached_twin.js";
import { CasBook } from "./mc_diff_util.js";
import { META_SCRIPTS } from "./mc_meta_scripts.js";
import { SCRIPTS } from "./mc_scripts.js";

const ALL_SCRIPTS: [string, string[]][] = [...Object.entries(SCRIPTS), ...Object.entries(META_SCRIPTS).map(([n, s]): [string, string[]] => [`meta: ${n}`, s])];

const COUNTERS = [
  "cmd_get",
  "cmd_set",
  "cmd_touch",
  "get_hits",
  "get_misses",
  "delete_misses",
  "delete_hits",
  "incr_misses",
  "incr_hits",
  "decr_misses",
  "decr_hits",
  "cas_misses",
  "cas_hits",
  "cas_badval",
  "touch_hits",
  "touch_misses",
  "store_too_large",
  "total_items",
];

async function memcachedStats(port: number): Promise<Record<string, number>> {
  const c = await McRawConnection.open(port);
  const { out } = await c.step(Buffer.from("stats\r\n"));
  c.close();
  const res: Record<string, number> = {};
  for (const m of out.toString("latin1").matchAll(/^STAT (\S+) (\S+)\r$/gm)) res[m[1]!] = Number(m[2]);
  return res;
}

describe("memcached differential (engine in-process)", needsMemcached(), () => {
  let mc: MemcachedServer;
  const twin = new McTwin(4);

  before(async () => {
    mc = await startMemcached(DETERMINISTIC);
  });
  after(async () => {
    await mc?.stop();
  });

  for (const [name, steps] of ALL_SCRIPTS) {
    test(name, async () => {
      const real = await McRawConnection.open(mc.port);
      await real.step(Buffer.from("flush_all\r\n"));
      let local = twin.connection();
      local.feed(Buffer.from("flush_all\r\n"));
      const before = await memcachedStats(mc.port);
      const twinBefore = twin.counters();
      const rBook = new CasBook();
      const lBook = new CasBook();
      let conn = real;
      for (const step of steps) {
        const r = await conn.step(Buffer.from(rBook.fill(step), "latin1"));
        const l = local.feed(Buffer.from(lBook.fill(step) + "version\r\n", "latin1"));
        const lOut = l.endsWith("VERSION 1.6.18\r\n") ? l.slice(0, -"VERSION 1.6.18\r\n".length) : l;
        assert.equal(lBook.normalize(lOut), rBook.normalize(r.out.toString("latin1")), `step ${JSON.stringify(step)}`);
        assert.equal(local.closed, r.closed, `closed after ${JSON.stringify(step)}`);
        if (r.closed) {
          conn = await McRawConnection.open(mc.port);
          local = twin.connection();
        }
      }
      conn.close();
      const after = await memcachedStats(mc.port);
      const twinAfter = twin.counters();
      for (const n of COUNTERS) {
        assert.equal(twinAfter[n]! - twinBefore[n]!, after[n]! - before[n]!, `counter ${n}`);
      }
    });
  }
});
