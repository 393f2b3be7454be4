/**
 * The EPMD daemon with real erl (finding 6 of the reliability issue): on a
 * private EPMD port with no EPMD, `npm start` starts the daemon; an erl node
 * registers in it; the server is killed with -9; a new erl node still finds
 * the first one (net_adm:ping -> pong), and a restarted server registers in
 * the same daemon and is found too. The daemon is killed by its pid at the end.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { atom } from "../../src/term/atom.js";
import { freePort, uniqueName } from "../support/dist.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";

const cli = fileURLToPath(new URL("../../src/cli/kv.js", import.meta.url));

describe("the EPMD daemon outlives the node that started it", needsErl(), () => {
  const tmp = mkdtempSync(join(tmpdir(), "agner-epmd-daemon-"));
  const procs: ChildProcess[] = [];
  const erls: ErlNode[] = [];
  let daemonPid: number | undefined;
  after(async () => {
    for (const e of erls) await e.stop(true);
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    if (daemonPid !== undefined) {
      try {
        process.kill(daemonPid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  /** `npm start` with distribution on the private EPMD port; resolves with its banner. */
  const startAgner = async (node: string, epmdPort: number): Promise<{ proc: ChildProcess; banner: string }> => {
    const port = await freePort();
    const proc = spawn(process.execPath, [cli, "--port", String(port), "--memcached", "no", "--dir", join(tmp, uniqueName("d")), "--node-name", node, "--cookie", "daemon"], {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    procs.push(proc);
    let banner = "";
    await new Promise<void>((ok, fail) => {
      proc.stdout!.on("data", (d) => {
        banner += d;
        if (banner.includes("stop:")) ok();
      });
      proc.stderr!.on("data", (d) => (banner += d));
      proc.once("exit", (code) => fail(new Error(`the entry exited (${code}): ${banner}`)));
    });
    return { proc, banner };
  };

  test("npm start starts it, erl registers in it, npm start is killed -9: another erl still pings the first", async () => {
    const epmdPort = await freePort();
    const agnerNode = `${uniqueName("agner")}@localhost`;
    const first = await startAgner(agnerNode, epmdPort);
    const m = /EPMD: +port (\d+) on .*: the EPMD daemon started now \(pid (\d+)\)/.exec(first.banner);
    assert.ok(m, first.banner);
    daemonPid = Number(m[2]);
    assert.equal(Number(m[1]), epmdPort);

    const e1 = await startErl({ sname: uniqueName("e1"), cookie: "daemon", epmdPort });
    erls.push(e1);
    assert.equal(await e1.eval(`net_adm:ping('${agnerNode}').`), atom("pong"));

    first.proc.kill("SIGKILL");
    await new Promise((r) => first.proc.once("exit", r));

    const e2 = await startErl({ sname: uniqueName("e2"), cookie: "daemon", epmdPort });
    erls.push(e2);
    assert.equal(await e2.eval(`net_adm:ping('${e1.node}').`), atom("pong"), "e1's name survived the node that started the EPMD");

    // Agner again: the daemon is running, so it registers there and is found.
    const again = await startAgner(agnerNode, epmdPort);
    assert.match(again.banner, /EPMD: +port \d+: an EPMD that was already running/);
    assert.equal(await e2.eval(`net_adm:ping('${agnerNode}').`), atom("pong"));
    again.proc.kill("SIGTERM");
  });
});
