/**
 * EVAL scripts (Redis' eval.c): the script cache (sha1 of the body → the
 * compiled function), the shebang flags, what EVAL/EVALSHA check before a
 * script runs, and SCRIPT LOAD/EXISTS/FLUSH/HELP/DEBUG. Running it on the
 * data is the server's (server/script_run.ts).
 *
 * @example
 * const evals = new EvalScripts();
 * const r = evals.prepare(["EVAL", "return 1", "0"], false, false); // a PreparedScript
 */
import { parseInt64 } from "../commands/numbers.js";
import { NOT_AN_INTEGER } from "../commands/shared.js";
import { splitArgs } from "../resp/resp.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { COMPAT_FLAGS, FLAG_NAMES, type ScriptFlags } from "./script.js";
import { LuaCompileError, LuaEnv, type LuaFunctionRef, sha1hex } from "./script_lua.js";

export const NOSCRIPT = new ErrorReply("NOSCRIPT No matching script. Please use EVAL.");

/** One cached script. */
export interface CachedScript {
  readonly sha: string;
  readonly body: string;
  readonly flags: ScriptFlags;
  readonly ref: LuaFunctionRef;
}

/** A script ready to run: the function, its keys and arguments. */
export interface PreparedScript {
  readonly script: CachedScript;
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/** evalExtractShebangFlags: the flags and the length of the shebang line (0 without one), or the error text. */
export function shebangFlags(body: string): { flags: ScriptFlags; skip: number } | string {
  if (!body.startsWith("#!")) return { flags: COMPAT_FLAGS, skip: 0 };
  const end = body.indexOf("\n");
  if (end < 0) return "Invalid script shebang";
  const parts = splitArgs(Buffer.from(body.slice(0, end), "latin1"), 0, end);
  if (parts === null || parts.length === 0) return "Invalid engine in script shebang";
  if (parts[0] !== "#!lua") return `Unexpected engine in script shebang: ${parts[0]}`;
  const flags: { -readonly [K in keyof ScriptFlags]: boolean } = { ...COMPAT_FLAGS, compat: false };
  for (const p of parts.slice(1)) {
    if (!p.startsWith("flags=")) return `Unknown lua shebang option: ${p}`;
    for (const f of p.slice(6).split(",")) {
      const known = FLAG_NAMES.find(([n]) => n === f);
      if (known === undefined) return `Unexpected flag in script shebang: ${f}`;
      flags[known[1]] = true;
    }
  }
  return { flags, skip: end };
}

const SCRIPT_HELP = [
  "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DEBUG (YES|SYNC|NO)",
  "    Set the debug mode for subsequent scripts executed.",
  "EXISTS <sha1> [<sha1> ...]",
  "    Return information about the existence of the scripts in the script cache.",
  "FLUSH [ASYNC|SYNC]",
  "    Flush the Lua scripts cache. Very dangerous on replicas.",
  "    When called without the optional mode argument, the behavior is determined by the",
  "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
  "    * ASYNC: Asynchronously flush the scripts cache.",
  "    * SYNC: Synchronously flush the scripts cache.",
  "KILL",
  "    Kill the currently executing Lua script.",
  "LOAD <script>",
  "    Load a script into the scripts cache without executing it.",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));

/** The EVAL side of scripting: one Lua interpreter and its script cache. */
export class EvalScripts {
  private lua: LuaEnv | null = null;
  private readonly cache = new Map<string, CachedScript>();
  /** Bytes of the cached bodies (used_memory_scripts_eval). */
  bodyBytes = 0;

  /** The interpreter (made on first use: compiling the VM takes some 10 ms). */
  get env(): LuaEnv {
    return (this.lua ??= new LuaEnv());
  }

  /** The interpreter if one was made (INFO does not make one). */
  get envIfMade(): LuaEnv | null {
    return this.lua;
  }

  get size(): number {
    return this.cache.size;
  }

  /** luaCreateFunction: the cached script for body (compiled now if new), or the error EVAL / SCRIPT LOAD answer. */
  create(body: string): CachedScript | ErrorReply {
    const sha = sha1hex(body);
    const had = this.cache.get(sha);
    if (had !== undefined) return had;
    const she = shebangFlags(body);
    if (typeof she === "string") return new ErrorReply(`ERR ${she}`);
    const ref = this.env.compile(body.slice(she.skip), "@user_script");
    if (ref instanceof LuaCompileError) return new ErrorReply(`ERR Error compiling script (new function): ${ref.message}`.replace(/[\r\n]/g, " "));
    const script = { sha, body, flags: she.flags, ref };
    this.cache.set(sha, script);
    this.bodyBytes += body.length + 40;
    return script;
  }

  get(sha: string): CachedScript | undefined {
    return this.cache.get(sha.toLowerCase());
  }

  /** SCRIPT FLUSH: a new interpreter, an empty cache. */
  flush(): void {
    this.cache.clear();
    this.bodyBytes = 0;
    this.lua = null;
  }

  /**
   * EVAL/EVALSHA[_RO] argv up to running: numkeys, the script (compiled
   * for EVAL, looked up for EVALSHA), and the checks on its flags
   * (scriptPrepareForRun). `oom`: used memory is over maxmemory.
   */
  prepare(argv: readonly string[], evalsha: boolean, ro: boolean, oom: boolean): PreparedScript | ErrorReply {
    if (evalsha && argv[1]!.length !== 40) return NOSCRIPT;
    const n = parseInt64(argv[2]!);
    if (n === null) return NOT_AN_INTEGER;
    if (n > argv.length - 3) return new ErrorReply("ERR Number of keys can't be greater than number of args");
    if (n < 0) return new ErrorReply("ERR Number of keys can't be negative");
    let script: CachedScript | ErrorReply | undefined;
    if (evalsha) {
      script = this.get(argv[1]!);
      if (script === undefined) return NOSCRIPT;
    } else script = this.create(argv[1]!);
    if (script instanceof ErrorReply) return script;
    const check = checkFlags(script.flags, ro, oom);
    if (check !== null) return check;
    const k = Number(n);
    return { script, keys: argv.slice(3, 3 + k), args: argv.slice(3 + k) };
  }

  /** SCRIPT LOAD | EXISTS | FLUSH | HELP | DEBUG (KILL is the server's: it knows what runs). */
  scriptCommand(argv: readonly string[]): Reply {
    const sub = argv[1]!.toLowerCase();
    if (sub === "help" && argv.length === 2) return SCRIPT_HELP;
    if (sub === "flush") {
      if (argv.length === 2 || (argv.length === 3 && ["sync", "async"].includes(argv[2]!.toLowerCase()))) {
        this.flush();
        return OK;
      }
      return new ErrorReply("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    if (sub === "exists") return argv.slice(2).map((sha) => (this.cache.has(sha) ? 1 : 0));
    if (sub === "load" && argv.length === 3) {
      const s = this.create(argv[2]!);
      return s instanceof ErrorReply ? s : s.sha;
    }
    if (sub === "debug" && argv.length === 3) {
      const mode = argv[2]!.toLowerCase();
      if (mode === "no") return OK;
      if (mode === "yes" || mode === "sync") return new ErrorReply("ERR SCRIPT DEBUG is not supported by this server (no Lua debugger)");
      return new ErrorReply("ERR Use SCRIPT DEBUG YES/SYNC/NO");
    }
    return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SCRIPT HELP.`);
  }
}

/** scriptPrepareForRun's checks of the flags: a script that writes run by *_RO, a script that may grow memory past maxmemory. */
export function checkFlags(flags: ScriptFlags, ro: boolean, oom: boolean): ErrorReply | null {
  if (flags.compat) return null;
  if (!flags.noWrites && ro) return new ErrorReply("ERR Can not execute a script with write flag using *_ro command.");
  if (oom && !flags.allowOom && !flags.noWrites) {
    return new ErrorReply("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
  }
  return null;
}
