/**
 * `npm start -- --observer 127.0.0.1:PORT`: the KV server's node serves the
 * observer and prints its URL with the token; the URL opens the page, the
 * same address without the token is refused; a malformed flag is a clear
 * configuration error.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startKvProcess } from "../../support/kv_process.js";
import { takeObserverFlag } from "../../../src/cli/observer_flag.js";

test("npm start -- --observer prints a URL with its token that serves the observer", async () => {
  const kv = await startKvProcess(["--observer", "127.0.0.1:0", "--appendonly", "no"]);
  try {
    const end = Date.now() + 10_000;
    let m: RegExpExecArray | null = null;
    while ((m = /observer: +(http:\/\/127\.0\.0\.1:\d+\/\?token=(\S+)) \(read-only\)/.exec(kv.output())) === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.ok(m !== null, kv.output());
    const page = await fetch(m[1]!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Agner observer/);
    assert.equal((await fetch(m[1]!.replace(m[2]!, ""))).status, 401);
  } finally {
    await kv.stop();
  }
});

test("the flag's value is [HOST:]PORT", () => {
  assert.deepEqual(takeObserverFlag(["--observer", "9911"]), { host: "127.0.0.1", port: 9911, allowDestructive: false });
  assert.deepEqual(takeObserverFlag(["--observer", "[::1]:9911", "--observer-allow-destructive"]), { host: "::1", port: 9911, allowDestructive: true });
  const args = ["--port", "7000", "--observer", "0.0.0.0:1"];
  takeObserverFlag(args);
  assert.deepEqual(args, ["--port", "7000"]);
  assert.throws(() => takeObserverFlag(["--observer", "host"]), /expects \[HOST:\]PORT/);
  assert.throws(() => takeObserverFlag(["--observer-allow-destructive"]), /needs --observer/);
});
