/**
 * MONITOR, RESET and SHUTDOWN, as redis-server 7.0 answers them.
 */
import { spawn } from "../../../runtime/erlang.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { SYNTAX_ERROR } from "../commands/shared.js";
import { unsubscribeAll } from "./pubsub.js";
import { unwatchEverywhere } from "./multi_exec.js";
import { type Session, SlotAction } from "./session.js";
import { rdbStatus } from "../aof/rdb_status.js";

const RESET = new SimpleString("RESET");

/** MONITOR: from now on the client reads a line per command run (call_log.ts); a second MONITOR answers nothing, as in Redis. */
export function monitorCommand(c: Session, seq: number): Reply {
  if (c.row.monitor) {
    c.silence(seq, true);
    return null;
  }
  c.row.monitor = true;
  c.inst.calls.monitors.add(c.self);
  return OK;
}

/**
 * RESET (Redis' clearClientConnectionState): out of MONITOR and MULTI, no
 * WATCH, no subscriptions, database 0, RESP2, no name, replies on, and
 * authenticated only if the default user needs no password.
 */
export function resetCommand(c: Session, seq: number): SlotAction {
  const inst = c.inst;
  if (c.row.monitor) {
    c.row.monitor = false;
    inst.calls.monitors.delete(c.self);
  }
  inst.tracking.disable(c.row);
  c.db = 0;
  c.row.db = 0;
  c.resp = 2;
  c.row.user = inst.acl.defaultUser;
  const open = inst.acl.defaultAuthenticated;
  c.authenticated = open;
  c.row.authenticated = open;
  c.parser.authRequired = !open;
  c.tx = null;
  c.row.multi = -1;
  c.row.multiMem = 0;
  unwatchEverywhere(c);
  unsubscribeAll(c);
  c.row.name = "";
  c.replyOff = false;
  c.skipNext = false;
  c.row.replyOff = false;
  c.silence(seq, false);
  return new SlotAction(RESET, "resp2");
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the server stops as on
 * SIGTERM (listeners, clients, a flush of the append-only file, the
 * tree) and the client's connection closes with it, unanswered. The RDB
 * file is saved last when save points are set or SAVE is given, not with
 * NOSAVE. While a script is busy only NOSAVE is accepted (as in Redis),
 * and the script dies with its connection. No shutdown waits for replicas, so ABORT finds none.
 */
export function shutdownCommand(c: Session, _seq: number, argv: readonly string[]): Reply | undefined {
  let nosave = false;
  let save = false;
  let abort = false;
  let other = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === "nosave") nosave = true;
    else if (a === "save") save = true;
    else if (a === "now" || a === "force") other = true;
    else if (a === "abort") abort = true;
    else return SYNTAX_ERROR;
  }
  if ((nosave && save) || (abort && (nosave || save || other))) return SYNTAX_ERROR;
  if (abort) return new ErrorReply("ERR No shutdown in progress.");
  const inst = c.inst;
  if (!nosave && inst.scripting.busy !== null) return inst.scripting.busyError()!;
  const hook = inst.shutdownHook;
  if (hook === null) return new ErrorReply("ERR Errors trying to SHUTDOWN. Check logs.");
  rdbStatus(inst).shutdownMode = save ? "save" : nosave ? "nosave" : "default";
  c.blocked = true; // nothing after it runs
  // A busy script stops where it is (nothing it wrote reaches the append-only file: its records go at its end).
  if (inst.scripting.running !== null) inst.scripting.running.killed = true;
  // Not linked: the shutdown stops this connection too.
  spawn(function* () {
    yield* [];
    void hook("SHUTDOWN");
  });
  return undefined;
}
