/**
 * What Sentinel sends a replica it promotes, in one transaction: MULTI,
 * SLAVEOF NO ONE, CONFIG REWRITE, CLIENT KILL TYPE normal, CLIENT KILL
 * TYPE pubsub, EXEC. CLIENT KILL inside MULTI, on Agner and on
 * redis-server side by side: the same replies, and the other clients
 * closed (the caller kept: SKIPME yes).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverPair } from "../../support/server_pair.js";
import { RespClient, plain } from "../../support/resp_client.js";

const servers = serverPair([]);

async function scenario(port: number): Promise<unknown[]> {
  const a = await RespClient.connect(port);
  const other = await RespClient.connect(port);
  const sub = await RespClient.connect(port);
  try {
    await sub.cmd("SUBSCRIBE", "ch");
    const out: unknown[] = [];
    for (const argv of [["MULTI"], ["CLIENT", "KILL", "TYPE", "normal"], ["CLIENT", "KILL", "TYPE", "pubsub"], ["EXEC"], ["PING"]]) out.push(plain(await a.cmd(...argv)));
    for (const c of [other, sub]) {
      const r = await c.cmd("PING").then(plain, (e: Error) => `closed: ${e.message.slice(0, 0)}`);
      out.push(r);
    }
    return out;
  } finally {
    for (const c of [a, other, sub]) c.close();
  }
}

describe("CLIENT KILL inside MULTI, as redis-server 7.0.15", servers.guard, () => {
  test("queued, run by EXEC, the other clients closed", async () => {
    const ours = await scenario(servers.agner.port);
    const theirs = await scenario(servers.redis.port);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours.slice(0, 5), ["OK", "QUEUED", "QUEUED", [1, 1], "PONG"]);
  });
});
