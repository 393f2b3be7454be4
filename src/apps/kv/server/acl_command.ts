/**
 * The ACL command (acl.c's aclCommand): SETUSER, GETUSER, DELUSER, LIST,
 * USERS, WHOAMI, CAT, GENPASS, LOG, DRYRUN, LOAD, SAVE, HELP, with Redis
 * 7.0's replies and error texts.
 */
import { randomBytes } from "node:crypto";
import { ACL_ORDER } from "../commands/command_table.js";
import { checkCommand } from "../commands/engine.js";
import { parseInt64 } from "../commands/numbers.js";
import { NOT_AN_INTEGER } from "../commands/shared.js";
import { DoubleReply, ErrorReply, MapReply, OK, type Reply, SetReply, SimpleString } from "../resp/reply.js";
import { type AclClient } from "./acl.js";
import { ACL_OK, DENIED_AUTH, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY, type Selector, checkCommandPerm, everyCommand, hasSpaces, patternString } from "./acl_user.js";
import type { Session } from "./session.js";

const NO_ACLFILE = new ErrorReply(
  "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
);

const HELP_LINES = [
  "CAT [<category>]",
  "    List all commands that belong to <category>, or all command categories",
  "    when no category is specified.",
  "DELUSER <username> [<username> ...]",
  "    Delete a list of users.",
  "DRYRUN <username> <command> [<arg> ...]",
  "    Returns whether the user can execute the given command without executing the command.",
  "GETUSER <username>",
  "    Get the user's details.",
  "GENPASS [<bits>]",
  "    Generate a secure 256-bit user password. The optional `bits` argument can",
  "    be used to specify a different size.",
  "LIST",
  "    Show users details in config file format.",
  "LOAD",
  "    Reload users from the ACL file.",
  "LOG [<count> | RESET]",
  "    Show the ACL log entries.",
  "SAVE",
  "    Save the current config to the ACL file.",
  "SETUSER <username> <attribute> [<attribute> ...]",
  "    Create or modify a user with the specified attributes.",
  "USERS",
  "    List all the registered usernames.",
  "WHOAMI",
  "    Return the current connection username.",
];

const REASONS: Record<number, string> = { [DENIED_CMD]: "command", [DENIED_KEY]: "key", [DENIED_CHANNEL]: "channel", [DENIED_AUTH]: "auth" };

/** The client table as the ACL sees it. */
export function aclClients(c: Session): Iterable<AclClient> {
  return c.inst.clients.values();
}

export function aclCommand(c: Session, argv: readonly string[]): Reply {
  const acl = c.inst.acl;
  const sub = argv[1]!.toLowerCase();
  const file = c.inst.config.get("aclfile");
  switch (sub) {
    case "setuser": {
      const name = argv[2]!;
      if (hasSpaces(name)) return new ErrorReply("ERR Usernames can't contain spaces or null characters");
      const err = acl.setUser(name, argv.slice(3), aclClients(c));
      return err === null ? OK : new ErrorReply(`ERR ${err}`.replace(/[\r\n]/g, " "));
    }
    case "deluser": {
      const names = argv.slice(2);
      if (names.includes("default")) return new ErrorReply("ERR The 'default' user cannot be removed");
      const mine = c.row.user;
      const n = acl.delUsers(names, [...aclClients(c)].filter((r) => r !== c.row));
      // The caller's own user: answered, then closed (CLIENT_CLOSE_AFTER_COMMAND).
      if (mine.removed) {
        c.row.user = acl.defaultUser;
        c.authenticated = false;
        c.row.authenticated = false;
        c.closeAfterReply = true;
      }
      return n;
    }
    case "getuser": {
      const u = acl.users.get(argv[2]!);
      if (u === undefined) return null;
      const fields: [Reply, Reply][] = [
        ["flags", new SetReply(u.flagList())],
        ["passwords", [...u.passwords]],
        ...selectorFields(u.root),
        ["selectors", u.selectors.slice(1).map((s) => new MapReply(selectorFields(s)))],
      ];
      return new MapReply(fields);
    }
    case "list":
      return acl.listLines();
    case "users":
      return acl.sorted().map((u) => u.name);
    case "whoami":
      return c.row.user.name;
    case "load":
      if (file === "") return NO_ACLFILE;
      {
        const err = acl.loadFile(file, [...aclClients(c)].filter((r) => r !== c.row));
        if (err !== null) return new ErrorReply(`ERR ${err}`.replace(/[\r\n]/g, " "));
        if (c.row.user.removed) {
          c.row.user = acl.defaultUser;
          c.authenticated = false;
          c.row.authenticated = false;
          c.closeAfterReply = true;
        }
        return OK;
      }
    case "save":
      if (file === "") return NO_ACLFILE;
      return acl.saveFile(file) ? OK : new ErrorReply("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
    case "cat": {
      if (argv.length === 2) return [...ACL_ORDER];
      const cat = argv[2]!.toLowerCase();
      if (!ACL_ORDER.includes(cat)) return new ErrorReply(`ERR Unknown category '${argv[2]!.slice(0, 128)}'`);
      return everyCommand().filter((cmd) => cmd.acl.includes(cat)).map((cmd) => cmd.fullname);
    }
    case "genpass": {
      let bits = 256;
      if (argv.length === 3) {
        const n = parseInt64(argv[2]!);
        if (n === null) return NOT_AN_INTEGER;
        if (n <= 0 || n > 4096) return new ErrorReply("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
        bits = Number(n);
      }
      const chars = Math.floor((bits + 3) / 4);
      return randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars);
    }
    case "log":
      return aclLog(c, argv);
    case "dryrun": {
      const u = acl.users.get(argv[2]!);
      if (u === undefined) return new ErrorReply(`ERR User '${argv[2]}' not found`);
      const args = argv.slice(3);
      const cmd = checkCommand(args);
      if (cmd instanceof ErrorReply) {
        if (cmd.text.startsWith("ERR wrong number")) return cmd;
        return new ErrorReply(`ERR Command '${argv[3]}' not found`);
      }
      const [res, idx] = checkCommandPerm(u, cmd, args);
      if (res === ACL_OK) return OK;
      if (res === DENIED_CMD) return `This user has no permissions to run the '${cmd.fullname}' command`;
      if (res === DENIED_KEY) return `This user has no permissions to access the '${args[idx]}' key`;
      return `This user has no permissions to access the '${args[idx]}' channel`;
    }
    case "help":
      if (argv.length === 2) {
        return ["ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", ...HELP_LINES, "HELP", "    Prints this help."].map((l) => new SimpleString(l));
      }
  }
  return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ACL HELP.`);
}

/** aclAddReplySelectorDescription: commands, keys, channels. */
function selectorFields(s: Selector): [Reply, Reply][] {
  return [
    ["commands", s.describeCommands()],
    ["keys", s.allKeys ? "~*" : s.patterns.map(patternString).join(" ")],
    ["channels", s.allChannels ? "&*" : s.channels.map((ch) => `&${ch}`).join(" ")],
  ];
}

function aclLog(c: Session, argv: readonly string[]): Reply {
  const log = c.inst.acl.log;
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toLowerCase() === "reset") {
      log.length = 0;
      return OK;
    }
    const n = parseInt64(argv[2]!);
    if (n === null) return NOT_AN_INTEGER;
    count = n < 0 ? 0 : Number(n);
  }
  const now = Date.now();
  return log.slice(0, count).map(
    (e) =>
      new MapReply([
        ["count", e.count],
        ["reason", REASONS[e.reason] ?? "unknown"],
        ["context", e.context],
        ["object", e.object],
        ["username", e.username],
        ["age-seconds", new DoubleReply((now - e.ctime) / 1000)],
        ["client-info", e.cinfo],
      ]),
  );
}
