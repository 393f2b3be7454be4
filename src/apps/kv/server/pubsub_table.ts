/**
 * The server-wide pub/sub table (an instance table, as Elixir's Registry
 * keeps its in ETS) and the message PUBLISH sends: below the commands
 * (pubsub.ts) and the connections, so the instance can hold it.
 */
import { type Proc } from "../../../runtime/process.js";
import { stringMatch } from "../commands/glob.js";
import { PushReply } from "../resp/reply.js";

/** PUBLISH → a subscribed connection: one message, and the pattern it matched (null: the channel itself). */
export class PubMessage {
  constructor(
    readonly channel: string,
    readonly message: string,
    readonly pattern: string | null,
  ) {}

  /** The push a client reads: `message ch msg` or `pmessage pattern ch msg`. */
  toReply(): PushReply {
    return this.pattern === null ? new PushReply(["message", this.channel, this.message]) : new PushReply(["pmessage", this.pattern, this.channel, this.message]);
  }
}

/** Who is subscribed to what, server-wide. */
export class PubSubTable {
  readonly channels = new Map<string, Set<Proc>>();
  readonly patterns = new Map<string, Set<Proc>>();

  /** Sends `message` to every subscriber of `channel` and of a matching pattern; how many got it (PUBLISH's reply). */
  publish(channel: string, message: string): number {
    let n = 0;
    const direct = this.channels.get(channel);
    if (direct !== undefined) {
      const m = new PubMessage(channel, message, null);
      for (const p of direct) p.rt.deliver(p, m);
      n += direct.size;
    }
    for (const [pattern, who] of this.patterns) {
      if (!stringMatch(pattern, channel)) continue;
      const m = new PubMessage(channel, message, pattern);
      for (const p of who) p.rt.deliver(p, m);
      n += who.size;
    }
    return n;
  }
}
