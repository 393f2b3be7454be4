/**
 * examples/distribution.ts over real loopback sockets, with a second Agner
 * node in this process standing in for the iex node of the guide (a
 * `counter` server and an exported `Elixir.String.upcase/1`). The same
 * example against a real Elixir node: test/interop/distribution_doc.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startAgner, useElixir, whenDown } from "../../../examples/distribution.js";
import {
  type Atom,
  type CallSpec,
  GenServer,
  Runtime,
  atom,
  call,
  cast,
  distInfo,
  noreply,
  ok,
  reply,
  rpc,
  runtime,
  silentLogger,
  startNode,
  stopNode,
  t,
} from "../../../src/index.js";
import { freePort, uniqueName } from "../../support/dist.js";
import { runOn } from "../distribution/helpers.js";

class Counter extends GenServer<number, CallSpec<Atom<"count">, number>, Atom<"inc">, unknown, number> {
  init(n: number) {
    return ok(n);
  }
  override handleCall(_r: Atom<"count">, _f: unknown, n: number) {
    return reply(n, n);
  }
  override handleCast(_r: Atom<"inc">, n: number) {
    return noreply(n + 1);
  }
}

test("the guide's TypeScript: a node serving the store and greeter:hello, using a peer's server and rpc, noticing it go", async () => {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  const me = await startAgner("secret", { name: `${uniqueName("agner")}@localhost`, epmdPort });
  // No EPMD on the private port: the guide's node started the daemon, which outlives it (killed below).
  const daemon = distInfo()?.epmd;
  assert.equal(daemon?.runner, "daemon");
  const peerRt = new Runtime({ logger: silentLogger });
  try {
    const peer = await startNode({ name: `${uniqueName("iex")}@localhost`, cookie: "secret", epmdPort, epmd: "embedded", runtime: peerRt });
    await runOn(peerRt, function* () {
      yield* GenServer.start(new Counter(), 0, { name: "counter" });
    });
    rpc.export("Elixir.String", "upcase", (s: Uint8Array) => new TextDecoder().decode(s).toUpperCase(), { runtime: peerRt });

    // What iex does in the guide, from the peer: the store by {name, node}, and greeter:hello through rpc.
    const fromPeer = await runOn(peerRt, function* () {
      const store = t(atom("primary_store"), me);
      cast(store, t(atom("set"), atom("foo"), atom("bar")));
      return [
        yield* call(store, t(atom("get"), atom("foo"))),
        yield* call(store, t(atom("get"), atom("nothing"))),
        yield* rpc.call(me, "greeter", "hello", [new TextEncoder().encode("iex")]),
      ];
    });
    assert.equal(fromPeer[0], atom("bar"));
    assert.equal(fromPeer[1], atom("nil"), "null went out as nil (and decodes as the atom)");
    assert.equal(new TextDecoder().decode(fromPeer[2] as Uint8Array), "hello, iex");

    const r = await useElixir(peer);
    assert.equal(r.count, 1);
    assert.equal(new TextDecoder().decode(r.upcased as Uint8Array), "AGNER");

    const down = whenDown(peer);
    await stopNode(peerRt);
    assert.equal(await down, peer);
  } finally {
    await stopNode(peerRt);
    await stopNode();
    if (daemon?.pid !== undefined) process.kill(daemon.pid, "SIGKILL");
  }
});
