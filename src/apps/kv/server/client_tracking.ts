/**
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, with Redis 7.0's
 * checks and replies (networking.c's clientCommand); the table they act
 * on is tracking.ts'.
 */
import type { Session } from "./session.js";
import { parseInt64 } from "../commands/numbers.js";
import { SYNTAX_ERROR } from "../commands/shared.js";
import { ClientTracking } from "./tracking.js";
import { ErrorReply, MapReply, OK, type Reply, SetReply } from "../resp/reply.js";

const NOT_INTEGER = new ErrorReply("ERR value is not an integer or out of range");

/** Two prefixes overlap when one starts the other (Redis' checkPrefixCollisionsOrReply). */
function overlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]. */
export function clientTracking(c: Session, argv: readonly string[]): Reply {
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === "redirect" && more > 0) {
      j++;
      if (redirect !== 0) return new ErrorReply("ERR A client can only redirect to a single other client");
      const id = parseInt64(argv[j]!);
      if (id === null) return NOT_INTEGER;
      redirect = Number(id);
      if (!c.inst.clients.has(redirect)) return new ErrorReply("ERR The client ID you want redirect to does not exist");
    } else if (opt === "bcast") bcast = true;
    else if (opt === "optin") optin = true;
    else if (opt === "optout") optout = true;
    else if (opt === "noloop") noloop = true;
    else if (opt === "prefix" && more > 0) prefixes.push(argv[++j]!);
    else return SYNTAX_ERROR;
  }
  const onOff = argv[2]!.toLowerCase();
  const table = c.inst.tracking;
  const row = c.row;
  if (onOff === "off") {
    table.disable(row);
    return OK;
  }
  if (onOff !== "on") return SYNTAX_ERROR;
  const cur = row.tracking;
  if (!bcast && prefixes.length > 0) return new ErrorReply("ERR PREFIX option requires BCAST mode to be enabled");
  if (cur !== null && cur.bcast !== bcast) {
    return new ErrorReply("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (bcast && (optin || optout)) return new ErrorReply("ERR OPTIN and OPTOUT are not compatible with BCAST");
  if (optin && optout) return new ErrorReply("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if (cur !== null && ((optin && cur.optout) || (optout && cur.optin))) {
    return new ErrorReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (bcast) {
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      for (const q of cur?.prefixes ?? []) {
        if (overlap(p, q)) return new ErrorReply(`ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`);
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        const q = prefixes[j]!;
        if (overlap(p, q)) return new ErrorReply(`ERR Prefix '${p}' overlaps with another provided prefix '${q}'. Prefixes for a single client must not overlap.`);
      }
    }
  }
  const t = new ClientTracking();
  t.redirect = redirect;
  t.bcast = bcast;
  t.optin = optin;
  t.optout = optout;
  t.noloop = noloop;
  // As Redis' enableTracking: CACHING stays given; a broken redirect is forgotten.
  if (cur !== null) t.caching = cur.caching;
  if (table.clients === 0) c.inst.startTracking();
  table.enable(row, t, prefixes);
  return OK;
}

/** CLIENT CACHING YES|NO: whether the next command's keys are tracked, in OPTIN / OPTOUT mode. */
export function clientCaching(c: Session, argv: readonly string[]): Reply {
  const t = c.row.tracking;
  if (t === null) return new ErrorReply("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
  const opt = argv[2]!.toLowerCase();
  if (opt === "yes") {
    if (!t.optin) return new ErrorReply("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (opt === "no") {
    if (!t.optout) return new ErrorReply("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else return SYNTAX_ERROR;
  t.caching = true;
  return OK;
}

/** CLIENT GETREDIR: the redirect client id, 0 for none, -1 when not tracking. */
export function clientGetredir(c: Session): Reply {
  return c.row.tracking?.redirect ?? -1;
}

/** CLIENT TRACKINGINFO: flags, redirect, prefixes. */
export function clientTrackinginfo(c: Session): Reply {
  const t = c.row.tracking;
  const flags: string[] = [t === null ? "off" : "on"];
  if (t !== null) {
    if (t.bcast) flags.push("bcast");
    if (t.optin) flags.push("optin");
    if (t.optin && t.caching) flags.push("caching-yes");
    if (t.optout) flags.push("optout");
    if (t.optout && t.caching) flags.push("caching-no");
    if (t.noloop) flags.push("noloop");
    if (t.brokenRedirect) flags.push("broken_redirect");
  }
  // Redis keeps a client's prefixes in a radix tree: sorted bytewise.
  const prefixes = t === null ? [] : [...t.prefixes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new MapReply([
    ["flags", new SetReply(flags)],
    ["redirect", t === null ? -1 : t.redirect],
    ["prefixes", prefixes],
  ]);
}
