/**
 * The commands a connection answers itself (route `connection`): PING,
 * ECHO, QUIT, HELLO, AUTH, ACL, SELECT, CLIENT, CONFIG, INFO, TIME, COMMAND,
 * BGREWRITEAOF, SAVE, BGSAVE, LASTSAVE, the scripting commands (EVAL, FCALL, SCRIPT, FUNCTION), with Redis 7.0's replies and error texts (checked against
 * redis-server side by side in the tests).
 *
 * Each runs synchronously at its place in the command stream, so what it
 * changes (database, protocol, authentication) applies to the commands
 * after it; the protocol switch of HELLO takes effect in the reply stream
 * exactly at HELLO's own reply (see `SlotAction`).
 */
import { performance } from "node:perf_hooks";
import { call } from "../../../otp/gen.js";
import { Supervisor } from "../../../otp/supervisor.js";
import { inspect } from "../../../term/inspect.js";
import { t } from "../../../term/tuple.js";
import { OK as OK_ATOM } from "../../../runtime/atoms.js";
import type { KvInstance } from "./instance.js";
import { type CommandEntry, commandCommand } from "../commands/engine.js";
import { BAD_NAME, clientCommand, clientInfoLine, validClientName } from "./client_command.js";
import { aclCommand } from "./acl_command.js";
import { DENIED_AUTH } from "./acl_user.js";
import { ConfigEffects, configCommand } from "./config_command.js";
import type { Session } from "./session.js";
import { SlotAction } from "./session.js";
import { REDIS_COMPAT_VERSION, infoText } from "./info.js";
import { parseInt64 } from "../commands/numbers.js";
import { NOT_AN_INTEGER, SYNTAX_ERROR } from "../commands/shared.js";
import { CONFIG, REWRITE } from "../aof/persistence.js";
import { pubsubCommand, subscribe, unsubscribe } from "./pubsub.js";
import { evalCommand } from "./script_run.js";
import { monitorCommand, resetCommand, shutdownCommand } from "./server_commands.js";
import { slowlogCommand } from "./slowlog.js";
import { bgsaveCommand, lastsaveCommand, saveCommand } from "./rdb_commands.js";
import { runAsync } from "./run_async.js";
import { replicaofCommand } from "../replication/replica_control.js";
import { KV_GLOBAL_CHECK } from "./kv_global.js";
export { runAsync } from "./run_async.js";
import { functionCommand } from "./function_command.js";
import { syncCommand } from "../replication/primary_sync.js";
import { replconfCommand, roleCommand, waitCommand } from "../replication/primary_commands.js";
import { NOT_ALLOWED, discardCommand, execCommandOf, multiCommand, unwatchCommand, watchCommand } from "./multi_exec.js";
import { ErrorReply, MapReply, OK, PONG, type Reply, VerbatimReply } from "../resp/reply.js";

const WRONGPASS = new ErrorReply("WRONGPASS invalid username-password pair or user is disabled.");

/**
 * ACLAuthenticateUser: on success the connection runs as `user` from now
 * on; a failure is logged in ACL LOG (reason `auth`).
 */
export function authenticate(c: Session, argv: readonly string[], user: string, pass: string): boolean {
  const acl = c.inst.acl;
  const u = acl.authenticate(user, pass);
  if (u === null) {
    acl.addLog({ reason: DENIED_AUTH, context: c.tx !== null ? "multi" : "toplevel", object: argv[0]!, username: user, ctime: Date.now(), cinfo: clientInfoLine(c.row, Date.now()) });
    return false;
  }
  c.row.user = u;
  c.authenticated = true;
  c.row.authenticated = true;
  c.parser.authRequired = false;
  return true;
}

/** Runs a connection-level command: fills its reply slot now (and returns the reply), or later for async ones (undefined). */
export function runConnectionCommand(c: Session, seq: number, spec: CommandEntry, argv: string[]): Reply | undefined {
  const r = connectionCommand(c, seq, spec, argv);
  if (r === undefined) return undefined;
  if (c.closeAfterReply && !(r instanceof SlotAction)) c.fill(seq, new SlotAction(r, "close"));
  else c.fill(seq, r);
  return r instanceof SlotAction ? r.reply : r;
}

function connectionCommand(c: Session, seq: number, spec: CommandEntry, argv: string[]): Reply | SlotAction | undefined {
  const bar = spec.fullname.indexOf("|");
  switch (bar < 0 ? spec.name : spec.fullname.slice(0, bar)) {
    case "ping":
      if (argv.length > 2) return new ErrorReply("ERR wrong number of arguments for 'ping' command");
      // A subscribed RESP2 client reads a pong it can tell from a message.
      if (c.resp === 2 && c.subs.count > 0) return ["pong", argv[1] ?? ""];
      return argv.length === 1 ? PONG : argv[1]!;
    case "echo":
      return argv[1]!;
    case "quit":
      return new SlotAction(OK, "close");
    case "time": {
      const ms = performance.timeOrigin + performance.now();
      return [String(Math.floor(ms / 1000)), String(Math.floor((ms % 1000) * 1000))];
    }
    case "select": {
      const n = selectIndex(c, argv[1]!);
      if (n instanceof ErrorReply) return n;
      c.db = n;
      c.row.db = n;
      return OK;
    }
    case "subscribe":
      return subscribe(c, "channel", argv.slice(1));
    case "psubscribe":
      return subscribe(c, "pattern", argv.slice(1));
    case "unsubscribe":
      return unsubscribe(c, "channel", argv.slice(1));
    case "punsubscribe":
      return unsubscribe(c, "pattern", argv.slice(1));
    case "publish":
      return c.inst.pubsub.publish(argv[1]!, argv[2]!);
    case "pubsub":
      return pubsubCommand(c, argv);
    case "multi":
      return multiCommand(c);
    case "exec":
      return execCommandOf(c, seq, (cmd, args, db) => inExec(c, cmd, args, db));
    case "eval":
    case "evalsha":
    case "eval_ro":
    case "evalsha_ro":
    case "fcall":
    case "fcall_ro":
      return evalCommand(c, seq, spec, argv, (cmd, args, db) => inExec(c, cmd, args, db));
    case "script": {
      if (spec.name !== "kill") return c.inst.scripting.evals.scriptCommand(argv);
      const k = c.inst.scripting.kill(true);
      return k === "ok" ? OK : k;
    }
    case "function":
      return functionCommand(c, seq, spec, argv);
    case "discard":
      return discardCommand(c);
    case "watch":
      return watchCommand(c, argv);
    case "unwatch":
      return unwatchCommand(c);
    case "auth":
      return auth(c, argv);
    case "hello":
      return hello(c, argv);
    case "client":
      return clientCommand(c, seq, argv);
    case "monitor":
      return monitorCommand(c, seq);
    case "reset":
      return resetCommand(c, seq);
    case "slowlog":
      return slowlogCommand(c.inst, argv);
    case "sync":
    case "psync":
      return syncCommand(c, seq, argv);
    case "replconf":
      return replconfCommand(c, seq, argv);
    case "wait":
      return waitCommand(c, seq, argv);
    case "role":
      return roleCommand(c.inst);
    case "shutdown":
      return shutdownCommand(c, seq, argv);
    case "acl":
      return aclCommand(c, argv);
    case "config": {
      const r = configCommand(c, argv);
      if (!(r instanceof ConfigEffects)) return r;
      runAsync(c, seq, () => applyConfig(c, r));
      return undefined;
    }
    case "info": {
      const text = infoText(c.inst, argv.slice(1).map((s) => s.toLowerCase()));
      return c.resp === 3 ? new VerbatimReply("txt", text) : text;
    }
    case "command":
      return commandCommand(argv);
    case "save":
      return saveCommand(c, seq);
    case "bgsave":
      return bgsaveCommand(c, seq, argv);
    case "lastsave":
      return lastsaveCommand(c);
    case "replicaof":
    case "slaveof":
      return replicaof(c, argv);
    case "bgrewriteaof":
      runAsync(c, seq, function* () {
        return (yield* call(c.inst.names.writer, REWRITE as never, 60_000)) as Reply;
      });
      return undefined;
    default:
      return new ErrorReply(`ERR unknown command '${spec.name}'`);
  }
}

/** REPLICAOF / SLAVEOF; the seed's kv changes hands with the role: {global, kv} follows at once (kv_global.ts). */
function replicaof(c: Session, argv: readonly string[]): Reply {
  const r = replicaofCommand(c.inst.repl, argv, c.inst.names.replica, (text) => c.self.rt.logger({ level: "notice", what: "kv_replica", text }));
  // Promoted with the backlog it kept as a replica: its own writes enter the stream from the next one on.
  c.inst.updateLogsWrites();
  const g = c.self.rt.whereis(c.inst.names.global);
  if (g !== undefined) c.self.rt.deliver(g, KV_GLOBAL_CHECK);
  return r;
}

function selectIndex(c: Session, arg: string): number | ErrorReply {
  const n = parseInt64(arg);
  if (n === null || n < -2147483648 || n > 2147483647) return NOT_AN_INTEGER;
  if (n < 0 || n >= c.inst.config.get("databases")) return new ErrorReply("ERR DB index is out of range");
  return Number(n);
}

/** A connection command queued in MULTI, run by EXEC: SELECT moves the transaction's database; UNWATCH is EXEC's own. */
function inExec(c: Session, spec: CommandEntry, argv: readonly string[], db: number): [Reply, number] {
  if (spec.name === "select") {
    const n = selectIndex(c, argv[1]!);
    return n instanceof ErrorReply ? [n, db] : [OK, n];
  }
  if (spec.name === "unwatch") return [OK, db];
  const r = connectionCommand(c, -1, spec, argv as string[]);
  // Only the commands that answer at once are queued (multi_exec.ts refuses the others).
  return [r === undefined || r instanceof SlotAction ? NOT_ALLOWED : r, db];
}

function auth(c: Session, argv: string[]): Reply {
  if (argv.length > 3) return SYNTAX_ERROR;
  if (argv.length === 2 && c.inst.acl.defaultUser.nopass) {
    return new ErrorReply(
      "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
    );
  }
  const [user, pass] = argv.length === 2 ? ["default", argv[1]!] : [argv[1]!, argv[2]!];
  return authenticate(c, argv, user, pass) ? OK : WRONGPASS;
}

function hello(c: Session, argv: string[]): Reply | SlotAction {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[next++]!);
    if (v === null) return new ErrorReply("ERR Protocol version is not an integer or out of range");
    if (v < 2 || v > 3) return new ErrorReply("NOPROTO unsupported protocol version");
    ver = Number(v);
  }
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === "auth" && more >= 2) {
      if (!authenticate(c, argv, argv[j + 1]!, argv[j + 2]!)) return WRONGPASS;
      j += 2;
    } else if (opt === "setname" && more >= 1) {
      const name = argv[j + 1]!;
      if (!validClientName(name)) return BAD_NAME;
      c.row.name = name;
      j++;
    } else {
      return new ErrorReply(`ERR Syntax error in HELLO option '${argv[j]}'`);
    }
  }
  if (!c.authenticated) {
    return new ErrorReply(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
  }
  if (ver !== 0) c.resp = ver as 2 | 3;
  const map = new MapReply([
    ["server", "redis"],
    ["version", REDIS_COMPAT_VERSION],
    ["proto", c.resp],
    ["id", c.row.id],
    ["mode", "standalone"],
    ["role", "master"],
    ["modules", []],
  ]);
  return new SlotAction(map, c.resp === 3 ? "resp3" : "resp2");
}

/**
 * What CONFIG SET must do before it answers: rebind the listeners to a new
 * port or bind list (back to the old ones, and an error, when the new ones
 * cannot be bound, as Redis does), and tell the persistence writer.
 */
function* applyConfig(c: Session, e: ConfigEffects): Generator<unknown, Reply, unknown> {
  const inst = c.inst;
  const cfg = inst.config;
  if (e.names.includes("port") || e.names.includes("bind")) {
    const r = yield* rebind(inst);
    if (r !== null) {
      for (const [n, v] of e.before) cfg.setWords(n, [v], "runtime");
      inst.boundPorts.clear();
      yield* rebind(inst);
      const name = e.pairs.find(([n]) => /^(port|bind)$/i.test(n))![0];
      return new ErrorReply(`ERR CONFIG SET failed (possibly related to argument '${name}') - Unable to listen on this port: ${r}`);
    }
  }
  for (const n of e.names) {
    if (n !== "appendonly" && n !== "appendfsync" && n !== "dir") continue;
    const r: unknown = yield* call(inst.names.writer, t(CONFIG, n) as never, 60_000);
    if (r instanceof ErrorReply) {
      // appendonly yes in a directory that cannot be used: back to no, as Redis does when it cannot start the AOF.
      if (n === "appendonly") cfg.setWords(n, ["no"], "runtime");
      const name = e.pairs.find(([p]) => p.toLowerCase() === n)?.[0] ?? n;
      return new ErrorReply(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${r.text.replace(/^ERR /, "")}`);
    }
  }
  return OK;
}

/** Restarts the listener supervisor on the current port and bind; null when it listens, else why not. */
function* rebind(inst: KvInstance): Generator<unknown, string | null, unknown> {
  inst.boundPorts.clear();
  const sup = inst.names.sup.name;
  yield* Supervisor.terminateChild(sup, "listeners");
  const r = yield* Supervisor.restartChild(sup, "listeners");
  if (Array.isArray(r) && r[0] === OK_ATOM) return null;
  return inspect(r);
}


