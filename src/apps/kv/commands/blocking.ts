/**
 * The contract of blocking commands (BLPOP, BLMOVE, BZPOPMIN, BLMPOP,
 * XREAD BLOCK, XREADGROUP BLOCK ...), as Redis' blocked.c: a command that
 * finds nothing to serve calls {@link block} instead of answering. Where
 * the server lets it block (a client's own command, outside MULTI), the
 * client then waits until one of the keys is ready, its timeout expires,
 * or CLIENT UNBLOCK; elsewhere (inside MULTI, EXEC, a script) it answers
 * at once what a timeout would, as Redis does.
 *
 * When a key the client waits on is written, the server runs again the
 * command that {@link Def.serveOn} narrows to that key (Redis 7.0 serves a
 * blocked client from the key that became ready, not from the first of its
 * keys): a reply serves the client; a new {@link block} leaves it waiting,
 * first in line still.
 */
import { ErrorReply, type Reply } from "../resp/reply.js";
import { isInfinite, parseLongDouble } from "./numbers.js";

/** Why a command would block: what the server keeps while the client waits. */
export class BlockOn {
  constructor(
    /** The keys to wait on (in the command's database), distinct. */
    readonly keys: readonly string[],
    /** 0: forever; else ms from now. */
    readonly timeoutMs: number,
    /** What a timeout answers (a null array or null), also the answer where the command may not block. */
    readonly timeoutReply: Reply,
    /** The command to run again when a key is ready: the client's own, with what must not move resolved (XREAD's `$`). */
    readonly argv: readonly string[],
  ) {}
}

/** The fields of a command's context (command.ts' ExecContext) the server sets where a command may block. */
export interface BlockingContext {
  /** True only where the server can make the client wait (never in MULTI or scripts). */
  mayBlock?: boolean;
  /** Set by {@link block} when the command blocks; the server takes it and resets it to null. */
  blockedOn?: BlockOn | null;
  /** True while a blocked client's command runs again because its key was written (XREADGROUP then reports a stream or group gone). */
  serving?: boolean;
}

/**
 * What a blocking command returns when it finds nothing: blocks the client
 * where the context allows (the reply is then unused), else answers
 * `denied`: as a timeout would, unless the command says otherwise (Redis'
 * BLMOVE answers a null inside MULTI, a null array when it times out).
 */
export function block(ctx: BlockingContext, on: BlockOn, denied: Reply = on.timeoutReply): Reply {
  if (ctx.mayBlock === true) ctx.blockedOn = on;
  return denied;
}

const NOT_FLOAT = new ErrorReply("ERR timeout is not a float or out of range");
const NOT_INTEGER = new ErrorReply("ERR timeout is not an integer or out of range");
const NEGATIVE = new ErrorReply("ERR timeout is negative");

/** A timeout in seconds (BLPOP's last argument, read as Redis' string2ld reads it): ms, or the error Redis answers. */
export function timeoutSeconds(arg: string): number | ErrorReply {
  const x = parseLongDouble(arg);
  if (x === null) return NOT_FLOAT;
  // (long long)(t * 1000.0): x86 turns what does not fit (inf too) into LLONG_MIN, a negative timeout.
  if (isInfinite(x)) return NEGATIVE;
  const ms = Math.trunc(Number(x.m) * 2 ** x.e * 1000) * (x.neg ? -1 : 1);
  if (!(Math.abs(ms) < 2 ** 63)) return NEGATIVE;
  return checked(ms === 0 ? 0 : ms);
}

/** A timeout in milliseconds (XREAD's BLOCK): ms, or the error Redis answers. */
export function timeoutMillis(arg: string): number | ErrorReply {
  if (!/^-?(0|[1-9][0-9]*)$/.test(arg)) return NOT_INTEGER;
  const v = BigInt(arg);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return NOT_INTEGER;
  return checked(Number(v));
}

/** Redis 7.0.15 checks the sign only (a deadline past LLONG_MAX is not refused: such a wait is as good as endless). */
function checked(ms: number): number | ErrorReply {
  return ms < 0 ? NEGATIVE : ms;
}

/** `CMD key timeout` (BLPOP, BZPOPMIN...): served from the key that became ready, as Redis 7.0 does. */
export function serveOnLast(argv: readonly string[], key: string): string[] {
  return [argv[0]!, key, argv[argv.length - 1]!];
}

/** `CMD timeout numkeys key... rest` (BLMPOP, BZMPOP) narrowed to the ready key. */
export function serveOnNumkeys(argv: readonly string[], key: string): string[] {
  const n = Number(argv[2]);
  return [argv[0]!, argv[1]!, "1", key, ...argv.slice(3 + n)];
}

/**
 * XREAD's and XREADGROUP's `Def.blocks`: only with a BLOCK option (read up
 * to STREAMS, GROUP's two names skipped) may they block.
 */
export function hasBlockOption(argv: readonly string[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === "group") i += 2;
    else if (a === "streams") return false;
    else if (a === "block") return true;
  }
  return false;
}
