/**
 * Redis pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH
 * and PUBSUB CHANNELS | NUMSUB | NUMPAT, with Redis 7.0's replies.
 *
 * The subscriptions are a table of the instance (as Elixir's Registry keeps
 * its in ETS): each connection process adds and removes its own rows, and
 * removes all of them when it ends, however it ends; PUBLISH reads the
 * table and sends each subscribed connection a {@link PubMessage}, which it
 * writes after the replies to the commands it had received by then. No
 * shard is involved: messages are not data.
 *
 * In RESP2 a subscribed client may only (un)subscribe, PING, QUIT and RESET,
 * as in Redis; in RESP3 (HELLO 3) anything, the messages being pushes.
 */
import { type Proc } from "../../../runtime/process.js";
import type { Session } from "./session.js";
import { PubMessage } from "./pubsub_table.js";
import { stringMatch } from "../commands/glob.js";
import { ErrorReply, PushReply, type Reply, ReplySeq, SimpleString } from "../resp/reply.js";

/** One connection's subscriptions (kept by the connection, mirrored in the table). */
/** After a change of `c`'s subscriptions: the count, and CLIENT LIST's figures. */
function recount(c: Session): void {
  const s = c.subs;
  s.count = s.channels.size + s.patterns.size;
  c.row.sub = s.channels.size;
  c.row.psub = s.patterns.size;
}

function add(table: Map<string, Set<Proc>>, name: string, p: Proc): void {
  let who = table.get(name);
  if (who === undefined) table.set(name, (who = new Set()));
  who.add(p);
}

function remove(table: Map<string, Set<Proc>>, name: string, p: Proc): void {
  const who = table.get(name);
  if (who === undefined) return;
  who.delete(p);
  if (who.size === 0) table.delete(name);
}

type Kind = "channel" | "pattern";

function mine(c: Session, kind: Kind): Set<string> {
  return kind === "channel" ? c.subs.channels : c.subs.patterns;
}

function tableOf(c: Session, kind: Kind): Map<string, Set<Proc>> {
  return kind === "channel" ? c.inst.pubsub.channels : c.inst.pubsub.patterns;
}

/** SUBSCRIBE / PSUBSCRIBE: one confirmation per name, with the client's subscription count after it. */
export function subscribe(c: Session, kind: Kind, names: readonly string[]): Reply {
  const word = kind === "channel" ? "subscribe" : "psubscribe";
  const set = mine(c, kind);
  const table = tableOf(c, kind);
  const out: Reply[] = [];
  for (const name of names) {
    if (!set.has(name)) {
      set.add(name);
      add(table, name, c.self);
      recount(c);
    }
    out.push(new PushReply([word, name, c.subs.count]));
  }
  return new ReplySeq(out);
}

/** UNSUBSCRIBE / PUNSUBSCRIBE: the names given, or all; one confirmation each (a null name when there were none). */
export function unsubscribe(c: Session, kind: Kind, names: readonly string[]): Reply {
  const word = kind === "channel" ? "unsubscribe" : "punsubscribe";
  const set = mine(c, kind);
  const table = tableOf(c, kind);
  const which = names.length > 0 ? names : [...set];
  const out: Reply[] = [];
  for (const name of which) {
    if (set.delete(name)) {
      remove(table, name, c.self);
      recount(c);
    }
    out.push(new PushReply([word, name, c.subs.count]));
  }
  if (which.length === 0) out.push(new PushReply([word, null, c.subs.count]));
  return new ReplySeq(out);
}

/** The connection ends: its rows go. */
export function unsubscribeAll(c: Session): void {
  for (const name of c.subs.channels) remove(c.inst.pubsub.channels, name, c.self);
  for (const name of c.subs.patterns) remove(c.inst.pubsub.patterns, name, c.self);
  c.subs.channels.clear();
  c.subs.patterns.clear();
  recount(c);
}

const PUBSUB_HELP = [
  "PUBSUB <subcommand> [<arg> ...]. Subcommands are:",
  "CHANNELS [<pattern>]",
  "    The channels with at least one subscriber, matching <pattern> if given.",
  "NUMPAT",
  "    How many patterns have subscribers.",
  "NUMSUB [<channel> ...]",
  "    Each channel and its subscriber count (pattern subscriptions not counted).",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));

/** PUBSUB CHANNELS | NUMSUB | NUMPAT | HELP. */
export function pubsubCommand(c: Session, argv: readonly string[]): Reply {
  const t = c.inst.pubsub;
  const sub = argv[1]!.toLowerCase();
  switch (sub) {
    case "channels": {
      if (argv.length > 3) break;
      const pattern = argv[2];
      return [...t.channels.keys()].filter((ch) => pattern === undefined || stringMatch(pattern, ch));
    }
    case "numsub":
      return argv.slice(2).flatMap((ch) => [ch, t.channels.get(ch)?.size ?? 0]);
    case "numpat":
      if (argv.length !== 2) break;
      return t.patterns.size;
    case "help":
      if (argv.length !== 2) break;
      return PUBSUB_HELP;
  }
  return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try PUBSUB HELP.`);
}
