/**
 * A listener: one process per listening socket. It owns the listening
 * socket (closed when it dies, however it dies, so its restarted successor
 * can bind the same port at once), accepts clients, applies the checks
 * Redis applies at accept (maxclients, protected mode) and starts one
 * connection process per client under the connection supervisor. The
 * connections do not depend on it: killing a listener leaves every
 * connected client as it was.
 *
 * Generic over the protocol: `startConnection` makes the child spec of a
 * connection for an accepted socket (RESP here; memcached next to it).
 */
import net from "node:net";
import { type Atom, atom } from "../../../term/atom.js";
import { inspect } from "../../../term/inspect.js";
import { t } from "../../../term/tuple.js";
import { ERROR, OK } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { register } from "../../../runtime/erlang.js";
import { _ } from "../../../runtime/pattern.js";
import { type Proc } from "../../../runtime/process.js";
import { receive } from "../../../runtime/receive.js";
import { ExitException } from "../../../runtime/signals.js";
import { DynamicSupervisor, type DynamicChildSpec } from "../../../otp/dynamic_supervisor.js";
import { type StartOp, start as procStart } from "../../../otp/proc_lib.js";
import { type KvInstance } from "./instance.js";

export interface ListenerSpec {
  /** Index in the listener table (which bound port it records). */
  readonly index: number;
  readonly host: string;
  /** The configured port; 0 picks a free one (recorded in `inst.boundPorts`), kept on restart. */
  readonly port: () => number;
  readonly name: Atom;
  /** The connection process for an accepted socket. */
  readonly startConnection: (socket: net.Socket) => DynamicChildSpec;
  /**
   * The accept checks of this protocol, instead of Redis' (maxclients,
   * protected mode): null admits, a string is written to the client before
   * closing it (the hook counts its own rejections).
   */
  readonly admit?: (socket: net.Socket) => string | null;
}

class Accepted {
  constructor(readonly socket: net.Socket) {}
}
class ListenError {
  constructor(readonly error: Error) {}
}
const LISTENING = atom("listening");

export const PROTECTED_MODE_TEXT =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
  "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, " +
  "however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  "4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

const MAX_CLIENTS_TEXT = "-ERR max number of clients reached\r\n";

/** Loopback peers, as Redis' islocalClient (plus IPv4-mapped loopback, which Node reports on dual-stack sockets). */
export function isLoopback(addr: string | undefined): boolean {
  return addr === "127.0.0.1" || addr === "::1" || addr === "::ffff:127.0.0.1";
}

/** Starts a listener linked to the caller (its supervisor); acks once it listens, or fails with the listen error. */
export function startListener(inst: KvInstance, spec: ListenerSpec): StartOp {
  return procStart((ack) => listen(inst, spec, ack), { link: true });
}

function* listen(inst: KvInstance, spec: ListenerSpec, ack: (r: never) => void): Generator<unknown, void, unknown> {
  const self = current!;
  const rt = self.rt;
  register(spec.name, self);
  const server = net.createServer({ pauseOnConnect: true });
  server.on("connection", (sock) => rt.deliver(self, new Accepted(sock)));
  server.on("error", (e) => rt.deliver(self, new ListenError(e)));
  // The port is the listener's, as a port is its owner's: it closes when the listener dies.
  (self.x().onExit ??= []).push(() => server.close());
  const port = inst.boundPorts.get(spec.index) ?? spec.port();
  server.listen({ port, host: spec.host, backlog: inst.config.get("tcp-backlog") }, () => rt.deliver(self, LISTENING));
  const first = yield* receive(LISTENING, (m: unknown): m is ListenError => m instanceof ListenError);
  if (first instanceof ListenError) {
    const e = first.error as NodeJS.ErrnoException;
    ack(t(ERROR, t(atom("listen"), spec.host, port, atom(e.code ?? "error"))) as never);
    throw new ExitException(t(atom("listen"), atom(e.code ?? "error")));
  }
  const addr = server.address() as net.AddressInfo;
  inst.boundPorts.set(spec.index, addr.port);
  ack(t(OK, self) as never);
  for (;;) {
    const m = yield* receive(_);
    if (m instanceof Accepted) yield* accept(inst, spec, m.socket);
    else if (m instanceof ListenError) throw new ExitException(t(atom("listen_error"), atom((m.error as NodeJS.ErrnoException).code ?? "error")));
  }
}

function* accept(inst: KvInstance, spec: ListenerSpec, sock: net.Socket): Generator<unknown, void, unknown> {
  const cfg = inst.config;
  sock.on("error", () => {}); // a client that resets before it is handed over
  if (spec.admit !== undefined) {
    const refusal = spec.admit(sock);
    if (refusal !== null) return void sock.end(refusal, () => sock.destroy());
  } else {
    if (inst.clients.size >= cfg.get("maxclients")) return reject(inst, sock, MAX_CLIENTS_TEXT);
    if (cfg.get("protected-mode") && cfg.get("requirepass") === "" && !isLoopback(sock.remoteAddress)) {
      return reject(inst, sock, PROTECTED_MODE_TEXT);
    }
  }
  const ka = cfg.get("tcp-keepalive");
  if (ka > 0) sock.setKeepAlive(true, ka * 1000);
  const sup = current!.rt.whereis(inst.names.connSup);
  if (sup === undefined) return reject(inst, sock, "-ERR server is restarting\r\n");
  const r = yield* DynamicSupervisor.startChild(sup as Proc, spec.startConnection(sock));
  if (!(Array.isArray(r) && r[0] === OK)) {
    current!.rt.logger({ level: "warning", what: "kv_accept", text: `could not start a connection process: ${inspect(r)}` });
    sock.destroy();
  }
}

function reject(inst: KvInstance, sock: net.Socket, text: string): void {
  inst.stats.rejectedConnections++;
  // Best effort, as Redis: write the reason and close (the socket is paused, so no EOF would ever close it).
  sock.end(text, () => sock.destroy());
}
