/**
 * SAVE, BGSAVE [SCHEDULE] and LASTSAVE, with redis-server 7.0's replies
 * (the job itself: aof/rdb_bgsave.ts).
 */
import { current } from "../../../runtime/current.js";
import type { Session } from "./session.js";
import { runAsync } from "./run_async.js";
import { rdbStatus } from "../aof/rdb_status.js";
import { rewriteRunning, startSave, whenCut, whenSaved } from "../aof/rdb_bgsave.js";
import { SYNTAX_ERROR } from "../commands/shared.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";

const IN_PROGRESS = new ErrorReply("ERR Background save already in progress");
const STARTED = new SimpleString("Background saving started");
const SCHEDULED = new SimpleString("Background saving scheduled");

/** BGSAVE [SCHEDULE]. */
export function bgsaveCommand(c: Session, seq: number, argv: readonly string[]): Reply | undefined {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1]!.toLowerCase() === "schedule") schedule = true;
    else return SYNTAX_ERROR;
  }
  const inst = c.inst;
  const st = rdbStatus(inst);
  if (st.running !== null) return IN_PROGRESS;
  if (rewriteRunning(inst)) {
    if (!schedule) return new ErrorReply("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    st.scheduled = true;
    return SCHEDULED;
  }
  if (seq < 0) {
    // Inside EXEC, which answers at once: the snapshot follows the transaction.
    startSave(inst, "BGSAVE");
    return STARTED;
  }
  runAsync(c, seq, function* () {
    const job = startSave(inst, "BGSAVE", null, current!);
    if (job === null) return IN_PROGRESS;
    // Answered once the snapshot is taken: a write after the reply is not in the file (Redis answers once forked).
    const err = yield* whenCut(job);
    return err === null ? STARTED : new ErrorReply(`ERR Background save failed: ${err}`);
  });
  return undefined;
}

/** SAVE: the reply once the file is in place (the server serves meanwhile). */
export function saveCommand(c: Session, seq: number): Reply | undefined {
  if (rdbStatus(c.inst).running !== null) return IN_PROGRESS;
  runAsync(c, seq, function* () {
    const job = startSave(c.inst, "SAVE", current!);
    if (job === null) return IN_PROGRESS;
    const err = yield* whenSaved(job);
    return err === null ? OK : new ErrorReply("ERR");
  });
  return undefined;
}

export function lastsaveCommand(c: Session): Reply {
  return rdbStatus(c.inst).lastSave;
}
