/**
 * pg scopes between runtimes joined in memory: joins, repeated joins,
 * leaves, member deaths and node deaths reach every view; the monitor API;
 * odd messages to a scope are dropped, not fatal. (test/interop/pg.test.ts
 * does the same against real erl nodes.)
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { _, atom, on, receive, self, t, whereis } from "../../../src/index.js";
import { pg } from "../../../src/distribution/pg.js";
import type { Ref } from "../../../src/term/identifiers.js";
import { type TestNode, cluster, runOn, shutdown, wait } from "./helpers.js";
import { join, keys, kill, leave, member, mesh, overlay, startScopes, until, view } from "./pg_helpers.js";

const JOIN = atom("join");
const LEAVE = atom("leave");

describe("pg scopes on memory-joined nodes", () => {
  let nodes: TestNode[];
  let net: Awaited<ReturnType<typeof cluster>>["net"];
  before(async () => {
    ({ net, nodes } = await cluster(["a", "b", "c"], { hidden: false }));
    await mesh(nodes);
    await startScopes(nodes);
    await overlay(nodes);
  });
  afterAll(() => shutdown(nodes));

  test("a join on one node is seen on every node; a pid joined twice is there twice; leaves count", async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const p = member(a);
    const q = member(b);
    assert.equal(await join(a, "g1", p), atom("ok"));
    assert.equal(await join(a, "g1", [p]), atom("ok"));
    assert.equal(await join(b, "g1", q), atom("ok"));
    const want = keys([p, p, q]);
    for (const n of nodes) await until(async () => (await view(n, "g1")).join() === want.join(), 5000, `${n.name.name} sees g1`);
    assert.deepEqual(await runOn(c.rt, () => pg.whichGroups().map(text)), ["g1"]);
    assert.deepEqual(await runOn(a.rt, () => keys(pg.getLocalMembers("g1"))), keys([p, p]));
    assert.deepEqual(await runOn(c.rt, () => pg.getLocalMembers("g1").length), 0);

    assert.equal(await leave(a, "g1", p), atom("ok"));
    const once = keys([p, q]);
    for (const n of nodes) await until(async () => (await view(n, "g1")).join() === once.join(), 5000, "one leave");
    assert.equal(await leave(a, "g1", p), atom("ok"));
    assert.equal(await leave(a, "g1", p), atom("not_joined"));
    assert.equal(await leave(b, "g1", q), atom("ok"));
    for (const n of nodes) await until(async () => (await view(n, "g1")).length === 0, 5000, "g1 empty");
    assert.deepEqual(await runOn(c.rt, () => pg.whichGroups()), []);
  });

  test("a member that dies leaves all its groups on every node", async () => {
    const [a] = nodes as [TestNode];
    const p = member(a);
    await join(a, "d1", [p, p]);
    await join(a, atom("d2"), p);
    for (const n of nodes) await until(async () => (await view(n, "d1")).length === 2 && (await view(n, atom("d2"))).length === 1, 5000, "joined");
    kill(p);
    for (const n of nodes) await until(async () => (await view(n, "d1")).length === 0 && (await view(n, atom("d2"))).length === 0, 5000, "dead member gone");
  });

  test("a node that dies takes its members out of every view; a restarted scope resyncs", async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const pc = member(c);
    const pb = member(b);
    await join(c, "k", pc);
    await join(b, "k", pb);
    for (const n of nodes) await until(async () => (await view(n, "k")).length === 2, 5000, "joined");
    net.kill(c.name);
    for (const n of [a, b]) await until(async () => (await view(n, "k")).join() === keys([pb]).join(), 5000, "c's member gone");

    // b's scope is killed: a drops b's members; a new scope on b starts empty (OTP: membership is not kept).
    const scope = await runOn(b.rt, () => whereis("pg"));
    kill(scope as never);
    await until(async () => (await view(a, "k")).length === 0, 5000, "b's members gone from a");
    await startScopes([b]);
    const pb2 = member(b);
    await join(b, "k", pb2);
    await until(async () => (await view(a, "k")).join() === keys([pb2]).join(), 5000, "a sees b's new scope");
  });

  test("monitorScope and monitor(group) report joins and leaves; demonitor stops them", async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const p = member(b);
    const got = await runOn(a.rt, function* () {
      const { ref: sref } = yield* pg.monitorScope();
      const { ref: gref, members } = yield* pg.monitor("m1");
      const parent = self();
      b.rt.spawn(function* () {
        yield* pg.join("m1", p);
        yield* pg.join("other", p);
        yield* pg.leave("m1", p);
        void parent;
      });
      const seen: string[] = [];
      const take = (ref: Ref, tag: string) =>
        receive(on([ref, _, _, _], (m) => `${tag}:${(m[1] as { name: string }).name}:${text(m[2])}:${(m[3] as unknown[]).length}`));
      seen.push(yield* take(sref, "scope"), yield* take(gref, "group"), yield* take(sref, "scope"), yield* take(sref, "scope"), yield* take(gref, "group"));
      assert.equal(yield* pg.demonitor(gref), atom("ok"));
      assert.equal(yield* pg.demonitor(gref), false);
      yield* pg.demonitor(sref);
      return { seen, members: members.length };
    });
    assert.equal(got.members, 0);
    assert.deepEqual(got.seen, ["scope:join:m1:1", "group:join:m1:1", "scope:join:other:1", "scope:leave:m1:1", "group:leave:m1:1"]);
    void JOIN;
    void LEAVE;
  });

  test("odd messages, casts and calls to a scope are logged and dropped; the scope keeps working", async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const scopeA = (await runOn(a.rt, () => whereis("pg")))!;
    const odd: unknown[] = [
      atom("hello"),
      t(atom("join"), scopeA, "g", "not a pid"),
      t(atom("join"), 42, "g", []),
      t(atom("leave"), scopeA, [1, 2], ["g"]),
      t(atom("leave"), scopeA, scopeA, "not a list"),
      t(atom("discover"), "x"),
      t(atom("$gen_cast"), t(atom("sync"), scopeA, [t("g", [1])])),
      t(atom("$gen_cast"), t(atom("sync"), scopeA, "nope")),
      t(atom("$gen_cast"), atom("what")),
      t(atom("$gen_call"), t(scopeA, makeTag()), atom("bogus")),
      t(atom("DOWN"), 1, 2, 3, 4),
      t(atom("nodeup"), "x"),
      [1, 2, 3],
    ];
    await runOn(b.rt, () => {
      for (const m of odd) b.rt.send(t(atom("pg"), a.name), m);
    });
    await wait(50);
    const after = await runOn(a.rt, () => whereis("pg"));
    assert.equal(after, scopeA, "same scope process");
    assert.ok(a.logs.filter((e) => e.what === "pg_unexpected").length >= odd.length - 1, "logged");
    const p = member(b);
    await join(b, "still", p);
    await until(async () => (await view(a, "still")).length === 1, 5000, "scope still works");
  });
});

/** A group as text: a string group comes back from another node as a binary. */
function text(x: unknown): string {
  return x instanceof Uint8Array ? Buffer.from(x).toString("utf8") : String(x);
}

function makeTag(): unknown {
  return atom("tag");
}
