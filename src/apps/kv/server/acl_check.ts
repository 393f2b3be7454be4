/**
 * The ACL check of a command about to run (processCommand's
 * ACLCheckAllPerm), from a connection, from EXEC, or from a script's
 * redis.call: a denial is logged in ACL LOG and answered with Redis 7.0's
 * text for that context.
 */
import { type CommandEntry } from "../commands/engine.js";
import { ErrorReply } from "../resp/reply.js";
import { type AclLogEntry } from "./acl.js";
import { ACL_OK, type AclUser, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, checkCommandPerm } from "./acl_user.js";
import { clientInfoLine } from "./client_command.js";
import { type ClientRow, type KvInstance } from "./instance.js";

/** Where a denied command came from (ACL LOG's `context`). */
export type AclContext = AclLogEntry["context"];

/** addACLLogEntry for a command denial. */
function logDenial(inst: KvInstance, row: ClientRow, user: AclUser, cmd: CommandEntry, argv: readonly string[], res: number, idx: number, context: AclContext): void {
  inst.acl.addLog({
    reason: res,
    context,
    object: res === DENIED_CMD ? cmd.fullname : argv[idx]!,
    username: user.name,
    ctime: Date.now(),
    cinfo: clientInfoLine(row, Date.now()),
  });
}

/** processCommand's texts. */
function topLevelText(res: number, cmd: CommandEntry): string {
  if (res === DENIED_CMD) return `NOPERM this user has no permissions to run the '${cmd.fullname}' command`;
  if (res === DENIED_KEY) return "NOPERM this user has no permissions to access one of the keys used as arguments";
  if (res === DENIED_CHANNEL) return "NOPERM this user has no permissions to access one of the channels used as arguments";
  return "ERR no permission";
}

/** getAclErrorMessage, as scripts word it. */
function scriptText(res: number): string {
  const why =
    res === DENIED_CMD
      ? "can't run this command or subcommand"
      : res === DENIED_KEY
        ? "can't access at least one of the keys mentioned in the command arguments"
        : res === DENIED_CHANNEL
          ? "can't publish to the channel mentioned in the command"
          : "lacking the permissions for the command";
  return `ERR The user executing the script ${why}`;
}

/** EXEC's text when the rules changed since the command was queued. */
function execText(res: number): string {
  const why =
    res === DENIED_CMD
      ? "no permission to execute the command or subcommand"
      : res === DENIED_KEY
        ? "no permission to touch the specified keys"
        : res === DENIED_CHANNEL
          ? "no permission to access one of the channels used as arguments"
          : "no permission";
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${why}`;
}

/**
 * Whether `row`'s user may run argv: null when it may, else the error to
 * answer (the denial logged). `context`: `toplevel` or `multi` (at
 * dispatch, queued or not), `exec` (EXEC re-checks what was queued),
 * `lua` (a script's redis.call).
 */
export function aclDenial(inst: KvInstance, row: ClientRow, cmd: CommandEntry, argv: readonly string[], context: "toplevel" | "multi" | "exec" | "lua"): ErrorReply | null {
  const user = row.user;
  if (user.free) return null;
  const [res, idx] = checkCommandPerm(user, cmd, argv);
  if (res === ACL_OK) return null;
  logDenial(inst, row, user, cmd, argv, res, idx, context === "exec" ? "multi" : context);
  if (context === "lua") return new ErrorReply(scriptText(res));
  if (context === "exec") return new ErrorReply(execText(res));
  return new ErrorReply(topLevelText(res, cmd));
}
