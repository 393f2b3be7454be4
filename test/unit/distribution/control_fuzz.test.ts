/**
 * A peer's control messages are untrusted: whatever valid-looking but
 * hostile messages a peer sends (pids and references of this node that do
 * not exist or belong to another incarnation, of the peer, of third nodes;
 * unlink acks for links never made; MONITOR_P_EXIT for monitors never held;
 * spawn requests for anything; any term as a reason or a message), the
 * node must not throw, must keep its bookkeeping consistent, and must go on
 * working. The transport already validated the shapes (control.ts is fuzzed
 * there); this checks what the semantics layer does with the values.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Atom, ExternalPid, ExternalRef, type Pid, type Ref, atom, call, on, processFlag, receive, t } from "../../../src/index.js";
import type { ControlMessage } from "../../../src/distribution/control.js";
import type { NetKernel } from "../../../src/distribution/net_kernel.js";
import type { DistConnection } from "../../../src/distribution/types.js";
import { DEAD, type Proc } from "../../../src/runtime/process.js";
import { termArb } from "../../support/term_arbitrary.js";
import { cluster, runOn, shutdown } from "./helpers.js";

test("random control messages from a peer never throw and leave the node consistent and working", async () => {
  const { nodes } = await cluster(["fz_a", "fz_b"]);
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  try {
    const k = a.rt.remote as NetKernel;
    // A connection from b, as a's kernel sees it.
    await runOn(a.rt, () => undefined);
    const { connect } = await import("../../../src/distribution/node.js");
    const { setDefaultRuntime } = await import("../../../src/runtime/erlang.js");
    setDefaultRuntime(a.rt);
    assert.equal(await connect(b.name), true);
    const conn = (k as unknown as { conns: Map<Atom, DistConnection> }).conns.get(b.name)!;

    // Some live local processes (a few of them trapping exits) and their pids as a peer would name them.
    const locals: Proc[] = [];
    for (let i = 0; i < 8; i++) {
      locals.push(
        a.rt.spawn(function* () {
          if (i % 2 === 0) processFlag("trap_exit", true);
          yield* receive(on(atom("never"), () => undefined));
        }) as Proc,
      );
    }
    const localPid = fc.constantFrom(...locals) as fc.Arbitrary<Pid>;
    const ourNodePid = fc.tuple(fc.nat(200), fc.nat(3), fc.constantFrom(a.rt.creation, a.rt.creation + 1)).map(([id, s, c]) => new ExternalPid(a.name, id, s, c));
    const peerPid = fc.tuple(fc.nat(500), fc.nat(3)).map(([id, s]) => new ExternalPid(b.name, id, s, b.rt.creation));
    const thirdPid = fc.tuple(fc.nat(500), fc.nat(3)).map(([id, s]) => new ExternalPid(atom("third@host"), id, s, 1));
    const pid = fc.oneof(localPid, ourNodePid, peerPid, thirdPid);
    const ref: fc.Arbitrary<Ref> = fc
      .tuple(fc.constantFrom(a.name, b.name, atom("third@host")), fc.nat(3), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }))
      .map(([n, c, ids]) => new ExternalRef(n, c, ids));
    const name = fc.constantFrom(atom("net_kernel"), atom("rex"), atom("nosuch"), atom("primary"));
    const id = fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 1n << 64n }));
    const msg: fc.Arbitrary<ControlMessage> = fc.oneof(
      fc.record({ op: fc.constant("send" as const), to: pid, msg: termArb }),
      fc.record({ op: fc.constant("reg_send" as const), from: pid, to: name, msg: termArb }),
      fc.record({ op: fc.constant("alias_send" as const), from: pid, alias: ref, msg: termArb }),
      fc.record({ op: fc.constant("link" as const), from: pid, to: pid }),
      fc.record({ op: fc.constant("unlink" as const), from: pid, to: pid }),
      fc.record({ op: fc.constant("unlink_id" as const), id, from: pid, to: pid }),
      fc.record({ op: fc.constant("unlink_id_ack" as const), id, from: pid, to: pid }),
      fc.record({ op: fc.constant("exit" as const), from: pid, to: pid, reason: fc.oneof(termArb, fc.constantFrom(atom("kill"), atom("normal"))) }),
      fc.record({ op: fc.constant("exit2" as const), from: pid, to: pid, reason: fc.oneof(termArb, fc.constantFrom(atom("kill"), atom("normal"))) }),
      fc.record({ op: fc.constant("monitor" as const), from: pid, to: fc.oneof(pid, name), ref }),
      fc.record({ op: fc.constant("demonitor" as const), from: pid, to: fc.oneof(pid, name), ref }),
      fc.record({ op: fc.constant("monitor_exit" as const), from: fc.oneof(pid, name), to: pid, ref, reason: termArb }),
      fc.record({ op: fc.constant("group_leader" as const), from: pid, to: pid }),
      fc.record({
        op: fc.constant("spawn_request" as const),
        reqId: ref,
        from: pid,
        groupLeader: pid,
        module: fc.constantFrom(atom("erpc"), atom("nosuch"), atom("erlang")),
        function: fc.constantFrom(atom("execute_call"), atom("execute_cast"), atom("apply")),
        arity: fc.nat(6),
        options: fc.array(fc.constantFrom(atom("link"), atom("monitor"), t(atom("priority"), atom("high")))),
        args: fc.array(fc.oneof(termArb, ref, pid), { maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 30 }), (ms) => {
        for (const m of ms) k.control(conn, m);
        return true;
      }),
      { numRuns: 300 },
    );
    await a.rt.settle();
    // Bookkeeping: every link and monitor the entries hold belongs to a live process that holds it too.
    for (const e of a.rt.dist.values()) {
      for (const l of e.links) {
        assert.equal(l.local.flags & DEAD, 0, "no link record of a dead process");
        assert.equal(l.local.ext?.remote?.links.get(l.key), l);
      }
      for (const m of e.monitoredBy.values()) {
        assert.equal(m.target.flags & DEAD, 0);
        assert.ok(m.target.ext?.remote?.monitoredBy.has(m));
      }
    }
    // And the node still works: a call across, both ways.
    const v = await runOn(a.rt, function* () {
      return yield* call(t(atom("net_kernel"), b.name), t(atom("is_auth"), a.name));
    });
    assert.equal(v, atom("yes"));
  } finally {
    await shutdown(nodes);
  }
});
