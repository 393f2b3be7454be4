/**
 * Deep terms from a real erl node (issue 11, finding 7): a left-nested
 * iolist of 1,500 parts (4.9 KB) closed the connection when the decoder
 * had a nesting limit of 1,000, and erl's monitors fired `noconnection`.
 * Now erl sends 1,500 and 100,000 parts to an Agner process, gets them
 * back equal, and its monitor across the link stays quiet.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, type Pid, Runtime, _, atom, equals, on, receive, register, send, setDefaultRuntime, silentLogger, spawn, startNode, stopNode, t } from "../../src/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName } from "../support/dist.js";

describe("deep terms from erl", needsErl(), () => {
  const cookie = "deep_cookie";
  const rt = new Runtime({ logger: silentLogger });
  let me: Atom;
  let e: ErlNode;

  before(async () => {
    setDefaultRuntime(rt);
    const epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie, epmdPort, epmd: "embedded" });
    // Echoes `{From, X}` as `{echo, X}`.
    const echo = spawn(function* () {
      for (;;) {
        const m = (yield* receive(on([_, _], (x) => x))) as unknown[];
        send(m[0] as Pid, t(atom("echo"), m[1]));
      }
    });
    register("deep_echo", echo);
    e = await startErl({ sname: uniqueName("erl"), cookie, epmdPort });
    // A monitor across the link, held by erl's probe process for the whole test.
    await e.eval(`put(mon, erlang:monitor(process, {deep_echo, '${me.name}'})), ok.`);
  });

  afterAll(async () => {
    await e.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  for (const parts of [1_500, 100_000]) {
    test(`a left-nested iolist of ${parts.toLocaleString("en")} parts goes to Agner and back; the monitor does not fire`, async () => {
      const r = await e.eval(
        [
          `IO = lists:foldl(fun(I, Acc) -> [Acc, integer_to_binary(I)] end, [], lists:seq(1, ${parts})),`,
          `{deep_echo, '${me.name}'} ! {self(), IO},`,
          `Back = receive {echo, B} -> B after 20000 -> timeout end,`,
          `Mon = get(mon),`,
          `Down = receive {'DOWN', Mon, _, _, Why} -> {down, Why} after 300 -> no_down end,`,
          `{Back =:= IO, iolist_size(IO), Down, lists:member('${me.name}', nodes(hidden) ++ nodes())}.`,
        ].join(" "),
        60_000,
      );
      const size = parts === 1_500 ? 4_893 : 488_895;
      assert.ok(equals(r, t(true, size, atom("no_down"), true)), `erl saw ${JSON.stringify(String(r))}`);
    });
  }
});
