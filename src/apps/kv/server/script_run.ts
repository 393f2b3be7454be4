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
import { performance } from "node:perf_hooks";
import { CMD } from "../commands/command_table.js";
import { monitor, spawnLink } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { current } from "../../../runtime/current.js";
import { sleep } from "../../../runtime/receive.js";
import { type CommandEntry, lookupCommand } from "../commands/engine.js";
import { AofAppend, type AofRecord, Held } from "../aof/persistence.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type ScriptFlags, ScriptRun, type ScriptServer } from "../scripting/script.js";
import { type LuaEnv, type LuaFunctionRef, type LuaRunning, PAUSED } from "../scripting/script_lua.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { aclDenial } from "./acl_check.js";
import { ACL_OK, checkCommandPerm } from "./acl_user.js";
import { LUA_CALLER, called, feedMonitors } from "./call_log.js";
import { shardOf } from "./router.js";
import { AsyncDone } from "./messages.js";
import { type ConnectionStep, direct, directState, runRouted, runSync, safeExec } from "./routed.js";
import type { Session } from "./session.js";
import { type ShardState, holdIdleShards, idleShards, serveReadyAfterDirect } from "./shard.js";
import { Aborted, step, toWriter, unlockAll, whenWritten } from "./txn.js";
import { OOM, performEvictions } from "./eviction.js";
import { scriptRefusal, scriptWriteDenied } from "../replication/replica_control.js";
import { syncSettings } from "./shard.js";

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
 * (an error) or ran at once, or undefined once it goes on in a process of
 * its own (the reply comes as an AsyncDone; the connection holds back later
 * commands meanwhile).
 *
 * At once: when this client has nothing else in flight and every shard is
 * idle and free ({@link idleShards}), the script runs right here on the
 * shards' states, which is atomic (one thread) and costs no message. If it
 * must pause (busy-reply-threshold), the shards are held for a process that
 * goes on with it ({@link holdIdleShards}). Otherwise the process locks the
 * shards first, in order, as EXEC does.
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
  const persist = inst.logsWrites;
  const writer = persist ? conn.rt.whereis(inst.names.writer) : undefined;
  const idle = c.inFlight() === 0 && (!persist || writer !== undefined) ? idleShards(inst) : null;
  if (idle !== null) {
    const target = prepared.resolve();
    if (target instanceof ErrorReply) return target;
    const run = new HeldRun(inst, db, prepared, target, connStep, idle, c.row, cmd, tracker);
    const r = run.step();
    if (r !== PAUSED) {
      serveReadyAfterDirect(idle);
      const { reply, records } = run.result(r);
      if (records.length === 0) return reply;
      // Sent now (before any later write reaches the writer); the reply once written, through a process that watches the writer.
      const done = new AsyncDone(seq, reply);
      c.blocked = true;
      const waiter = spawnLink(function* () {
        conn.rt.deliver(conn, yield* whenWritten(monitor(writer!), done, "the script"));
      });
      writer!.rt.deliver(writer!, new AofAppend(-1, records, new Held(waiter as Proc, done)));
      return undefined;
    }
    // Paused past busy-reply-threshold: a process holds the shards and goes on with it.
    c.blocked = true;
    const shards = idle.map((_, i) => i);
    const owner = spawnLink(function* () {
      let r2: Reply | typeof PAUSED = PAUSED;
      while (r2 === PAUSED) {
        yield* sleep(1);
        r2 = run.step();
      }
      const { reply, records } = run.result(r2);
      yield* release(inst, shards, conn, new AsyncDone(seq, reply), records);
    });
    holdIdleShards(idle, owner as Proc);
    return undefined;
  }
  c.sendBuilt();
  c.blocked = true;
  spawnLink(function* () {
    inst.tracking.actingFor.set(current!, conn);
    const shards = inst.names.shards.map((_, i) => i);
    let out: { reply: Reply; records: AofRecord[] };
    try {
      for (const i of shards) yield* step(inst, i, 0, null, "lock");
      out = yield* runScriptHeld(inst, db, prepared, connStep, c.row, cmd, tracker);
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
      yield* unlockAll(inst, shards);
      conn.rt.deliver(conn, new AsyncDone(seq, ABORTED));
      return;
    }
    yield* release(inst, shards, conn, new AsyncDone(seq, out.reply), out.records);
  });
  return undefined;
}

/** The end of a run holding the shards: its records to the writer before the unlock, the reply once written. */
function* release(inst: KvInstance, shards: number[], conn: Proc, done: AsyncDone, records: AofRecord[]): Generator<unknown, void, unknown> {
  if (records.length > 0 && inst.logsWrites) {
    // The records go before the unlock (later writes of these keys follow them); the reply once they are written.
    const mon = toWriter(inst, records, done);
    yield* unlockAll(inst, shards);
    conn.rt.deliver(conn, yield* whenWritten(mon, done, "the script"));
    return;
  }
  yield* unlockAll(inst, shards);
  conn.rt.deliver(conn, done);
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
  /** The client that runs the script: its ACL user's rules apply to each redis.call. */
  caller: ClientRow,
  /** The command that runs it: MONITOR shows its line as the script starts (as Redis does). */
  cmd?: CommandEntry,
  /** The client whose tracking remembers the declared keys once the script runs a read command (null: none). */
  tracker: ClientRow | null = null,
): Generator<unknown, { reply: Reply; records: AofRecord[] }, unknown> {
  const target = job.resolve();
  if (target instanceof ErrorReply) return { reply: target, records: [] };
  const states: ShardState[] = [];
  for (let i = 0; i < inst.shardCount; i++) states.push(yield* step(inst, i, db, (s) => s, null));
  const run = new HeldRun(inst, db, job, target, connStep, states, caller, cmd, tracker);
  let r = run.step();
  while (r === PAUSED) {
    // Past the threshold: let the connections run (they answer BUSY, SCRIPT KILL marks the run).
    yield* sleep(1);
    r = run.step();
  }
  return run.result(r);
}

/** One run on held shard states: step it until it answers, then take its result. */
class HeldRun {
  private readonly records: AofRecord[] = [];
  private readonly persist: boolean;
  private readonly running: LuaRunning | null = null;
  /** The reply instead of running (over maxmemory, a script that may write). */
  private readonly refused: ErrorReply | null;
  private readonly run: ScriptRun;

  constructor(
    private readonly inst: KvInstance,
    db: number,
    job: ScriptJob,
    target: ScriptTarget,
    connStep: ConnectionStep,
    private readonly states: readonly ShardState[],
    /** The client that runs the script: its ACL user's rules apply to each redis.call. */
    caller: ClientRow,
    /** The command that runs it (EVAL...), for MONITOR's line as the script starts. */
    cmd?: CommandEntry,
    /** The client whose tracking remembers the script's declared keys once it runs a read command (null: none). */
    tracker: ClientRow | null = null,
  ) {
    const records = this.records;
    this.persist = inst.logsWrites;
    const out = this.persist ? records : null;
    const oom = evictForScript(inst, states, out);
    // processCommand counts a script's flags as the command's (getCommandFlags): one that may write is refused as any denyoom command.
    const f = target.flags;
    const cfg = inst.config;
    const [readOnly, serveStale] = [cfg.get("replica-read-only"), cfg.get("replica-serve-stale-data")];
    this.refused = (oom && !f.compat && !f.allowOom && !f.noWrites ? OOM : null) ?? scriptRefusal(inst.repl.primary, readOnly, serveStale, f);
    const sc = inst.scripting;
    const self = current!;
    const server: ScriptServer = {
      oomAtStart: oom,
      writeDenied: scriptWriteDenied(inst.repl.primary, readOnly),
      exec(cmd, argv, r) {
        // redis.call's commands count in INFO commandstats, the slow log and MONITOR (`[db lua]`), as Redis' call() does.
        const t0 = performance.now();
        let reply: Reply;
        if (tracker !== null && (cmd.bits & CMD.readonly) !== 0) {
          // Redis remembers a tracking caller's declared keys at the script's first read (script_caller).
          for (const k of job.keys) inst.tracking.remember(shardOf(k, inst.mask), tracker, [k]);
          tracker = null;
        }
        if (cmd.route === "connection") {
          const [rep, next] = connStep(cmd, argv, r.db);
          r.db = next;
          reply = rep;
        } else if (cmd.route === "key") {
          // A one-key command (most of what scripts call) straight to its shard; the rest routed as outside.
          reply = safeExec(directState(states[shardOf(argv[cmd.firstKey]!, inst.mask)]!, r.db, r.now, out), cmd, argv);
        } else reply = runSync(runRouted(inst, r.db, cmd, argv, on, (recs) => records.push(...recs)));
        called(inst, LUA_CALLER, cmd, argv, r.db, (performance.now() - t0) * 1000, reply);
        return reply;
      },
      log(level, text) {
        self.rt.logger({ level: level >= 3 ? "warning" : "info", what: "kv_script_log", text: `${LOG_LEVELS[level]}: ${text}` });
      },
      aclCheck: (argv) => {
        const cmd = lookupCommand(argv);
        return cmd !== undefined && checkCommandPerm(caller.user, cmd, argv)[0] === ACL_OK;
      },
      aclVerify: (cmd, argv) => aclDenial(inst, caller, cmd, argv, "lua"),
    };
    const busyAfter = Number(inst.config.get("busy-reply-threshold"));
    const flags = target.flags;
    const run = new ScriptRun(server, db, job.ro || (!flags.compat && flags.noWrites), flags, target.name, job.mode, busyAfter, (r) => {
      sc.busy = r;
    });
    run.argv = job.argv;
    this.run = run;
    const on = direct(states, () => run.db, run.now, out);
    if (cmd !== undefined) feedMonitors(inst, caller, cmd, job.argv, db, true);
    if (this.refused !== null) return;
    sc.running = run;
    try {
      this.running = target.env.start(target.ref, job.keys, job.args, run, job.mode, target.name, busyAfter > 0);
    } catch (e) {
      this.end();
      throw e;
    }
  }

  /** Runs until the script answers (its reply) or pauses. */
  step(): Reply | typeof PAUSED {
    if (this.running === null) {
      this.end();
      return this.refused!;
    }
    let r: Reply | typeof PAUSED;
    try {
      r = this.running.step();
    } catch (e) {
      this.end();
      throw e;
    }
    if (r !== PAUSED) this.end();
    return r;
  }

  private end(): void {
    const sc = this.inst.scripting;
    if (sc.running === this.run) {
      sc.running = null;
      sc.busy = null;
    }
    for (const s of this.states) {
      s.records = null;
      this.inst.shardEvents[s.index]!.by = null;
    }
  }

  /** The reply, and the records to write (one MULTI/EXEC when more than one). */
  result(reply: Reply): { reply: Reply; records: AofRecord[] } {
    const records = this.records;
    if (!this.persist || records.length === 0) return { reply, records: [] };
    if (records.length === 1) return { reply, records };
    return { reply, records: [{ db: records[0]!.db, argv: ["MULTI"] }, ...records, { db: records[records.length - 1]!.db, argv: ["EXEC"] }] };
  }
}

/**
 * Redis' processCommand before a script: evictions on every (held) shard,
 * and whether memory is still over maxmemory (pre_command_oom_state),
 * which refuses a script without allow-oom and, in a script that has not
 * written yet, the commands flagged denyoom (script.ts).
 */
function evictForScript(inst: KvInstance, states: readonly ShardState[], records: AofRecord[] | null): boolean {
  let oom = false;
  const now = Date.now();
  for (const s of states) {
    if (s.configSeen !== inst.configVersion) syncSettings(s);
    if (s.maxmemory === 0) return false;
    const ok = performEvictions(inst, s.keyspace, s.evictor, now, (db, argv) => records?.push({ db, argv: [...argv] }));
    if (!ok) oom = true;
  }
  return oom;
}
