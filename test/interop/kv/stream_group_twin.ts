/**
 * Comparing consumer group replies with redis-server's where its clock
 * leaks in: delivery times, seen-times (absolute ms) and idle times. Both
 * replies are decoded; an idle time (XPENDING's fourth field, XINFO
 * CONSUMERS' `idle`) may differ by up to {@link IDLE_DRIFT} ms and an
 * absolute time (XINFO STREAM FULL's) by as much; everything else compares
 * exactly.
 */
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";
import { type Twin } from "./twin.js";

const IDLE_DRIFT = 1500;

function isInt(n: Node | undefined): n is Node {
  return n !== undefined && n.type === ":";
}

/** Makes `a` and `b` equal at a time position when they are close enough. */
function settle(a: Node | undefined, b: Node | undefined): void {
  if (!isInt(a) || !isInt(b)) return;
  if (Math.abs(Number(a.text) - Number(b.text)) <= IDLE_DRIFT) a.text = b.text = "T";
}

/** Walks both replies in parallel: absolute times (>= 1e12, close) settle anywhere. */
function settleTimestamps(a: Node, b: Node): void {
  if (isInt(a) && isInt(b) && Number(a.text) >= 1e12 && Number(b.text) >= 1e12) settle(a, b);
  if (a.items && b.items && a.items.length === b.items.length) for (let i = 0; i < a.items.length; i++) settleTimestamps(a.items[i]!, b.items[i]!);
}

/** Settles the idle fields of the replies to argv. */
function settleIdle(argv: readonly string[], a: Node, b: Node): void {
  const name = argv[0]!.toLowerCase();
  if (name === "xpending" && argv.length > 3 && a.items && b.items && a.items.length === b.items.length) {
    for (let i = 0; i < a.items.length; i++) settle(a.items[i]!.items?.[2], b.items[i]!.items?.[2]);
  }
  if (name === "xinfo" && argv[1]?.toLowerCase() === "consumers" && a.items && b.items && a.items.length === b.items.length) {
    for (let i = 0; i < a.items.length; i++) settle(a.items[i]!.items?.[5], b.items[i]!.items?.[5]);
  }
}

/** Runs argv on both sides; null when the replies agree up to time, else the difference. */
export async function compareGroups(twin: Twin, argv: readonly string[], resp: 2 | 3): Promise<string | null> {
  const theirsRaw = await twin.redis(argv, resp);
  const mineRaw = twin.ours(argv, resp);
  if (theirsRaw.equals(mineRaw)) return null;
  const theirs = decodeAll(theirsRaw);
  const mine = decodeAll(mineRaw);
  settleIdle(argv, theirs, mine);
  settleTimestamps(theirs, mine);
  if (canonical(theirs) === canonical(mine)) return null;
  return `RESP${resp} ${JSON.stringify(argv)}\n  redis: ${JSON.stringify(theirsRaw.toString("latin1"))}\n  agner: ${JSON.stringify(mineRaw.toString("latin1"))}`;
}
