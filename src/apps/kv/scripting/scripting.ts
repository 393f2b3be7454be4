/**
 * The server's scripting state: the EVAL interpreter and cache, the
 * functions' libraries, and the
 * script running now (SCRIPT KILL reaches it; while it is past
 * busy-reply-threshold the connections answer BUSY to everything but the
 * commands flagged `allow_busy`).
 */
import { ErrorReply } from "../resp/reply.js";
import { EvalScripts } from "./eval.js";
import { FunctionsState } from "./functions.js";
import { type ScriptRun } from "./script.js";

export const BUSY_EVAL = new ErrorReply("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
export const BUSY_FUNCTION = new ErrorReply("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.");

export class ScriptingState {
  readonly evals = new EvalScripts();
  /** Redis 7 functions: their own interpreter and libraries (SCRIPT FLUSH leaves them). */
  readonly functions = new FunctionsState();
  /** The script running now, while it runs (one at a time: a script holds every shard). */
  running: ScriptRun | null = null;
  /** The running script once past busy-reply-threshold. */
  busy: ScriptRun | null = null;

  /** INFO memory's scripting fields, as Redis 7.0.15 names them (interpreters not made yet count 0). */
  memoryInfo(human: (n: number) => string): [string, number | string][] {
    const vmEval = this.evals.envIfMade?.memoryBytes() ?? 0;
    const vmFunctions = this.functions.engineIfMade?.env.memoryBytes() ?? 0;
    const scriptsEval = this.evals.bodyBytes;
    const fns = this.functions.codeBytes;
    return [
      ["used_memory_lua", vmEval],
      ["used_memory_vm_eval", vmEval],
      ["used_memory_lua_human", human(vmEval)],
      ["used_memory_scripts_eval", scriptsEval],
      ["number_of_cached_scripts", this.evals.size],
      ["number_of_functions", this.functions.functionCount],
      ["used_memory_vm_functions", vmFunctions],
      ["used_memory_vm_total", vmEval + vmFunctions],
      ["used_memory_vm_total_human", human(vmEval + vmFunctions)],
      ["used_memory_functions", fns],
      ["used_memory_scripts", scriptsEval + fns],
      ["used_memory_scripts_human", human(scriptsEval + fns)],
    ];
  }

  /** The BUSY error for a command arriving now, or null when none runs past the threshold. */
  busyError(): ErrorReply | null {
    const b = this.busy;
    if (b === null) return null;
    return b.mode === "eval" ? BUSY_EVAL : BUSY_FUNCTION;
  }

  /** SCRIPT KILL (eval true) / FUNCTION KILL (scriptKill in script.c). */
  kill(isEval: boolean): ErrorReply | "ok" {
    const r = this.running;
    if (r === null) return new ErrorReply("NOTBUSY No scripts in execution right now.");
    if (r.dirty) {
      return new ErrorReply(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
      );
    }
    if (isEval && r.mode !== "eval") return BUSY_FUNCTION;
    if (!isEval && r.mode === "eval") return BUSY_EVAL;
    r.killed = true;
    return "ok";
  }
}
