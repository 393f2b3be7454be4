/**
 * The KV server's report (src/apps/kv/server/kv_report.ts) as another node
 * reads it: a real `erl` node's `rpc:call(Node, agner_introspection,
 * report, [<<"kv">>])` gets the server's INFO and slow log as JSON, live
 * (a SET from a real Redis client shows), and `undefined` once the server
 * has stopped or for a name nobody reports.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { inspect } from "../../src/index.js";
import { type TestServer, startAgner } from "../support/agner_kv.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, type NodeAndErl, startNodeAndErl } from "../support/erl_node.js";

describe("a KV server's report, read over distribution", needsErl(), () => {
  const cookie = "report_cookie";
  let server: TestServer;
  let nodes: NodeAndErl | undefined;
  let erl: ErlNode;
  let me: string;

  before(async () => {
    server = await startAgner(["--appendonly", "no", "--save", "", "--slowlog-log-slower-than", "0"]);
    nodes = await startNodeAndErl("report", cookie);
    ({ erl, me } = nodes);
  });

  afterAll(async () => {
    await nodes?.stop();
    await server?.stop();
  });

  const report = async (name: string): Promise<unknown> => {
    const r = await erl.eval(`rpc:call('${me}', agner_introspection, report, [<<"${name}">>]).`);
    return r instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(r)) : inspect(r);
  };

  test("erl reads the server's INFO and slow log, live", async () => {
    const client = new Redis({ port: server.port, host: "127.0.0.1" });
    try {
      await client.set("from_redis", "1");
    } finally {
      client.disconnect();
    }
    const r = (await report("kv")) as { info: string; slowlog: { argv: string[] }[] };
    assert.match(r.info, /^# Server\r\n/);
    assert.match(r.info, /\r\ndb0:keys=1,/);
    assert.match(r.info, /\r\ncmdstat_set:calls=1,/);
    assert.deepEqual(r.slowlog[0]!.argv, ["set", "from_redis", "1"]);
    assert.equal(await report("no_such_report"), "undefined");
  });

  test("a stopped server reports nothing", async () => {
    await server.stop();
    assert.equal(await report("kv"), "undefined");
  });
});
