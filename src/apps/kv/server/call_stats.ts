/**
 * The figures every command run adds to (call_log.ts records them): the
 * per-command counters of INFO commandstats, the error counts, the slow
 * log's entries, the MONITOR clients. Plain data, so the instance can own
 * it without importing the recording code.
 */
import { type Proc } from "../../../runtime/process.js";
import { type CommandEntry } from "../commands/engine.js";

/** Who ran a command, as MONITOR and SLOWLOG name it: a client's `ip:port` and name, or a script. */
export interface Caller {
  readonly addr: string;
  readonly name: string;
  /** Set for a script's redis.call: MONITOR shows `[db lua]`. */
  readonly lua?: boolean;
}

/** redis.call from a script (MONITOR `[0 lua]`; the slow log names no client, as Redis' script client has none). */
export const LUA_CALLER: Caller = { addr: "", name: "", lua: true };

const PARTS = new WeakMap<CommandEntry, CommandEntry>();

/**
 * The spec a part of a command goes to a shard with (a split MGET's part,
 * a fan-out's, a woken waiter's re-run): the same command, marked so the
 * shard does not record it as a call (the connection records the whole).
 */
export function partOf(cmd: CommandEntry): CommandEntry {
  let p = PARTS.get(cmd);
  if (p === undefined) {
    p = Object.create(cmd, { part: { value: true } }) as CommandEntry;
    PARTS.set(cmd, p);
  }
  return p;
}

/** Whether a spec is a part ({@link partOf}). */
export function isPart(cmd: CommandEntry): boolean {
  return (cmd as { part?: boolean }).part === true;
}

/** One command's INFO commandstats counters. */
export class CommandStat {
  calls = 0;
  usec = 0;
  rejected = 0;
  failed = 0;
}

/** One SLOWLOG entry (argv already trimmed as Redis trims it). */
export interface SlowEntry {
  readonly id: number;
  readonly time: number;
  readonly usec: number;
  readonly argv: readonly string[];
  readonly addr: string;
  readonly name: string;
}

/** Sends one MONITOR line to a monitoring connection (it writes it after its earlier replies). */
export class MonitorLine {
  constructor(readonly text: string) {}
}

export const SLOWLOG_MAX_ARGC = 32;
export const SLOWLOG_MAX_STRING = 128;

/** An error's code: its first word (within 32 bytes), else `ERR`. */
export function errorCode(text: string): string {
  const sp = text.indexOf(" ");
  return sp >= 0 && sp < 32 ? text.slice(0, sp) : "ERR";
}

/** The instance's call records. */
export class CallLog {
  /** By full name (`get`, `client|list`). */
  readonly commands = new Map<string, CommandStat>();
  /** Error replies by their code (`ERR`, `WRONGTYPE`). */
  readonly errors = new Map<string, number>();
  totalErrorReplies = 0;
  /** The error code a script's redis.call last answered: a script failing with it is not counted twice (Redis' ignore_err_stats_update). */
  scriptError: string | null = null;
  /** Newest first. */
  slowlog: SlowEntry[] = [];
  nextSlowId = 0;
  /** Connections in MONITOR mode. */
  readonly monitors = new Set<Proc>();

  /**
   * slowlog-log-slower-than, kept here by the instance: every command reads
   * it, and a setting read by name is a dictionary lookup (~150 instructions).
   */
  slowerThan = 10_000;
  /** The last command counted and its counters: a pipeline repeats its command. */
  private lastCmd: CommandEntry | null = null;
  private lastStat: CommandStat | null = null;

  stat(cmd: CommandEntry): CommandStat {
    if (cmd === this.lastCmd) return this.lastStat!;
    let s = this.commands.get(cmd.fullname);
    if (s === undefined) this.commands.set(cmd.fullname, (s = new CommandStat()));
    this.lastCmd = cmd;
    this.lastStat = s;
    return s;
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.lastCmd = null;
    this.lastStat = null;
    this.commands.clear();
    this.errors.clear();
    this.totalErrorReplies = 0;
  }

  /** Counts an error reply as Redis' afterErrorReply does. */
  countError(text: string): void {
    this.totalErrorReplies++;
    const code = errorCode(text);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}
