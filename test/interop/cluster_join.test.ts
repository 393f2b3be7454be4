/**
 * `npm start -- --join NODE`: KV servers (each `node dist/src/cli/kv.js`
 * in its own process) join a cluster at start. Each one joining the first
 * ends up connected to every other (a full mesh, found through the node it
 * joined); a node that is not up yet is retried until it is; one that never
 * comes is a clear error and the server does not start; an erl node can be
 * the one joined. The EPMD is the test process's (embedded, private port).
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, Runtime, atom, silentLogger } from "../../src/index.js";
import { nodes, rpc, startNode, stopNode } from "../../src/distribution/node.js";
import { type KvProcess, startKvProcess } from "../support/kv_process.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { needsErl } from "../support/erl.js";
import { freePort, uniqueName, until } from "../support/dist.js";

const COOKIE = "join_cookie";

describe("npm start -- --join", () => {
  let epmdPort: number;
  const rt = new Runtime({ logger: silentLogger });
  let seed: Atom;
  const servers: KvProcess[] = [];
  const extra: Runtime[] = [];
  let oldEpmd: string | undefined;

  /** A KV server that is a visible node named `name`, with `args` after. */
  const server = async (name: string, args: string[]): Promise<KvProcess> => {
    const s = await startKvProcess(["--distribution", "yes", "--node-name", name, "--cookie", COOKIE, "--node-hidden", "no", "--net-ticktime", "10", ...args]);
    servers.push(s);
    return s;
  };
  /** Runs `fn` in a process of the seed's runtime (the node API works from its processes). */
  const onSeed = <R>(fn: () => R | Generator<unknown, R, unknown>): Promise<R> =>
    new Promise((resolve, reject) => {
      rt.spawn(function* () {
        try {
          const r = fn();
          resolve(typeof r === "object" && r !== null && Symbol.iterator in r && "next" in r ? yield* r as Generator<unknown, R, unknown> : (r as R));
        } catch (e) {
          reject(e);
        }
      });
    });
  /** The nodes the seed sees (visible), by name. */
  const seen = async () => new Set((await onSeed(() => nodes())).map((n) => n.name));

  before(async () => {
    epmdPort = await freePort();
    oldEpmd = process.env.ERL_EPMD_PORT;
    process.env.ERL_EPMD_PORT = String(epmdPort); // the servers find the embedded EPMD below
    seed = await startNode({ name: `${uniqueName("seed")}@localhost`, cookie: COOKIE, epmdPort, epmd: "embedded", hidden: false, runtime: rt });
  });

  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const r of extra) {
      await stopNode(r);
      r.shutdown();
    }
    await stopNode(rt);
    rt.shutdown();
    if (oldEpmd === undefined) delete process.env.ERL_EPMD_PORT;
    else process.env.ERL_EPMD_PORT = oldEpmd;
  });

  test("servers joining the first one form a full mesh", async () => {
    const n1 = `${uniqueName("kv1")}@localhost`;
    const n2 = `${uniqueName("kv2")}@localhost`;
    const s1 = await server(n1, ["--join", seed.name]);
    assert.match(s1.output(), new RegExp(`cluster: +joined ${seed.name}`));
    const s2 = await server(n2, ["--join", n1]);
    // s2 joined only n1, and found the seed through it.
    assert.match(s2.output(), new RegExp(`cluster: +joined ${n1}, and through it ${seed.name}`));
    await until(async () => (await seen()).has(n1) && (await seen()).has(n2), "the seed connected to both");
    // And n1 and n2 are connected to each other: ask n1 over rpc.
    const theirs = (await onSeed(function* () {
      return yield* rpc.call(n1, "erlang", "nodes", []);
    })) as Atom[];
    assert.deepEqual(new Set(theirs.map((n) => n.name)), new Set([seed.name, n2]));
  });

  test("a node not up yet is retried until it is", async () => {
    const later = `${uniqueName("later")}@localhost`;
    const pending = server(`${uniqueName("kv3")}@localhost`, ["--join", later, "--join-timeout", "60"]);
    await new Promise((r) => setTimeout(r, 1500));
    const rt2 = new Runtime({ logger: silentLogger });
    extra.push(rt2);
    await startNode({ name: later, cookie: COOKIE, epmdPort, hidden: false, runtime: rt2 });
    const s3 = await pending;
    assert.match(s3.output(), /is not reachable yet; retrying every second/);
    assert.match(s3.output(), new RegExp(`cluster: +joined ${later}`));
  });

  test("a node that never comes: a clear error, and the server does not start", async () => {
    await assert.rejects(
      server(`${uniqueName("kv4")}@localhost`, ["--join", `${uniqueName("nobody")}@localhost`, "--join-timeout", "1"]),
      /exited \(1\)[\s\S]*could not join nobody\S* within 1 s/,
    );
  });

  test("an erl node can be the one joined; the nodes it knows are joined too", needsErl(), async () => {
    const e: ErlNode = await startErl({ sname: uniqueName("erl"), cookie: COOKIE, epmdPort });
    try {
      assert.equal(await e.eval(`net_adm:ping('${seed.name}').`), atom("pong"));
      const s = await server(`${uniqueName("kv5")}@localhost`, ["--join", e.node]);
      assert.match(s.output(), new RegExp(`cluster: +joined ${e.node}, and through it .*${seed.name}`));
    } finally {
      await e.stop(true);
    }
  });
});
