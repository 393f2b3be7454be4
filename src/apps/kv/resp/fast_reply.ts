/**
 * RESP text for the replies that dominate real traffic (OK, bulk strings,
 * nulls, integers, doubles, arrays of those), as a latin1 string: a connection whose
 * batch holds only such replies writes one string (Node copies a short one
 * to the stack on its way to the kernel), with no output Buffer to allocate
 * and copy. Anything else goes through the engine's RespWriter, and so does
 * anything large (a bulk string or an array past {@link CHUNK_BYTES}): the
 * writer keeps large output in pieces, where one string could pass V8's
 * longest (just short of 512 MB).
 *
 * @example
 * fastReply("bar", 2); // "$3\r\nbar\r\n"
 * fastReply(new DoubleReply(1.5), 2); // "$3\r\n1.5\r\n"
 * fastReply(new Map(), 3); // undefined: use the RespWriter
 */
import { DoubleReply, OK, type Reply } from "./reply.js";
import { CHUNK_BYTES, formatDouble } from "./resp_writer.js";

/** A double as the RespWriter sends it: a bulk string under RESP2 (ZPOPMIN's scores), `,` under RESP3. */
function double(r: DoubleReply, resp: 2 | 3): string {
  const text = r.text ?? formatDouble(r.value);
  return resp === 2 ? "$" + text.length + "\r\n" + text + "\r\n" : "," + text + "\r\n";
}

/** The reply's RESP bytes as a latin1 string, or undefined when it is not one of the simple kinds or is large. */
export function fastReply(r: Reply, resp: 2 | 3): string | undefined {
  if (typeof r === "string") return r.length < CHUNK_BYTES ? "$" + r.length + "\r\n" + r + "\r\n" : undefined;
  if (r === OK) return "+OK\r\n";
  if (r === null) return resp === 2 ? "$-1\r\n" : "_\r\n";
  if (typeof r === "number") return Number.isSafeInteger(r) ? ":" + r + "\r\n" : undefined;
  if (Array.isArray(r)) {
    const items = r as readonly Reply[];
    let s = "*" + items.length + "\r\n";
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (typeof it === "string") {
        if (s.length + it.length >= CHUNK_BYTES) return undefined;
        s += "$" + it.length + "\r\n" + it + "\r\n";
      } else if (it === null && s.length < CHUNK_BYTES) s += resp === 2 ? "$-1\r\n" : "_\r\n";
      else if (it instanceof DoubleReply && s.length < CHUNK_BYTES) s += double(it, resp);
      else return undefined;
    }
    return s;
  }
  if (r instanceof DoubleReply) return double(r, resp);
  return undefined;
}
