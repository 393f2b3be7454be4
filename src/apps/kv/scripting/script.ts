/**
 * One script run (Redis' script.c): the flags it runs with, the checks
 * every command it calls goes through before it runs (scriptCall: unknown
 * command, arity, `noscript`, writes from a read-only script, OOM), and
 * what it has done so far (a write makes it unkillable). The server gives
 * the `exec` that actually runs a checked command on the data.
 */
import { performance } from "node:perf_hooks";
import { lookupCommand } from "../commands/engine.js";
import { type CommandEntry, CMD } from "../commands/command_table.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type ScriptHost } from "./script_lua.js";

/** The shebang flags of a script (`#!lua flags=no-writes,allow-oom`) or a function's flags. */
export interface ScriptFlags {
  /** No shebang: an EVAL script of Redis 6 and before (every check as then). */
  readonly compat: boolean;
  readonly noWrites: boolean;
  readonly allowOom: boolean;
  readonly allowStale: boolean;
  readonly noCluster: boolean;
  readonly allowCrossSlot: boolean;
}

export const COMPAT_FLAGS: ScriptFlags = { compat: true, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false };

/** The flag names, as scripts and functions spell them. */
export const FLAG_NAMES: readonly (readonly [string, keyof ScriptFlags])[] = [
  ["no-writes", "noWrites"],
  ["allow-oom", "allowOom"],
  ["allow-stale", "allowStale"],
  ["no-cluster", "noCluster"],
  ["allow-cross-slot-keys", "allowCrossSlot"],
];

/** What the server provides to a run: the command execution and the server state the checks read. */
export interface ScriptServer {
  /** Runs a checked command in the script's database (SELECT in the script changes it: see `db`). */
  exec(cmd: CommandEntry, argv: readonly string[], run: ScriptRun): Reply;
  /** Whether used memory was over maxmemory when the script started (Redis' pre_command_oom_state). */
  readonly oomAtStart: boolean;
  log(level: number, text: string): void;
  aclCheck(argv: string[]): boolean | ErrorReply;
  /** scriptVerifyACL: the caller's user may run this redis.call (null), or the error (the denial logged). */
  aclVerify(cmd: CommandEntry, argv: readonly string[]): ErrorReply | null;
  /** Why write commands are refused to scripts now (a read-only replica), or null. */
  readonly writeDenied?: ErrorReply | null;
}

/** A script or function being run: the {@link ScriptHost} its Lua calls. */
export class ScriptRun implements ScriptHost {
  resp: 2 | 3 = 2;
  replFlags = 3;
  /** A write command ran: SCRIPT KILL is refused from now on. */
  dirty = false;
  killed = false;
  /** The database the script's commands use (SELECT inside the script moves it, not the caller's). */
  db: number;
  /** The script's clock: commands see the time it started (Redis freezes it for a script). */
  readonly now = Date.now();
  private readonly started = performance.now();

  constructor(
    private readonly server: ScriptServer,
    db: number,
    /** EVAL_RO / FCALL_RO, or a script flagged no-writes. */
    readonly readOnly: boolean,
    readonly flags: ScriptFlags,
    /** The sha (EVAL) or function name (FCALL), as errors name it. */
    readonly name: string,
    readonly mode: "eval" | "fcall",
    /** Milliseconds after which the script is reported busy (busy-reply-threshold; 0 never). */
    private readonly busyAfter: number,
    /** Told once, when the script has run longer than busy-reply-threshold. */
    private readonly onBusy: (run: ScriptRun) => void,
  ) {
    this.db = db;
  }

  /** Milliseconds since the script started. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  call(argv: string[]): Reply {
    const cmd = lookupCommand(argv);
    if (cmd === undefined || (cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      return new ErrorReply(cmd === undefined ? "ERR Unknown Redis command called from script" : "ERR Wrong number of args calling Redis command from script");
    }
    const bits = cmd.bits;
    if ((bits & CMD.noscript) !== 0) return new ErrorReply("ERR This Redis command is not allowed from script");
    const denied = this.server.aclVerify(cmd, argv);
    if (denied !== null) return denied;
    const write = (bits & CMD.write) !== 0;
    if (this.readOnly && (write || cmd.mayReplicate)) return new ErrorReply("ERR Write commands are not allowed from read-only scripts.");
    if (write && this.server.writeDenied != null) return this.server.writeDenied;
    if (!(this.flags.allowOom && !this.flags.compat) && !this.dirty && this.server.oomAtStart && (bits & CMD.denyoom) !== 0) {
      return new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");
    }
    if (write) this.dirty = true;
    return this.server.exec(cmd, argv, this);
  }

  setRepl(flags: number): void {
    this.replFlags = flags;
  }

  log(level: number, text: string): void {
    this.server.log(level, text);
  }

  aclCheck(argv: string[]): boolean | ErrorReply {
    if (lookupCommand(argv) === undefined) return new ErrorReply("Invalid command passed to redis.acl_check_cmd()");
    return this.server.aclCheck(argv);
  }

  /** The command line that started the run (FUNCTION STATS shows it). */
  argv: readonly string[] = [];

  /** Past busy-reply-threshold: the server answers BUSY to others meanwhile. */
  busy = false;

  interrupt(): "continue" | "pause" | "kill" {
    if (this.killed) return "kill";
    if (!this.busy) {
      if (this.busyAfter <= 0 || this.elapsed() < this.busyAfter) return "continue";
      this.busy = true;
      this.onBusy(this);
    }
    return "pause";
  }
}
