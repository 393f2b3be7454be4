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

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

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

function split(buf: Buffer, rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = 1 + Math.floor(rand() * Math.min(buf.length - at, rand() < 0.5 ? 8 : 4096));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

function mutate(base: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(base);
  const flips = 1 + Math.floor(rand() * 4);
  const special = [0x00, 0x80, 0x81, 0xff, 0x01, 0x04, 0x08, 0x14, 0x18, 0xfa];
  for (let k = 0; k < flips; k++) {
    // Headers mostly: the lengths, opcodes and magic are what a parser trusts.
    const at = rand() < 0.7 ? Math.floor(rand() * Math.min(24, b.length)) : Math.floor(rand() * b.length);
    b[at] = rand() < 0.7 ? special[Math.floor(rand() * special.length)]! : Math.floor(rand() * 256);
  }
  const cut = rand() < 0.3 ? Math.floor(rand() * b.length) : b.length;
  return b.subarray(0, cut);
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
    else input = mutate(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand);
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
