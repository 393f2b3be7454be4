/**
 * Fuzzing the memcached binary-protocol parser, a decoder of untrusted
 * bytes: random and mutated frames fed in random chunks only ever yield
 * requests and at most one `close`, never an exception or a hang; it
 * holds at most one frame's head and value (the item size limit); any
 * chunking gives the requests of one chunk. The requests then run through
 * the binary plans and the engine (4 in-process shards) without an
 * exception. AGNER_FUZZ_ITERATIONS=N runs a long campaign, AGNER_FUZZ_SEED
 * replays one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BinRequest, McBinParser } from "../../../../src/apps/kv/memcached/memcached_binary.js";
import { planBinary } from "../../../../src/apps/kv/memcached/memcached_binary_plan.js";
import { arithExtras, frame, storeExtras, u32Extras } from "../../../support/mc_binary_client.js";
import { McTwin } from "../../../support/memcached_twin.js";
import { mutate, rng, split } from "../../../support/fuzz_input.js";

/** The bytes the binary protocol decides on; mostly flipped in the 24-byte header (lengths, opcodes, magic are what a parser trusts). */
const SPECIAL = [0x00, 0x80, 0x81, 0xff, 0x01, 0x04, 0x08, 0x14, 0x18, 0xfa];
const mutateHead = (base: Buffer, rand: () => number) =>
  mutate(base, rand, SPECIAL, (n) => (rand() < 0.7 ? Math.floor(rand() * Math.min(24, n)) : Math.floor(rand() * n)));

const LIMITS = { itemSizeMax: 64 * 1024 };

const SEEDS: Buffer[] = [
  Buffer.concat([frame(0x01, { key: "k", value: "hello", extras: storeExtras(5, 0) }), frame(0x00, { key: "k" }), frame(0x0d, { key: "k" })]),
  Buffer.concat([frame(0x05, { key: "n", extras: arithExtras(1n, 10n, 0) }), frame(0x16, { key: "n", extras: arithExtras(3n, 0n, 0xffffffff) })]),
  Buffer.concat([frame(0x0e, { key: "k", value: "tail", cas: 5n }), frame(0x14, { key: "k" }), frame(0x1d, { key: "k", extras: u32Extras(10) })]),
  Buffer.concat([frame(0x08, { extras: u32Extras(0) }), frame(0x0a), frame(0x0b), frame(0x10, { key: "settings" }), frame(0x20)]),
  Buffer.concat([frame(0x21, { key: "PLAIN", value: "\0u\0p" }), frame(0x30, { key: "abc" }), frame(0x07)]),
  frame(0x01, { key: "big", value: "v".repeat(70000), extras: storeExtras(0, 0) }),
];

interface Outcome {
  requests: BinRequest[];
  closed: boolean;
}

function run(chunks: Buffer[]): Outcome {
  const p = new McBinParser(LIMITS);
  const requests: BinRequest[] = [];
  let closed = false;
  for (const c of chunks) {
    p.feed(c);
    for (let r = p.next(); r !== null; r = p.next()) {
      assert.ok(!closed, "nothing after close");
      if (r.kind === "close") closed = true;
      requests.push(r);
    }
    // Held: at most a head (24 + 255 + 65535) or one value within the item size limit, plus the chunk just fed.
    const bound = Math.max(24 + 255 + 65535, LIMITS.itemSizeMax) + c.length;
    assert.ok(p.buffered <= bound, `holds ${p.buffered} bytes`);
    if (closed) assert.equal(p.buffered, 0);
  }
  return { requests, closed };
}

const iterations = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 3000);

test("random and mutated frames in random chunks: requests, at most one close, chunking never matters", () => {
  const rand = rng(Number(process.env.AGNER_FUZZ_SEED ?? 20261203));
  const twin = new McTwin(4, LIMITS);
  const shardOf = (k: string) => k.length % 4;
  let closes = 0;
  let replies = 0;
  for (let n = 0; n < iterations; n++) {
    let input: Buffer;
    if (rand() < 0.15) input = Buffer.concat([Buffer.from([0x80]), Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)))]);
    else input = mutateHead(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand);
    const whole = run([input]);
    assert.deepEqual(run(split(input, rand)), whole, `chunking changed the outcome of ${input.toString("hex")}`);
    if (whole.closed) closes++;
    for (const r of whole.requests) {
      if (r.kind === "bin" && (r.cmd === 0x20 || r.cmd === 0x21 || r.cmd === 0x22)) continue; // SASL is the connection's
      const a = planBinary(r, shardOf, LIMITS);
      if (a.kind === "reply") replies++;
      if (a.kind === "shards") a.finish(a.parts.map((p) => p.spec.exec!(twin.ctx(p.shard), p.argv)));
      if (a.kind === "stats") a.format?.("STAT a 1\r\nEND\r\n");
    }
  }
  console.log(`# binary fuzz: ${iterations} inputs, ${closes} closes, ${replies} immediate replies`);
  assert.ok(closes > 100 && replies > 100);
});
