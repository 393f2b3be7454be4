/**
 * topPage picks the same page as sorting the whole table would, for any
 * keys, filter, order, offset and limit; and a 100,000-process runtime's
 * table gives the busiest mailboxes first through the local source.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { topPage } from "../../../src/observer/process_table.js";
import { LocalSource } from "../../../src/observer/local_source.js";
import { type Pid, atom, inspect, receive, send, spawn } from "../../../src/index.js";

test("topPage equals a full stable sort's slice", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(0))),
      fc.boolean(),
      fc.nat(40),
      fc.nat(40),
      fc.integer({ min: 0, max: 3 }),
      (keys, desc, offset, limit, mod) => {
        const items = keys.map((k, i) => ({ k, i }));
        const keep = mod === 0 ? null : (x: { i: number }) => x.i % (mod + 1) !== 0;
        const kept = items.filter((x) => keep === null || keep(x));
        const sorted = [...kept].sort((a, b) => (desc ? b.k - a.k : a.k - b.k) || a.i - b.i);
        const got = topPage(items, (x) => x.k, keep, { desc, offset, limit });
        assert.equal(got.matched, kept.length);
        assert.deepEqual(got.rows, sorted.slice(offset, offset + limit));
      },
    ),
  );
});

test("100,000 processes: the page sorted by mailbox starts with the fullest", async () => {
  const body = function* () {
    yield* receive(atom("stop"));
  };
  const procs: Pid[] = [];
  for (let i = 0; i < 100_000; i++) procs.push(spawn(body));
  const full = procs[54_321]!;
  for (let i = 0; i < 500; i++) send(full, i);
  send(procs[7]!, 1);
  send(procs[7]!, 2);
  const src = new LocalSource();
  try {
    const page = await src.processes({ sort: "mailbox", desc: true, filter: "", offset: 0, limit: 2 });
    assert.ok(page.total >= 100_000);
    assert.deepEqual(page.rows.map((r) => [r.pid, r.mailbox]), [[inspect(full), 500], [inspect(procs[7]!), 2]]);
    const named = await src.processes({ sort: "pid", desc: false, filter: inspect(full), offset: 0, limit: 10 });
    assert.deepEqual(named.rows.map((r) => r.pid), [inspect(full)]);
  } finally {
    src.close();
    for (const p of procs) send(p, atom("stop"));
  }
});
