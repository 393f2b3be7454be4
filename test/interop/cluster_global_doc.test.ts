/**
 * docs/cluster_global.md, played for real: the TypeScript of
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
import { freePort, uniqueName } from "../support/dist.js";

const repo = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");

interface Step {
  code: string;
  expected: string | null;
}

function transcript(md: string): Step[][] {
  const blocks: Step[][] = [];
  for (const m of md.matchAll(/```elixir\n([\s\S]*?)```/g)) {
    const steps: Step[] = [];
    let out: string[] = [];
    const flush = () => {
      const last = steps[steps.length - 1];
      if (last !== undefined) last.expected = out.length > 0 ? out.join("\n") : null;
      out = [];
    };
    for (const line of m[1]!.trimEnd().split("\n")) {
      if (line.startsWith("iex> ")) {
        flush();
        steps.push({ code: line.slice(5), expected: null });
      } else if (line.startsWith("...> ")) steps[steps.length - 1]!.code += `\n${line.slice(5)}`;
      else out.push(line);
    }
    flush();
    blocks.push(steps);
  }
  return blocks;
}

describe("docs/cluster_global.md against a real Elixir node", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  const rt = new Runtime({ logger: silentLogger });
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("the guide's TypeScript is examples/global_names.ts, and every iex line gives what the guide shows", async () => {
    setDefaultRuntime(rt);
    const md = readFileSync(join(repo, "docs", "cluster_global.md"), "utf8");
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
