/**
 * pg views against a model, on memory-joined nodes: random joins, leaves,
 * member deaths and partitions (a disconnected pair; pg never reconnects on
 * its own, its sends are `noconnect`), then every partition healed: every
 * node's view of every group is the model's multiset of live members' joins.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { atom } from "../../../src/term/atom.js";
import type { Proc } from "../../../src/runtime/process.js";
import { connect } from "../../../src/distribution/node.js";
import { type TestNode, cluster, runOn, shutdown } from "./helpers.js";
import { join, keys, kill, leave, member, mesh, overlay, partition, startScopes, until, view } from "./pg_helpers.js";

const NODES = 3;
const MEMBERS = 6; // member i lives on node i % NODES
const GROUPS = [atom("g0"), atom("g1")];

type Op =
  | { op: "join"; m: number; g: number; times: number }
  | { op: "leave"; m: number; g: number }
  | { op: "die"; m: number }
  | { op: "partition"; a: number; b: number }
  | { op: "heal"; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("join" as const), m: fc.nat(MEMBERS - 1), g: fc.nat(GROUPS.length - 1), times: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("leave" as const), m: fc.nat(MEMBERS - 1), g: fc.nat(GROUPS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("die" as const), m: fc.nat(MEMBERS - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("partition" as const), a: fc.nat(NODES - 1), b: fc.nat(NODES - 1) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("heal" as const), a: fc.nat(NODES - 1), b: fc.nat(NODES - 1) }) },
);

async function play(ops: Op[]): Promise<void> {
  // pg alone: global's partition handling (it turns a lost pair into a full partition, and connect_all meshes) is not in the model.
  const { nodes } = await cluster(["p0", "p1", "p2"], { hidden: false, global: { connectAll: false, preventOverlappingPartitions: false } });
  try {
    await mesh(nodes);
    await startScopes(nodes);
    await overlay(nodes);
    const members: Proc[] = [];
    for (let i = 0; i < MEMBERS; i++) members.push(member(nodes[i % NODES]!));
    const dead = new Set<number>();
    // The model: per group, how many times each member joined.
    const model = GROUPS.map(() => new Map<number, number>());
    const home = (m: number): TestNode => nodes[m % NODES]!;
    for (const o of ops) {
      switch (o.op) {
        case "join": {
          const pids = Array.from({ length: o.times }, () => members[o.m]!);
          await join(home(o.m), GROUPS[o.g], pids);
          if (!dead.has(o.m)) model[o.g]!.set(o.m, (model[o.g]!.get(o.m) ?? 0) + o.times);
          break;
        }
        case "leave": {
          const r = await leave(home(o.m), GROUPS[o.g], members[o.m]!);
          const n = model[o.g]!.get(o.m) ?? 0;
          if (!dead.has(o.m)) assert.equal(r, n > 0 ? atom("ok") : atom("not_joined"), "leave's answer");
          if (n > 1) model[o.g]!.set(o.m, n - 1);
          else model[o.g]!.delete(o.m);
          break;
        }
        case "die":
          kill(members[o.m]!);
          dead.add(o.m);
          for (const g of model) g.delete(o.m);
          break;
        case "partition":
          if (o.a !== o.b) await partition(nodes[o.a]!, nodes[o.b]!);
          break;
        case "heal":
          if (o.a !== o.b) await runOn(nodes[o.a]!.rt, () => connect(nodes[o.b]!.name));
          break;
      }
    }
    await mesh(nodes); // every partition healed
    for (let g = 0; g < GROUPS.length; g++) {
      const want: Proc[] = [];
      for (const [m, n] of model[g]!) for (let i = 0; i < n; i++) want.push(members[m]!);
      const w = keys(want).join();
      for (const n of nodes) {
        let last: string[] = [];
        await until(async () => (last = await view(n, GROUPS[g])).join() === w, 5000, `${n.name.name}'s view of ${GROUPS[g]!.name}`).catch((e: Error) => {
          throw new Error(`${e.message}: has [${last.join(" ")}], model [${w}]`);
        });
      }
    }
  } finally {
    await shutdown(nodes);
  }
}


describe("pg views converge to the model", () => {
  test("random joins, leaves, deaths and partitions", async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), play), { numRuns: 100 });
  });
});
