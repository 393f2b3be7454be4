/**
 * Property test against a real memcached: random sequences of commands
 * (every command, valid and invalid numbers, noreply, mis-declared data
 * lengths, binary values, CAS uniques old and current, long keys) give
 * the same replies from memcached and from Agner's parser + engine on 4
 * shards, and move the `stats` counters alike. Nothing depends on timing
 * (expiries far ahead or past, flushes immediate or cancelled). Keys with
 * control characters are left out: Agner refuses them on purpose.
 * AGNER_PROPERTY_RUNS raises the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { DETERMINISTIC, McRawConnection, type MemcachedServer, needsMemcached, startMemcached } from "../../support/memcached_server.js";
import { McTwin } from "../../support/memcached_twin.js";
import { CasBook } from "./mc_diff_util.js";
import { COUNTERS, step } from "./mc_steps.js";

async function stats(port: number): Promise<Record<string, number>> {
  const c = await McRawConnection.open(port);
  const { out } = await c.step(Buffer.from("stats\r\n"));
  c.close();
  const res: Record<string, number> = {};
  for (const m of out.toString("latin1").matchAll(/^STAT (\S+) (\S+)\r$/gm)) res[m[1]!] = Number(m[2]);
  return res;
}

describe("memcached property test (engine in-process)", needsMemcached(), () => {
  let mc: MemcachedServer;
  const twin = new McTwin(4);
  before(async () => {
    mc = await startMemcached(DETERMINISTIC);
  });
  after(async () => {
    await mc?.stop();
  });

  test("random command sequences answer as memcached does", async () => {
    const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 80);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        let real = await McRawConnection.open(mc.port);
        await real.step(Buffer.from("flush_all\r\n"));
        let local = twin.connection();
        local.feed(Buffer.from("flush_all\r\n"));
        const s0 = await stats(mc.port);
        const t0 = twin.counters();
        const rBook = new CasBook();
        const lBook = new CasBook();
        try {
          for (const st of steps) {
            const r = await real.step(Buffer.from(rBook.fill(st), "latin1"));
            let l = local.feed(Buffer.from(lBook.fill(st) + "version\r\n", "latin1"));
            if (l.endsWith("VERSION 1.6.18\r\n")) l = l.slice(0, -"VERSION 1.6.18\r\n".length);
            assert.equal(lBook.normalize(l), rBook.normalize(r.out.toString("latin1")), `step ${JSON.stringify(st)}`);
            assert.equal(local.closed, r.closed, `closed after ${JSON.stringify(st)}`);
            if (r.closed) {
              real = await McRawConnection.open(mc.port);
              local = twin.connection();
            }
          }
        } finally {
          real.close();
        }
        const s1 = await stats(mc.port);
        const t1 = twin.counters();
        for (const n of COUNTERS) assert.equal(t1[n]! - t0[n]!, s1[n]! - s0[n]!, `counter ${n}`);
      }),
      { numRuns: runs },
    );
  });
});
