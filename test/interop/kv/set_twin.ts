/**
 * Set commands on a {@link Twin}: replies whose order Redis leaves undefined
 * (SMEMBERS, SINTER, SUNION, SDIFF, an SSCAN done in one step) are compared
 * as sets; random ones (SRANDMEMBER, SPOP) by their shape, and their members
 * are checked against the set (SMISMEMBER on both sides). After an SPOP the
 * two sides popped different members: Redis is brought to the engine's state
 * (SADD back what it popped, SREM what the engine popped; neither counts as a
 * keyspace hit or miss), so later commands compare again.
 */
import { Twin } from "./twin.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";

const UNORDERED = new Set(["smembers", "sinter", "sunion", "sdiff", "keys"]);

function describeDiff(argv: readonly string[], resp: number, theirs: Buffer, mine: Buffer, why = ""): string {
  return `RESP${resp} ${JSON.stringify(argv)}${why ? ` (${why})` : ""}\n  redis: ${JSON.stringify(theirs.toString("latin1"))}\n  agner: ${JSON.stringify(mine.toString("latin1"))}`;
}

/** The strings of a bulk or an aggregate of bulks. */
function texts(n: Node): string[] {
  if (n.nil || n.type === "_") return [];
  if (n.items !== undefined) return n.items.map((i) => i.text!);
  return [n.text!];
}

/** Runs argv on both; null when they agree (as above), else a description of the difference. */
export async function compareSet(twin: Twin, argv: readonly string[], resp: 2 | 3): Promise<string | null> {
  const name = argv[0]!.toLowerCase();
  const theirs = await twin.redis(argv, resp);
  const mine = twin.ours(argv, resp);
  const random = name === "spop" || name === "srandmember";
  if (theirs.equals(mine) && !random) return null;
  const a = decodeAll(theirs);
  const b = decodeAll(mine);
  const fail = (why = "") => describeDiff(argv, resp, theirs, mine, why);
  if ((name === "pttl" || name === "ttl") && a.type === ":" && b.type === ":") {
    return Math.abs(Number(a.text) - Number(b.text)) <= (name === "pttl" ? 1000 : 1) ? null : fail();
  }
  if (UNORDERED.has(name)) return canonical(a, true) === canonical(b, true) ? null : fail();
  if (name === "sscan") {
    if (a.items?.length !== 2 || b.items?.length !== 2) return fail();
    if (a.items[0]!.text === "0" && b.items[0]!.text === "0") return canonical(a.items[1]!, true) === canonical(b.items[1]!, true) ? null : fail();
    return b.items[1]!.type === "*" ? null : fail("shape");
  }
  if (!random) return fail();
  if (a.type !== b.type || a.nil !== b.nil || a.items?.length !== b.items?.length) return fail("shape");
  if (a.type === "-") return theirs.equals(mine) ? null : fail();
  const ours = texts(b);
  if (ours.length === 0) return null;
  const key = argv[1]!;
  const counted = argv.length === 3 && !argv[2]!.startsWith("-");
  if (counted && new Set(ours).size !== ours.length) return fail("repeated members");
  if (name === "srandmember") {
    // Both sides hold the same set: every member the engine picked is one of Redis'.
    const members = [...new Set(ours)];
    const check = ["SMISMEMBER", key, ...members];
    const r = await twin.redis(check, resp);
    const o = twin.ours(check, resp);
    if (!r.equals(o)) return describeDiff(check, resp, r, o);
    return decodeAll(r).items!.every((i) => i.text === "1") ? null : fail("not members");
  }
  const theirsPopped = texts(a);
  if (canonical(a, true) === canonical(b, true)) return null;
  await twin.redis(["SADD", key, ...theirsPopped]);
  const removed = decodeAll(await twin.redis(["SREM", key, ...ours]));
  return removed.text === String(ours.length) ? null : fail(`popped non-members: SREM removed ${removed.text}`);
}
