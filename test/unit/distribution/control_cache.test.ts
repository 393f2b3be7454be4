/**
 * The caches of the last control message (control_cache.ts) are fast
 * paths: over any sequence of control messages, with repeats, they must
 * decode exactly what the plain decoder decodes (including for pids of
 * this node, whose decoded value changes when their process dies) and
 * write exactly the bytes the plain encoder writes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid, ExternalRef, type Pid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { type DecodeOptions, Decoder, Encoder, type LocalIdentifiers } from "../../../src/etf/index.js";
import { type ControlMessage, DFLAG, OFFERED, decodeControl, encodeControl } from "../../../src/distribution/index.js";
import { ControlCache, SentControl } from "../../../src/distribution/control_cache.js";
import { termArb } from "../../support/term_arbitrary.js";

const here = atom("here@host");
const peer = atom("peer@host");
// Few pids, names and payloads, so that sequences repeat control messages.
const peerPids = [1, 2].map((i) => new ExternalPid(peer, i, 0, 7));
const ourPids = [1, 2].map((i) => new ExternalPid(here, i, 0, 5));
const pid = fc.constantFrom(...peerPids, ...ourPids);
const name = fc.constantFrom(atom("sink"), atom("echo"));
const ref = fc.constantFrom(new ExternalRef(peer, 7, [1, 2, 3]), new ExternalRef(here, 5, [4, 5, 6]));
const payload = fc.oneof(fc.constantFrom(t(atom("msg"), 1), atom("ping")), termArb);
const msg: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc.record({ op: fc.constant("reg_send" as const), from: pid, to: name, msg: payload }),
  fc.record({ op: fc.constant("send" as const), to: pid, msg: payload }),
  fc.record({ op: fc.constant("send" as const), from: pid, to: pid, msg: payload }),
  fc.record({ op: fc.constant("reg_send" as const), from: pid, to: name, msg: payload, token: fc.constant(atom("tok")) }),
  fc.record({ op: fc.constant("alias_send" as const), from: pid, alias: ref, msg: payload }),
  fc.record({ op: fc.constant("monitor" as const), from: pid, to: fc.oneof(pid, name), ref }),
  fc.record({ op: fc.constant("link" as const), from: pid, to: pid }),
);

/** A stand-in process of this node: what `local.pid` resolves a live one to. */
class LiveProc extends ExternalPid {}

/**
 * This node's identifiers as a runtime resolves them: a pid of a live
 * process decodes to that process; `dies` (a step index per pid id) ends
 * it, after which its pid decodes as a plain pid.
 */
function localHooks(deadFrom: Map<number, number>, step: () => number): LocalIdentifiers {
  const live = new Map<number, Pid>(ourPids.map((p) => [p.id, new LiveProc(here, p.id, 0, 5)]));
  return {
    node: here,
    creation: 5,
    pid: (id) => (step() < (deadFrom.get(id) ?? Infinity) ? live.get(id) : undefined),
    ref: () => undefined,
  };
}

function encode(m: ControlMessage, versioned: boolean): Uint8Array {
  const e = new Encoder();
  assert.ok(encodeControl(e, m, OFFERED, versioned));
  return e.buf.slice(0, e.pos);
}

test("with the cache, every control message decodes as without it, in any sequence", () => {
  fc.assert(
    fc.property(
      fc.array(msg, { minLength: 1, maxLength: 40 }),
      fc.boolean(),
      fc.array(fc.tuple(fc.constantFrom(1, 2), fc.nat(40)), { maxLength: 2 }),
      (msgs, versioned, deaths) => {
        let i = 0;
        const opts: DecodeOptions = { local: localHooks(new Map(deaths), () => i) };
        const cache = new ControlCache(opts.local);
        for (; i < msgs.length; i++) {
          const bytes = encode(msgs[i]!, versioned);
          const plain = decodeControl(new Decoder(bytes, 0, opts), bytes.length, versioned);
          const cached = decodeControl(new Decoder(bytes, 0, opts), bytes.length, versioned, cache);
          assert.deepStrictEqual(cached, plain);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("a repeated REG_SEND from a peer's process is answered from the cache", () => {
  const cache = new ControlCache(undefined);
  const first = encode({ op: "reg_send", from: peerPids[0]!, to: atom("sink"), msg: 1 }, false);
  const second = encode({ op: "reg_send", from: peerPids[0]!, to: atom("sink"), msg: 2 }, false);
  const a = decodeControl(new Decoder(first, 0), first.length, false, cache);
  const b = decodeControl(new Decoder(second, 0), second.length, false, cache);
  assert.ok(cache.lookup(second, 0) !== null);
  assert.equal((a as { from: Pid }).from, (b as { from: Pid }).from, "the same decoded pid: not decoded again");
  assert.equal((b as { msg: unknown }).msg, 2);
});

test("a SEND to a process of this node that died meanwhile decodes to the plain pid, as without the cache", () => {
  let step = 0;
  const opts: DecodeOptions = { local: localHooks(new Map([[1, 1]]), () => step) };
  const cache = new ControlCache(opts.local);
  const bytes = encode({ op: "send", to: ourPids[0]!, msg: 1 }, false);
  assert.ok(decodeControl(new Decoder(bytes, 0, opts), bytes.length, false, cache).op === "send");
  step = 1;
  const after = decodeControl(new Decoder(bytes, 0, opts), bytes.length, false, cache) as { to: Pid };
  assert.equal(after.to.constructor, ExternalPid);
  assert.equal(cache.lookup(bytes, 0), null, "never kept");
});

test("with the sent-control cache, every control message is written as without it, in any sequence", () => {
  // The same pid objects (cache hits) and equal copies of them (misses by identity).
  const samePid = fc.constantFrom(...peerPids, ...ourPids);
  const copyPid = samePid.map((p) => new ExternalPid(p.node, p.id, p.serial, p.creation));
  const anyPid = fc.oneof(samePid, copyPid);
  const out: fc.Arbitrary<ControlMessage> = fc.oneof(
    fc.record({ op: fc.constant("reg_send" as const), from: anyPid, to: name, msg: payload }),
    fc.record({ op: fc.constant("send" as const), to: anyPid, msg: payload }),
    fc.record({ op: fc.constant("send" as const), from: anyPid, to: anyPid, msg: payload }),
    fc.record({ op: fc.constant("reg_send" as const), from: anyPid, to: name, msg: payload, token: fc.constant(atom("tok")) }),
    fc.record({ op: fc.constant("send" as const), from: anyPid, to: anyPid, msg: payload, token: fc.constant(7) }),
    fc.record({ op: fc.constant("monitor" as const), from: anyPid, to: fc.oneof(anyPid, name), ref }),
  );
  fc.assert(
    fc.property(fc.array(out, { minLength: 1, maxLength: 40 }), fc.boolean(), fc.boolean(), (msgs, versioned, sender) => {
      const flags = sender ? OFFERED : OFFERED & ~DFLAG.SEND_SENDER;
      const sent = new SentControl();
      const plain = new Encoder();
      const cached = new Encoder();
      for (const m of msgs) {
        plain.pos = 0;
        cached.pos = 0;
        assert.ok(encodeControl(plain, m, flags, versioned));
        assert.ok(encodeControl(cached, m, flags, versioned, sent));
        assert.deepStrictEqual(cached.buf.subarray(0, cached.pos), plain.buf.subarray(0, plain.pos));
      }
    }),
    { numRuns: 300 },
  );
});
