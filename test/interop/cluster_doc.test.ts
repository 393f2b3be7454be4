/**
 * docs/cluster.md, played for real: the TypeScript of examples/cluster.ts
 * on this side, and every `iex>` line of the guide's ```elixir blocks
 * evaluated, in order, in a real Elixir node, each printed result compared
 * with the one the guide shows; the events `watchNodes` reports are the
 * ones the guide says it gets. Node names get a unique suffix and EPMD a
 * private port (served by this process); otherwise the commands are the
 * guide's.
 */
import assert from "node:assert/strict";
import { after as afterAll, describe, test } from "node:test";
import { detectFailuresFaster, joinCluster, watchNodes } from "../../examples/cluster.js";
import { Runtime, atom, equals, getNetTicktime, inspect, setDefaultRuntime, silentLogger, stopNode, t } from "../../src/index.js";
import { EpmdServer } from "../../src/distribution/index.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { guideSections, transcript } from "../support/doc_transcript.js";
import { freePort, uniqueName, until } from "../support/dist.js";




describe("docs/cluster.md against a real Elixir node", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  let epmd: EpmdServer | undefined;
  const rt = new Runtime({ logger: silentLogger });
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
    await epmd?.close();
  });

  test("forming a cluster and node monitoring: every iex line gives what the guide shows, and so does the TypeScript", async () => {
    setDefaultRuntime(rt);
    const sections = guideSections("cluster.md");
    // The sections other tests play (cluster_global_doc, cluster_pg_doc, cluster_distac_doc) are left out.
    const md = [...sections].filter(([h]) => h !== "Global names" && h !== "Process groups" && h !== "Distributed applications").map(([, text]) => text).join("");
    for (const s of ["Forming a cluster", "Global names", "Process groups", "Node monitoring", "Distributed applications"]) {
      assert.ok(sections.has(s), s);
    }
    const agnerName = `${uniqueName("agner")}@localhost`;
    const iexName = `${uniqueName("iex")}@localhost`;
    const local = (s: string) => s.replaceAll("agner@localhost", agnerName).replaceAll("iex@localhost", iexName);
    const epmdPort = await freePort();
    epmd = await EpmdServer.start({ port: epmdPort, addresses: ["127.0.0.1"] });

    // `iex --sname iex@localhost --cookie secret`, then the TypeScript joins it.
    assert.match(md, /iex --sname iex@localhost --cookie secret/);
    ex = await startElixir({ sname: iexName, cookie: "secret", epmdPort });
    const iex = atom(iexName);
    const connected = await joinCluster(iexName, "secret", { name: agnerName, epmdPort });
    assert.deepEqual(connected, [iex]);
    const events: unknown[] = [];
    watchNodes((e) => events.push(e));

    const blocks = transcript(md);
    assert.equal(blocks.length, 2, "the guide's two iex sessions");
    let checked = 0;
    for (const steps of blocks) {
      for (const s of steps) {
        const { inspected } = await ex.evalInspect(local(s.code));
        if (s.expected !== null) {
          assert.equal(inspected, local(s.expected), `iex> ${s.code}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 8, `compared ${checked} results`);

    // What watchNodes got meanwhile, as the guide says.
    const down = t(atom("nodedown"), iex, [t(atom("nodedown_reason"), atom("connection_closed")), t(atom("node_type"), atom("visible"))]);
    const up = t(atom("nodeup"), iex, [t(atom("node_type"), atom("visible"))]);
    await until(() => events.length >= 2, "two node events");
    assert.ok(equals(events, [down, up]), events.map((e) => inspect(e)).join(", "));
    assert.match(md, /`\{nodedown, 'iex@localhost', \[\{nodedown_reason, connection_closed\}, \{node_type, visible\}\]\}`/);
    assert.match(md, /`\{nodeup, 'iex@localhost', \[\{node_type, visible\}\]\}`/);

    // The ticktime example.
    assert.equal(detectFailuresFaster(), atom("change_initiated"));
    assert.equal(getNetTicktime(), 10);
  });
});
