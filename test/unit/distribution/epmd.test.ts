/**
 * EPMD: the client against the real `epmd` (when installed) and against
 * the embedded server; the embedded server against the real `epmd`
 * command-line client; registration loss and re-registration; two nodes
 * starting at once on a port with no EPMD.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { DistTransport } from "../../../src/distribution/index.js";
import { epmdNames, epmdPortPlease, epmdRegister } from "../../../src/distribution/epmd_client.js";
import { EpmdServer } from "../../../src/distribution/epmd_server.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName, until } from "../../support/dist.js";
import { erlAvailable } from "../../support/erl.js";

const run = promisify(execFile);
const stops: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

async function realEpmd(port: number): Promise<ChildProcess> {
  const child = spawn("epmd", ["-port", String(port)], { stdio: "ignore" });
  stops.push(() => {
    child.kill("SIGKILL");
  });
  await until(async () => {
    try {
      await epmdNames({ host: "127.0.0.1", port });
      return true;
    } catch {
      return false;
    }
  }, "epmd to listen");
  return child;
}

describe("the EPMD client against the real epmd", erlAvailable() ? {} : { skip: "epmd not installed" }, () => {
  test("ALIVE2 (32-bit creation), PORT_PLEASE2, NAMES; the registration ends with its connection", async () => {
    const port = await freePort();
    await realEpmd(port);
    const addr = { host: "127.0.0.1", port };
    const name = uniqueName("reg");
    const reg = await epmdRegister(addr, { name, port: 12345 }, () => {});
    assert.ok(reg.creation > 0);
    const info = await epmdPortPlease(addr, name);
    assert.equal(info?.port, 12345);
    assert.equal(info?.highestVersion, 6);
    assert.equal(info?.lowestVersion, 5);
    assert.equal(info?.nodeType, 77);
    assert.deepEqual(await epmdNames(addr), [{ name, port: 12345 }]);
    // A second registration of the name is refused.
    await assert.rejects(epmdRegister(addr, { name, port: 1 }, () => {}), /refused to register/);
    reg.close();
    await until(async () => (await epmdPortPlease(addr, name)) === undefined, "the name to go");
  });

  test("a transport whose epmd dies registers again, in an embedded EPMD", async () => {
    const port = await freePort();
    const epmd = await realEpmd(port);
    const log = memoryLogger();
    const tr = await DistTransport.start({ name: `${uniqueName("lost")}@localhost`, cookie: "c", epmdPort: port, epmd: "embedded", logger: log }, new RecordingHandler());
    stops.push(() => tr.stop());
    assert.equal(tr.embeddedEpmd, false);
    const creation = tr.creation;
    epmd.kill("SIGKILL");
    await until(() => tr.embeddedEpmd, "the embedded EPMD to take over");
    await until(async () => (await tr.names()).some((n) => n.port === tr.port), "the node registered again");
    assert.match(log.texts(), /lost the EPMD registration/);
    assert.match(log.texts(), /registered again/);
    assert.equal(tr.creation, creation, "the creation does not change");
  });
});

describe("the embedded EPMD", () => {
  test("answers the real epmd client: -names, -dump; refuses -kill and -stop", { skip: erlAvailable() ? undefined : "epmd not installed" }, async () => {
    const port = await freePort();
    const server = await EpmdServer.start({ port, addresses: ["127.0.0.1"] });
    stops.push(() => server.close());
    const reg = await epmdRegister({ host: "127.0.0.1", port }, { name: "emb_node", port: 4242 }, () => {});
    const env = { ...process.env, ERL_EPMD_PORT: String(port) };
    const names = await run("epmd", ["-names"], { env });
    assert.match(names.stdout, new RegExp(`up and running on port ${port} with data:\\nname emb_node at port 4242`));
    const dump = await run("epmd", ["-dump"], { env });
    assert.match(dump.stdout, /active name\s+<emb_node> at port 4242/);
    const kill = await run("epmd", ["-kill"], { env }).catch((e: { stdout: string }) => e);
    assert.match(kill.stdout, /Killing not allowed/);
    await run("epmd", ["-stop", "emb_node"], { env }).catch(() => undefined);
    assert.deepEqual(server.names(), [{ name: "emb_node", port: 4242 }], "still registered after -stop and -kill");
    reg.close();
    await until(() => server.names().length === 0, "the registration to end with its connection");
  });

  test("bad requests close their connection; the server carries on", async () => {
    const port = await freePort();
    const errors: string[] = [];
    const server = await EpmdServer.start({ port, addresses: ["127.0.0.1"], onError: (w) => errors.push(w) });
    stops.push(() => server.close());
    const { connect } = await import("node:net");
    for (const bytes of [[0, 1, 99], [0xff, 0xff, 1], [0, 3, 120, 0, 1]]) {
      const s = connect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      s.write(Uint8Array.from(bytes));
      await new Promise((r) => s.on("close", r));
    }
    assert.equal(errors.length, 3, errors.join("\n"));
    assert.deepEqual(await epmdNames({ host: "127.0.0.1", port }), []);
  });

  test("nodes starting at once on a port with no EPMD: one runs it, all register", async () => {
    const port = await freePort();
    const all = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        DistTransport.start({ name: `${uniqueName(`race${i}`)}@localhost`, cookie: "c", epmdPort: port, epmd: "embedded", logger: memoryLogger() }, new RecordingHandler()),
      ),
    );
    for (const tr of all) stops.push(() => tr.stop());
    assert.equal(all.filter((tr) => tr.embeddedEpmd).length, 1);
    const names = (await all[0]!.names()).map((n) => n.port).sort();
    assert.deepEqual(names, all.map((tr) => tr.port).sort());
    // And they find each other through it.
    await all[1]!.connect(all[2]!.nodeName);
  });
});
