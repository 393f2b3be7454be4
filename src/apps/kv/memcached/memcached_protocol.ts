/**
 * What a memcached connection does with each parsed request, apart from
 * processes and sockets: which shard commands it needs (a get of several
 * keys is split by shard), and how the shards' replies become memcached's
 * reply bytes (`noreply` honoured, a get's hits in key order then `END`).
 * The connection process runs the parts as Batches; tests run them
 * in-process on Keyspaces.
 *
 * @example
 * const a = planRequest(req, (key) => shardOf(key, mask), { itemSizeMax: 1 << 20 });
 * if (a.kind === "shards") {
 *   const replies = a.parts.map((p) => runOnShard(p.shard, p.spec, p.argv));
 *   const text = a.finish(replies); // a string, or a large get's pieces
 *   for (const t of typeof text === "string" ? [text] : text) socket.write(t, "latin1");
 * }
 */
import { type CommandSpec } from "../commands/command.js";
import {
  GET_CAS,
  GET_TOUCH,
  MC_ARITH,
  MC_BAD_CHUNK,
  MC_DELETE,
  MC_GET,
  MC_STORE,
  MC_TOO_LARGE,
  MC_TOUCH,
  REALTIME_MAXDELTA,
} from "./memcached_commands.js";
import { MC_MA, MC_MD, MC_ME, MC_MG, MC_MS } from "./memcached_meta.js";
import { BAD_FORMAT, type McRequest } from "./memcached_parser.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { CHUNK_BYTES } from "../resp/resp_writer.js";

/** memcached's version, as `version` and `stats` report it (the protocol this server speaks). */
export const MEMCACHED_COMPAT_VERSION = "1.6.18";

/** One command for one shard. */
export interface McPart {
  readonly shard: number;
  readonly spec: CommandSpec;
  readonly argv: string[];
}

/**
 * Reply bytes: one latin1 string, or (a large get) its pieces in order,
 * which are never joined (V8 strings stop just short of 512 MB).
 */
export type McText = string | readonly string[];

/** What to do for one request. */
export type McAction =
  /** Run `parts` (each on its shard, in order per shard), then send `finish(replies)` ("" sends nothing). */
  | { readonly kind: "shards"; readonly parts: McPart[]; finish(replies: readonly Reply[]): McText }
  /** Send `text` now (after the replies before it). */
  | { readonly kind: "reply"; readonly text: string }
  /** The server's figures (`stats`, `stats <args>`); `format` turns the text into the reply (binary frames). */
  | { readonly kind: "stats"; readonly args: string[]; readonly format?: (text: string) => string }
  /** flush_all with its delay (seconds, exptime rules); `reply` instead of `OK` (a binary frame). */
  | { readonly kind: "flush_all"; readonly delay: number; readonly noreply: boolean; readonly reply?: string }
  /** Send what is pending (and `text`), then close. */
  | { readonly kind: "quit"; readonly text?: string }
  /** Close without answering anything more. */
  | { readonly kind: "close"; readonly reason: string };

export interface McSettings {
  readonly itemSizeMax: number;
}

const END = "END\r\n";
const VERSION_LINE = `VERSION ${MEMCACHED_COMPAT_VERSION}\r\n`;
const OK_LINE = "OK\r\n";
const BAD_FORMAT_LINE = `${BAD_FORMAT}\r\n`;

/** A shard's reply as memcached text: an engine crash (ErrorReply) is a SERVER_ERROR. */
function text(r: Reply): string {
  if (typeof r === "string") return r;
  if (r instanceof ErrorReply) return `SERVER_ERROR ${r.text.replace(/^ERR /, "").replace(/[\r\n]/g, " ")}\r\n`;
  return "SERVER_ERROR unexpected reply\r\n";
}

function single(shard: number, spec: CommandSpec, argv: string[], noreply: boolean): McAction {
  return {
    kind: "shards",
    parts: [{ shard, spec, argv }],
    finish: noreply ? () => "" : (replies) => text(replies[0]!),
  };
}

/** A meta command's reply: text, or a large value's pieces. */
function metaReply(replies: readonly Reply[]): McText {
  const r = replies[0]!;
  return Array.isArray(r) ? (r as string[]) : text(r);
}

const META_SPECS = { mg: MC_MG, md: MC_MD, ma: MC_MA, me: MC_ME } as const;

/**
 * The action for one request. `shardOf` maps a key to its shard.
 */
export function planRequest(req: McRequest, shardOf: (key: string) => number, settings: McSettings): McAction {
  switch (req.kind) {
    case "get":
      return planGet(req.keys, req.cas, req.touch, req.exptime, req.badKey, shardOf);
    case "meta":
      return { kind: "shards", parts: [{ shard: shardOf(req.key), spec: META_SPECS[req.cmd], argv: [`mc_${req.cmd}`, req.key, ...req.tokens] }], finish: metaReply };
    case "meta_set":
      return {
        kind: "shards",
        parts: [{ shard: shardOf(req.key), spec: MC_MS, argv: ["mc_ms", req.key, req.value, String(settings.itemSizeMax), ...req.tokens] }],
        finish: metaReply,
      };
    case "store":
      return single(
        shardOf(req.key),
        MC_STORE,
        ["mc_store", req.op, req.key, String(req.flags), String(req.exptime), req.value, req.cas.toString(), String(settings.itemSizeMax)],
        req.noreply,
      );
    case "bad_chunk":
      return single(shardOf(req.key), MC_BAD_CHUNK, ["mc_bad_chunk", req.key], req.noreply);
    case "too_large":
      return single(shardOf(req.key), MC_TOO_LARGE, ["mc_too_large", req.op, req.key], req.noreply);
    case "delete":
      return single(shardOf(req.key), MC_DELETE, ["mc_delete", req.key], req.noreply);
    case "arith":
      return single(shardOf(req.key), MC_ARITH, ["mc_arith", req.incr ? "incr" : "decr", req.key, req.delta.toString()], req.noreply);
    case "touch":
      return single(shardOf(req.key), MC_TOUCH, ["mc_touch", req.key, String(req.exptime)], req.noreply);
    case "flush_all":
      return { kind: "flush_all", delay: req.delay, noreply: req.noreply };
    case "stats":
      return { kind: "stats", args: req.args };
    case "version":
      return { kind: "reply", text: VERSION_LINE };
    case "verbosity":
      return { kind: "reply", text: req.noreply ? "" : OK_LINE };
    case "quit":
      return { kind: "quit" };
    case "error":
      return { kind: "reply", text: `${req.text}\r\n` };
    case "close":
      return { kind: "close", reason: req.reason };
  }
}

/** get/gets/gat/gats: one part per shard involved; the hits come back in the keys' order, then END. */
function planGet(
  keys: readonly string[],
  cas: boolean,
  touch: boolean,
  exptime: number,
  badKey: boolean,
  shardOf: (key: string) => number,
): McAction {
  const bits = String((cas ? GET_CAS : 0) | (touch ? GET_TOUCH : 0));
  const head = ["mc_get", bits, String(exptime)];
  if (keys.length === 0) return { kind: "reply", text: badKey ? BAD_FORMAT_LINE : END };
  const byShard = new Map<number, { argv: string[]; at: number[] }>();
  for (let i = 0; i < keys.length; i++) {
    const shard = shardOf(keys[i]!);
    let g = byShard.get(shard);
    if (g === undefined) {
      g = { argv: head.slice(), at: [] };
      byShard.set(shard, g);
    }
    g.argv.push(keys[i]!);
    g.at.push(i);
  }
  const groups = [...byShard];
  const parts: McPart[] = groups.map(([shard, g]) => ({ shard, spec: MC_GET, argv: g.argv }));
  return {
    kind: "shards",
    parts,
    finish(replies) {
      if (badKey) return BAD_FORMAT_LINE;
      if (groups.length === 1) {
        const r = replies[0]!;
        return Array.isArray(r) ? hits(r as Hit[]) : text(r);
      }
      const out = new Array<Hit>(keys.length);
      for (let k = 0; k < groups.length; k++) {
        const r = replies[k]!;
        if (!Array.isArray(r)) return text(r);
        const at = groups[k]![1].at;
        for (let j = 0; j < at.length; j++) out[at[j]!] = (r as Hit[])[j]!;
      }
      return hits(out);
    },
  };
}

/** A get's reply for one key: its text ("" for a miss), or a large hit's pieces (see mcGet). */
type Hit = string | readonly string[];

/** The hits then END: one string, or pieces once they pass a chunk. */
function hits(items: readonly Hit[]): McText {
  let n = END.length;
  let flat = true;
  for (const h of items) {
    if (typeof h === "string") n += h.length;
    else flat = false;
  }
  if (flat && n < CHUNK_BYTES) return items.join("") + END;
  const out: string[] = [];
  for (const h of items) {
    if (typeof h === "string") {
      if (h !== "") out.push(h);
    } else for (const p of h) out.push(p);
  }
  out.push(END);
  return out;
}

/** `STAT <name> <value>` lines and END, as memcached prints its stats. */
export function formatStats(fields: readonly (readonly [string, string | number])[]): string {
  let s = "";
  for (const [k, v] of fields) s += `STAT ${k} ${v}\r\n`;
  return s + END;
}

/**
 * What `flush_all <delay>` does at `now` (unix ms), with memcached's
 * oldest_live rules: `now` (delay 0, negative or 1), at a time (a delay of
 * N seconds takes effect after N - 1 seconds, as memcached's `realtime(N)
 * - 1`; beyond 30 days the delay is a unix time, one second early again),
 * or only `cancel` a pending delayed flush (a unix time before the server
 * started, which memcached turns into "no flush"). Each flush_all replaces
 * the pending one.
 */
export function flushPlan(delay: number, now: number, startedAt: number): "now" | "cancel" | { at: number } {
  if (delay <= 0) return "now";
  let at: number;
  if (delay <= REALTIME_MAXDELTA) {
    at = now + (delay - 1) * 1000;
  } else {
    if (delay * 1000 <= startedAt) return "cancel";
    at = (delay - 1) * 1000;
  }
  return at <= now ? "now" : { at };
}
