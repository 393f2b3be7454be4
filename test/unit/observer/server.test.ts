/**
 * The observer's server over real HTTP and a real WebSocket on loopback:
 * the token guards every request and the upgrade, actions are refused
 * unless destructive ones were allowed, the process table is sorted and
 * paginated on the server, and any bytes a client sends get an error
 * message, never a crash.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import { type CallSpec, GenServer, type ObserverHandle, type Pid, _, atom, cast, inspect, isAlive, noreply, ok, processFlag, processInfo, receive, spawn, send, startObserver } from "../../../src/index.js";

type Msg = { t: string; data?: unknown; text?: string; destructive?: boolean };

/** A WebSocket client that keeps every message and waits for one that matches. */
async function client(obs: ObserverHandle, token = obs.token) {
  const ws = new WebSocket(`ws://127.0.0.1:${obs.port}/ws?token=${encodeURIComponent(token)}`);
  const got: Msg[] = [];
  let wake: (() => void) | null = null;
  ws.on("message", (d) => {
    got.push(JSON.parse(String(d)) as Msg);
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    send: (x: unknown) => ws.send(typeof x === "string" ? x : JSON.stringify(x)),
    async next(pred: (m: Msg) => boolean, ms = 10_000): Promise<Msg> {
      const end = Date.now() + ms;
      for (;;) {
        const i = got.findIndex(pred);
        if (i >= 0) return got.splice(i, 1)[0]!;
        if (Date.now() > end) throw new Error(`no matching message; got ${got.map((m) => m.t).join(",")}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
    },
    close: () => ws.close(),
  };
}

function sleeper(): Pid {
  return spawn(function* () {
    yield* receive(atom("stop"));
  });
}

describe("observer server", () => {
  let ro: ObserverHandle;
  let rw: ObserverHandle;
  before(async () => {
    ro = await startObserver({ interval: 200 });
    rw = await startObserver({ interval: 200, allowDestructive: true });
  });
  afterAll(async () => {
    await ro.close();
    await rw.close();
  });

  test("listens on loopback and every request needs the token (401 otherwise)", async () => {
    assert.match(ro.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    for (const path of ["/", "/app.js", "/uplot.js", "/uplot.css"]) {
      assert.equal((await fetch(`http://127.0.0.1:${ro.port}${path}`)).status, 401, path);
      assert.equal((await fetch(`http://127.0.0.1:${ro.port}${path}?token=x${ro.token}`)).status, 401, path);
      const ok = await fetch(`http://127.0.0.1:${ro.port}${path}?token=${ro.token}`);
      assert.equal(ok.status, 200, path);
      assert.ok((await ok.text()).length > 100, path);
    }
    // The page loads nothing from elsewhere.
    const html = await (await fetch(ro.url)).text();
    assert.doesNotMatch(html, /https?:\/\//);
  });

  test("the WebSocket needs the token too", async () => {
    for (const url of [`ws://127.0.0.1:${ro.port}/ws`, `ws://127.0.0.1:${ro.port}/ws?token=nope`]) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => resolve(101));
        ws.on("error", () => undefined);
      });
      assert.equal(status, 401, url);
    }
  });

  test("read-only by default: kill is refused and the process lives", async () => {
    const p = sleeper();
    const c = await client(ro);
    assert.equal((await c.next((m) => m.t === "hello")).destructive, false);
    c.send({ t: "act", op: "kill", pid: inspect(p) });
    assert.match((await c.next((m) => m.t === "error")).text!, /read-only/);
    assert.ok(isAlive(p));
    c.close();
    send(p, atom("stop"));
  });

  test("with allowDestructive, kill ends the process", async () => {
    const p = sleeper();
    const c = await client(rw);
    c.send({ t: "view", page: "processes", sort: "pid", desc: true, limit: 500 });
    await c.next((m) => m.t === "processes" && (m.data as { rows: { pid: string }[] }).rows.some((r) => r.pid === inspect(p)));
    c.send({ t: "act", op: "kill", pid: inspect(p) });
    assert.match((await c.next((m) => m.t === "done")).text!, /killed/);
    assert.equal(isAlive(p), false);
    c.close();
  });

  test("with allowDestructive, send queues a string and exit sends the reason given", async () => {
    let got: unknown = null;
    const p = spawn(function* () {
      processFlag("trap_exit", true);
      got = yield* receive(_);
      got = [got, yield* receive(_)];
    });
    const c = await client(rw);
    c.send({ t: "view", page: "processes", sort: "pid", desc: true, limit: 500 });
    await c.next((m) => m.t === "processes" && (m.data as { rows: { pid: string }[] }).rows.some((r) => r.pid === inspect(p)));
    c.send({ t: "act", op: "send", pid: inspect(p), message: "hello" });
    await c.next((m) => m.t === "done");
    c.send({ t: "act", op: "exit", pid: inspect(p), reason: "please_stop" });
    await c.next((m) => m.t === "done");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(inspect(got), '[<<"hello"/utf8>>,{\'EXIT\',<0.0.0>,please_stop}]'.replace("<0.0.0>", inspect((got as [unknown, unknown[]])[1]![1])));
    c.close();
  });

  test("a trace stops by itself past its limit (as recon_trace), and a non-OTP process is not traced", async () => {
    class Sink extends GenServer<null, CallSpec<"x", null>, number> {
      override init() {
        return ok(null);
      }
      override handleCast() {
        return noreply(null);
      }
    }
    const sink = await GenServer.start(new Sink(), undefined);
    const c = await client(rw);
    c.send({ t: "view", page: "processes", sort: "pid", desc: true, limit: 20 });
    await c.next((m) => m.t === "processes" && (m.data as { rows: { pid: string }[] }).rows.some((r) => r.pid === inspect(sink)));
    type Trace = { on: boolean; note: string; events: unknown[] };
    c.send({ t: "view", page: "trace", pid: inspect(sink) });
    assert.equal(((await c.next((m) => m.t === "trace")).data as Trace).on, true);
    for (let i = 0; i < 300; i++) cast(sink, i);
    const stopped = (await c.next((m) => m.t === "trace" && !(m.data as Trace).on)).data as Trace;
    assert.match(stopped.note, /^stopped/);
    const n = stopped.events.length;
    for (let i = 0; i < 10; i++) cast(sink, i);
    const later = (await c.next((m) => m.t === "trace")).data as Trace;
    assert.equal(later.events.length, n); // sys.trace is off: no more events
    const plain = sleeper();
    c.send({ t: "view", page: "processes", sort: "pid", desc: true, limit: 20 });
    await c.next((m) => m.t === "processes" && (m.data as { rows: { pid: string }[] }).rows.some((r) => r.pid === inspect(plain)));
    c.send({ t: "view", page: "trace", pid: inspect(plain) });
    assert.match(((await c.next((m) => m.t === "trace")).data as Trace).note, /not traceable/);
    assert.equal(processInfo(plain, "message_queue_len"), 0); // no system message left in its mailbox
    c.close();
    send(plain, atom("stop"));
    await GenServer.stop(sink);
  });

  test("the process table sorts by mailbox on the server and pages", async () => {
    const procs = [sleeper(), sleeper(), sleeper()];
    procs.forEach((p, i) => {
      for (let k = 0; k < 1000 * (i + 1); k++) send(p, k);
    });
    const c = await client(ro);
    c.send({ t: "view", page: "processes", sort: "mailbox", desc: true, offset: 0, limit: 2 });
    const page = (await c.next((m) => m.t === "processes")).data as { total: number; rows: { pid: string; mailbox: number }[] };
    assert.deepEqual(page.rows.map((r) => [r.pid, r.mailbox]), [[inspect(procs[2]!), 3000], [inspect(procs[1]!), 2000]]);
    assert.ok(page.total >= 3);
    c.send({ t: "view", page: "processes", sort: "mailbox", desc: true, offset: 2, limit: 1 });
    const second = (await c.next((m) => m.t === "processes")).data as { rows: { pid: string }[] };
    assert.deepEqual(second.rows.map((r) => r.pid), [inspect(procs[0]!)]);
    c.close();
    procs.forEach((p) => send(p, atom("stop")));
  });

  test("any message from a client gets an answer or an error, and the server goes on", async () => {
    const c = await client(rw);
    const junk = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ t: fc.constantFrom("view", "act", "node", "x"), op: fc.oneof(fc.string(), fc.constantFrom("kill", "exit", "send")), pid: fc.string(), page: fc.string(), limit: fc.anything() }).map((x) => JSON.stringify(x)),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (s) => {
        c.send(s);
      }),
      { numRuns: 200 },
    );
    // Still serving: a fresh view gets its data.
    c.send({ t: "view", page: "overview" });
    await c.next((m) => m.t === "overview");
    c.close();
    assert.equal((await fetch(rw.url)).status, 200);
  });
});
