/**
 * docs/cluster.md ("Distributed applications"), played for real:
 * every ```ts block of the section is in examples/distributed_kv.ts, and
 * the example runs as the guide says on three Agner nodes: this process
 * (`startKvNode`, last in the priority list) and two OS processes running
 * the same application; the store answers `kvGet` from the first node,
 * and after a kill -9 of that node, from the second (`{failover, a}`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { guideSections } from "../support/doc_transcript.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, describe, test } from "node:test";
import { kvGet, startKvNode } from "../../examples/distributed_kv.js";
import { Application, Runtime, atom, cast, global, setDefaultRuntime, silentLogger, stopNode, t } from "../../src/index.js";
import { EpmdServer } from "../../src/distribution/index.js";
import { type AgnerNode, startAgnerNode } from "../support/agner_node.js";
import { freePort, uniqueName } from "../support/dist.js";

const repo = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const main = join(fileURLToPath(new URL(".", import.meta.url)), "..", "support", "distac_node_main.js");

describe("docs/cluster.md, Distributed applications, on three Agner nodes", () => {
  const rt = new Runtime({ logger: silentLogger });
  const children: AgnerNode[] = [];
  let epmd: EpmdServer | undefined;
  afterAll(async () => {
    for (const c of children) await c.stop(true);
    await stopNode(rt);
    rt.shutdown();
    await epmd?.close();
  });

  test("the guide's TypeScript is the example's; the store fails over from a to b, found by its global name", async () => {
    const md = guideSections("cluster.md").get("Distributed applications")!;
    const example = readFileSync(join(repo, "examples", "distributed_kv.ts"), "utf8");
    const blocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)];
    assert.equal(blocks.length, 3);
    for (const m of blocks) assert.ok(example.includes(m[1]!.trimEnd()), `a ts block of the guide is not in the example:\n${m[1]}`);

    setDefaultRuntime(rt);
    const epmdPort = await freePort();
    epmd = await EpmdServer.start({ port: epmdPort, addresses: ["127.0.0.1"] });
    const [a, b, c] = ["a", "b", "c"].map((p) => `${uniqueName(p)}@localhost`) as [string, string, string];
    for (const n of [a, b]) children.push(await startAgnerNode({ name: n, cookie: "secret", epmdPort, ticktime: 4, main }));
    const priority = [a, b, c];
    const started = children.map((ch) => ch.command(t(atom("start"), priority.map((n) => atom(n))), 30_000));
    await startKvNode(c, priority, { epmdPort });
    assert.deepEqual(await Promise.all(started), [atom("local"), atom("remote")]);
    assert.deepEqual(Application.startedApplications(), [], "c stands by");

    assert.equal(await kvGet(atom("lang")), atom("nil")); // null on the wire
    cast(global.name(atom("kv")), t(atom("set"), atom("lang"), atom("typescript")));
    assert.equal(await kvGet(atom("lang")), atom("typescript"));
    assert.equal(global.whereisName(atom("kv"))?.node, atom(a));

    // kill -9 of a: b starts it ({failover, a}); the data went down with a.
    await children[0]!.stop(true);
    for (let i = 0; global.whereisName(atom("kv"))?.node !== atom(b); i++) {
      assert.ok(i < 500, "kv moves to b");
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await kvGet(atom("lang")), atom("nil")); // null on the wire
    assert.deepEqual(Application.startedApplications(), [], "c still stands by: b comes first");
  });
});
