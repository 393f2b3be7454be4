/**
 * What a binary-protocol connection does with each request, as
 * memcached_protocol.ts's planRequest does for text: shard work and how
 * its replies become response frames, or a frame to send now. SASL is the
 * connection's (it holds the authentication state): {@link isSasl}.
 */
import { MC_TOO_LARGE } from "./memcached_commands.js";
import { HEADER_LEN, OP, STATUS, type BinRequest, binError, binResponse } from "./memcached_binary.js";
import { MC_BIN_ARITH, MC_BIN_DELETE, MC_BIN_GET, MC_BIN_STORE } from "./memcached_binary_commands.js";
import { MEMCACHED_COMPAT_VERSION, type McAction, type McSettings, type McText } from "./memcached_protocol.js";
import { type Reply } from "../resp/reply.js";

/** SASL_LIST_MECHS, SASL_AUTH, SASL_STEP. */
export function isSasl(cmd: number): boolean {
  return cmd === OP.SASL_LIST_MECHS || cmd === OP.SASL_AUTH || cmd === OP.SASL_STEP;
}

function frame(replies: readonly Reply[]): McText {
  const r = replies[0]!;
  return Array.isArray(r) ? (r as string[]) : typeof r === "string" ? r : "";
}

/**
 * `stats` text (`STAT name value` lines, END) as binary stat frames: one
 * per stat, key the name, value the value, then an empty one; `RESET` is
 * the empty one alone; anything else (an unknown group) is Not found.
 */
export function statsFrames(opcode: number, opaque: number, text: string): string {
  if (text === "RESET\r\n") return binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string;
  if (!text.endsWith("END\r\n")) return binError(opcode, STATUS.KEY_ENOENT, opaque);
  let out = "";
  for (const line of text.split("\r\n")) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m !== null) out += binResponse(opcode, STATUS.SUCCESS, opaque, 0, "", m[1]!, m[2]!) as string;
  }
  return out + (binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string);
}

/** memcached's stat groups by the key's prefix (`strncmp`): the words `statsText` takes. */
function statArgs(key: string): string[] | null {
  if (key === "") return [];
  if (key.startsWith("reset")) return ["reset"];
  if (key.startsWith("settings")) return ["settings"];
  if (key === "items" || key === "slabs" || key === "sizes") return [key];
  return null;
}

/** The action for one binary request (not SASL). */
export function planBinary(req: BinRequest, shardOf: (key: string) => number, settings: McSettings): McAction {
  switch (req.kind) {
    case "bin_reply":
      return { kind: "reply", text: req.text };
    case "close":
      return { kind: "close", reason: req.reason };
    case "bin_too_large": {
      const text = binError(req.opcode, STATUS.E2BIG, req.opaque);
      if (!req.set) return { kind: "reply", text };
      return { kind: "shards", parts: [{ shard: shardOf(req.key), spec: MC_TOO_LARGE, argv: ["mc_too_large", "set", req.key] }], finish: () => text };
    }
    case "bin":
      break;
  }
  const { opcode, cmd, quiet, opaque, key, extras } = req;
  const head = [key, String(opcode), String(cmd), quiet ? "1" : "", String(opaque)];
  const one = (spec: typeof MC_BIN_GET, name: string, rest: string[]): McAction => ({
    kind: "shards",
    parts: [{ shard: shardOf(key), spec, argv: [name, ...head, ...rest] }],
    finish: frame,
  });
  switch (cmd) {
    case OP.GET:
    case OP.GETK:
      return one(MC_BIN_GET, "mc_bin_get", ["0"]);
    case OP.TOUCH:
    case OP.GAT:
    case OP.GATK:
      return one(MC_BIN_GET, "mc_bin_get", [String(extras.readUInt32BE(0))]);
    case OP.SET:
    case OP.ADD:
    case OP.REPLACE:
      return one(MC_BIN_STORE, "mc_bin_store", [String(extras.readUInt32BE(0)), String(extras.readUInt32BE(4)), req.value, req.cas.toString(), String(settings.itemSizeMax)]);
    case OP.APPEND:
    case OP.PREPEND:
      return one(MC_BIN_STORE, "mc_bin_store", ["0", "0", req.value, req.cas.toString(), String(settings.itemSizeMax)]);
    case OP.DELETE:
      return one(MC_BIN_DELETE, "mc_bin_delete", [req.cas.toString()]);
    case OP.INCREMENT:
    case OP.DECREMENT:
      return one(MC_BIN_ARITH, "mc_bin_arith", [
        extras.readBigUInt64BE(0).toString(),
        extras.readBigUInt64BE(8).toString(),
        String(extras.readUInt32BE(16)),
        req.cas.toString(),
      ]);
    case OP.VERSION:
      return { kind: "reply", text: binResponse(opcode, STATUS.SUCCESS, opaque, 0, "", "", MEMCACHED_COMPAT_VERSION) as string };
    case OP.NOOP:
      return { kind: "reply", text: binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string };
    case OP.QUIT:
      return { kind: "quit", text: quiet ? "" : (binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string) };
    case OP.FLUSH:
      // memcached takes the expiration unsigned: no negative "now" as over text.
      return { kind: "flush_all", delay: extras.length === 4 ? extras.readUInt32BE(0) : 0, noreply: quiet, reply: binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string };
    case OP.STAT: {
      const args = statArgs(key);
      if (args === null) return { kind: "reply", text: binError(opcode, STATUS.KEY_ENOENT, opaque) };
      return { kind: "stats", args, format: (text) => statsFrames(opcode, opaque, text) };
    }
  }
  return { kind: "reply", text: binError(opcode, STATUS.UNKNOWN_COMMAND, opaque) };
}

/** The header length, re-exported for tests building frames. */
export { HEADER_LEN };
