import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { NO_REPLID, ReplBacklog, ReplState } from "../../../../src/apps/kv/replication/repl_state.js";

test("the backlog holds the newest bytes of the stream at Redis' offsets, whatever the chunking", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.uint8Array({ maxLength: 40_000 }), { maxLength: 12 }),
      (start, chunks) => {
        const b = new ReplBacklog(16 * 1024, start);
        const all = Buffer.concat(chunks);
        for (const c of chunks) b.append(c);
        const held = Math.min(all.length, b.size);
        assert.equal(b.histlen, held);
        assert.equal(b.firstOffset, start + 1 + all.length - held);
        assert.deepEqual(b.from(b.firstOffset), all.subarray(all.length - held));
        assert.equal(b.from(b.firstOffset - 1), null);
        assert.deepEqual(b.from(b.firstOffset + held), Buffer.alloc(0));
        assert.equal(b.from(b.firstOffset + held + 1), null);
      },
    ),
  );
});

test("resizing keeps the newest bytes and their offsets", () => {
  const b = new ReplBacklog(64 * 1024, 0);
  const data = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i & 255));
  b.append(data);
  b.resize(20_000);
  assert.equal(b.size, 20_000);
  assert.equal(b.histlen, 20_000);
  assert.equal(b.firstOffset, 30_001);
  assert.deepEqual(b.from(30_001), data.subarray(30_000));
  b.append(Buffer.from([1, 2, 3]));
  assert.deepEqual(b.from(50_001), Buffer.from([1, 2, 3]));
});

test("PSYNC continues only from this history or the one before a promotion, within the backlog", () => {
  const s = new ReplState();
  assert.equal(s.tryPartial(s.replid, 1).kind, "full", "no backlog yet");
  s.ensureBacklog(1024 * 1024);
  s.feed(Buffer.from("*1\r\n$4\r\nPING\r\n"));
  const d = s.tryPartial(s.replid, 1);
  assert.equal(d.kind, "continue");
  assert.equal(d.kind === "continue" && d.backlog.toString(), "*1\r\n$4\r\nPING\r\n");
  assert.equal(s.tryPartial(s.replid, 15).kind, "continue", "nothing missed: an empty continue");
  assert.equal(s.tryPartial(s.replid, 16).kind, "full", "ahead of us");
  assert.equal(s.tryPartial("f".repeat(40), 1).kind, "full", "another history");

  const old = s.replid;
  s.shiftReplId();
  assert.equal(s.replid2, old);
  assert.equal(s.secondOffset, 15);
  s.feed(Buffer.from("x"));
  assert.equal(s.tryPartial(old, 15).kind, "continue", "a replica of the old primary continues");
  assert.equal(s.tryPartial(old, 16).kind, "full", "past the fork");
  assert.equal(s.tryPartial(NO_REPLID, 1).kind, "full");

  s.adopt("a".repeat(40), 1000);
  assert.deepEqual(
    [s.replid, s.replid2, s.offset, s.secondOffset, s.backlog?.firstOffset],
    ["a".repeat(40), NO_REPLID, 1000, -1, 1001],
  );
  assert.deepEqual(new Map(s.infoFields(1_048_576)).get("repl_backlog_size"), 1_048_576);
});
