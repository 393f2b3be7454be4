/** A connection command answered later: its body runs in a linked process of its own. */
import { spawnLink } from "../../../runtime/erlang.js";
import type { Session } from "./session.js";
import { AsyncDone } from "./messages.js";
import { ErrorReply, type Reply } from "../resp/reply.js";

/**
 * Runs `body` in a linked helper process (it may block on calls) and fills
 * slot `seq` with what it returns; the connection's later commands wait.
 * A helper that crashes answers with an error instead.
 */
export function runAsync(c: Session, seq: number, body: () => Generator<unknown, Reply, unknown>): void {
  const conn = c.self;
  c.blocked = true;
  spawnLink(function* () {
    let r: Reply;
    try {
      r = yield* body();
    } catch (e) {
      r = new ErrorReply(`ERR ${e instanceof Error ? e.message : "failed"}`.replace(/[\r\n]/g, " "));
    }
    conn.rt.deliver(conn, new AsyncDone(seq, r));
  });
}
