/**
 * The web observer in real Chromium, against a running node with an
 * application (a supervision tree), a process with 10,000 queued messages,
 * and a connected real `erl` node (both on a 4 s net_ticktime, so ticks
 * cross the idle connection every second). Each test asserts on what the page shows
 * and saves its screenshot: to docs/observer/ (docs/observer.md shows them)
 * with AGNER_OBSERVER_SHOTS=docs, else to a temporary directory, so a test
 * run leaves the tree as it was.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { after as afterAll, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  Application,
  type CallSpec,
  after,
  isNumber,
  on,
  self,
  GenServer,
  type ObserverHandle,
  type Pid,
  Supervisor,
  atom,
  call,
  inspect,
  runtime,
  ok,
  receive,
  register,
  reply,
  send,
  spawn,
  startNode,
  startObserver,
  stopNode,
  whereis,
} from "../../src/index.js";
import { needsBrowser, launchBrowser, observerShots } from "../support/browser.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName } from "../support/dist.js";

const SHOTS = observerShots();
const COOKIE = "observer_cookie";
const TICKTIME = 4;

class Counter extends GenServer<number, CallSpec<"get", number>, unknown, unknown, number> {
  override init(n: number) {
    return ok(n);
  }
  override handleCall(_req: "get", _from: unknown, n: number) {
    return reply(n, n);
  }
}

describe("the web observer in Chromium", { ...needsBrowser(), ...needsErl() }, () => {
  let browser: Browser;
  let page: Page;
  let obs: ObserverHandle;
  let erl: ErlNode;
  let stuffed: Pid;
  let busy: Pid;

  const shot = (name: string) => page.screenshot({ path: resolve(SHOTS, `${name}.png`) });
  const open = async (tab: string) => {
    await page.click(`nav a[data-page=${tab}]`);
  };

  before(async () => {
    const epmdPort = await freePort();
    const me = await startNode({ name: `${uniqueName("obs")}@localhost`, cookie: COOKIE, epmdPort, epmd: "embedded", hidden: false, netTicktime: TICKTIME });
    Application.define({
      name: "demo",
      start: () =>
        Supervisor.startLink([
          { id: "counter", start: () => GenServer.startLink(new Counter(), 41, { name: "demo_counter" }).result() },
          { id: "workers", type: "supervisor", start: () => Supervisor.childStart([{ id: "second", start: () => GenServer.startLink(new Counter(), 7).result() }]) },
        ]),
    });
    await Application.start("demo");
    // A process that never reads its mailbox, 10,000 messages deep.
    stuffed = spawn(function* stuffed_mailbox() {
      yield* receive(atom("stop"));
    });
    register("stuffed", stuffed);
    for (let i = 0; i < 10_000; i++) send(stuffed, i);
    // A busy process: 200 messages to itself every 20 ms, for the charts' rates.
    busy = spawn(function* busy_loop() {
      for (;;) {
        const stop = yield* receive(on(atom("stop"), () => true), after(20, () => false));
        if (stop) return;
        for (let i = 0; i < 200; i++) send(self(), i);
        for (let i = 0; i < 200; i++) yield* receive(isNumber);
      }
    });
    erl = await startErl({ sname: uniqueName("beam"), cookie: COOKIE, epmdPort, args: ["-kernel", "net_ticktime", String(TICKTIME)] });
    assert.equal(inspect(await erl.eval(`net_adm:ping('${me.name}').`)), "pong");
    obs = await startObserver({ allowDestructive: true });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });

  afterAll(async () => {
    send(busy, atom("stop"));
    send(stuffed, atom("stop"));
    await browser?.close();
    await obs?.close();
    await erl?.stop();
    await Application.stopAll();
    await stopNode();
  });

  test("without the token the server answers 401", async () => {
    const res = await page.goto(obs.url.replace(/token=[^&]*/, "token=wrong"));
    assert.equal(res?.status(), 401);
    assert.match(await page.textContent("body") ?? "", /needs its token/);
    await shot("unauthorized");
  });

  test("the overview draws live charts of the node", async () => {
    await page.goto(obs.url);
    await page.waitForSelector("[data-chart=Processes] canvas");
    await page.waitForSelector("[data-chart='Event-loop delay (ms)'] canvas");
    assert.match(await page.textContent("[data-testid=versions]") ?? "", /Node\.js/);
    const charts = await page.$$eval("[data-chart]", (cs) => cs.map((c) => c.getAttribute("data-chart")));
    assert.deepEqual(charts, ["Processes", "Memory (MiB)", "Reductions/s", "Messages/s", "Run queue", "Event-loop delay (ms)", "GC pauses (ms per interval)"]);
    await page.waitForTimeout(3_000); // a few samples on the charts
    await shot("overview");
  });

  test("the process with 10,000 queued messages sorts first by mailbox", async () => {
    await open("processes");
    await page.waitForSelector("[data-testid=processes] th[data-sort=mailbox]");
    await page.click("[data-testid=processes] th[data-sort=mailbox]");
    await page.waitForFunction(() => document.querySelector("[data-testid=processes] tr[data-row] td:nth-child(4)")?.textContent === "10000");
    const first = await page.getAttribute("[data-testid=processes] tr[data-row]", "data-row");
    assert.equal(first, inspect(stuffed));
    await shot("processes");
  });

  test("a process page shows its mailbox, and a GenServer's state", async () => {
    await page.click(`[data-testid=processes] tr[data-row] a.pid`);
    await page.waitForSelector("[data-testid=messages]");
    assert.match(await page.textContent("[data-testid=messages]") ?? "", /Mailbox: 10000 messages, first 20/);
    await page.goto(obs.url);
    await open("processes");
    await page.fill("[data-testid=filter]", "demo_counter");
    await page.press("[data-testid=filter]", "Enter");
    await page.waitForSelector("[data-testid=processes] tr[data-row] a.pid");
    await page.click("[data-testid=processes] tr[data-row] a.pid");
    await page.waitForSelector("[data-testid=state]");
    assert.equal(await page.textContent("[data-testid=state]"), "41");
    await shot("process");
  });

  test("the Trace page shows the messages a GenServer gets, and tracing stops when the page closes", async () => {
    const traced = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    try {
      await traced.goto(obs.url);
      await traced.click("nav a[data-page=processes]");
      await traced.fill("[data-testid=filter]", "demo_counter");
      await traced.press("[data-testid=filter]", "Enter");
      await traced.click("[data-testid=processes] tr[data-row] a.pid");
      await traced.click("[data-testid=trace]");
      await traced.waitForFunction(() => document.querySelector("[data-testid=trace-note]")?.textContent?.startsWith("tracing") === true);
      for (let i = 0; i < 3; i++) assert.equal(await call("demo_counter", "get"), 41);
      await traced.waitForFunction(() => (document.querySelector("[data-testid=trace-events]")?.textContent?.match(/got \{'\$gen_call'/g) ?? []).length === 3);
      await traced.screenshot({ path: resolve(SHOTS, "trace.png") });
    } finally {
      await traced.close();
    }
    // The page is gone: the server switched sys.trace off (no more trace events in the node's log).
    const seen: string[] = [];
    const logger = runtime().logger;
    runtime().logger = (e) => {
      if (e.what === "sys_trace") seen.push(e.text);
      logger(e);
    };
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await call("demo_counter", "get"), 41);
      assert.deepEqual(seen, []);
    } finally {
      runtime().logger = logger;
    }
  });

  test("a killed child reappears in its application's tree", async () => {
    const before = whereis("demo_counter")!;
    await open("applications");
    const child = "[data-app=demo] li[data-child=counter] a.pid";
    await page.waitForSelector(child);
    assert.equal(await page.textContent(child), inspect(before));
    await page.click(child);
    await page.waitForSelector("[data-testid=actions] button");
    await page.click("[data-testid=actions] button:text('kill')");
    await open("applications");
    await page.waitForFunction(
      ([sel, old]) => {
        const a = document.querySelector(sel!);
        return a !== null && a.textContent !== old;
      },
      [child, inspect(before)],
    );
    const after = whereis("demo_counter")!;
    assert.notEqual(after, before);
    await page.waitForFunction(([sel, now]) => document.querySelector(sel!)?.textContent === now, [child, inspect(after)]);
    await shot("applications");
    // The root supervisor's own page lists its children.
    await page.click("[data-app=demo] > div a.pid");
    await page.waitForSelector("[data-testid=children] li[data-child=counter]");
    assert.equal(await page.textContent("[data-testid=children] li[data-child=counter] a.pid"), inspect(after));
  });

  test("the cluster page switches the observer to the BEAM node, whose code_server is listed", async () => {
    await open("cluster");
    const row = `[data-testid=cluster] tr[data-node='${erl.node}']`;
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes("beam") === true, row);
    // The connection's traffic: the ping's messages both ways, and the peer's ticks on the idle connection.
    const cell = (key: string) => page.textContent(`${row} td[data-traffic=${key}]`);
    await page.waitForFunction((sel) => /^[1-9]\d* \/ \d+$/.test(document.querySelector(`${sel} td[data-traffic=ticks]`)?.textContent ?? ""), row);
    const [msgIn, msgOut] = (await cell("messages"))!.split(" / ").map(Number);
    assert.ok(msgIn! > 0 && msgOut! > 0, `messages ${msgIn} / ${msgOut}`);
    assert.match((await cell("bytes"))!, /^\d+(\.\d)? (B|KiB) \/ \d+(\.\d)? (B|KiB)$/);
    assert.match((await cell("tick"))!, /^\d+\.\d s ago$/);
    assert.equal(await page.textContent("[data-testid=ticktime]"), `net_ticktime ${TICKTIME} s`);
    await shot("cluster");
    await page.click(`${row} button[data-observe]`);
    await page.waitForFunction((n) => document.getElementById("node")?.textContent === n, erl.node);
    await open("processes");
    await page.fill("[data-testid=filter]", "code_server");
    await page.press("[data-testid=filter]", "Enter");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=processes] tr[data-row] td:nth-child(2)")].some((td) => td.textContent === "code_server"));
    await shot("beam_processes");
    // Its process page (process_info over rpc) and its applications (kernel's tree, through supervisor:which_children).
    await page.click("[data-testid=processes] tr[data-row]:has(td:text-is('code_server')) a.pid");
    await page.waitForSelector("[data-testid=info]");
    assert.match(await page.textContent("[data-testid=info]") ?? "", /current_function/);
    await open("applications");
    await page.waitForSelector("[data-app=kernel] li[data-child=code_server]");
    await shot("beam_applications");
  });
});

describe("the web observer's Logs page", { ...needsBrowser() }, () => {
  test("shows a crash report of this node's log, filtered by level", async () => {
    const obs = await startObserver({ interval: 300 });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
      spawn(function crashing_worker() {
        throw new Error("boom for the observer");
      });
      await page.goto(obs.url);
      await page.click("nav a[data-page=logs]");
      await page.waitForSelector("[data-testid=level]");
      await page.selectOption("[data-testid=level]", "error");
      await page.waitForFunction(() => document.querySelector("[data-testid=logs]")?.textContent?.includes("boom for the observer") === true);
      assert.match(await page.textContent("[data-testid=logs] .log.error") ?? "", /crash_report/);
      await page.screenshot({ path: resolve(SHOTS, "logs.png") });
    } finally {
      await browser.close();
      await obs.close();
    }
  });
});
