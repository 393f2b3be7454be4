/**
 * Fuzzing the decoder of untrusted bytes: random inputs, mutated and
 * truncated golden vectors, and hostile length fields. The only exception
 * allowed is EtfDecodeError; nothing hangs; a short input claiming a huge
 * size fails at once, before allocating. 2,000 inputs here;
 * AGNER_FUZZ_ITERATIONS=10000000 runs a long campaign (docs/etf.md).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { EtfDecodeError, decode } from "../../../src/etf/index.js";
import { rng } from "../../support/fuzz_input.js";

const repo = resolve(fileURLToPath(import.meta.url), "../../../../..");
const corpus = readFileSync(resolve(repo, "test/golden/etf/vectors.tsv"), "utf8")
  .split("\n")
  .filter(Boolean)
  .flatMap((l) => {
    const [, canonical, variants] = l.split("\t");
    return [canonical!, ...variants!.split(",").filter(Boolean)];
  })
  .map((h) => new Uint8Array(Buffer.from(h, "hex")))
  .filter((b) => b.length < 4096);

/**
 * A valid term nested up to 20,000 levels: tuples, lists (also left-nested
 * iolists and chained LIST_EXT tails), maps and improper lists, mixed at
 * random, with a golden vector at the bottom.
 */
function deepInput(rand: () => number): Uint8Array {
  const depth = 1 + Math.floor(rand() ** 2 * 20_000);
  const head: number[] = [131];
  const tail: number[][] = []; // what closes each level, innermost last
  for (let d = 0; d < depth; d++) {
    const k = Math.floor(rand() * 5);
    if (k === 0) head.push(104, 1); // {X}
    else if (k === 1) {
      head.push(108, 0, 0, 0, 1); // [X]
      tail.push([106]);
    } else if (k === 2) {
      head.push(108, 0, 0, 0, 2); // [X, <<"ab">> | a]: an iolist part, an improper tail
      tail.push([109, 0, 0, 0, 2, 97, 98, 119, 1, 97]);
    } else if (k === 3) {
      head.push(116, 0, 0, 0, 1, 97, d & 0xff); // #{d => X}
    } else head.push(108, 0, 0, 0, 1, 97, 1); // [1 | X]: a chained LIST_EXT tail
  }
  const leaf = corpus[Math.floor(rand() * corpus.length)]!.subarray(1);
  const leafOk = leaf[0] !== 80 && leaf[0] !== 121; // COMPRESSED only at the top; LOCAL_EXT takes the rest
  const bottom = leafOk ? Array.from(leaf) : [106];
  return new Uint8Array([...head, ...bottom, ...tail.reverse().flat()]);
}

function decodeOnlyFailsCleanly(input: Uint8Array): void {
  try {
    decode(input, { maxDecompressedBytes: 1 << 20 });
  } catch (e) {
    if (!(e instanceof EtfDecodeError)) {
      throw new Error(`non-EtfDecodeError on ${Buffer.from(input).toString("hex")}: ${String(e)}`);
    }
    assert.ok(e.offset >= 0 && e.expected.length > 0);
  }
}

// A fixed count, not a time budget: the same inputs on a busy machine as on an idle one.
const iterations = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 2000);

test("truncations of every golden vector at every offset fail cleanly", () => {
  let n = 0;
  for (const v of corpus) {
    for (let cut = 0; cut < v.length; cut++) {
      decodeOnlyFailsCleanly(v.subarray(0, cut));
      n++;
    }
  }
  console.log(`# fuzz: ${n} truncated inputs`);
  assert.ok(n > 1000);
});

test("random and mutated inputs only ever raise EtfDecodeError", () => {
  const rand = rng(Number(process.env.AGNER_FUZZ_SEED ?? 20261123));
  const start = Date.now();
  let n = 0;
  while (n < iterations) {
    let input: Uint8Array;
    const mode = rand();
    if (mode < 0.2) {
      input = new Uint8Array(1 + Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256));
      input[0] = 131;
    } else if (mode < 0.3) {
      // Deeply nested (valid, truncated or mutated): no recursion may overflow the stack.
      input = deepInput(rand);
      if (rand() < 0.5) input = input.subarray(0, Math.floor(rand() * input.length));
      else if (rand() < 0.5) input[1 + Math.floor(rand() * (input.length - 1))] = Math.floor(rand() * 256);
    } else {
      const base = corpus[Math.floor(rand() * corpus.length)]!;
      input = base.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) {
        const at = 1 + Math.floor(rand() * Math.max(1, input.length - 1));
        if (at >= input.length) continue;
        // Favour boundary values, which hit length fields hardest.
        const r = rand();
        input[at] = r < 0.3 ? 0xff : r < 0.5 ? 0 : Math.floor(rand() * 256);
      }
      if (rand() < 0.2) input = input.subarray(0, Math.floor(rand() * input.length));
    }
    decodeOnlyFailsCleanly(input);
    n++;
  }
  console.log(`# fuzz: ${n} random/mutated inputs in ${Date.now() - start} ms`);
  assert.equal(n, iterations);
});

test("a few bytes claiming gigabytes fail at once", () => {
  const huge = [
    [131, 109, 0xff, 0xff, 0xff, 0xff, 1, 2], // BINARY of 4 GiB
    [131, 108, 0xff, 0xff, 0xff, 0xff, 106], // LIST of 2^32 elements
    [131, 105, 0xff, 0xff, 0xff, 0xff], // LARGE_TUPLE
    [131, 116, 0xff, 0xff, 0xff, 0xff], // MAP
    [131, 111, 0xff, 0xff, 0xff, 0xff, 0], // LARGE_BIG
    [131, 77, 0xff, 0xff, 0xff, 0xff, 3], // BIT_BINARY
    [131, 107, 0xff, 0xff], // STRING
    [131, 80, 0xff, 0xff, 0xff, 0xff, 0x78, 0x9c], // COMPRESSED claiming 4 GiB
    [131, 112, 0xff, 0xff, 0xff, 0xff], // NEW_FUN with a huge size
  ];
  for (const bytes of huge) {
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => decode(new Uint8Array(bytes)), EtfDecodeError);
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, "no large allocation");
  }
});

test("deep nesting decodes (no recursion); truncated, it fails cleanly", () => {
  const depth = 100_000;
  const bytes = new Uint8Array(2 + depth * 6 + 1);
  bytes[0] = 131;
  let i = 1;
  for (let d = 0; d < depth; d++) {
    bytes.set([108, 0, 0, 0, 1], i); // LIST of 1 ...
    i += 5;
  }
  bytes[i++] = 106;
  for (let d = 0; d < depth; d++) bytes[i++] = 106; // ... each with a NIL tail
  let x = decode(bytes.subarray(0, i));
  let n = 0;
  while (Array.isArray(x) && x.length === 1) {
    x = x[0];
    n++;
  }
  assert.equal(n, depth);
  for (const cut of [1, 7, depth * 5, depth * 5 + 1, i - 1]) decodeOnlyFailsCleanly(bytes.subarray(0, cut));
  assert.throws(() => decode(bytes.subarray(0, i), { maxDepth: 1000 }), (e) => e instanceof EtfDecodeError && /nesting/.test(e.expected));
});

test("atoms from the wire are bounded", () => {
  const many: number[] = [131, 108, 0, 0, 0, 20];
  for (let k = 0; k < 20; k++) many.push(119, 6, ...Buffer.from(`zq${String(k).padStart(2, "0")}${Math.random().toString(36).slice(2, 4)}`));
  many.push(106);
  assert.throws(() => decode(new Uint8Array(many), { maxNewAtoms: 5 }), /new atoms/);
  assert.throws(() => decode(new Uint8Array([131, 119, 4, 0x7a, 0x7a, 0x7a, 0x71]), { existingAtomsOnly: true }), /existing atom/);
});
