/**
 * The seed's KeyValueStore as a distributed application
 * (examples/distributed_kv.ts) on three Agner nodes, each its own OS
 * process: it runs on the first node of its priority list; kill -9 of that
 * node while a client on another node calls `{global, kv}` in a loop: the
 * next node starts it (`{failover, Node}`), it runs on exactly one node and
 * the client is answered again; the first node comes back and takes it
 * over (`{takeover, Node}`, copying the data), the other instance stops.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, describe, test } from "node:test";
import { type Atom, atom, t } from "../../src/index.js";
import { EpmdServer } from "../../src/distribution/index.js";
import { type AgnerNode, startAgnerNode } from "../support/agner_node.js";
import { freePort, uniqueName } from "../support/dist.js";

const main = join(fileURLToPath(new URL(".", import.meta.url)), "..", "support", "distac_node_main.js");

async function until(f: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a distributed application on three Agner nodes (OS processes)", () => {
  const started: AgnerNode[] = [];
  let epmd: EpmdServer | undefined;
  afterAll(async () => {
    for (const n of started) await n.stop(true);
    await epmd?.close();
  });

  test("kill -9 of the node running kv under a client load: failover to the next node, one instance; takeover when the node returns", async () => {
    const epmdPort = await freePort();
    epmd = await EpmdServer.start({ port: epmdPort, addresses: ["127.0.0.1"] });
    const names = ["n1", "n2", "n3"].map((p) => `${uniqueName(p)}@localhost`);
    const start = async (name: string) => {
      const n = await startAgnerNode({ name, cookie: "distac", epmdPort, ticktime: 4, main });
      started.push(n);
      return n;
    };
    const [n1, n2, n3] = (await Promise.all(names.map(start))) as [AgnerNode, AgnerNode, AgnerNode];
    const [a1, a2] = names.map((n) => atom(n)) as [Atom, Atom];
    const priority = names.map((n) => atom(n));
    const types = async (n: AgnerNode) => ((await n.command(t(atom("types")))) as Uint8Array[]).map((b) => Buffer.from(b).toString());
    const running = async (ns: AgnerNode[]) => {
      const out: string[] = [];
      for (const n of ns) if ((await n.command(t(atom("running")))) === true) out.push(n.node);
      return out;
    };

    // Every node starts it; n1 (first in the list) runs it, the others stand by.
    const r = await Promise.all([n1, n2, n3].map((n) => n.command(t(atom("start"), priority), 30_000)));
    assert.deepEqual(r, [atom("local"), atom("remote"), atom("remote")]);
    assert.deepEqual(await running([n1, n2, n3]), [n1.node]);
    await until(async () => (await n3.command(t(atom("where")))) === a1, "{global, kv} on n1, seen from n3");
    await n3.command(t(atom("set"), atom("foo"), atom("bar")));
    assert.equal(await n3.command(t(atom("get"), atom("foo"))), atom("bar"));

    // A client on n3 calls {global, kv} in a loop; n1 is killed -9.
    await n3.command(t(atom("load_start")));
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    await n1.stop(true);
    await until(async () => (await n2.command(t(atom("running")))) === true, "n2 to fail kv over");
    const failoverMs = Date.now() - killedAt;
    await until(async () => (await n3.command(t(atom("where")))) === a2, "{global, kv} on n2, seen from n3");
    await new Promise((r) => setTimeout(r, 300));
    const [ok, failed, gap] = (await n3.command(t(atom("load_stop")))) as unknown as [number, number, number];
    assert.ok(ok > 0, "the client was answered");
    assert.deepEqual(await running([n2, n3]), [n2.node], "exactly one instance after the failover");
    assert.deepEqual(await types(n2), [`failover ${a1.name}`]);
    assert.deepEqual(await types(n3), []);
    console.log(`# failover: running on n2 ${failoverMs} ms after kill -9 of n1; client: ${ok} calls answered, ${failed} failed, longest gap ${gap} ms`);

    // The failover lost n1's data (nothing replicated it); new data goes to n2's instance.
    await n3.command(t(atom("set"), atom("k"), 42));
    assert.equal(await n3.command(t(atom("get"), atom("k"))), 42);

    // n1 comes back and starts kv: it takes it over from n2 (copying its data); n2's instance stops.
    const n1b = await start(names[0]!);
    assert.equal(await n1b.command(t(atom("start"), priority), 30_000), atom("local"));
    assert.deepEqual(await types(n1b), [`takeover ${a2.name}`]);
    await until(async () => (await running([n1b, n2, n3])).length === 1, "n2's instance to stop");
    assert.deepEqual(await running([n1b, n2, n3]), [n1b.node]);
    for (const n of [n2, n3]) await until(async () => (await n.command(t(atom("where")))) === a1, `{global, kv} on n1, seen from ${n.node}`);
    assert.equal(await n3.command(t(atom("get"), atom("k"))), 42, "the takeover copied the data");
    for (const n of [n1b, n2, n3]) assert.doesNotMatch(n.output(), /dist_ac_|ERROR REPORT|CRASH REPORT/, `${n.node}'s output: nothing dropped, nothing crashed`);
  });
});
