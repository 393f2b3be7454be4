/**
 * The observer of one Agner node (this test's) switched to another Agner
 * node over distribution: `npm start`'s entry in a process of its own,
 * read through the introspection answers every Agner node gives (the
 * calls Erlang's tools make, and the KV server's report). Its named
 * processes appear in the process table and its KV page shows the keys a
 * real Redis client set there.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { connect, startNode, stopNode } from "../../src/index.js";
import { needsBrowser, observerInBrowser } from "../support/browser.js";
import { freePort, uniqueName } from "../support/dist.js";
import { type KvProcess, startKvProcess } from "../support/kv_process.js";

describe("the observer switched to another Agner node", needsBrowser(), () => {
  const cookie = "remote_observer_cookie";
  let y: KvProcess;
  let yName: string;
  let page: Page;
  let url: string;
  let closeBrowser: (() => Promise<void>) | undefined;

  before(async () => {
    const epmdPort = await freePort();
    yName = `${uniqueName("kvy")}@localhost`;
    y = await startKvProcess(["--distribution", "yes", "--node-name", yName, "--cookie", cookie, "--appendonly", "no"], { ERL_EPMD_PORT: String(epmdPort) });
    await startNode({ name: `${uniqueName("obsx")}@localhost`, cookie, epmdPort, hidden: false });
    assert.equal(await connect(yName), true);
    const b = await observerInBrowser({ interval: 500 });
    ({ page, close: closeBrowser } = b);
    url = b.obs.url;
  });

  afterAll(async () => {
    await closeBrowser?.();
    await stopNode();
    await y?.stop();
  });

  test("shows the other node's named processes and its KV page", async () => {
    const client = new Redis({ port: y.port, host: "127.0.0.1" });
    try {
      await client.set("on_y_1", "a");
      await client.set("on_y_2", "b");
    } finally {
      client.disconnect();
    }
    await page.goto(url);
    await page.click("nav a[data-page=cluster]");
    const row = `[data-testid=cluster] tr[data-node='${yName}']`;
    await page.waitForFunction((sel) => document.querySelector(`${sel} td:nth-child(2)`)?.textContent === "agner", row);
    await page.click(`${row} button[data-observe]`);
    await page.waitForFunction((n) => document.getElementById("node")?.textContent === n, yName);
    await page.click("nav a[data-page=processes]");
    await page.fill("[data-testid=filter]", "kv_holder");
    await page.press("[data-testid=filter]", "Enter");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=processes] tr[data-row] td:nth-child(2)")].some((td) => td.textContent === "kv_holder"));
    // Its pid is the other node's.
    assert.ok((await page.getAttribute("[data-testid=processes] tr[data-row]", "data-row"))!.startsWith(`<${yName}.`));
    await page.click("nav a[data-page=kv]");
    await page.waitForFunction(() => document.querySelector("[data-testid=kv-keyspace] tr[data-row=db0] td:nth-child(2)")?.textContent === "2");
    assert.ok(Number(await page.textContent("[data-testid=kv-commands] tr[data-row=set] td:nth-child(2)")) >= 2);
  });
});
