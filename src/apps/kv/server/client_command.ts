/**
 * CLIENT ID / INFO / LIST / GETNAME / SETNAME / KILL / UNBLOCK / HELP, as
 * Redis 7.0 answers them. CLIENT LIST rows use Redis' field names and
 * order; fields Agner has no equivalent for are printed with the value a
 * plain Redis client shows (`ssub=0`, `redir=-1`).
 */
import { type AclUser } from "./acl_user.js";
import type { Session } from "./session.js";
import { parseInt64 } from "../commands/numbers.js";
import { SYNTAX_ERROR } from "../commands/shared.js";
import type { ClientRow } from "./instance.js";
import { endPause, startPause } from "./client_pause.js";
import { UNBLOCKED_ERROR, Unblocked, Waiter } from "./blocked.js";
import { ErrorReply, OK, type Reply, SimpleString, VerbatimReply } from "../resp/reply.js";
import { clientCaching, clientGetredir, clientTracking, clientTrackinginfo } from "./client_tracking.js";



const HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CACHING (YES|NO)",
  "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
  "         [OPTIN] [OPTOUT] [NOLOOP]",
  "    Control server assisted client side caching.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));


/** CLIENT LIST's flags, in Redis' order: O monitor, M a replica's master client, P subscribed, x in MULTI, b blocked, t tracking, R its redirect broken, B broadcasting, e no-evict, N none. */
function clientFlags(r: ClientRow): string {
  const t = r.tracking;
  let f = (r.monitor ? "O" : "") + (r.master ? "M" : "") + (r.sub + r.psub > 0 ? "P" : "") + (r.multi >= 0 ? "x" : "") + (r.waiter !== null ? "b" : "");
  if (t !== null) f += "t" + (t.brokenRedirect ? "R" : "") + (t.bcast ? "B" : "");
  f += r.noEvict ? "e" : "";
  return f === "" ? "N" : f;
}

/** Redis' client name charset: printable ASCII without spaces. */
export function validClientName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) return false;
  }
  return true;
}

export const BAD_NAME = new ErrorReply("ERR Client names cannot contain spaces, newlines or special characters.");

/** One CLIENT LIST / CLIENT INFO line, without the newline. */
export function clientInfoLine(r: ClientRow, now: number): string {
  return (
    `id=${r.id} addr=${r.addr} laddr=${r.laddr} fd=${r.fd} name=${r.name} age=${Math.floor((now - r.created) / 1000)} ` +
    `idle=${Math.max(0, Math.floor((now - r.lastInteraction) / 1000))} flags=${clientFlags(r)} db=${r.db} sub=${r.sub} psub=${r.psub} ssub=0 multi=${r.multi} ` +
    `qbuf=${r.qbuf} qbuf-free=0 argv-mem=${r.argvMem} multi-mem=${r.multiMem} rbs=0 rbp=0 obl=${r.obl} oll=0 omem=${r.obl} ` +
    `tot-mem=${r.qbuf + r.argvMem + r.multiMem + r.obl} events=r cmd=${r.cmd} user=${r.user.name} redir=${r.tracking?.redirect ?? -1} resp=${r.resp}`
  );
}

export function clientCommand(c: Session, seq: number, argv: string[]): Reply {
  const sub = argv[1]!.toLowerCase();
  const row = c.row;
  switch (sub) {
    case "help":
      return HELP;
    case "id":
      return row.id;
    case "getname":
      return row.name === "" ? null : row.name;
    case "setname":
      if (!validClientName(argv[2]!)) return BAD_NAME;
      row.name = argv[2]!;
      return OK;
    case "info": {
      const text = clientInfoLine(row, Date.now()) + "\n";
      return c.resp === 3 ? new VerbatimReply("txt", text) : text;
    }
    case "list": {
      return clientList(c, argv);
    }
    case "kill":
      return clientKill(c, argv);
    case "pause":
      return clientPause(c, argv);
    case "unpause":
      endPause(c.inst);
      return OK;
    case "reply":
      return clientReply(c, seq, argv[2]!.toLowerCase());
    case "no-evict": {
      const v = argv[2]!.toLowerCase();
      if (v !== "on" && v !== "off") return SYNTAX_ERROR;
      row.noEvict = v === "on";
      return OK;
    }
    case "tracking":
      return clientTracking(c, argv);
    case "caching":
      return clientCaching(c, argv);
    case "getredir":
      return clientGetredir(c);
    case "trackinginfo":
      return clientTrackinginfo(c);
    case "unblock":
      if (argv.length <= 4) return clientUnblock(c, argv);
      return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try CLIENT HELP.`);
  }
  return SYNTAX_ERROR;
}

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's wait in a
 * blocking command (1), as its timeout would or with an error; 0 when it
 * is not blocked. The wait is claimed here; the client answers on its own.
 */
function clientUnblock(c: Session, argv: string[]): Reply {
  let error = false;
  if (argv.length === 4) {
    const why = argv[3]!.toLowerCase();
    if (why === "error") error = true;
    else if (why !== "timeout") return new ErrorReply("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  }
  const id = parseInt64(argv[2]!);
  if (id === null) return new ErrorReply("ERR value is not an integer or out of range");
  const row = c.inst.clients.get(Number(id));
  const w = row?.waiter;
  if (row === undefined || !(w instanceof Waiter) || w.done) return 0;
  w.done = true;
  row.pid.rt.deliver(row.pid, new Unblocked(w, error ? UNBLOCKED_ERROR : w.on.timeoutReply));
  return 1;
}

/** CLIENT PAUSE timeout [WRITE|ALL] (client_pause.ts). */
function clientPause(c: Session, argv: string[]): Reply {
  const t = parseInt64(argv[2]!);
  if (t === null) return new ErrorReply("ERR timeout is not an integer or out of range");
  if (t < 0) return new ErrorReply("ERR timeout is negative");
  let all = true;
  if (argv.length === 4) {
    const m = argv[3]!.toLowerCase();
    if (m === "write") all = false;
    else if (m !== "all") return new ErrorReply("ERR CLIENT PAUSE mode must be WRITE or ALL");
  } else if (argv.length > 4) return SYNTAX_ERROR;
  startPause(c.inst, Number(t), all);
  return OK;
}

/** CLIENT REPLY ON|OFF|SKIP: OFF and SKIP answer nothing themselves; SKIP drops the next command's reply (not while OFF). */
function clientReply(c: Session, seq: number, v: string): Reply {
  if (v === "on") {
    c.replyOff = false;
    c.skipNext = false;
    c.row.replyOff = false;
    c.silence(seq, false);
    return OK;
  }
  if (v === "off") {
    c.replyOff = true;
    c.row.replyOff = true;
  } else if (v === "skip") {
    if (!c.replyOff) c.skipNext = true;
  } else return SYNTAX_ERROR;
  c.silence(seq, true);
  return OK;
}

const TYPES = new Set(["normal", "master", "replica", "slave", "pubsub"]);

/** A client's TYPE for CLIENT LIST / KILL: a replica's master client is `master`, everything else here `normal`. */
/** Redis' getClientType: master, replica (not a MONITOR), pubsub (subscribed to anything), else normal. */
function clientType(r: ClientRow): string {
  if (r.master) return "master";
  if (r.replica && !r.monitor) return "replica";
  return r.sub + r.psub > 0 ? "pubsub" : "normal";
}

/** A CLIENT KILL / LIST type name as clientType gives it (`slave` is `replica`). */
function typeName(name: string): string {
  const t = name.toLowerCase();
  return t === "slave" ? "replica" : t;
}

function clientList(c: Session, argv: string[]): Reply {
  let rows = [...c.inst.clients.values()];
  if (argv.length === 4 && argv[2]!.toLowerCase() === "type") {
    const type = argv[3]!.toLowerCase();
    if (!TYPES.has(type)) return new ErrorReply(`ERR Unknown client type '${argv[3]}'`);
    rows = rows.filter((r) => clientType(r) === typeName(type));
  } else if (argv.length > 3 && argv[2]!.toLowerCase() === "id") {
    const ids = new Set<number>();
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j]!);
      if (id === null || id < 1) return new ErrorReply("ERR Invalid client ID");
      ids.add(Number(id));
    }
    rows = rows.filter((r) => ids.has(r.id));
  } else if (argv.length !== 2) return SYNTAX_ERROR;
  const now = Date.now();
  const text = rows.map((r) => clientInfoLine(r, now) + "\n").join("");
  return c.resp === 3 ? new VerbatimReply("txt", text) : text;
}

function clientKill(c: Session, argv: string[]): Reply {
  let addr: string | null = null;
  let laddr: string | null = null;
  let id = 0;
  let type: string | null = null;
  let skipme = true;
  let user: AclUser | null = null;
  if (argv.length === 3) {
    addr = argv[2]!;
    skipme = false; // the old form may kill itself
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i]!.toLowerCase();
      const v = argv[i + 1];
      if (v === undefined) return SYNTAX_ERROR;
      if (opt === "id") {
        const n = parseInt64(v);
        if (n === null || n < 1) return new ErrorReply("ERR client-id should be greater than 0");
        id = Number(n);
      } else if (opt === "type") {
        if (!TYPES.has(v.toLowerCase())) return new ErrorReply(`ERR Unknown client type '${v}'`);
        type = typeName(v);
      } else if (opt === "addr") addr = v;
      else if (opt === "laddr") laddr = v;
      else if (opt === "user") {
        const u = c.inst.acl.users.get(v);
        if (u === undefined) return new ErrorReply(`ERR No such user '${v}'`);
        user = u;
      } else if (opt === "skipme") {
        const y = v.toLowerCase();
        if (y === "yes") skipme = true;
        else if (y === "no") skipme = false;
        else return SYNTAX_ERROR;
      } else return SYNTAX_ERROR;
    }
  }
  let killed = 0;
  let self = false;
  for (const r of [...c.inst.clients.values()]) {
    if (addr !== null && r.addr !== addr) continue;
    if (laddr !== null && r.laddr !== laddr) continue;
    if (type !== null && clientType(r) !== type) continue;
    if (id !== 0 && r.id !== id) continue;
    if (user !== null && r.user !== user) continue;
    if (r === c.row) {
      if (skipme) continue;
      self = true;
    } else r.kill("CLIENT KILL");
    killed++;
  }
  if (self) c.closeAfterReply = true;
  if (argv.length === 3) return killed === 0 ? new ErrorReply("ERR No such client") : OK;
  return killed;
}
