/**
 * docs/cluster.md ("Global names"), played for real: the TypeScript of
 * examples/global_names.ts on this side (each ```ts block of the guide is
 * checked to be that file's code), and every `iex>` line of the guide's
 * ```elixir blocks evaluated, in order, in a real Elixir node, each printed
 * result compared with the one the guide shows. Node names get a unique
 * suffix and the EPMD a private port; otherwise the commands are the guide's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, describe, test } from "node:test";
import { greet, startGlobalKv, withLock } from "../../examples/global_names.js";
import { Runtime, atom, setDefaultRuntime, silentLogger, stopNode } from "../../src/index.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { type Step, guideSections, transcript } from "../support/doc_transcript.js";
import { freePort, uniqueName } from "../support/dist.js";

const repo = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");



describe("docs/cluster.md, Global names, against a real Elixir node", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  const rt = new Runtime({ logger: silentLogger });
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("the guide's TypeScript is examples/global_names.ts, and every iex line gives what the guide shows", async () => {
    setDefaultRuntime(rt);
    const md = guideSections("cluster.md").get("Global names")!;
    const example = readFileSync(join(repo, "examples", "global_names.ts"), "utf8");
    for (const m of md.matchAll(/```ts\n([\s\S]*?)```/g)) assert.ok(example.includes(m[1]!.trimEnd()), `a ts block of the guide is not in the example:\n${m[1]}`);
    const agnerName = `${uniqueName("agner")}@localhost`;
    const iexName = `${uniqueName("iex")}@localhost`;
    const local = (s: string) => s.replaceAll("agner@localhost", agnerName).replaceAll("iex@localhost", iexName);
    const epmdPort = await freePort();
    await startGlobalKv({ name: agnerName, epmdPort });
    ex = await startElixir({ sname: iexName, cookie: "secret", epmdPort });
    const blocks = transcript(md);
    assert.equal(blocks.length, 3);
    let checked = 0;
    const play = async (steps: Step[]) => {
      for (const s of steps) {
        const { inspected } = await ex!.evalInspect(local(s.code));
        if (s.expected !== null) {
          assert.equal(inspected, local(s.expected), `iex> ${s.code}`);
          checked++;
        }
      }
    };
    await play(blocks[0]!);
    await greet("iex_shell");
    await play(blocks[1]!);
    assert.equal(await withLock("report", () => atom("from_ts")), atom("from_ts"));
    await play(blocks[2]!);
    assert.equal(checked, 8);
  });
});
