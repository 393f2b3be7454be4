/**
 * Fuzzing the memcached text parser (meta commands included), a decoder
 * of untrusted bytes: random and
 * mutated inputs fed in random chunks only ever yield requests (replies
 * included) and at most one `close`, never an exception or a hang; what it
 * holds stays within its limits; and since every limit is defined on the
 * bytes, not on how they arrive, any chunking gives exactly the requests
 * of one chunk. The requests then run through the plans and the engine
 * (4 in-process shards) without an exception either. Bounded to a few
 * seconds; AGNER_FUZZ_ITERATIONS=N runs a long campaign, AGNER_FUZZ_SEED
 * replays one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LINE_MAX, McParser, type McRequest } from "../../../../src/apps/kv/memcached/memcached_parser.js";
import { McTwin } from "../../../support/memcached_twin.js";
import { mutate, rng, split } from "../../../support/fuzz_input.js";

/** The bytes the protocol's syntax turns on. */
const SPECIAL = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x2d, 0x2b, 0x30, 0x39, 0x7f, 0x80, 0xff];

const LIMITS = { itemSizeMax: 64 * 1024, maxGetLine: 16 * 1024 };

const SEEDS = [
  "set key 5 0 5\r\nhello\r\nget key\r\n",
  "gets a b c\r\ncas a 0 0 1 12345 noreply\r\nx\r\n",
  "add k 0 100 3\r\n\0\r\n\r\nappend k 0 0 2\r\nzz\r\nprepend k 1 1 1\r\n!\r\n",
  "incr n 18446744073709551615\r\ndecr n 5 noreply\r\ntouch n -1\r\ngat 10 n m\r\ngats 0 n\r\n",
  "delete k 0 noreply\r\nflush_all 10\r\nflush_all noreply\r\nverbosity 1\r\nversion\r\nstats\r\n",
  `set big 0 0 40000\r\n${"v".repeat(40000)}\r\nset huge 0 0 70000\r\n`,
  `get ${Array.from({ length: 60 }, (_, i) => `k${i}`).join(" ")}\r\nquit\r\n`,
  // meta commands
  "ms k 5 T0 F5 c k O1\r\nhello\r\nmg k v c f k s t h l O9 q\r\nmn\r\n",
  "mg n N30 v c t\r\nmd n I T30 q\r\nmg n R30 v\r\nms n 1 I C5 MA\r\nx\r\n",
  "ma c N0 J10 v\r\nma c MD D3 v t c\r\nma c C1 q\r\nme c\r\nmd c C0 k\r\n",
  "ms YWJj 3 b k\r\nabc\r\nmg YWJj b k v\r\nme YWJj b\r\nms k 70000 MS\r\n",
].map((s) => Buffer.from(s, "latin1"));

interface Outcome {
  requests: McRequest[];
  closed: boolean;
}

/** Feeds the chunks, draining after each; checks the parser's contract on the way. */
function run(chunks: Buffer[]): Outcome {
  const p = new McParser(LIMITS);
  const requests: McRequest[] = [];
  let closed = false;
  for (const c of chunks) {
    p.feed(c);
    for (let r = p.next(); r !== null; r = p.next()) {
      assert.ok(!closed, "nothing after close");
      if (r.kind === "close") closed = true;
      requests.push(r);
    }
    // Held: at most a line in progress or one data block, plus the chunk just fed.
    const bound = Math.max(LINE_MAX, LIMITS.maxGetLine, LIMITS.itemSizeMax + 2) + c.length;
    assert.ok(p.buffered <= bound, `holds ${p.buffered} bytes`);
    if (closed) assert.equal(p.buffered, 0);
  }
  return { requests, closed };
}

// A fixed count, not a time budget: the same inputs on a busy machine as on an idle one.
const iterations = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 3000);

test("random and mutated inputs in random chunks: requests, at most one close, chunking never matters", () => {
  const rand = rng(Number(process.env.AGNER_FUZZ_SEED ?? 20261202));
  const twin = new McTwin(4, LIMITS);
  let n = 0;
  let closes = 0;
  let errors = 0;
  while (n < iterations) {
    const mode = rand();
    let input: Buffer;
    if (mode < 0.2) {
      input = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    } else if (mode < 0.3) {
      // hostile lengths and long lines
      const len = ["2147483645", "4294967297", "-1", "65476", "65477", "99999999999999999999"][Math.floor(rand() * 6)];
      const pad = rand() < 0.5 ? " ".repeat(Math.floor(rand() * 3000)) : "";
      input = Buffer.from(`set k 0 0${pad} ${len}\r\n` + "x".repeat(Math.floor(rand() * 100)), "latin1");
    } else {
      input = mutate(SEEDS[Math.floor(rand() * SEEDS.length)]!, rand, SPECIAL);
    }
    const whole = run([input]);
    assert.deepEqual(run(split(input, rand)), whole, `chunking changed the outcome of ${input.toString("hex")}`);
    if (whole.closed) closes++;
    errors += whole.requests.filter((r) => r.kind === "error").length;
    // And the engine takes whatever the parser lets through.
    twin.connection().feed(input);
    n++;
  }
  console.log(`# fuzz: ${n} inputs, ${closes} closes, ${errors} error replies`);
  assert.ok(n > 1000 && closes > 10 && errors > 100);
});
