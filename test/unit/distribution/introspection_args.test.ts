/**
 * The introspection calls take their arguments from any peer: whatever a
 * caller passes (any term, any number of them), the answer is a value, a
 * `badarg` error as erl's, or (for the calls that reach a server) erl's
 * exit of a call to nothing, never a JavaScript error of the node, and the
 * node goes on answering.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import fc from "fast-check";
import { type Atom, GenServer, Runtime, Supervisor, atom, equals, inspect, ok, provideReport, rpc, silentLogger, startNode, stopNode } from "../../../src/index.js";
import type { MemoryNetwork } from "../../support/memory_transport.js";
import { Tuple } from "../../../src/term/tuple.js";
import { termArb } from "../../support/term_arbitrary.js";
import { type TestNode, cluster, runOn, shutdown } from "./helpers.js";

const BADRPC = atom("badrpc");
const EXIT = atom("EXIT");
const BADARG = atom("badarg");

/** The erlang module's introspection functions and their arities. */
const ERLANG_FNS: [string, number][] = [
  ["processes", 0],
  ["registered", 0],
  ["process_info", 1],
  ["process_info", 2],
  ["is_process_alive", 1],
  ["memory", 0],
  ["memory", 1],
  ["statistics", 1],
  ["system_info", 1],
  ["node", 0],
  ["nodes", 0],
  ["nodes", 1],
];

/** `{badrpc, {'EXIT', {badarg, Stack}}}`: what rpc answers for a BIF's badarg. */
function isBadarg(r: unknown): boolean {
  return r instanceof Tuple && r[0] === BADRPC && r[1] instanceof Tuple && r[1][0] === EXIT && r[1][1] instanceof Tuple && r[1][1][0] === BADARG;
}

/** A JS error that escaped as `{badrpc, {'EXIT', {{'TypeError', Msg}, Stack}}}`. */
function isJsError(r: unknown): boolean {
  if (!(r instanceof Tuple && r[0] === BADRPC && r[1] instanceof Tuple && r[1][0] === EXIT)) return false;
  const why = r[1][1];
  return why instanceof Tuple && why[0] instanceof Tuple && why[0][0] instanceof Object && /Error$/.test((why[0][0] as Atom).name ?? "");
}

class Holder extends GenServer<number> {
  init() {
    return ok(7);
  }
}

describe("introspection arguments from a peer", () => {
  let a: TestNode;
  let b: TestNode;
  let all: TestNode[];
  let net: MemoryNetwork;
  before(async () => {
    ({ net, nodes: all } = await cluster(["ia", "ib"]));
    [a, b] = all as [TestNode, TestNode];
    await runOn(b.rt, function* () {
      yield* Supervisor.start([{ id: "holder", start: () => GenServer.startLink(new Holder(), undefined, { name: "ia_holder" }).result() }], { name: "ia_sup" });
    });
  });
  afterAll(() => shutdown(all));

  const callB = (m: string, f: string, args: unknown[]) => runOn(a.rt, function* () {
    return yield* rpc.call(b.name, m, f, args);
  });

  test("any terms as arguments of the erlang functions: a value or badarg, never a JS error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ERLANG_FNS), fc.array(termArb, { minLength: 2, maxLength: 2 }), async ([fn, arity], args) => {
        const r = await callB("erlang", fn, args.slice(0, arity));
        assert.ok(!isJsError(r), `erlang:${fn}/${arity} leaked a JS error: ${String(r)}`);
      }),
      { numRuns: 300 },
    );
    // Bad arguments erl refuses are badarg here too.
    for (const [fn, args] of [
      ["process_info", [1]],
      ["process_info", [a.rt.processes()[0], atom("bogus")]],
      ["process_info", [a.rt.processes()[0], [atom("memory"), 3]]],
      ["memory", [atom("bogus")]],
      ["memory", [[atom("total"), atom("bogus")]]],
      ["statistics", [atom("bogus")]],
      ["statistics", ["reductions"]],
      ["system_info", [atom("uptime")]],
      ["is_process_alive", [atom("x")]],
      ["nodes", [atom("bogus")]],
    ] as [string, unknown[]][]) {
      assert.ok(isBadarg(await callB("erlang", fn, args)), `erlang:${fn}(${args.map(String).join(", ")}) is badarg`);
    }
  });

  test("any terms as arguments of the OTP functions: a value, badarg or an exit, never a JS error", async () => {
    const fns: [string, string, number][] = [
      ["application", "which_applications", 0],
      ["application", "which_applications", 1],
      ["supervisor", "which_children", 1],
      ["sys", "get_state", 1],
      ["sys", "get_state", 2],
      ["Elixir.Process", "info", 1],
      ["Elixir.Process", "info", 2],
    ];
    // Servers are named by atoms that name nothing here, or by terms that are not servers (no pid: a pid of
    // a third node would make the call wait for a connection that never comes).
    const noPid = termArb.filter((x) => !JSON.stringify(x, (_, v) => (typeof v === "bigint" ? 0 : v)).includes('"node"'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fns), fc.oneof(noPid, fc.constant(atom("nobody_here"))), fc.oneof(noPid, fc.constant(10)), async ([m, f, arity], x, y) => {
        const r = await callB(m, f, [x, y].slice(0, arity));
        assert.ok(!isJsError(r), `${m}:${f}/${arity} leaked a JS error: ${String(r)}`);
      }),
      { numRuns: 200 },
    );
    // And the node still answers, with the same supervisor.
    const kids = await callB("supervisor", "which_children", [atom("ia_sup")]);
    assert.ok(Array.isArray(kids) && kids.length === 1 && equals((kids[0] as Tuple)[0], "holder"), String(kids));
    assert.equal(await callB("sys", "get_state", [atom("ia_holder")]), 7);
    assert.ok(equals(await callB("erlang", "node", []), b.name));
  });

  test("agner_introspection:report/1: a registered report as JSON, undefined for any other term, never a JS error", async () => {
    const stop = provideReport("ia_jobs", () => ({ queued: 3, names: ["a"] }), b.rt);
    try {
      const r = await callB("agner_introspection", "report", [new TextEncoder().encode("ia_jobs")]);
      assert.ok(r instanceof Uint8Array, inspect(r));
      assert.deepEqual(JSON.parse(new TextDecoder().decode(r)), { queued: 3, names: ["a"] });
      assert.ok(equals(await callB("agner_introspection", "report", [atom("ia_jobs")]), r));
      await fc.assert(
        fc.asyncProperty(termArb, async (x) => {
          const got = await callB("agner_introspection", "report", [x]);
          assert.ok(got === atom("undefined") || got instanceof Uint8Array, `report(${inspect(x)}) answered ${inspect(got)}`);
        }),
        { numRuns: 200 },
      );
    } finally {
      stop();
    }
    assert.equal(await callB("agner_introspection", "report", [new TextEncoder().encode("ia_jobs")]), atom("undefined"));
  });

  test("started with introspection: false, the calls are undef; node/0 still answers", async () => {
    const rt = new Runtime({ logger: silentLogger });
    const name = await startNode({ name: `ioff_${process.pid}@localhost`, cookie: "test", runtime: rt, transport: net.factory, introspection: false });
    try {
      const r = await runOn(a.rt, function* () {
        return [
          yield* rpc.call(name, "erlang", "processes", []),
          yield* rpc.call(name, "sys", "get_state", [atom("rex")]),
          yield* rpc.call(name, "agner_introspection", "report", [atom("kv")]),
          yield* rpc.call(name, "erlang", "node", []),
          yield* rpc.call(name, "erlang", "nodes", [atom("connected")]),
          yield* rpc.call(name, "erlang", "system_info", [atom("atom_count")]),
        ];
      });
      for (const x of r.slice(0, 3)) assert.ok(x instanceof Tuple && x[0] === BADRPC && inspect(x).includes("undef"), inspect(x));
      assert.ok(equals(r[3], name));
      assert.ok(equals(r[4], [a.name]));
      assert.equal(typeof r[5], "number");
    } finally {
      await stopNode(rt);
      rt.shutdown();
    }
  });
});
