/**
 * A peer past the atom limit (issue 11, finding 8): atoms are never freed,
 * so an erl node sending ever new atoms could use up the heap (1 M distinct
 * atoms cost ~418 MB). With the limit lowered, erl sends a message of 1,000
 * new atoms to a registered Agner process: Agner closes that one connection
 * with one logged line naming the peer and "atom table full", the atom
 * count stays within the limit (erl reads it and the limit with
 * `rpc:call(Node, erlang, system_info, [atom_count])`), and another erl node's connection, the
 * local process and new connections keep working.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, type Pid, Runtime, _, atom, atomCount, atomLimit, equals, isAlive, on, receive, register, send, setAtomLimit, setDefaultRuntime, spawn, startNode, stopNode, t } from "../../src/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, memoryLogger, uniqueName } from "../support/dist.js";

describe("a peer past the atom limit", needsErl(), () => {
  const cookie = "atom_limit_cookie";
  const logger = memoryLogger();
  const rt = new Runtime({ logger });
  let me: Atom;
  let sink: Pid;
  let flooder: ErlNode;
  let other: ErlNode;
  let prevLimit: number;

  before(async () => {
    setDefaultRuntime(rt);
    const epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie, epmdPort, epmd: "embedded" });
    // Answers `{From, List}` with `{got, Length}`.
    sink = spawn(function* () {
      for (;;) {
        const m = (yield* receive(on([_, _], (x) => x))) as unknown[];
        send(m[0] as Pid, t(atom("got"), (m[1] as unknown[]).length));
      }
    });
    register("atom_sink", sink);
    [flooder, other] = await Promise.all([startErl({ sname: uniqueName("flood"), cookie, epmdPort }), startErl({ sname: uniqueName("other"), cookie, epmdPort })]);
    // Both connected, and both watching the sink across their connection.
    for (const e of [flooder, other]) {
      await e.eval(`put(mon, erlang:monitor(process, {atom_sink, '${me.name}'})), {atom_sink, '${me.name}'} ! {self(), [ok]}, receive {got, 1} -> ok end.`);
    }
    // The atoms of erl's answers, decoded in this process too, exist before the table fills.
    for (const a of ["down", "noconnection", "no_down", "got", "timeout", "error", "badarg"]) atom(a);
    // Room for a few hundred new atoms, not a thousand.
    prevLimit = setAtomLimit(atomCount() + 300);
  });

  afterAll(async () => {
    setAtomLimit(prevLimit);
    await Promise.all([flooder.stop(true), other.stop(true)]);
    await stopNode(rt);
    rt.shutdown();
  });

  test("the flooding peer's connection closes with one logged line; the other connection and the node keep serving", async () => {
    const limit = atomLimit();
    const r = await flooder.eval(
      [
        `Atoms = [list_to_atom("atomflood_" ++ integer_to_list(I)) || I <- lists:seq(1, 1000)],`,
        `{atom_sink, '${me.name}'} ! {self(), Atoms},`,
        `Mon = get(mon),`,
        `receive {'DOWN', Mon, _, _, Why} -> {down, Why}; {got, N} -> {got, N} after 10000 -> timeout end.`,
      ].join(" "),
      30_000,
    );
    assert.ok(equals(r, t(atom("down"), atom("noconnection"))), `the flooder saw ${String(r)}`);
    assert.ok(atomCount() <= limit, `${atomCount()} atoms within the limit ${limit}`);

    const lines = logger.events.filter((e) => /atom table full/.test(e.text));
    assert.equal(lines.length, 1, `one line:\n${logger.texts()}`);
    assert.match(lines[0]!.text, new RegExp(`${flooder.node}.*atom table full`));
    assert.equal(lines[0]!.level, "error");
    assert.ok(!lines[0]!.text.includes("\n"), `one line, no stack: ${lines[0]!.text}`);

    // The node, its process and the other connection are untouched.
    assert.ok(isAlive(sink));
    const o = await other.eval(
      [
        `{atom_sink, '${me.name}'} ! {self(), [ok, error]},`,
        `Got = receive {got, N} -> N after 10000 -> timeout end,`,
        `Mon = get(mon),`,
        `Down = receive {'DOWN', Mon, _, _, W} -> {down, W} after 0 -> no_down end,`,
        `{Got, Down, lists:member('${me.name}', nodes(connected))}.`,
      ].join(" "),
    );
    assert.ok(equals(o, t(2, atom("no_down"), true)), `the other node saw ${String(o)}`);

    // erl reads the count and the limit over rpc, as from a BEAM node.
    const info = await other.eval(`{rpc:call('${me.name}', erlang, system_info, [atom_count]), rpc:call('${me.name}', erlang, system_info, [atom_limit])}.`);
    assert.ok(equals(info, t(atomCount(), limit)), `system_info over rpc: ${String(info)}`);

    // The flooder may come back, with atoms that exist.
    const again = await flooder.eval(`{atom_sink, '${me.name}'} ! {self(), [ok, error, true]}, receive {got, N} -> N after 10000 -> timeout end.`);
    assert.equal(again, 3);
  });
});
