/**
 * Fuzzing the RESP parser, the decoder of untrusted bytes: random and
 * mutated inputs fed in random chunks only ever yield commands and at most
 * one RespProtocolError, never another exception or a hang; what it holds
 * stays within the limits; and under 64 KB (where Redis' "too big" checks
 * cannot depend on chunking) any chunking gives the same commands and
 * error as one chunk. Bounded to a few seconds; AGNER_FUZZ_ITERATIONS=N
 * runs a long campaign, AGNER_FUZZ_SEED replays one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RespParser, RespProtocolError } from "../../../../src/apps/kv/resp/resp.js";
import { mutate, rng, split } from "../../../support/fuzz_input.js";

/** The bytes the protocol's syntax turns on. */
const SPECIAL = [0x0d, 0x0a, 0x00, 0x24, 0x2a, 0x2d, 0x22, 0x27, 0x5c, 0x30, 0x39, 0x20];

const mb = (...args: string[]) => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
const SEEDS = [
  mb("SET", "key", "value"),
  mb("GET", "k") + mb("MGET", "a", "b", "c"),
  'SET "a b" \'c\' "\\x41"\r\nGET x\n',
  "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n" + "v".repeat(40000) + "\r\n",
  "*0\r\n*-1\r\n\r\n",
].map((s) => Buffer.from(s, "latin1"));

interface Outcome {
  commands: string[][];
  error: string | null | undefined;
}

/** Feeds the chunks; asserts the parser's contract on the way. */
function run(chunks: Buffer[], limits = { maxBulkLen: 1 << 20, maxQueryBuffer: 4 << 20 }): Outcome {
  const p = new RespParser(limits);
  const commands: string[][] = [];
  let error: string | null | undefined;
  outer: for (const c of chunks) {
    try {
      p.feed(c);
      for (let argv = p.next(); argv !== null; argv = p.next()) {
        assert.ok(argv.length > 0 && argv.every((a) => typeof a === "string"));
        commands.push(argv);
      }
      assert.ok(p.buffered <= limits.maxQueryBuffer + c.length, "holds more than the limit");
    } catch (e) {
      if (!(e instanceof RespProtocolError)) throw new Error(`non-protocol error on ${chunks.map((x) => x.toString("hex")).join("|")}: ${String(e)}`);
      error = e.reply;
      // failed for good: every later call rethrows, and nothing is held
      assert.throws(() => p.next(), RespProtocolError);
      assert.equal(p.buffered, 0);
      break outer;
    }
  }
  return { commands, error };
}

// A fixed count, not a time budget: the same inputs on a busy machine as on an idle one.
const iterations = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 3000);

test("random and mutated inputs in random chunks: commands and at most one protocol error", () => {
  const rand = rng(Number(process.env.AGNER_FUZZ_SEED ?? 20261201));
  let n = 0;
  let errors = 0;
  while (n < iterations) {
    const mode = rand();
    let input: Buffer;
    if (mode < 0.25) {
      input = Buffer.from(Array.from({ length: Math.floor(rand() * 128) }, () => Math.floor(rand() * 256)));
      if (rand() < 0.5) input[0] = 0x2a;
    } else if (mode < 0.35) {
      // hostile lengths
      const len = ["2147483647", "536870912", "99999999999999999999", "-1", "1024", "65536"][Math.floor(rand() * 6)];
      input = Buffer.from(rand() < 0.5 ? `*${len}\r\n` : `*1\r\n$${len}\r\n` + "x".repeat(Math.floor(rand() * 100)), "latin1");
    } else {
      input = mutate(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand, SPECIAL);
    }
    const whole = run([input]);
    if (whole.error !== undefined) errors++;
    if (input.length < 64 * 1024) assert.deepEqual(run(split(input, rand)), whole, `chunking changed the outcome of ${input.toString("hex")}`);
    n++;
  }
  console.log(`# fuzz: ${n} inputs, ${errors} protocol errors`);
  assert.ok(n > 1000 && errors > 100);
});

test("any valid pipeline parses the same in any chunking (property)", () => {
  const arg = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 40 }).map((s) => Buffer.from(s).toString("latin1")));
  fc.assert(
    fc.property(fc.array(fc.array(arg, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), fc.integer(), (cmds, seed) => {
      const bytes = Buffer.from(cmds.map((c) => mb(...c)).join(""), "latin1");
      const out = run(split(bytes, rng(seed)));
      assert.equal(out.error, undefined);
      assert.deepEqual(out.commands, cmds);
    }),
    { numRuns: 500 },
  );
});

test("memory stays within the limits while a huge command trickles in", () => {
  const limits = { maxBulkLen: 1 << 20, maxQueryBuffer: 1 << 22 };
  const p = new RespParser(limits);
  p.feed(Buffer.from("*100000\r\n"));
  const arg = Buffer.from(`$${1 << 19}\r\n${"z".repeat(1 << 19)}\r\n`);
  let threw: unknown;
  try {
    for (let i = 0; i < 100; i++) {
      for (let at = 0; at < arg.length; at += 65536) p.feed(arg.subarray(at, at + 65536));
      assert.equal(p.next(), null);
    }
  } catch (e) {
    threw = e;
  }
  assert.ok(threw instanceof RespProtocolError && threw.reply === null, "the query buffer limit closes the connection");
  assert.equal(p.buffered, 0);
});
