/**
 * The remote shell is started, never a side effect of importing Agner: a
 * real `erl` node's `rpc:call(Node, agner_shell, start, [Owner])` is
 * `undef` on a node of a program that imported the public API and started
 * a node, and answers `{ok, Shell}` once the program called
 * `startRemoteShell()`. `npm start`'s node calls it.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { inspect, startRemoteShell } from "../../src/index.js";
import { uniqueName } from "../support/dist.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, type NodeAndErl, startNodeAndErl } from "../support/erl_node.js";
import { type KvProcess, startKvProcess } from "../support/kv_process.js";

describe("startRemoteShell", needsErl(), () => {
  const cookie = "shell_start_cookie";
  let nodes: NodeAndErl | undefined;
  let erl: ErlNode;
  let me: string;
  let epmdPort: number;

  before(async () => {
    nodes = await startNodeAndErl("shellstart", cookie);
    ({ erl, me, epmdPort } = nodes);
  });

  afterAll(async () => {
    await nodes?.stop();
  });

  const startShell = async (node = me) => inspect(await erl.eval(`rpc:call('${node}', agner_shell, start, [self()]).`));

  test("no remote shell until the program starts it", async () => {
    assert.match(await startShell(), /^\{badrpc,\{'EXIT',\{undef,/);
    await startRemoteShell();
    assert.match(await startShell(), new RegExp(`^\\{ok,<${me.replace(/\./g, "\\.")}\\.\\d+\\.\\d+>\\}$`));
  });

  test("npm start's node answers the remote shell", async () => {
    const kvNode = `${uniqueName("kvshell")}@localhost`;
    let kv: KvProcess | undefined;
    try {
      kv = await startKvProcess(["--distribution", "yes", "--node-name", kvNode, "--cookie", cookie, "--appendonly", "no"], { ERL_EPMD_PORT: String(epmdPort) });
      assert.match(await startShell(kvNode), /^\{ok,</);
    } finally {
      await kv?.stop();
    }
  });
});
