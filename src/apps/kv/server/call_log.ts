/**
 * What redis-server's call() records after each command, kept server-wide
 * on the instance ({@link KvInstance.calls}): INFO commandstats and
 * errorstats, the slow log (SLOWLOG), and the lines MONITOR clients read.
 *
 * Every place that runs a command reports it here once, right after it
 * ran ({@link called}): a shard for its batch's commands, the connection
 * for connection-level commands and for commands split over shards (once,
 * when merged), EXEC's and a script's steps (routed.ts' callers). All
 * processes share one thread, so the order of these calls is the order
 * the commands ran in, whichever shard ran them: MONITOR lines come out
 * in execution order. Commands refused before running report
 * {@link rejected}.
 */
import { performance } from "node:perf_hooks";
import { CMD } from "../commands/command_table.js";
import { type CommandEntry } from "../commands/engine.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type KvInstance } from "./instance.js";
import { sdscatrepr } from "./monitor_line.js";
import { type Caller, LUA_CALLER, MonitorLine, SLOWLOG_MAX_ARGC, SLOWLOG_MAX_STRING, errorCode } from "./call_stats.js";

export { type Caller, CallLog, CommandStat, LUA_CALLER, MonitorLine, type SlowEntry, isPart, partOf } from "./call_stats.js";


/**
 * A command ran: its counters, its error, the slow log, the monitors.
 * `db` is the database it left the client in (SELECT's new one, as Redis
 * prints `c->db` after the call).
 */
export function called(inst: KvInstance, who: Caller | undefined, cmd: CommandEntry, argv: readonly string[], db: number, usec: number, reply: Reply): void {
  const log = inst.calls;
  const s = log.stat(cmd);
  s.calls++;
  s.usec += usec;
  if (reply instanceof ErrorReply) {
    s.failed++;
    const fromCall = who === LUA_CALLER;
    if ((cmd.bits & CMD.skip_monitor) !== 0 && log.scriptError !== null && reply.text.startsWith(log.scriptError + " ")) log.scriptError = null;
    else log.countError(reply.text);
    if (fromCall) log.scriptError = errorCode(reply.text);
  }
  const slower = log.slowerThan;
  if (slower >= 0 && usec >= slower && (cmd.bits & CMD.skip_slowlog) === 0) slowlogPush(inst, who, argv, usec);
  if (log.monitors.size > 0 && who !== undefined) feedMonitors(inst, who, cmd, argv, db);
}

/** A command refused before it ran (arity, NOAUTH, BUSY...): Redis' rejectCommand. `cmd` null: the command is unknown. */
export function rejected(inst: KvInstance, cmd: CommandEntry | null | undefined, e: ErrorReply): void {
  if (cmd) inst.calls.stat(cmd).rejected++;
  inst.calls.countError(e.text);
}

function slowlogPush(inst: KvInstance, who: Caller | undefined, argv: readonly string[], usec: number): void {
  const max = inst.config.get("slowlog-max-len");
  if (max <= 0) return;
  const log = inst.calls;
  const n = Math.min(argv.length, SLOWLOG_MAX_ARGC);
  const args: string[] = [];
  for (let j = 0; j < n; j++) {
    if (n !== argv.length && j === n - 1) args.push(`... (${argv.length - n + 1} more arguments)`);
    else {
      const a = argv[j]!;
      args.push(a.length > SLOWLOG_MAX_STRING ? `${a.slice(0, SLOWLOG_MAX_STRING)}... (${a.length - SLOWLOG_MAX_STRING} more bytes)` : a);
    }
  }
  log.slowlog.unshift({ id: log.nextSlowId++, time: Math.floor(Date.now() / 1000), usec: Math.floor(usec), argv: args, addr: who?.addr ?? "", name: who?.name ?? "" });
  if (log.slowlog.length > max) log.slowlog.length = max;
}

/** Redis does not show these (too dangerous: admin), nor skip_monitor ones (EVAL shows itself as it starts). */
function monitorHides(cmd: CommandEntry): boolean {
  return (cmd.bits & CMD.admin) !== 0 || (cmd.bits & CMD.skip_monitor) !== 0;
}

/** Sends the line of one command to every monitoring connection (unless Redis hides it). */
export function feedMonitors(inst: KvInstance, who: Caller, cmd: CommandEntry, argv: readonly string[], db: number, force = false): void {
  const mons = inst.calls.monitors;
  if (mons.size === 0 || (!force && monitorHides(cmd))) return;
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  const us = Math.floor((ms - sec * 1000) * 1000);
  let line = `${sec}.${String(us).padStart(6, "0")} [${db} ${who.lua === true ? "lua" : who.addr}]`;
  const shown = redacted(cmd, argv);
  for (const a of shown) line += " " + sdscatrepr(a);
  const msg = new MonitorLine(line);
  for (const p of mons) p.rt.deliver(p, msg);
}

const REDACTED = "(redacted)";

/** AUTH's arguments and HELLO's AUTH pair, as Redis' redactClientCommandArgument hides them. */
function redacted(cmd: CommandEntry, argv: readonly string[]): readonly string[] {
  if (cmd.name === "auth") return [argv[0]!, ...argv.slice(1).map(() => REDACTED)];
  if (cmd.name !== "hello") return argv;
  const out = [...argv];
  for (let j = 2; j < out.length; j++) {
    const opt = out[j]!.toLowerCase();
    if (opt === "auth" && j + 2 < out.length) {
      out[j + 1] = REDACTED;
      out[j + 2] = REDACTED;
      j += 2;
    } else if (opt === "setname") j++;
  }
  return out;
}
