/**
 * COMMAND and its subcommands (COUNT, INFO, DOCS, LIST, GETKEYS,
 * GETKEYSANDFLAGS, HELP), generated from the command table in the shapes
 * Redis 7.0 answers (server.c addReplyCommandInfo / addReplyCommandDocs):
 * what redis-cli, ioredis and node-redis read on connect.
 */
import { type ArgDoc, COMMANDS, type CommandEntry, lookupByFullname, lookupTop } from "./command_table.js";
import { commandKeys } from "./command_def.js";
import { ErrorReply, MapReply, type Reply, SetReply, SimpleString } from "../resp/reply.js";
import { SYNTAX_ERROR, cstr, option } from "./shared.js";
import { stringMatch } from "./glob.js";

const status = (s: string) => new SimpleString(s);

function keySpecReply(spec: CommandEntry["keySpecs"][number]): Reply {
  const entries: [Reply, Reply][] = [];
  if (spec.notes !== undefined) entries.push(["notes", spec.notes]);
  entries.push(["flags", new SetReply(spec.flags.map(status))]);
  const search = (type: string, spec: [Reply, Reply][]) => new MapReply([["type", type], ["spec", new MapReply(spec)]]);
  if (spec.unknown === true) {
    entries.push(["begin_search", search("unknown", [])], ["find_keys", search("unknown", [])]);
    return new MapReply(entries);
  }
  const kw = spec.keyword;
  entries.push(["begin_search", kw === undefined ? search("index", [["index", spec.index]]) : search("keyword", [["keyword", kw.keyword], ["startfrom", kw.startfrom]])]);
  const kn = spec.keynum;
  entries.push([
    "find_keys",
    kn === undefined
      ? search("range", [["lastkey", spec.lastkey], ["keystep", spec.keystep], ["limit", spec.limit]])
      : search("keynum", [["keynumidx", kn.keynumidx], ["firstkey", kn.firstkey], ["keystep", kn.keystep]]),
  ]);
  return new MapReply(entries);
}

/** One command's COMMAND INFO entry (10 elements). */
export function commandInfo(e: CommandEntry): Reply {
  return [
    e.fullname,
    e.arity,
    new SetReply(e.flags.map(status)),
    e.firstKey,
    e.lastKey,
    e.step,
    new SetReply(e.acl.map((c) => status("@" + c))),
    new SetReply(e.tips),
    new SetReply(e.keySpecs.map(keySpecReply)),
    e.subcommands === null ? new SetReply([]) : [...e.subcommands.values()].map(commandInfo),
  ];
}

function argDocs(args: readonly ArgDoc[]): Reply {
  return args.map((a) => {
    const m: [Reply, Reply][] = [
      ["name", a.name],
      ["type", a.type],
    ];
    if (a.keySpecIndex !== undefined) m.push(["key_spec_index", a.keySpecIndex]);
    if (a.token !== undefined) m.push(["token", a.token]);
    if (a.since !== undefined) m.push(["since", a.since]);
    if (a.deprecatedSince !== undefined) m.push(["deprecated_since", a.deprecatedSince]);
    if (a.flags.length > 0) m.push(["flags", new SetReply(a.flags.map(status))]);
    if (a.args !== undefined) m.push(["arguments", argDocs(a.args)]);
    return new MapReply(m);
  });
}

/** One command's COMMAND DOCS map. */
export function commandDocs(e: CommandEntry): Reply {
  const m: [Reply, Reply][] = [
    ["summary", e.summary],
    ["since", e.since],
    ["group", e.group],
    ["complexity", e.complexity],
  ];
  if (e.docFlags.length > 0) m.push(["doc_flags", new SetReply(e.docFlags.map(status))]);
  if (e.deprecatedSince !== undefined) m.push(["deprecated_since", e.deprecatedSince]);
  if (e.replacedBy !== undefined) m.push(["replaced_by", e.replacedBy]);
  if (e.args.length > 0) m.push(["arguments", argDocs(e.args)]);
  if (e.subcommands !== null) {
    m.push(["subcommands", new MapReply([...e.subcommands.values()].map((s) => [s.fullname, commandDocs(s)] as [Reply, Reply]))]);
  }
  return new MapReply(m);
}

const HELP = [
  "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
  "HELP",
  "    Prints this help.",
].map(status);

function getKeys(argv: readonly string[], withFlags: boolean): Reply {
  const line = argv.slice(2);
  const top = lookupTop(line[0]!);
  const entry = top?.subcommands && line.length > 1 ? top.subcommands.get(line[1]!.toLowerCase()) : top;
  if (entry === undefined) return new ErrorReply("ERR Invalid command specified");
  if (entry.keySpecs.length === 0) return new ErrorReply("ERR The command has no key arguments");
  if ((entry.arity > 0 && entry.arity !== line.length) || line.length < -entry.arity) {
    return new ErrorReply("ERR Invalid number of arguments specified for command");
  }
  let keys = commandKeys(entry, line);
  if (keys === null) return new ErrorReply("ERR Invalid arguments specified for command");
  if (entry.name === "set") {
    // setGetKeys: the flags depend on a GET argument
    const get = line.slice(3).some((a) => cstr(a).toLowerCase() === "get");
    keys = [{ pos: 1, flags: get ? ["RW", "access", "update"] : ["OW", "update"] }];
  }
  return keys.map((k) => (withFlags ? [line[k.pos]!, new SetReply(k.flags.map(status))] : line[k.pos]!));
}

/** COMMAND [subcommand ...]: argv as received, already checked for arity. */
export function commandCommand(argv: readonly string[]): Reply {
  if (argv.length === 1) return [...COMMANDS.values()].map(commandInfo);
  const sub = option(argv[1]!);
  switch (sub) {
    case "count":
      return COMMANDS.size;
    case "info":
      if (argv.length === 2) return [...COMMANDS.values()].map(commandInfo);
      return argv.slice(2).map((n) => {
        const e = lookupByFullname(n);
        return e === undefined ? null : commandInfo(e);
      });
    case "docs": {
      const list = argv.length === 2 ? [...COMMANDS.values()] : argv.slice(2).map(lookupByFullname);
      return new MapReply(list.filter((e): e is CommandEntry => e !== undefined).map((e) => [e.fullname, commandDocs(e)]));
    }
    case "list":
      return commandList(argv);
    case "getkeys":
      return getKeys(argv, false);
    case "getkeysandflags":
      return getKeys(argv, true);
    case "help":
      return HELP;
    default:
      return new ErrorReply(`ERR unknown subcommand '${cstr(argv[1]!).slice(0, 128)}'. Try COMMAND HELP.`);
  }
}

function commandList(argv: readonly string[]): Reply {
  let filter: ((e: CommandEntry) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (option(argv[i]!) === "filterby" && more === 2) {
      const kind = option(argv[i + 1]!);
      const arg = argv[i + 2]!;
      if (kind === "module") filter = () => false;
      else if (kind === "aclcat") filter = (e) => e.acl.includes(arg.toLowerCase());
      else if (kind === "pattern") filter = (e) => stringMatch(arg, e.fullname, true);
      else return SYNTAX_ERROR;
      i += 2;
    } else {
      return SYNTAX_ERROR;
    }
  }
  const out: string[] = [];
  const visit = (e: CommandEntry) => {
    if (filter === null || filter(e)) out.push(e.fullname);
    if (e.subcommands !== null) for (const s of e.subcommands.values()) visit(s);
  };
  for (const e of COMMANDS.values()) visit(e);
  return out;
}
