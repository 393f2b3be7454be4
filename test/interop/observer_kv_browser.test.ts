/**
 * The observer's KV page in real Chromium, against a KV server started in
 * the test and driven by a real Redis client (ioredis): a SET's call count
 * rises on the page as clients send more, the keys of db 0 are counted, and
 * the slow log (every command logged here) shows the SET.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { after as afterAll, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { type TestServer, startAgner } from "../support/agner_kv.js";
import { needsBrowser, observerInBrowser, observerShots } from "../support/browser.js";

describe("the observer's KV page in Chromium", needsBrowser(), () => {
  let server: TestServer;
  let client: Redis;
  let page: Page;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shots: string;

  before(async () => {
    shots = observerShots();
    server = await startAgner(["--appendonly", "no", "--save", "", "--slowlog-log-slower-than", "0"]);
    client = new Redis({ port: server.port, host: "127.0.0.1", lazyConnect: true });
    await client.connect();
    const b = await observerInBrowser({ interval: 300 });
    ({ page, close: closeBrowser } = b);
    await page.goto(b.obs.url);
  });

  afterAll(async () => {
    await closeBrowser?.();
    client?.disconnect();
    await server?.stop();
  });

  /** The `set` row's call count as the page shows it. */
  const setCalls = async () => Number(await page.textContent("[data-testid=kv-commands] tr[data-row=set] td:nth-child(2)"));

  test("shows a SET's call count rising, the keys of db 0 and the slow log", async () => {
    for (const k of ["apple", "banana", "cherry"]) await client.set(k, "1");
    await page.click("nav a[data-page=kv]");
    await page.waitForFunction(() => document.querySelector("[data-testid=kv-keyspace] tr[data-row=db0] td:nth-child(2)")?.textContent === "3");
    const before = await setCalls();
    assert.ok(before >= 3, `set calls ${before}`);
    for (let i = 0; i < 5; i++) await client.set(`more${i}`, String(i));
    await page.waitForFunction((n) => Number(document.querySelector("[data-testid=kv-commands] tr[data-row=set] td:nth-child(2)")?.textContent) >= n, before + 5);
    assert.ok((await setCalls()) >= before + 5);
    await page.waitForFunction(() => document.querySelector("[data-testid=kv-keyspace] tr[data-row=db0] td:nth-child(2)")?.textContent === "8");
    assert.match(await page.textContent("[data-testid=kv-slowlog]") ?? "", /set more4 4/i);
    assert.match(await page.textContent("[data-testid=kv-replication]") ?? "", /role\s*master/);
    assert.match(await page.textContent("[data-testid=kv-persistence]") ?? "", /aof_enabled\s*0/);
    assert.match(await page.textContent("[data-testid=kv-clients]") ?? "", /connected_clients\s*1/);
    await page.screenshot({ path: resolve(shots, "kv.png") });
  });

  test("a node without a KV server says so", async () => {
    client.disconnect();
    await server.stop();
    await page.click("nav a[data-page=kv]");
    await page.waitForSelector("[data-testid=no-kv]");
  });
});
