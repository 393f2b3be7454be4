/**
 * Erlang's exit-signal truth table, as data: every row is a scenario run in
 * a fresh target process T (trapping exits or not) and the outcome T sees.
 *
 * How the check against real Erlang is done: the same scenarios are written
 * in `test/interop/exit_truth_table.erl`. The erl half of this test compiles
 * it with `erlc` into a temporary directory and runs
 * `erl -noshell -pa DIR -eval 'exit_truth_table:main([{Scenario, Trap}, ...])'`,
 * which runs every row (each in its own target process watched by a monitor)
 * and prints one line per row: `Scenario Trap Outcome`. Both halves print the
 * outcome in the same words, `dies(Reason)`, `msg(Term)` (the first message T
 * received) or `unaffected` (T alive, nothing received within 100 ms), after
 * an optional `raised(Reason) ` when the setup call threw. Terms are printed
 * with Erlang's `~w` / Agner's `inspect` after replacing T's pid by 'Self',
 * the other process by 'Other', the monitor reference by 'Ref' and the row's
 * registered name by 'Name'. Each row's `expect` column must equal both
 * Agner's and erl's outcome. Checked against Erlang/OTP 25 (erts 13).
 *
 * Rows where erl decided for us (and Agner was fixed to agree):
 *  - `link/1` to a dead process when not trapping exits RAISES `noproc` in the
 *    caller (catchable; the process lives on), it does not kill it; when
 *    trapping, it delivers `{'EXIT', Dead, noproc}`.
 *  - a process linked AND monitoring a process that dies gets the `'EXIT'`
 *    message before the `'DOWN'` (2000 of 2000 runs on OTP 25).
 *  - a process that calls `exit(kill)` itself sends `kill` along its links as
 *    an ordinary reason: trappable, and a non-trapping linked process dies
 *    with `kill` (not `killed`). Only `exit(Pid, kill)` is untrappable.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import { Atom, atom } from "../../src/term/atom.js";
import { type Pid } from "../../src/term/identifiers.js";
import { inspect } from "../../src/term/inspect.js";
import { Tuple, t } from "../../src/term/tuple.js";
import {
  Runtime,
  VirtualClock,
  _,
  after,
  demonitor,
  exit,
  isAlive,
  link,
  monitor,
  on,
  processFlag,
  processInfo,
  receive,
  register,
  run,
  self,
  send,
  setDefaultRuntime,
  silentLogger,
  sleep,
  spawn,
  spawnLink,
  spawnMonitor,
  unlink,
} from "../../src/runtime/index.js";
import { ExitException } from "../../src/runtime/signals.js";
import { needsErl } from "../support/erl.js";

type Scenario =
  | "link_exit_normal"
  | "link_exit_abnormal"
  | "link_exit_kill"
  | "link_killed"
  | "exit2_normal"
  | "exit2_abnormal"
  | "exit2_kill"
  | "exit2_killed"
  | "exit2_normal_linked"
  | "exit_self_normal"
  | "exit_self_abnormal"
  | "exit_self_kill"
  | "exit1_normal"
  | "exit1_kill"
  | "link_dead"
  | "link_self"
  | "unlink_before_exit"
  | "monitor_normal"
  | "monitor_abnormal"
  | "monitor_exit_kill"
  | "monitor_killed"
  | "monitor_dead"
  | "monitor_name"
  | "monitor_name_missing"
  | "monitor_trapping_linked"
  | "demonitor_flush"
  | "demonitor_no_flush"
  | "demonitor_before_exit";

interface Row {
  scenario: Scenario;
  trap: boolean;
  what: string;
  expect: string;
}

const EXIT_FROM = (who: string, r: string) => `msg({'EXIT','${who}',${r}})`;
const DOWN_OF = (item: string, r: string) => `msg({'DOWN','Ref',process,${item},${r}})`;

/** Builds the two rows (trapping, not trapping) of one scenario. */
function rows(scenario: Scenario, what: string, trapping: string, notTrapping: string): Row[] {
  return [
    { scenario, trap: true, what, expect: trapping },
    { scenario, trap: false, what, expect: notTrapping },
  ];
}

// prettier-ignore
const TABLE: Row[] = [
  ...rows("link_exit_normal", "a linked process ends normally", EXIT_FROM("Other", "normal"), "unaffected"),
  ...rows("link_exit_abnormal", "a linked process exits with boom", EXIT_FROM("Other", "boom"), "dies(boom)"),
  ...rows("link_exit_kill", "a linked process calls exit(kill) itself: kill travels as an ordinary reason", EXIT_FROM("Other", "kill"), "dies(kill)"),
  ...rows("link_killed", "a linked process is killed by exit(P, kill): killed is trappable", EXIT_FROM("Other", "killed"), "dies(killed)"),
  ...rows("exit2_normal", "another process calls exit(T, normal)", EXIT_FROM("Other", "normal"), "unaffected"),
  ...rows("exit2_abnormal", "another process calls exit(T, abnormal)", EXIT_FROM("Other", "abnormal"), "dies(abnormal)"),
  ...rows("exit2_kill", "another process calls exit(T, kill): untrappable", "dies(killed)", "dies(killed)"),
  ...rows("exit2_killed", "another process calls exit(T, killed): an ordinary reason", EXIT_FROM("Other", "killed"), "dies(killed)"),
  ...rows("exit2_normal_linked", "a linked process calls exit(T, normal)", EXIT_FROM("Other", "normal"), "unaffected"),
  ...rows("exit_self_normal", "T calls exit(self(), normal)", EXIT_FROM("Self", "normal"), "dies(normal)"),
  ...rows("exit_self_abnormal", "T calls exit(self(), boom)", EXIT_FROM("Self", "boom"), "dies(boom)"),
  ...rows("exit_self_kill", "T calls exit(self(), kill)", "dies(killed)", "dies(killed)"),
  ...rows("exit1_normal", "T calls exit(normal): an exception it can catch", "raised(normal) unaffected", "raised(normal) unaffected"),
  ...rows("exit1_kill", "T calls exit(kill): an exception it can catch", "raised(kill) unaffected", "raised(kill) unaffected"),
  ...rows("link_dead", "T links to a dead process", EXIT_FROM("Other", "noproc"), "raised(noproc) unaffected"),
  ...rows("link_self", "T links to itself: nothing", "unaffected", "unaffected"),
  ...rows("unlink_before_exit", "T links, unlinks, then the other exits with boom", "unaffected", "unaffected"),
  ...rows("monitor_normal", "a monitored process ends normally", DOWN_OF("'Other'", "normal"), DOWN_OF("'Other'", "normal")),
  ...rows("monitor_abnormal", "a monitored process exits with boom", DOWN_OF("'Other'", "boom"), DOWN_OF("'Other'", "boom")),
  ...rows("monitor_exit_kill", "a monitored process calls exit(kill)", DOWN_OF("'Other'", "kill"), DOWN_OF("'Other'", "kill")),
  ...rows("monitor_killed", "T kills a monitored process", DOWN_OF("'Other'", "killed"), DOWN_OF("'Other'", "killed")),
  ...rows("monitor_dead", "T monitors a dead process", DOWN_OF("'Other'", "noproc"), DOWN_OF("'Other'", "noproc")),
  ...rows("monitor_name", "T monitors a registered name whose process exits with boom", DOWN_OF("{'Name',nonode@nohost}", "boom"), DOWN_OF("{'Name',nonode@nohost}", "boom")),
  ...rows("monitor_name_missing", "T monitors a name nobody has", DOWN_OF("{'Name',nonode@nohost}", "noproc"), DOWN_OF("{'Name',nonode@nohost}", "noproc")),
  ...rows("monitor_trapping_linked", "linked and monitored process exits with boom: EXIT comes before DOWN", EXIT_FROM("Other", "boom"), "dies(boom)"),
  ...rows("demonitor_flush", "the DOWN is queued, then demonitor(Ref, flush)", "unaffected", "unaffected"),
  ...rows("demonitor_no_flush", "the DOWN is queued, then demonitor(Ref) without flush", DOWN_OF("'Other'", "normal"), DOWN_OF("'Other'", "normal")),
  ...rows("demonitor_before_exit", "demonitor, then the process exits with boom", "unaffected", "unaffected"),
];

// ---- the Agner half --------------------------------------------------------

const BOOM = atom("boom");
const KILL = atom("kill");
const NORMAL = atom("normal");
const GO = atom("go");
const DOWN = atom("DOWN");

interface Ctx {
  self: Pid;
  name: Atom;
  /** Stands for the role in the printed outcome. */
  role<X>(x: X, as: string): X;
}

function* dead(): Generator<unknown, Pid, unknown> {
  const [p, r] = spawnMonitor(() => {});
  yield* receive([DOWN, r, _, _, _]);
  return p;
}

/** A process that exits with `reason` when sent `go`. */
function waiter(reason: unknown): Pid {
  return spawn(function* () {
    yield* receive(GO);
    exit(reason);
  });
}

function* waitQueue(n: number): Generator<unknown, void, unknown> {
  while ((processInfo(self(), "message_queue_len") ?? 0) < n) yield* sleep(1);
}

function* monitorExit(c: Ctx, reason: unknown): Generator<unknown, void, unknown> {
  const o = c.role(waiter(reason), "Other");
  c.role(monitor(o), "Ref");
  send(o, GO);
}

const SETUP: Record<Scenario, (c: Ctx) => Generator<unknown, unknown, unknown>> = {
  *link_exit_normal(c) {
    c.role(spawnLink(() => {}), "Other");
  },
  *link_exit_abnormal(c) {
    c.role(spawnLink(() => exit(BOOM)), "Other");
  },
  *link_exit_kill(c) {
    c.role(spawnLink(() => exit(KILL)), "Other");
  },
  *link_killed(c) {
    const o = c.role(
      spawnLink(function* () {
        yield* receive(_);
      }),
      "Other",
    );
    spawn(() => exit(o, KILL));
  },
  *exit2_normal(c) {
    c.role(spawn(() => exit(c.self, NORMAL)), "Other");
  },
  *exit2_abnormal(c) {
    c.role(spawn(() => exit(c.self, atom("abnormal"))), "Other");
  },
  *exit2_kill(c) {
    c.role(spawn(() => exit(c.self, KILL)), "Other");
  },
  *exit2_killed(c) {
    c.role(spawn(() => exit(c.self, atom("killed"))), "Other");
  },
  *exit2_normal_linked(c) {
    c.role(
      spawnLink(function* () {
        exit(c.self, NORMAL);
        yield* receive(_);
      }),
      "Other",
    );
  },
  *exit_self_normal(c) {
    exit(c.self, NORMAL);
  },
  *exit_self_abnormal(c) {
    exit(c.self, BOOM);
  },
  *exit_self_kill(c) {
    exit(c.self, KILL);
  },
  *exit1_normal() {
    exit(NORMAL);
  },
  *exit1_kill() {
    exit(KILL);
  },
  *link_dead(c) {
    link(c.role(yield* dead(), "Other"));
  },
  *link_self(c) {
    link(c.self);
  },
  *unlink_before_exit(c) {
    const o = c.role(waiter(BOOM), "Other");
    link(o);
    unlink(o);
    send(o, GO);
  },
  *monitor_normal(c) {
    yield* monitorExit(c, NORMAL);
  },
  *monitor_abnormal(c) {
    yield* monitorExit(c, BOOM);
  },
  *monitor_exit_kill(c) {
    yield* monitorExit(c, KILL);
  },
  *monitor_killed(c) {
    const o = c.role(waiter(atom("never")), "Other");
    c.role(monitor(o), "Ref");
    exit(o, KILL);
  },
  *monitor_dead(c) {
    c.role(monitor(c.role(yield* dead(), "Other")), "Ref");
  },
  *monitor_name(c) {
    const o = c.role(waiter(BOOM), "Other");
    register(c.name, o);
    c.role(monitor(c.name), "Ref");
    send(o, GO);
  },
  *monitor_name_missing(c) {
    c.role(monitor(c.name), "Ref");
  },
  *monitor_trapping_linked(c) {
    const o = c.role(waiter(BOOM), "Other");
    link(o);
    c.role(monitor(o), "Ref");
    send(o, GO);
  },
  *demonitor_flush(c) {
    const o = c.role(
      spawn(() => {}),
      "Other",
    );
    const r = c.role(monitor(o), "Ref");
    yield* waitQueue(1);
    demonitor(r, { flush: true });
  },
  *demonitor_no_flush(c) {
    const o = c.role(
      spawn(() => {}),
      "Other",
    );
    const r = c.role(monitor(o), "Ref");
    yield* waitQueue(1);
    demonitor(r);
  },
  *demonitor_before_exit(c) {
    const o = c.role(waiter(BOOM), "Other");
    demonitor(c.role(monitor(o), "Ref"));
    send(o, GO);
  },
};

function subst(x: unknown, roles: Map<unknown, Atom>): unknown {
  const r = roles.get(x);
  if (r !== undefined) return r;
  if (x instanceof Tuple) return t(...Array.from(x, (e) => subst(e, roles)));
  if (Array.isArray(x)) return x.map((e) => subst(e, roles));
  return x;
}

/** Runs one row in a fresh runtime on virtual time; returns the outcome in the table's words. */
async function agnerOutcome(scenario: Scenario, trap: boolean): Promise<string> {
  const rt = new Runtime({ clock: new VirtualClock(), logger: silentLogger });
  setDefaultRuntime(rt);
  const roles = new Map<unknown, Atom>();
  const text = (x: unknown) => inspect(subst(x, roles));
  const done = run(function* () {
    const name = atom(`tt_${scenario}_${trap}`);
    roles.set(name, atom("Name"));
    const obs = self();
    const [target, mref] = spawnMonitor(function* () {
      processFlag("trap_exit", trap);
      const me = self();
      roles.set(me, atom("Self"));
      const ctx: Ctx = {
        self: me,
        name,
        role: (x, as) => (roles.set(x, atom(as)), x),
      };
      let raised = "";
      try {
        yield* SETUP[scenario](ctx);
      } catch (e) {
        // An exception the process can catch (not the unwinding of its own death).
        if (!(e instanceof ExitException) || !isAlive(me)) throw e;
        raised = `raised(${text(e.reason)}) `;
      }
      const out = yield* receive(
        on(_, (m) => `msg(${text(m)})`),
        after(100, () => "unaffected"),
      );
      send(obs, t(atom("result"), me, raised + out));
      yield* receive(atom("stop"));
    });
    roles.set(target, atom("Self"));
    return yield* receive(
      on([atom("result"), target, _], ([, , out]) => {
        exit(target, KILL);
        return out as string;
      }),
      on([DOWN, mref, _, _, _], ([, , , , why]) => `dies(${text(why)})`),
    );
  });
  await rt.advance(1_000);
  rt.shutdown();
  return done;
}

describe("exit truth table: Agner", () => {
  for (const row of TABLE) {
    test(`${row.scenario} (${row.trap ? "trapping" : "not trapping"}): ${row.what} -> ${row.expect}`, async () => {
      assert.equal(await agnerOutcome(row.scenario, row.trap), row.expect);
    });
  }
});

// ---- the erl half ----------------------------------------------------------

describe("exit truth table: real erl agrees", needsErl(), () => {
  let dir = "";
  const seen = new Map<string, string>();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "agner-exit-tt-"));
    const src = fileURLToPath(new URL("../../../test/interop/exit_truth_table.erl", import.meta.url));
    execFileSync("erlc", ["-o", dir, src], { encoding: "utf8", timeout: 60_000 });
    const arg = `[${TABLE.map((r) => `{${r.scenario},${r.trap}}`).join(",")}]`;
    const out = execFileSync("erl", ["-noshell", "-pa", dir, "-eval", `exit_truth_table:main(${arg}), halt().`], {
      encoding: "utf8",
      timeout: 60_000,
    });
    for (const line of out.trim().split("\n")) {
      const m = /^(\S+) (true|false) (.*)$/.exec(line);
      if (m) seen.set(`${m[1]} ${m[2]}`, m[3]!);
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  for (const row of TABLE) {
    test(`${row.scenario} (${row.trap ? "trapping" : "not trapping"}) in erl -> ${row.expect}`, () => {
      assert.equal(seen.get(`${row.scenario} ${row.trap}`), row.expect);
    });
  }
});
