/**
 * SLOWLOG GET [count] / LEN / RESET / HELP, over the entries call_log.ts
 * records (commands that ran at least `slowlog-log-slower-than` µs; 0 logs
 * every command, a negative value none; at most `slowlog-max-len` kept).
 */
import { parseInt64 } from "../commands/numbers.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { type KvInstance } from "./instance.js";

const HELP = [
  "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));

const BAD_COUNT = new ErrorReply("ERR count should be greater than or equal to -1");

export function slowlogCommand(inst: KvInstance, argv: readonly string[]): Reply {
  const log = inst.calls;
  switch (argv[1]!.toLowerCase()) {
    case "help":
      return HELP;
    case "len":
      return log.slowlog.length;
    case "reset":
      log.slowlog = [];
      return OK;
    case "get": {
      let count = 10;
      if (argv.length === 3) {
        const v = parseInt64(argv[2]!);
        if (v === null) return BAD_COUNT;
        const n = Number(v);
        if (n < -1) return BAD_COUNT;
        count = n === -1 ? log.slowlog.length : Math.min(n, log.slowlog.length);
      }
      return log.slowlog.slice(0, count).map((e) => [e.id, e.time, e.usec, [...e.argv], e.addr, e.name]);
    }
  }
  return new ErrorReply(`ERR unknown subcommand '${argv[1]}'. Try SLOWLOG HELP.`);
}
