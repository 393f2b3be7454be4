/**
 * Mailbox semantics, mostly as fast-check properties against a model (an
 * array): per-sender FIFO, selective receive takes the first message that
 * matches any clause and leaves the rest in order, the save pointer, the
 * receive marker of a fresh reference, and `after`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { atom } from "../../../src/term/atom.js";
import { Ref, isRef } from "../../../src/term/identifiers.js";
import { Tuple, t } from "../../../src/term/tuple.js";
import {
  _,
  after,
  makeRef,
  on,
  processInfo,
  receive,
  run,
  self,
  send,
  spawn,
  yieldNow,
  type Runtime,
} from "../../../src/runtime/index.js";
import { fresh } from "./helpers.js";

const RUNS = { numRuns: 60 };

/** Runs a process body to completion on virtual time (advancing `ms`). */
async function runFor<R>(rt: Runtime, body: () => Generator<unknown, R, unknown>, ms = 0): Promise<R> {
  const p = run(body);
  await rt.advance(ms);
  return p;
}

// ---- per-sender FIFO --------------------------------------------------------

test("per-sender FIFO: messages of each sender arrive in send order, whatever the interleaving", async () => {
  await fc.assert(
    fc.asyncProperty(
      // per sender: how many messages, and after which ones it yields
      fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 8 }),
      async (senders, budget) => {
        const rt = fresh({ budget });
        const total = senders.reduce((n, s) => n + s.length, 0);
        const got = await runFor(rt, function* () {
          const me = self();
          senders.forEach((yields, who) =>
            spawn(function* () {
              for (let i = 0; i < yields.length; i++) {
                send(me, t(who, i));
                if (yields[i]) yield* yieldNow();
              }
            }),
          );
          const out: [number, number][] = [];
          while (out.length < total) {
            const [who, i] = yield* receive([_, _]);
            out.push([who as number, i as number]);
          }
          return out;
        });
        assert.equal(got.length, total);
        const next = senders.map(() => 0);
        for (const [who, i] of got) assert.equal(i, next[who]!++, `sender ${who} out of order`);
        assert.deepEqual(next, senders.map((s) => s.length));
      },
    ),
    RUNS,
  );
});

// ---- selective receive against a model ----------------------------------------

/** A pattern and the model's independent idea of what it matches. */
interface Pat {
  pattern: unknown;
  model: (m: Msg) => boolean;
  text: string;
}
type Msg = number | Tuple;
const TAGS = [atom("a"), atom("b"), atom("c")] as const;

const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.integer({ min: 0, max: 9 }),
  fc.tuple(fc.constantFrom(...TAGS), fc.integer({ min: 0, max: 9 })).map(([tag, n]) => t(tag, n) as Tuple),
);

const patArb: fc.Arbitrary<Pat> = fc.oneof(
  fc.integer({ min: 0, max: 9 }).map((n) => ({ pattern: n, model: (m: Msg) => m === n, text: `${n}` })),
  fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 3 })).map(([d, r]) => ({
    pattern: (m: unknown) => typeof m === "number" && m % d === r,
    model: (m: Msg) => typeof m === "number" && m % d === r,
    text: `n%${d}==${r}`,
  })),
  fc.constantFrom(...TAGS).map((tag) => ({
    pattern: [tag, _],
    model: (m: Msg) => m instanceof Tuple && m[0] === tag,
    text: `{${tag.name},_}`,
  })),
  fc.tuple(fc.constantFrom(...TAGS), fc.integer({ min: 0, max: 9 })).map(([tag, n]) => ({
    pattern: [tag, n],
    model: (m: Msg) => m instanceof Tuple && m[0] === tag && m[1] === n,
    text: `{${tag.name},${n}}`,
  })),
);

/** The model: index of the first message that matches any pattern, and which clause took it. */
function firstMatch(box: Msg[], pats: Pat[]): [index: number, clause: number] {
  for (let i = 0; i < box.length; i++) {
    const c = pats.findIndex((p) => p.model(box[i]!));
    if (c >= 0) return [i, c];
  }
  return [-1, -1];
}

test("selective receive takes the FIRST message matching any clause, and leaves the others in order", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(msgArb, { maxLength: 25 }), fc.array(patArb, { minLength: 1, maxLength: 3 }), async (box, pats) => {
      const rt = fresh();
      const [got, rest] = await runFor(rt, function* () {
        for (const m of box) send(self(), m);
        const clauses = pats.map((p, c) => on(p.pattern, (m) => [c, m] as const));
        const r = yield* receive(...clauses, after(0, () => "none" as const));
        return [r, processInfo(self(), "messages")] as const;
      });
      const [i, c] = firstMatch(box, pats);
      if (i < 0) {
        assert.equal(got, "none");
        assert.deepEqual(rest, box);
      } else {
        assert.deepEqual(got, [c, box[i]]);
        assert.deepEqual(rest, [...box.slice(0, i), ...box.slice(i + 1)]);
      }
    }),
    { numRuns: 150 },
  );
});

test("save pointer: a sequence of blocking selective receives while messages arrive in batches equals the model", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(msgArb, { minLength: 1, maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
      fc.array(patArb, { minLength: 1, maxLength: 12 }),
      async (stream, batches, pats) => {
        // The model: each receive takes the earliest remaining message of the whole stream that it matches.
        const model = [...stream];
        const expected: Msg[] = [];
        const usable: Pat[] = [];
        for (const p of pats) {
          const i = model.findIndex((m) => p.model(m));
          if (i < 0) break; // the receiver would block forever here: stop the sequence
          expected.push(model.splice(i, 1)[0]!);
          usable.push(p);
        }
        const rt = fresh();
        const out = await runFor(rt, function* () {
          const me = self();
          const receiver = spawn(function* () {
            const got: unknown[] = [];
            for (const p of usable) got.push(yield* receive(p.pattern));
            yield* receive([atom("end")]); // a 1-tuple no pattern above matches: everything has arrived
            send(me, t(atom("done"), got, processInfo(self(), "messages")));
            yield* receive(atom("never"));
          });
          // Send in batches, yielding between them so the receiver scans, blocks and resumes.
          let k = 0;
          for (let b = 0; k < stream.length; b++) {
            const n = batches[b % batches.length]!;
            for (let j = 0; j < n && k < stream.length; j++) send(receiver, stream[k++]);
            yield* yieldNow();
            yield* yieldNow();
          }
          send(receiver, t(atom("end")));
          const [, got, left] = yield* receive([atom("done"), _, _]);
          return [got, left] as const;
        });
        assert.deepEqual(out[0], expected);
        assert.deepEqual(out[1], model);
      },
    ),
    { numRuns: 150 },
  );
});

// ---- the receive marker ---------------------------------------------------------

test("receive marker: a reply tagged with a fresh ref is found behind junk, before junk, and after consuming other messages", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 20 }), // junk queued before makeRef
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 10 }), // junk sent after the reply
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }), // values consumed between makeRef and the ref receive
      fc.boolean(), // does the reply arrive before the consuming receives?
      async (before, afterJunk, consume, replyFirst) => {
        const rt = fresh();
        const result = await runFor(
          rt,
          function* () {
            const me = self();
            // An old ref and a reply shaped like the real one, to be skipped.
            const old = makeRef();
            send(me, t(old, "stale"));
            for (const j of before) send(me, j);
            const ref: Ref = makeRef();
            const server = spawn(function* () {
              yield* receive(atom("go"));
              send(me, t(ref, "reply"));
              for (const j of afterJunk) send(me, j);
            });
            if (replyFirst) {
              send(server, atom("go"));
              yield* yieldNow();
              yield* yieldNow();
            }
            // Take some unrelated messages (those present) between makeRef and the receive.
            for (const v of consume) yield* receive(v, after(0, () => null));
            if (!replyFirst) send(server, atom("go"));
            const r = yield* receive(
              on([ref, _], ([, x]) => x),
              after(1_000, () => "missed"),
            );
            return [r, processInfo(self(), "messages")] as const;
          },
          2_000,
        );
        assert.equal(result[0], "reply");
        // Everything else is still there, in order, including the stale reply.
        const left = result[1] as unknown[];
        assert.ok(left.some((m) => m instanceof Tuple && m[1] === "stale"));
        assert.ok(!left.some((m) => m instanceof Tuple && m[1] === "reply"));
      },
    ),
    { numRuns: 120 },
  );
});

test("receive marker: a second fresh ref does not hide the reply to the first", async () => {
  const rt = fresh();
  const r = await runFor(rt, function* () {
    const me = self();
    for (let i = 0; i < 5; i++) send(me, i);
    const first = makeRef();
    send(me, t(first, 1));
    makeRef(); // moves the marker past the first reply
    return yield* receive(on([first, _], ([, x]) => x), after(0, () => "missed"));
  });
  assert.equal(r, 1);
});

// ---- after ---------------------------------------------------------------------

test("after(0) polls: takes a matching message, else runs the timeout body at once and leaves the mailbox alone", async () => {
  const rt = fresh();
  const r = await runFor(rt, function* () {
    const a = yield* receive(atom("x"), after(0, () => "empty"));
    send(self(), 1);
    send(self(), atom("x"));
    const b = yield* receive(atom("x"), after(0, () => "none"));
    const c = yield* receive(atom("x"), after(0, () => "none"));
    return [a, b, c, processInfo(self(), "messages")];
  });
  assert.deepEqual(r, ["empty", atom("x"), "none", [1]]);
  assert.equal(rt.clock.now(), 0, "no virtual time passed");
});

test("after(ms) fires on virtual time, exactly at ms; non-matching messages do not restart it", async () => {
  const rt = fresh();
  let result: unknown = "pending";
  const pid = spawn(function* () {
    result = yield* receive(atom("wanted"), after(100, () => "timeout"));
  });
  await rt.advance(50);
  send(pid, atom("junk"));
  await rt.advance(49);
  assert.equal(result, "pending");
  await rt.advance(1);
  assert.equal(result, "timeout");
});

test("after(ms): a message that matches in time wins, and the timer does not fire later", async () => {
  const rt = fresh();
  const seen: unknown[] = [];
  const pid = spawn(function* () {
    seen.push(yield* receive(atom("wanted"), after(100, () => "timeout")));
    seen.push(yield* receive(atom("second"), after(500, () => "timeout2")));
  });
  await rt.advance(60);
  send(pid, atom("wanted"));
  await rt.advance(100); // past the first timeout
  assert.deepEqual(seen, [atom("wanted")]);
  await rt.advance(440); // 600: the second receive's own timeout (armed at 60) fires at 560
  assert.deepEqual(seen, [atom("wanted"), "timeout2"]);
});

test("catch-all clause: the first message wins even when a later one matches an earlier clause", async () => {
  const rt = fresh();
  const r = await runFor(rt, function* () {
    send(self(), "junk");
    send(self(), t(atom("ok"), 1));
    const first = yield* receive(
      on([atom("ok"), _], () => "ok"),
      on(_, (m) => `other:${m}`),
    );
    const second = yield* receive(
      on([atom("ok"), _], () => "ok"),
      on(_, (m) => `other:${m}`),
    );
    return [first, second];
  });
  assert.deepEqual(r, ["other:junk", "ok"]);
});

test("a reference made here is a Ref (LocalRef is a base class linked under Ref, not a subclass)", async () => {
  fresh();
  const got = await run(function* () {
    const r = makeRef();
    return [r instanceof Ref, isRef(r), r.ids.length] as const;
  });
  assert.deepEqual(got, [true, true, 3]);
});

// ---- a receive whose message is already queued ------------------------------------
// It is taken at the `yield*` itself (Runtime.receiveNow), not through the scheduler: the same outcomes.

test("a queued message matched at the yield*: a throwing predicate or body surfaces there, the message stays when the predicate threw", async () => {
  const rt = fresh();
  const r = await runFor(rt, function* () {
    const me = self();
    send(me, 1);
    send(me, 2);
    let predicateError = "";
    try {
      yield* receive((m: unknown): m is number => {
        if (m === 1) throw new Error("bad predicate");
        return false;
      });
    } catch (e) {
      predicateError = (e as Error).message;
    }
    let bodyError = "";
    try {
      yield* receive(on(2, () => {
        throw new Error("bad body");
      }));
    } catch (e) {
      bodyError = (e as Error).message;
    }
    const op = receive(1);
    const first = yield* op;
    let reuse = "";
    try {
      yield* op;
    } catch (e) {
      reuse = (e as Error).message;
    }
    return [predicateError, bodyError, first, /used once/.test(reuse), processInfo(me, "messages")];
  });
  assert.deepEqual(r, ["bad predicate", "bad body", 1, true, []]);
});

test("a receive with no queued match, then one that matches at its yield*: order and values as in Erlang", async () => {
  const rt = fresh();
  const r = await runFor(
    rt,
    function* () {
      const me = self();
      const got: unknown[] = [];
      spawn(function* () {
        send(me, atom("late"));
      });
      got.push(yield* receive(atom("late"), after(10, () => "timeout"))); // waits: nothing queued yet
      send(me, t(atom("a"), 1));
      send(me, t(atom("b"), 2));
      got.push(yield* receive(on([atom("b"), _], ([, x]) => x))); // skips {a, 1}, at once
      got.push(yield* receive(on([atom("b"), _], ([, x]) => x), after(0, () => "none"))); // nothing: after(0)
      got.push(yield* receive(_));
      return got;
    },
    20,
  );
  assert.deepEqual(r, [atom("late"), 2, "none", t(atom("a"), 1)]);
});

test("a process's recycled receive op: pattern lists of different lengths in turn, and after(Infinity) never fires", async () => {
  const rt = fresh();
  const A = atom("a");
  const B = atom("b");
  const C = atom("c");
  const D = atom("d");
  const E = atom("e");
  const r = await runFor(
    rt,
    function* () {
      const me = self();
      const got: unknown[] = [];
      send(me, C);
      send(me, B);
      send(me, A);
      got.push(yield* receive(A, B)); // two patterns: the first match in the mailbox is b
      got.push(yield* receive(C)); // one pattern: the op's earlier first pattern (a) must not linger
      send(me, E);
      got.push(yield* receive(D, E)); // two again, in the reused array: e (the a queued before it matches neither)
      got.push(yield* receive(A));
      send(me, 7);
      got.push(yield* receive(on(C, () => "c"), (x: unknown): x is number => typeof x === "number", after(Infinity, () => "fired")));
      spawn(function* () {
        yield* receive(after(50, () => undefined)); // a sleep
        send(me, B);
      });
      got.push(yield* receive(B, after(Infinity, () => "fired")));
      return got;
    },
    100,
  );
  assert.deepEqual(r, [B, C, E, A, 7, B]);
  assert.equal(rt.clock.now(), 100);
});

test("a process's own receive: one built while another waits to be yield*ed keeps its own patterns; bodies and after end with their receive", async () => {
  const rt = fresh();
  const A = atom("a");
  const B = atom("b");
  const r = await runFor(
    rt,
    function* () {
      const me = self();
      const got: unknown[] = [];
      send(me, B);
      send(me, A);
      const first = receive(A); // the process's own receive
      const second = receive(on(B, () => "b body")); // built before the first is used: an op of its own
      got.push(yield* second);
      got.push(yield* first);
      got.push(yield* receive(on(A, () => "a body"), after(5, () => "timeout"))); // nothing queued: times out at 5
      send(me, A);
      got.push(yield* receive(A)); // the message itself: the earlier clause body is gone
      spawn(function* () {
        yield* receive(after(50, () => undefined));
        send(me, B);
      });
      got.push(yield* receive(B)); // waits until 50: the earlier after(5) is gone too
      return got;
    },
    100,
  );
  assert.deepEqual(r, ["b body", A, "timeout", A, B]);
  assert.equal(rt.clock.now(), 100);
});
