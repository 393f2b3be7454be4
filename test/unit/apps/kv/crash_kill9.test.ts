/**
 * Crash matrix, kill -9 (issue 11, finding 4a): the real entry
 * (`dist/src/cli/kv.js`) under a write load from RESP and memcached
 * clients (INCR one at a time, pipelined, in MULTI/EXEC, and SET, whose
 * records replay differently; each client writes a key of its own), killed with SIGKILL mid-load and started again on the same
 * directory, round after round, for each `appendfsync`. A crash of the
 * process loses no acknowledged write under any policy (the write(2)
 * happens before the reply) and applies none twice.
 *
 * Short here; `npm run test:crash` (AGNER_CRASH_ROUNDS) runs it long and
 * prints the counts docs/kv_server.md reports.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../../../support/redis_tools.js";
import { ServerChild, clientMix, crashRounds, serverArgs, sleep, verify } from "../../../support/crash_load.js";

const tmp = mkdtempSync(join(tmpdir(), "agner-crash-kill9-"));
const started: ServerChild[] = [];
after(async () => {
  for (const s of started) await s.kill9();
  rmSync(tmp, { recursive: true, force: true });
});

const rounds = crashRounds(2);
const loadMs = process.env.AGNER_CRASH_ROUNDS !== undefined ? 1500 : 600;

for (const fsync of ["always", "everysec", "no"]) {
  test(`kill -9 under load, appendfsync ${fsync}: every acknowledged write is there after the restart, none twice (${rounds} rounds)`, { timeout: 60_000 + rounds * 10_000 }, async () => {
    const dir = join(tmp, fsync);
    const port = await freePort();
    const mcPort = await freePort();
    const clients = clientMix();
    const args = serverArgs(dir, fsync, port, mcPort);
    let lost = 0;
    let doubled = 0;
    for (let r = 0; r < rounds; r++) {
      const server = await ServerChild.start("cli", args);
      started.push(server);
      if (r > 0) {
        const { verdict } = await verify(port, clients);
        assert.deepEqual(verdict.lost, [], `round ${r}: acknowledged writes lost`);
        assert.deepEqual(verdict.doubled, [], `round ${r}: writes applied twice`);
        lost += verdict.lost.length;
        doubled += verdict.doubled.length;
      }
      clients.forEach((c) => c.start(() => (c.proto === "mc" ? mcPort : port)));
      await sleep(loadMs);
      await server.kill9();
      await Promise.all(clients.map((c) => c.stop()));
    }
    const last = await ServerChild.start("cli", args);
    started.push(last);
    const { verdict } = await verify(port, clients);
    await last.stop();
    assert.deepEqual(verdict.lost, [], "acknowledged writes lost");
    assert.deepEqual(verdict.doubled, [], "writes applied twice");
    assert.deepEqual(clients.flatMap((c) => c.anomalies), []);
    assert.ok(verdict.acked > 100 * rounds, `a real load: ${verdict.acked} writes acknowledged`);
    for (const c of clients) assert.ok(c.acks > 0, `${c.key} got acknowledgements`);
    console.log(`CRASH-MATRIX kill=kill9 fsync=${fsync} rounds=${rounds} acked=${verdict.acked} lost=${lost + verdict.lost.length} doubled=${doubled + verdict.doubled.length}`);
  });
}
