/**
 * FUNCTION's subcommands from a connection (the libraries are the
 * instance's: scripting/functions.ts). LOAD, DELETE, FLUSH and RESTORE
 * change them: with `appendonly yes` the command goes to the append-only
 * file as it was given (as Redis propagates it), sent in the same turn as
 * the change, so the file has the changes in the order they were made;
 * the reply is released once it is written (the loader applies them again
 * at start: aof/aof_load.ts). Inside EXEC the record goes with the
 * transaction's, whose reply waits for all of them.
 */
import { monitor, spawnLink } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { type CommandEntry } from "../commands/engine.js";
import { AofAppend, Held } from "../aof/persistence.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";
import { BUSY_EVAL } from "../scripting/scripting.js";
import { AsyncDone } from "./messages.js";
import { record } from "./routed.js";
import type { Session } from "./session.js";
import { whenWritten } from "./txn.js";

const LOG_LEVELS = ["debug", "info", "notice", "warning"] as const;

/**
 * Runs FUNCTION <sub>: the reply now, or undefined when it waits for the
 * append-only file (an AsyncDone for slot `seq` follows). `seq` < 0: inside
 * EXEC (answers now).
 */
export function functionCommand(c: Session, seq: number, spec: CommandEntry, argv: readonly string[]): Reply | undefined {
  const inst = c.inst;
  const sc = inst.scripting;
  const fs = sc.functions;
  let reply: Reply;
  switch (spec.name) {
    case "kill": {
      const k = sc.kill(false);
      return k === "ok" ? OK : k;
    }
    case "stats":
      return fs.stats(sc.running, BUSY_EVAL);
    case "list":
      return fs.list(argv);
    case "dump":
      return fs.dump();
    case "help":
      return fs.help();
    case "load":
    case "restore": {
      const rt = c.self.rt;
      fs.log = (level, text) => rt.logger({ level: level >= 3 ? "warning" : "info", what: "kv_script_log", text: `${LOG_LEVELS[level]}: ${text}` });
      reply = spec.name === "load" ? fs.load(argv) : fs.restore(argv);
      break;
    }
    case "delete":
      reply = fs.delete(argv[2]!);
      break;
    case "flush":
      reply = fs.flush(argv);
      break;
    default:
      return new ErrorReply(`ERR unknown subcommand '${argv[1]}'. Try FUNCTION HELP.`);
  }
  if (reply instanceof ErrorReply || !inst.logsWrites) return reply;
  const records = [{ db: c.db, argv }];
  if (seq < 0) {
    record(inst, records);
    return reply;
  }
  const conn = c.self;
  const done = new AsyncDone(seq, reply);
  const writer = conn.rt.whereis(inst.names.writer) as Proc | undefined;
  c.sendBuilt();
  c.blocked = true;
  const helper = spawnLink(function* () {
    const mon = writer === undefined ? null : monitor(writer);
    conn.rt.deliver(conn, yield* whenWritten(mon, done, "the function change"));
  });
  // Sent now, not by the helper: a change made after this one must not reach the file before it.
  writer?.rt.deliver(writer, new AofAppend(-1, records, new Held(helper as Proc, done)));
  return undefined;
}
