/** Malformed RESP gets the same bytes, then the same close, from Agner and from redis-server. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { PROTOCOL_ERROR_CASES } from "../../support/protocol_error_cases.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient } from "../../support/resp_client.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner();
});
after(async () => {
  await srv.stop();
});

test("the same errors as redis-server gives for the same bytes", needsRedis(), async () => {
  const redis = await RedisServer.start();
  try {
    for (const [bytes] of PROTOCOL_ERROR_CASES) {
      const a = await RespClient.connect(srv.port);
      const b = await RespClient.connect(redis.port);
      a.write(bytes);
      b.write(bytes);
      assert.equal(await a.waitClosed(), await b.waitClosed(), JSON.stringify(bytes));
    }
  } finally {
    await redis.stop();
  }
});
