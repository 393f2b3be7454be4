/**
 * Three Agner nodes, each its own OS process, and no epmd: the first node
 * finds nothing on the (private) EPMD port and runs the embedded EPMD, the
 * others register in it. A GenServer on one node is called and cast to from
 * the others; a node killed with -9 is seen by its peers as a link exit
 * `noconnection`, a DOWN `noconnection` and a `nodedown`, and calls to it
 * fail with `nodedown`. Needs nothing but Node.js (no erl, no epmd).
 */
import assert from "node:assert/strict";
import { createConnection } from "node:net";
import { after as afterAll, describe, test } from "node:test";
import { type Atom, atom, equals, t } from "../../src/index.js";
import { type AgnerNode, startAgnerNode } from "../support/agner_node.js";
import { freePort, uniqueName } from "../support/dist.js";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("a cluster of three Agner nodes without epmd", () => {
  const started: AgnerNode[] = [];
  afterAll(async () => {
    for (const n of started) await n.stop(true);
  });

  test("calls across the cluster; a node killed with -9 is seen as noconnection and nodedown", async () => {
    const epmdPort = await freePort();
    assert.equal(await listening(epmdPort), false, "no EPMD on the port before the first node");
    const start = async (prefix: string) => {
      const n = await startAgnerNode({ name: `${uniqueName(prefix)}@localhost`, cookie: "cluster", epmdPort, ticktime: 4 });
      started.push(n);
      return n;
    };
    const n1 = await start("n1");
    assert.match(n1.output(), /started an embedded one/);
    assert.equal(await listening(epmdPort), true, "the first node serves EPMD");
    const n2 = await start("n2");
    const n3 = await start("n3");
    const [a1, a2, a3] = [n1, n2, n3].map((n) => atom(n.node)) as [Atom, Atom, Atom];

    // The KeyValueStore on n1, from n2 and n3.
    // kv_set is a cast: only the caster's own later call is ordered after it
    // (Erlang orders signals per sender), so n2 reads it back before n3 does.
    assert.equal(await n2.command(t(atom("kv_set"), a1, atom("foo"), atom("bar"))), atom("ok"));
    assert.equal(await n2.command(t(atom("kv_get"), a1, atom("foo"))), atom("bar"));
    assert.equal(await n3.command(t(atom("kv_get"), a1, atom("foo"))), atom("bar"));
    assert.equal(await n3.command(t(atom("kv_get"), a1, atom("nothing"))), atom("nil"));
    // ... and n3's from n1 and n2.
    await n1.command(t(atom("kv_set"), a3, atom("k"), 42));
    assert.equal(await n1.command(t(atom("kv_get"), a3, atom("k"))), 42);
    assert.equal(await n2.command(t(atom("kv_get"), a3, atom("k"))), 42);
    const seen = (await n1.command(t(atom("nodes")))) as Atom[];
    assert.ok(seen.includes(a2) && seen.includes(a3), `n1 sees ${seen.map(String)}`);

    // n1 and n2 watch n3; n3 dies.
    await n1.command(t(atom("watch"), a3));
    await n2.command(t(atom("watch"), a3));
    await n3.stop(true);
    for (const n of [n1, n2]) {
      let events: unknown[] = [];
      for (let i = 0; i < 200 && events.length < 3; i++) {
        events = (await n.command(t(atom("events")))) as unknown[];
        if (events.length < 3) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(events.length, 3, `${n.node} saw ${events.length} events`);
      const [ex, down, nodedown] = events as unknown[][];
      assert.equal(ex![0], atom("EXIT"));
      assert.equal(ex![2], atom("noconnection"));
      assert.equal(down![0], atom("DOWN"));
      assert.ok(equals(down![3], t(atom("kv"), a3)));
      assert.equal(down![4], atom("noconnection"));
      assert.ok(equals(nodedown, t(atom("nodedown"), a3)));
    }
    const failed = (await n2.command(t(atom("kv_get"), a3, atom("k")))) as unknown[];
    assert.equal(failed[0], atom("error"));
    assert.ok(equals((failed[1] as unknown[])[0], t(atom("nodedown"), a3)), `n2's call to the dead node: ${String(failed[1])}`);
    // The survivors still talk.
    assert.equal(await n2.command(t(atom("kv_get"), a1, atom("foo"))), atom("bar"));
  });
});
