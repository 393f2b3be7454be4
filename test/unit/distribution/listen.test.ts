/**
 * Where a node listens (erl's inet_dist_use_interface, inet_dist_listen_min
 * and _max, epmd's -address / ERL_EPMD_ADDRESS), checked by connecting:
 * 127.0.0.2 is another loopback address of this machine, so a socket bound
 * to 127.0.0.1 refuses it and one bound to every interface accepts it (no
 * traffic leaves the machine). And the warnings of failed handshakes: one
 * line per peer address per 10 s, then a count.
 */
import assert from "node:assert/strict";
import { type Server, connect as tcpConnect, createServer } from "node:net";
import { after, describe, test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { DistError, DistTransport, OFFERED } from "../../../src/distribution/index.js";
import type { DistTimers } from "../../../src/distribution/index.js";
import { RecordingHandler, freePort, memoryLogger, rawConnect, uniqueName } from "../../support/dist.js";

const stops: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

/** True when something accepts a TCP connection at host:port. */
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

function listenOn(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, host, () => resolve(s));
  });
}

async function hasIpv6Loopback(): Promise<boolean> {
  try {
    const s = await listenOn("::1", 0);
    await new Promise((r) => s.close(r));
    return true;
  } catch {
    return false;
  }
}

async function start(name: string, extra: Record<string, unknown> = {}): Promise<DistTransport> {
  const tr = await DistTransport.start({ name, cookie: "c", epmd: "embedded", logger: memoryLogger(), ...extra }, new RecordingHandler());
  stops.push(() => tr.stop());
  return tr;
}

describe("where a node listens", () => {
  test("a node named …@localhost: distribution on 127.0.0.1 only, its EPMD on 127.0.0.1 and ::1", async () => {
    const epmdPort = await freePort();
    const tr = await start(`${uniqueName("lo")}@localhost`, { epmdPort });
    assert.equal(tr.listenHost, "127.0.0.1");
    assert.equal(await accepts("127.0.0.1", tr.port), true);
    assert.equal(await accepts("127.0.0.2", tr.port), false, "not on the other addresses of the machine");
    assert.deepEqual(tr.epmd.runner, "embedded");
    assert.equal(await accepts("127.0.0.1", epmdPort), true);
    assert.equal(await accepts("127.0.0.2", epmdPort), false);
    if (await hasIpv6Loopback()) {
      assert.equal(await accepts("::1", epmdPort), true, "epmd's loopback pair");
      assert.deepEqual(tr.epmd.addresses, ["127.0.0.1", "::1"]);
    }
  });

  test("a node named after another host listens on every interface, as erl (and its EPMD, as epmd)", async () => {
    const epmdPort = await freePort();
    const tr = await start(`${uniqueName("any")}@somehost`, { epmdPort });
    assert.ok(["::", "0.0.0.0"].includes(tr.listenHost), tr.listenHost);
    assert.equal(await accepts("127.0.0.2", tr.port), true);
    assert.equal(await accepts("127.0.0.2", epmdPort), true);
  });

  test("listenHost and epmdAddress choose the interfaces (EPMD adds loopback, as epmd -address)", async () => {
    const epmdPort = await freePort();
    const tr = await start(`${uniqueName("if")}@localhost`, { epmdPort, listenHost: "127.0.0.2", epmdAddress: ["127.0.0.2"] });
    assert.equal(tr.listenHost, "127.0.0.2");
    assert.equal(await accepts("127.0.0.2", tr.port), true);
    assert.equal(await accepts("127.0.0.1", tr.port), false);
    assert.equal(await accepts("127.0.0.2", epmdPort), true);
    assert.equal(await accepts("127.0.0.1", epmdPort), true, "loopback is always added");
    assert.equal(await accepts("127.0.0.3", epmdPort), false);
    assert.equal(tr.listenInfo().host, "127.0.0.2");
  });

  test("a long name on a loopback IP listens there, and a peer reaches it by its name", async () => {
    const epmdPort = await freePort();
    const a = await start(`${uniqueName("ip")}@127.0.0.2`, { epmdPort, longNames: true });
    assert.equal(a.listenHost, "127.0.0.2");
    assert.equal(await accepts("127.0.0.1", a.port), false);
    const b = await start(`${uniqueName("peer")}@127.0.0.2`, { epmdPort, longNames: true });
    const conn = await b.connect(a.nodeName);
    assert.equal(conn.peer, a.nodeName);
  });

  test("listenMin..listenMax: the first free port of the range, as inet_dist_listen_min/max; a full range fails", async () => {
    // Two consecutive ports, the first held by another socket.
    let blocker: Server | undefined;
    let base = 0;
    for (let i = 0; i < 20 && blocker === undefined; i++) {
      base = await freePort();
      if (base >= 65535) continue;
      try {
        const next = await listenOn("127.0.0.1", base + 1);
        await new Promise((r) => next.close(r));
        blocker = await listenOn("127.0.0.1", base);
      } catch {
        blocker = undefined;
      }
    }
    assert.ok(blocker, "found two free consecutive ports");
    stops.push(() => new Promise((r) => blocker!.close(r)));
    const epmdPort = await freePort();
    const tr = await start(`${uniqueName("range")}@localhost`, { epmdPort, listenMin: base, listenMax: base + 1 });
    assert.equal(tr.port, base + 1);
    await assert.rejects(start(`${uniqueName("full")}@localhost`, { epmdPort, listenMin: base, listenMax: base + 1 }), /EADDRINUSE/);
    await assert.rejects(start(`${uniqueName("bad")}@localhost`, { epmdPort, listenMin: base + 1, listenMax: base }), DistError);
    await assert.rejects(start(`${uniqueName("bad")}@localhost`, { epmdPort, listenMax: base }), /listenMax needs listenMin/);
    await assert.rejects(start(`${uniqueName("bad")}@localhost`, { epmdPort, port: base, listenMin: base }), /either port or listenMin/);
  });
});

/** Timers that fire only when the test says (so the 10 s interval passes at once). */
function manualTimers(): DistTimers & { fire(ms: number): number } {
  let pending: { fn: () => void; ms: number; live: boolean }[] = [];
  return {
    setTimeout(fn, ms) {
      const t = { fn, ms, live: true };
      pending.push(t);
      return { cancel: () => void (t.live = false) };
    },
    fire(ms) {
      const due = pending.filter((t) => t.live && t.ms === ms);
      pending = pending.filter((t) => !due.includes(t));
      for (const t of due) t.fn();
      return due.length;
    },
  };
}

describe("failed handshakes are logged once per address per interval", () => {
  test("300 wrong-cookie attempts: one warning, then one line with the count", async () => {
    const timers = manualTimers();
    const log = memoryLogger();
    const tr = await DistTransport.start({ name: `${uniqueName("rl")}@localhost`, cookie: "right", epmd: "none", logger: log, timers }, new RecordingHandler());
    stops.push(() => tr.stop());
    const cfg = { thisNode: atom(`${uniqueName("intruder")}@localhost`), cookie: "wrong", flags: OFFERED, creation: 0x12345678 };
    const attempt = (): Promise<unknown> => rawConnect(tr.port, cfg, tr.nodeName.name).then(
      () => assert.fail("a wrong cookie got in"),
      () => undefined,
    );
    for (let i = 0; i < 300; i++) await attempt();
    const warnings = (): string[] => log.events.filter((e) => e.level === "warning").map((e) => e.text);
    assert.equal(warnings().length, 1, warnings().slice(0, 3).join("\n"));
    assert.match(warnings()[0]!, /invalid challenge reply.*\(from 127\.0\.0\.1:\d+\)/);
    assert.equal(timers.fire(10_000), 1, "the interval ends");
    assert.equal(warnings().length, 2);
    assert.match(warnings()[1]!, /^299 more failed connection attempts from 127\.0\.0\.1 in the last 10 s/);
    // Still coming: counted for another interval.
    await attempt();
    assert.equal(warnings().length, 2);
    timers.fire(10_000);
    assert.match(warnings()[2]!, /^1 more failed connection attempt from 127\.0\.0\.1/);
    // A quiet interval ends the count; the next failure is logged in full again.
    timers.fire(10_000);
    await attempt();
    assert.equal(warnings().length, 4);
    assert.match(warnings()[3]!, /invalid challenge reply/);
    const bytes = warnings().join("\n").length;
    assert.ok(bytes < 1500, `${bytes} bytes of warnings for 302 attempts`);
  });
});
