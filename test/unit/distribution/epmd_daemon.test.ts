/**
 * The EPMD daemon: a node that finds no EPMD starts it as a process of its
 * own, which outlives the node (as erl's `epmd -daemon`); nodes starting at
 * once start one between them; it obeys KILL only with no node registered,
 * as epmd; it listens where ERL_EPMD_ADDRESS says (plus loopback).
 * Every daemon started here is killed by its pid at the end.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect as tcpConnect } from "node:net";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DistTransport } from "../../../src/distribution/index.js";
import { epmdNames } from "../../../src/distribution/epmd_client.js";
import { EPMD, encodeSimple } from "../../../src/distribution/epmd_protocol.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName, until } from "../../support/dist.js";

const daemons = new Set<number>();
const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const s of stops.reverse()) await s();
  for (const pid of daemons) kill(pid);
});

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** epmd -kill: KILL_REQ, the two-byte answer. */
function killReq(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: "127.0.0.1", port });
    let out = "";
    s.on("data", (d) => (out += d.toString("latin1")));
    s.on("error", reject);
    s.on("close", () => resolve(out));
    s.write(encodeSimple(EPMD.KILL_REQ));
  });
}

async function start(prefix: string, epmdPort: number): Promise<DistTransport> {
  const tr = await DistTransport.start({ name: `${uniqueName(prefix)}@localhost`, cookie: "c", epmdPort, logger: memoryLogger() }, new RecordingHandler());
  if (tr.epmd.pid !== undefined) daemons.add(tr.epmd.pid);
  stops.push(() => tr.stop());
  return tr;
}

describe("the EPMD daemon", () => {
  test("a node that finds no EPMD starts the daemon; it outlives the node, and the next node uses it", async () => {
    const epmdPort = await freePort();
    const a = await start("first", epmdPort);
    const info = a.epmd;
    assert.equal(info.runner, "daemon");
    assert.ok(info.pid !== undefined && info.pid !== process.pid, "a process of its own");
    assert.ok(alive(info.pid));
    assert.equal(info.addresses?.[0], "127.0.0.1", "a node named …@localhost: loopback");
    await a.stop();
    assert.deepEqual(await epmdNames({ host: "127.0.0.1", port: epmdPort }), [], "up after its node stopped, the node unregistered");
    const b = await start("second", epmdPort);
    assert.equal(b.epmd.runner, "external");
    // epmd -kill: refused while a node is registered, obeyed once none is.
    assert.equal(await killReq(epmdPort), "NO");
    await b.stop();
    await until(async () => (await epmdNames({ host: "127.0.0.1", port: epmdPort })).length === 0, "b to unregister");
    assert.equal(await killReq(epmdPort), "OK");
    await until(() => !alive(info.pid!), "the daemon to exit");
  });

  test("nodes that find no EPMD at once: one daemon wins, every node registers in it", async () => {
    const epmdPort = await freePort();
    const all = await Promise.all([0, 1, 2].map((i) => start(`race${i}`, epmdPort)));
    const runners = all.map((tr) => tr.epmd.runner).sort();
    assert.deepEqual(runners, ["daemon", "external", "external"]);
    const ports = (await epmdNames({ host: "127.0.0.1", port: epmdPort })).map((n) => n.port).sort();
    assert.deepEqual(ports, all.map((tr) => tr.port).sort());
    await all[1]!.connect(all[2]!.nodeName);
  });

  test("run by hand: ERL_EPMD_PORT and ERL_EPMD_ADDRESS, loopback added; a second one finds the port taken", async () => {
    const epmdPort = await freePort();
    const script = fileURLToPath(new URL("../../../src/distribution/epmd_daemon.js", import.meta.url));
    const run = (): Promise<{ line: string; code: number | null; pid: number }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script], { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: "127.0.0.2" }, stdio: ["ignore", "pipe", "ignore"] });
        daemons.add(child.pid!);
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stdout.on("end", () => resolve({ line: out.trim(), code: child.exitCode, pid: child.pid! }));
      });
    const first = await run();
    assert.match(first.line, new RegExp(`^listening ${first.pid} 127\\.0\\.0\\.2,127\\.0\\.0\\.1`));
    assert.equal(await accepts("127.0.0.2", epmdPort), true);
    assert.equal(await accepts("127.0.0.1", epmdPort), true);
    assert.equal(await accepts("127.0.0.3", epmdPort), false);
    const second = await run();
    assert.equal(second.line, "in_use");
    await until(() => !alive(second.pid), "the second daemon to exit");
  });
});
