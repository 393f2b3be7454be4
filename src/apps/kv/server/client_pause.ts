/**
 * CLIENT PAUSE / UNPAUSE: while a pause lasts, a connection holds back a
 * command it covers (every command under ALL; under WRITE, writes and
 * commands that may replicate: EVAL, FCALL, PUBLISH, PFCOUNT, and EXEC of
 * a transaction holding one), and everything after it, as redis-server's
 * blockPostponeClient does. When the pause ends (its timeout, or CLIENT
 * UNPAUSE) each holding connection gets {@link PAUSE_OVER} and goes on,
 * replies in order.
 */
import { CMD } from "../commands/command_table.js";
import { spawn } from "../../../runtime/erlang.js";
import { sleep } from "../../../runtime/receive.js";
import { type CommandEntry } from "../commands/engine.js";
import { type KvInstance } from "./instance.js";
import { type MultiState } from "./session.js";

/** Tells a holding connection the pause is over. */
export class PauseOver {}
export const PAUSE_OVER = new PauseOver();

function mayReplicate(cmd: CommandEntry): boolean {
  return (cmd.bits & CMD.write) !== 0 || cmd.mayReplicate;
}

/** Whether the pause in force holds `cmd` back (`tx`: the open MULTI, for EXEC). */
export function pausedFor(inst: KvInstance, cmd: CommandEntry, tx: MultiState | null): boolean {
  const p = inst.pause;
  if (p === null) return false;
  if (Date.now() >= p.until) {
    endPause(inst);
    return false;
  }
  if (p.all) return true;
  if (mayReplicate(cmd)) return true;
  return cmd.name === "exec" && tx !== null && tx.queued.some((q) => mayReplicate(q.cmd));
}

/** CLIENT PAUSE: a longer or stronger pause replaces the one in force, never a shorter or weaker one (as Redis). */
export function startPause(inst: KvInstance, ms: number, all: boolean): void {
  const until = Date.now() + ms;
  const p = inst.pause;
  inst.pause = p === null ? { until, all } : { until: Math.max(p.until, until), all: p.all || all };
  // A timer process per pause: whichever wakes once the pause is past ends it.
  spawn(function* () {
    yield* sleep(Math.max(0, until - Date.now()) + 1);
    if (inst.pause !== null && Date.now() >= inst.pause.until) endPause(inst);
  });
}

/** CLIENT UNPAUSE, or the pause's end: every held connection goes on. */
export function endPause(inst: KvInstance): void {
  inst.pause = null;
  for (const p of inst.paused) p.rt.deliver(p, PAUSE_OVER);
  inst.paused.clear();
}
