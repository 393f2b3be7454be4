/**
 * docs/distribution.md, played for real: the TypeScript of
 * examples/distribution.ts on this side, and every `iex>` line of the
 * guide's ```elixir blocks evaluated, in order, in a real Elixir node, each
 * printed result compared with the one the guide shows (lines without a
 * shown result are run, not compared). Node names get a unique suffix and
 * the EPMD a private port; otherwise the commands are the guide's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, describe, test } from "node:test";
import { startAgner, useElixir, whenDown } from "../../examples/distribution.js";
import { Runtime, atom, distInfo, setDefaultRuntime, silentLogger, stopNode } from "../../src/index.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { freePort, uniqueName } from "../support/dist.js";
import { type Step, transcript } from "../support/doc_transcript.js";

const repo = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");



describe("docs/distribution.md against a real Elixir node", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  const rt = new Runtime({ logger: silentLogger });
  let daemonPid: number | undefined;
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
    // The guide's node found no EPMD on the private port and started the daemon, which outlives it.
    if (daemonPid !== undefined) process.kill(daemonPid, "SIGKILL");
  });

  test("every iex line of the guide gives what the guide shows, and the TypeScript side does its part", async () => {
    setDefaultRuntime(rt);
    const md = readFileSync(join(repo, "docs", "distribution.md"), "utf8");
    const agnerName = `${uniqueName("agner")}@localhost`;
    const iexName = `${uniqueName("iex")}@localhost`;
    const local = (s: string) => s.replaceAll("agner@localhost", agnerName).replaceAll("iex@localhost", iexName);
    const epmdPort = await freePort();

    // Section 1: the TypeScript node; `iex --sname iex@localhost --cookie secret`.
    assert.match(md, /iex --sname iex@localhost --cookie secret/);
    const me = await startAgner("secret", { name: agnerName, epmdPort });
    daemonPid = distInfo(rt)?.epmd.pid;
    assert.ok(daemonPid !== undefined, "the EPMD daemon was started");
    ex = await startElixir({ sname: iexName, cookie: "secret", epmdPort });

    const blocks = transcript(md);
    assert.equal(blocks.length, 3, "the guide's three iex sessions");
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
    // Section 2: iex uses the store, greeter:hello, a monitor.
    await play(blocks[0]!);
    await play(blocks[1]!);
    // Section 3: iex defines Counter; the TypeScript uses it and String.upcase.
    await play(blocks[2]!);
    assert.ok(checked >= 8, `compared ${checked} results`);
    const iex = atom(iexName);
    const r = await useElixir(iex);
    assert.equal(r.count, 1);
    assert.equal(Buffer.from(r.upcased as Uint8Array).toString(), "AGNER");

    // Section 4: the Elixir node goes away; the TypeScript notices.
    const down = whenDown(iex);
    await ex.stop();
    ex = undefined;
    assert.equal(await down, iex);
    assert.equal(me.name, agnerName);
  });
});
