/**
 * Running a script (EVAL & co.) or a function (FCALL, FCALL_RO) on the
 * data: {@link prepareScript} checks the command line and finds the code,
 * which is looked up again once the shards are held. A script is atomic and may touch any key
 * (Redis allows keys it did not declare, and BullMQ's scripts do), so it
 * runs with every shard held: a process linked to the connection locks
 * every shard in index order (as EXEC, see multi_exec.ts), then runs the
 * Lua synchronously; each redis.call runs on the held shards' states
 * directly (routed.ts: no message per command, the shards are idle while
 * held), at the script's frozen time, in the script's own database.
 *
 * What the script wrote reaches the append-only file as one transaction
 * (MULTI ... EXEC when more than one command, as Redis 7 propagates a
 * script's effects), before the shards are unlocked; the reply is released
 * once it is written. Past busy-reply-threshold the script pauses every
 * 100,000 instructions (a coroutine yield) so the connections can answer
 * BUSY and take SCRIPT KILL (scripting/scripting.ts).
 *
 * Inside MULTI, EXEC runs a queued script the same way on the shards it
 * already holds ({@link runScriptHeld}).
 */
import { spawnLink } from "../../../runtime/erlang.js";
import { current } from "../../../runtime/current.js";
import { sleep } from "../../../runtime/receive.js";
import { type CommandEntry } from "../commands/engine.js";
import { type AofRecord } from "../aof/persistence.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type ScriptFlags, ScriptRun, type ScriptServer } from "../scripting/script.js";
import { type LuaEnv, type LuaFunctionRef, PAUSED } from "../scripting/script_lua.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { shardOf } from "./router.js";
import { AsyncDone } from "./messages.js";
import { type ConnectionStep, direct, runRouted, runSync } from "./routed.js";
import type { Session } from "./session.js";
import type { ShardState } from "./shard.js";
import { Aborted, step, toWriter, unlockAll, whenWritten } from "./txn.js";

const ABORTED = new ErrorReply("ERR a shard restarted while the script ran; what it wrote before may be applied, retry");

/** The commands that run a script or a function. */
export const SCRIPT_RUNNERS: ReadonlySet<string> = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]);

/** Log levels of redis.log, as the runtime's logger names them. */
const LOG_LEVELS = ["debug", "info", "notice", "warning"] as const;

/** The code a run executes, in its interpreter. */
export interface ScriptTarget {
  readonly env: LuaEnv;
  readonly ref: LuaFunctionRef;
  readonly flags: ScriptFlags;
  /** The sha (EVAL) or the function's name (FCALL), as errors name it. */
  readonly name: string;
}

/** A script or function checked and ready to run (its argv's numkeys, flags...). */
export interface ScriptJob {
  readonly mode: "eval" | "fcall";
  readonly argv: readonly string[];
  readonly keys: readonly string[];
  readonly args: readonly string[];
  /** EVAL_RO, EVALSHA_RO, FCALL_RO. */
  readonly ro: boolean;
  /** The code, looked up again once every shard is held (FUNCTION DELETE may have run since the check), or the error then. */
  resolve(): ScriptTarget | ErrorReply;
}

/** What to run: EVAL/EVALSHA/FCALL[_RO] argv checked (the script compiled, the function found), or the error to answer. */
export function prepareScript(inst: KvInstance, cmd: CommandEntry, argv: readonly string[]): ScriptJob | ErrorReply {
  const name = cmd.name;
  const ro = name.endsWith("_ro");
  const sc = inst.scripting;
  if (name.startsWith("fcall")) {
    const fs = sc.functions;
    const p = fs.prepare(argv, ro);
    if (p instanceof ErrorReply) return p;
    const resolve = () => {
      const q = fs.prepare(argv, ro);
      return q instanceof ErrorReply ? q : { env: fs.engine.env, ref: q.fn.ref, flags: q.fn.flags, name: q.fn.name };
    };
    return { mode: "fcall", argv, keys: p.keys, args: p.args, ro, resolve };
  }
  const p = sc.evals.prepare(argv, name.startsWith("evalsha"), ro, false);
  if (p instanceof ErrorReply) return p;
  const s = p.script;
  return { mode: "eval", argv, keys: p.keys, args: p.args, ro, resolve: () => ({ env: sc.evals.env, ref: s.ref, flags: s.flags, name: s.sha }) };
}

/**
 * EVAL & co. from a connection: the reply now when the script cannot run
 * (an error), or undefined once its process is started (the reply comes as
 * an AsyncDone; the connection holds back later commands meanwhile).
 */
export function evalCommand(c: Session, seq: number, cmd: CommandEntry, argv: readonly string[], connStep: ConnectionStep): Reply | undefined {
  const inst = c.inst;
  const prepared = prepareScript(inst, cmd, argv);
  if (prepared instanceof ErrorReply) return prepared;
  const conn = c.self;
  const db = c.db;
  // A tracking client's script that reads remembers the script's declared keys for it (Redis' script_caller).
  const t = c.row.tracking;
  const tracker = t !== null && !t.bcast && !(t.optin && !c.caching) && !(t.optout && c.caching) ? c.row : null;
  c.sendBuilt();
  c.blocked = true;
  spawnLink(function* () {
    inst.tracking.actingFor.set(current!, conn);
    const shards = inst.names.shards.map((_, i) => i);
    let out: { reply: Reply; records: AofRecord[] };
    try {
      for (const i of shards) yield* step(inst, i, 0, null, "lock");
      out = yield* runScriptHeld(inst, db, prepared, connStep, tracker);
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
      yield* unlockAll(inst, shards);
      conn.rt.deliver(conn, new AsyncDone(seq, ABORTED));
      return;
    }
    const done = new AsyncDone(seq, out.reply);
    if (out.records.length > 0 && inst.config.get("appendonly")) {
      // The records go before the unlock (later writes of these keys follow them); the reply once they are written.
      const mon = toWriter(inst, out.records, done);
      yield* unlockAll(inst, shards);
      conn.rt.deliver(conn, yield* whenWritten(mon, done, "the script"));
      return;
    }
    yield* unlockAll(inst, shards);
    conn.rt.deliver(conn, done);
  });
  return undefined;
}

/**
 * Runs a prepared script or function while the caller holds every shard:
 * its reply, and its writes' records for the append-only file (wrapped in
 * MULTI/EXEC when more than one), which the caller sends.
 */
export function* runScriptHeld(
  inst: KvInstance,
  db: number,
  job: ScriptJob,
  connStep: ConnectionStep,
  /** The client whose tracking remembers the declared keys once the script runs a read command (null: none). */
  tracker: ClientRow | null = null,
): Generator<unknown, { reply: Reply; records: AofRecord[] }, unknown> {
  const target = job.resolve();
  if (target instanceof ErrorReply) return { reply: target, records: [] };
  const states: ShardState[] = [];
  for (let i = 0; i < inst.shardCount; i++) states.push(yield* step(inst, i, db, (s) => s, null));
  const records: AofRecord[] = [];
  const persist = inst.config.get("appendonly") as boolean;
  const sc = inst.scripting;
  const { keys, args, mode } = job;
  const self = current!;
  const server: ScriptServer = {
    oomAtStart: false,
    exec(cmd, argv, r) {
      if (cmd.route === "connection") {
        const [reply, next] = connStep(cmd, argv, r.db);
        r.db = next;
        return reply;
      }
      if (tracker !== null && cmd.flags.includes("readonly")) {
        for (const k of keys) inst.tracking.remember(shardOf(k, inst.mask), tracker, [k]);
        tracker = null;
      }
      return runSync(runRouted(inst, r.db, cmd, argv, on, (recs) => records.push(...recs)));
    },
    log(level, text) {
      self.rt.logger({ level: level >= 3 ? "warning" : "info", what: "kv_script_log", text: `${LOG_LEVELS[level]}: ${text}` });
    },
    aclCheck: () => true,
  };
  const busyAfter = Number(inst.config.get("busy-reply-threshold"));
  const flags = target.flags;
  const run = new ScriptRun(server, db, job.ro || (!flags.compat && flags.noWrites), flags, target.name, mode, busyAfter, (r) => {
    sc.busy = r;
  });
  run.argv = job.argv;
  const on = direct(states, () => run.db, run.now, persist ? records : null);
  sc.running = run;
  let reply: Reply;
  try {
    const running = target.env.start(target.ref, keys, args, run, mode, target.name, busyAfter > 0);
    for (;;) {
      const r = running.step();
      if (r !== PAUSED) {
        reply = r;
        break;
      }
      // Past the threshold: let the connections run (they answer BUSY, SCRIPT KILL marks the run).
      yield* sleep(1);
    }
  } finally {
    sc.running = null;
    sc.busy = null;
    for (const s of states) s.records = null;
  }
  if (!persist || records.length === 0) return { reply, records: [] };
  if (records.length === 1) return { reply, records };
  const first = records[0]!.db;
  return { reply, records: [{ db: first, argv: ["MULTI"] }, ...records, { db: records[records.length - 1]!.db, argv: ["EXEC"] }] };
}
