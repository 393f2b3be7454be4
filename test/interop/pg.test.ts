/**
 * pg against real erl (OTP 25's `pg` scope): Agner's scope and Erlang's
 * form one view. Two clusters: 2 BEAM + 1 Agner (this process), and
 * 1 BEAM + 2 Agner (this process and a child process). Members joined on
 * any node appear in `pg:get_members` on every node; a member killed, and a
 * node killed with -9, disappear from every view; erl logs nothing about
 * the Agner node.
 */
import assert from "node:assert/strict";
import { join as pathJoin } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, describe, test } from "node:test";
import { type Pid, Runtime, atom, connect, exit, run, setDefaultRuntime, spawn, receive, on, _, silentLogger, startNode, stopNode, t } from "../../src/index.js";
import { pg } from "../../src/distribution/pg.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { needsErl } from "../support/erl.js";
import { type AgnerNode, startAgnerNode } from "../support/agner_node.js";
import { freePort, uniqueName } from "../support/dist.js";

const GRP = atom("grp");

function keys(pids: readonly unknown[]): string[] {
  return (pids as Pid[]).map((p) => `${p.node.name}/${p.id}.${p.serial}`).sort();
}

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns `n` members on the erl node and joins them to `grp`; their pids. */
function erlJoin(e: ErlNode, n: number): Promise<Pid[]> {
  return e.eval(`Ps = [spawn(fun() -> receive _ -> ok end end) || _ <- lists:seq(1, ${n})], ok = pg:join(grp, Ps), Ps.`) as Promise<Pid[]>;
}

function erlView(e: ErlNode): Promise<string[]> {
  return e.eval("pg:get_members(grp).").then((v) => keys(v as Pid[]));
}

/** Spawns `n` members here and joins them. */
function agnerJoin(n: number): Promise<Pid[]> {
  return run(function* () {
    const ps: Pid[] = [];
    for (let i = 0; i < n; i++) ps.push(spawn(() => receive(on(_, () => undefined))));
    yield* pg.join(GRP, ps);
    return ps;
  });
}

const agnerView = (): Promise<string[]> => Promise.resolve(keys(pg.getMembers(GRP)));

/** What erl printed must not mention trouble (a warning, an error report, a crash). */
function quiet(e: ErlNode): void {
  assert.doesNotMatch(e.output(), /WARNING|ERROR|CRASH|error_logger|badarg/i, `${e.node} printed:\n${e.output()}`);
}

describe("pg with real erl nodes", needsErl(), () => {
  const erls: ErlNode[] = [];
  const agners: AgnerNode[] = [];
  const rts: Runtime[] = [];
  /** A fresh runtime as the default one: each cluster's Agner node is its own. */
  const fresh = (): Runtime => {
    const rt = new Runtime({ logger: silentLogger });
    rts.push(rt);
    setDefaultRuntime(rt);
    return rt;
  };
  afterAll(async () => {
    for (const e of erls) await e.stop(true);
    for (const a of agners) await a.stop(true);
    for (const rt of rts) {
      await stopNode(rt);
      rt.shutdown();
    }
  });

  test("2 BEAM + 1 Agner: one view; a killed member and a node killed -9 leave every view", async () => {
    const rt = fresh();
    const epmdPort = await freePort();
    const me = await startNode({ name: `${uniqueName("pga")}@localhost`, cookie: "pg", epmdPort, epmd: "embedded", hidden: false });
    await pg.start();
    const e1 = await startErl({ sname: uniqueName("pge1"), cookie: "pg", epmdPort });
    erls.push(e1);
    const e2 = await startErl({ sname: uniqueName("pge2"), cookie: "pg", epmdPort });
    erls.push(e2);
    for (const e of [e1, e2]) assert.ok(await e.eval("{ok, P} = pg:start(pg), is_pid(P)."));
    // Erlang's scopes discover each other; Agner's discovers theirs (and they it) on nodeup.
    assert.equal(await e1.eval(`net_adm:ping('${e2.node}').`), atom("pong"));
    assert.equal(await connect(e1.node), true);
    assert.equal(await connect(e2.node), true);

    const mine = await agnerJoin(2);
    const theirs1 = await erlJoin(e1, 2);
    const theirs2 = await erlJoin(e2, 1);
    const all = keys([...mine, ...theirs1, ...theirs2]).join();
    await until(async () => (await agnerView()).join() === all, "Agner's view");
    for (const e of [e1, e2]) await until(async () => (await erlView(e)).join() === all, `${e.node}'s view`);
    assert.deepEqual(keys((await e1.eval("pg:get_local_members(grp).")) as Pid[]), keys(theirs1));
    assert.deepEqual(keys([...pg.getLocalMembers(GRP)]), keys(mine));
    assert.deepEqual(await e2.eval("pg:which_groups()."), [GRP]);
    // erl's scope holds Agner's scope as a peer of its overlay (the `remote` map of pg's #state{}).
    const peers = (await e1.eval("[node(P) || P <- maps:keys(element(4, sys:get_state(pg)))].")) as unknown[];
    assert.deepEqual(peers.map(String).sort(), [me.name, e2.node].sort());

    // A repeated join counts twice on erl's side too.
    await run(function* () {
      yield* pg.join(GRP, mine[0]!);
    });
    await until(async () => (await erlView(e1)).filter((k) => k === keys([mine[0]!])[0]).length === 2, "the second join on e1");

    // An Agner member dies (its two joins go), an erl member dies.
    exit(mine[0]!, atom("kill"));
    await e1.eval(`exit(hd(pg:get_local_members(grp)), kill).`);
    const left = async () => (await agnerView()).length === 3;
    await until(left, "Agner's view after the deaths");
    for (const e of [e1, e2]) await until(async () => (await erlView(e)).length === 3, `${e.node} after the deaths`);
    assert.ok(!(await erlView(e2)).includes(keys([mine[0]!])[0]!));

    // e2 is killed -9: its member leaves e1's and Agner's views.
    await e2.stop(true);
    const rest = (await erlView(e1)).filter((k) => !k.startsWith(e2.node));
    await until(async () => (await agnerView()).join() === rest.join(), "Agner's view without e2");
    await until(async () => (await erlView(e1)).length === 2, "e1's view without e2");
    assert.equal(rest.length, 2);
    quiet(e1);
    void me;
    await stopNode(rt);
    await e1.stop();
    erls.length = 0;
  });

  test("1 BEAM + 2 Agner: one view; an Agner node killed -9 leaves every view", async () => {
    fresh();
    const epmdPort = await freePort();
    await startNode({ name: `${uniqueName("pgb")}@localhost`, cookie: "pg", epmdPort, epmd: "embedded", hidden: false });
    await pg.start();
    const main = pathJoin(fileURLToPath(new URL(".", import.meta.url)), "..", "support", "pg_node_main.js");
    const child = await startAgnerNode({ name: `${uniqueName("pgc")}@localhost`, cookie: "pg", epmdPort, ticktime: 60, main });
    agners.push(child);
    const e = await startErl({ sname: uniqueName("pge"), cookie: "pg", epmdPort });
    erls.push(e);
    assert.ok(await e.eval("{ok, P} = pg:start(pg), is_pid(P)."));
    assert.equal(await connect(e.node), true);
    assert.equal(await connect(child.node), true);
    assert.equal(await child.command(t(atom("connect"), atom(e.node))), true);

    const mine = await agnerJoin(1);
    const childs = (await child.command(t(atom("pg_join"), GRP, 2))) as Pid[];
    const theirs = await erlJoin(e, 1);
    const all = keys([...mine, ...childs, ...theirs]).join();
    await until(async () => (await agnerView()).join() === all, "this node's view");
    await until(async () => keys((await child.command(t(atom("pg_members"), GRP))) as Pid[]).join() === all, "the child's view");
    await until(async () => (await erlView(e)).join() === all, "erl's view");

    // A child member killed, then the child node killed -9.
    assert.equal(await child.command(t(atom("pg_kill_local"), GRP)), 2);
    await until(async () => (await erlView(e)).length === 2, "erl without the child's members");
    const again = (await child.command(t(atom("pg_join"), GRP, 3))) as Pid[];
    await until(async () => (await erlView(e)).length === 5, "erl with the child's new members");
    await child.stop(true);
    const rest = keys([...mine, ...theirs]).join();
    await until(async () => (await erlView(e)).join() === rest, "erl without the dead child");
    await until(async () => (await agnerView()).join() === rest, "this node without the dead child");
    assert.equal(again.length, 3);
    quiet(e);
  });
});
