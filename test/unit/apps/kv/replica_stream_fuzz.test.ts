/**
 * The replica's reader of what its primary sends (replication/replica_stream.ts):
 * a valid exchange (handshake replies, +FULLRESYNC, the RDB in both payload
 * forms, the stream) gives the same events however it is cut into reads;
 * random bytes and mutations of it only give events or ReplStreamError,
 * never another exception; the RDB it hands out loads or throws
 * RdbFileError. A fixed number of inputs from a fixed seed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ReplStreamError, ReplicaStream, type ReplicaEvent } from "../../../../src/apps/kv/replication/replica_stream.js";
import { RdbFileError, fromTriples, loadRdb, rdbChunks } from "../../../../src/apps/kv/rdb/rdb_file.js";
import { encodeCommand } from "../../../support/resp_client.js";
import { sampleValues } from "./rdb_file_values.js";

const e: unknown[] = [];
for (const [k, v] of sampleValues()) e.push(k, v, k.length % 2 === 0 ? 1800000000000 : undefined);
const RDB = Buffer.concat([...rdbChunks({ ctime: 1, usedMem: 2, aofBase: false }, [], [fromTriples(0, e)])]);
const MARK = "m".repeat(40);
const STREAM = Buffer.concat([
  encodeCommand(["SELECT", "0"]),
  encodeCommand(["SET", "k", "v\r\n\x00"]),
  encodeCommand(["REPLCONF", "GETACK", "*"]),
  encodeCommand(["HSET", "h", "f", "x".repeat(40_000)]),
]);

function exchange(eof: boolean): Buffer {
  const head = `+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC ${"a".repeat(40)} 7\r\n\n\n`;
  const payload = eof ? Buffer.concat([Buffer.from(`$EOF:${MARK}\r\n`), RDB, Buffer.from(MARK)]) : Buffer.concat([Buffer.from(`$${RDB.length}\r\n`), RDB]);
  return Buffer.concat([Buffer.from(head, "latin1"), payload, STREAM]);
}

/** Feeds `buf` in pieces cut at `cuts`; the events, or the ReplStreamError's reason. */
function read(buf: Buffer, cuts: number[]): ReplicaEvent[] | string {
  const d = new ReplicaStream({ maxBulkLen: 1 << 20, maxQueryBuffer: 1 << 22 });
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: ReplicaEvent[] = [];
  let from = 0;
  try {
    for (const c of [...at, buf.length]) {
      out.push(...d.push(buf.subarray(from, c)));
      from = c;
    }
  } catch (err) {
    if (err instanceof ReplStreamError) return err.reason;
    throw new Error(`not a ReplStreamError on ${buf.toString("hex").slice(0, 400)}: ${String(err)}`);
  }
  return out;
}

function summary(evs: ReplicaEvent[]): unknown[] {
  return evs.map((ev) => (ev.kind === "rdb" ? { kind: "rdb", hex: ev.data.toString("hex") } : ev));
}

for (const eof of [true, false]) {
  test(`a valid exchange (${eof ? "$EOF:" : "$<len>"} payload) gives the same events however it is cut`, () => {
    const buf = exchange(eof);
    const whole = read(buf, []);
    assert.ok(Array.isArray(whole));
    const kinds = whole.map((ev) => ev.kind);
    assert.deepEqual(kinds, ["line", "line", "line", "line", "rdb-begin", "rdb", "command", "command", "command", "command"]);
    const rdb = whole.find((ev) => ev.kind === "rdb")!;
    assert.deepEqual(rdb.kind === "rdb" && rdb.data, RDB);
    const last = whole[whole.length - 1]!;
    assert.equal(last.kind === "command" && last.end, STREAM.length);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        assert.deepEqual(summary(read(buf, cuts) as ReplicaEvent[]), summary(whole));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
}

test("the stream's bytes are handed out verbatim up to each command's end", () => {
  const d = new ReplicaStream();
  const evs = d.push(Buffer.concat([Buffer.from("+CONTINUE\r\n"), STREAM]));
  const ends = evs.flatMap((ev) => (ev.kind === "command" ? [ev.end] : []));
  const parts = ends.map((end) => d.take(end));
  assert.deepEqual(Buffer.concat(parts), STREAM);
});

test("random bytes only give events or ReplStreamError, in every mode", () => {
  const prefixes = ["", "+PONG\r\n", `+FULLRESYNC ${"a".repeat(40)} 0\r\n`, `+FULLRESYNC ${"a".repeat(40)} 0\r\n$EOF:${MARK}\r\n`, "+CONTINUE\r\n"];
  fc.assert(
    fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 5 }), (prefix, rest, cuts) => {
      read(Buffer.concat([Buffer.from(prefix, "latin1"), rest]), cuts);
    }),
    { numRuns: 3000, seed: 5 },
  );
});

test("mutations of a valid exchange only give events or ReplStreamError, and the RDB handed out loads or throws RdbFileError", () => {
  const bases = [exchange(true), exchange(false)];
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1),
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (which, muts, cuts) => {
        const b = Buffer.from(bases[which]!);
        for (const m of muts) b[m.at % b.length] = m.byte;
        const r = read(b, cuts);
        if (typeof r === "string") return;
        for (const ev of r) {
          if (ev.kind !== "rdb") continue;
          try {
            loadRdb(ev.data, { key: () => {}, library: () => {} }, false);
          } catch (err) {
            if (!(err instanceof RdbFileError)) throw err;
          }
        }
      },
    ),
    { numRuns: 1500, seed: 9 },
  );
});

test("a line or a bulk beyond the limits is an error, not a buffer that grows", () => {
  assert.throws(() => new ReplicaStream().push(Buffer.alloc(70 * 1024, 0x2b)), ReplStreamError);
  const d = new ReplicaStream({ maxBulkLen: 1024 });
  assert.throws(() => d.push(Buffer.from("+CONTINUE\r\n*1\r\n$2048\r\n")), ReplStreamError);
});
