/**
 * DistTransport: one node's distribution endpoint. It listens, registers
 * in EPMD (starting one when none answers: epmd_local.ts), makes and accepts
 * connections (handshake, then framed control messages), ticks them, and
 * reports them to a {@link ConnectionHandler}. It knows nothing of
 * processes: the layer above maps control messages to signals.
 *
 * @example
 * const transport = await DistTransport.start({ name: "agner", cookie: "secret" }, {
 *   up: (c) => console.log("up", c.peer.name),
 *   control: (c, m) => console.log(c.peer.name, m.op),
 *   down: (c, why) => console.log("down", c.peer.name, why),
 * });
 * const conn = await transport.connect(atom("erl@localhost"));
 * conn.send({ op: "reg_send", from: somePid, to: atom("shell"), msg: "hello" });
 */
import { randomInt } from "node:crypto";
import { Atom, atom } from "../term/atom.js";
import { t } from "../term/tuple.js";
import { type Clock, systemClock } from "../runtime/clock.js";
import { type LogLevel, type Logger, consoleLogger } from "../runtime/logger.js";
import { resolveCookie } from "./auth.js";
import { type CarrierSocket, type Listener, connectCarrier, listen } from "./carrier.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { type EpmdRegistration, defaultEpmdPort, epmdNames, epmdPortPlease } from "./epmd_client.js";
import type { EpmdDaemon } from "./epmd_daemon.js";
import { type LocalEpmd, registerLocal } from "./epmd_local.js";
import { type EpmdServer, epmdAddressEnv } from "./epmd_server.js";
import { DistConnectError, DistError, DistProtocolError } from "./errors.js";
import { DFLAG, OFFERED, REQUIRED } from "./flags.js";
import { FrameReader } from "./framing.js";
import { NetTicker } from "./net_ticker.js";
import { Acceptor, type HandshakeConfig, type HandshakeResult, Initiator, type PendingDecision, protocolReason } from "./handshake.js";
import { LogLimiter } from "./log_limit.js";
import { loopbackFor, nodeName, splitNodeName, splitPeerName } from "./node_name.js";
import type { ConnectionHandler, DistConnection, DistTimers, DistTransportOptions, EpmdEntry, EpmdInfo, ListenInfo } from "./types.js";

export const realTimers: DistTimers = {
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return { cancel: () => clearTimeout(h) };
  },
};

/**
 * Timers of a runtime (`Runtime#addTimer`), so that a transport's ticks run
 * on the runtime's clock: with a `VirtualClock`, `runtime.advance(ms)`
 * drives them.
 *
 * @example
 * const rt = new Runtime({ clock: new VirtualClock() });
 * await DistTransport.start({ name: "a", timers: runtimeTimers(rt) }, handler);
 * await rt.advance(75_000); // a silent peer is now down
 */
export function runtimeTimers(rt: { addTimer(ms: number, fire: () => void): unknown; timers: { cancel(t: never): boolean } }): DistTimers {
  return {
    setTimeout(fn, ms) {
      const tm = rt.addTimer(ms, fn);
      return { cancel: () => void rt.timers.cancel(tm as never) };
    },
  };
}

/** Failed incoming handshakes are logged once per peer address per this many ms, then counted. */
const FAILURE_LOG_INTERVAL = 10_000;

/** The listen port range of the options: `port`, or `listenMin..listenMax`. */
function portRange(opts: DistTransportOptions): { port: number; portMax: number } {
  const ok = (p: number | undefined): boolean => p === undefined || (Number.isInteger(p) && p >= 0 && p < 65536);
  if (!ok(opts.port) || !ok(opts.listenMin) || !ok(opts.listenMax)) throw new DistError("port, listenMin and listenMax must be integers from 0 to 65535");
  if (opts.port !== undefined && (opts.listenMin !== undefined || opts.listenMax !== undefined)) throw new DistError("give either port or listenMin/listenMax, not both");
  if (opts.listenMax !== undefined && opts.listenMin === undefined) throw new DistError("listenMax needs listenMin (erl ignores inet_dist_listen_max alone)");
  const port = opts.port ?? opts.listenMin ?? 0;
  const portMax = opts.listenMax ?? port;
  if (portMax < port) throw new DistError(`listenMax (${portMax}) is below listenMin (${port})`);
  return { port, portMax };
}

const SETUP_TIMEOUT = atom("setup_timer_timeout");
const NOT_REGISTERED = atom("not_registered");
const NOCONNECTION = atom("noconnection");

/** One outgoing attempt; concurrent `connect` calls share it. */
interface Attempt {
  promise: Promise<DistConnection>;
  resolve(c: DistConnection): void;
  reject(e: Error): void;
  /** Our own socket, while our handshake runs. */
  socket?: CarrierSocket;
  /** Our handshake gave way to the peer's (nok or ok_simultaneous): wait for the accepted one. */
  yielded: boolean;
  timer?: { cancel(): void };
}

/** A handshake message with its length: 2 bytes over TCP, 4 over TLS (inet_tls_dist uses `{packet, 4}` throughout). */
function frameHs(body: Uint8Array, n: 2 | 4): Uint8Array {
  const b = new Uint8Array(n + body.length);
  if (n === 4) {
    b[0] = body.length >>> 24;
    b[1] = (body.length >>> 16) & 0xff;
  }
  b[n - 2] = (body.length >>> 8) & 0xff;
  b[n - 1] = body.length & 0xff;
  b.set(body, n);
  return b;
}

/** Atom order (by character codes, which UTF-8 byte order keeps): who wins a simultaneous connect. */
function greater(a: Atom, b: Atom): boolean {
  return Buffer.compare(Buffer.from(a.utf8), Buffer.from(b.utf8)) > 0;
}

export class DistTransport {
  /** This node's full name, e.g. `agner@myhost`. */
  readonly nodeName: Atom;
  /** This incarnation's creation (from EPMD), stamped on every pid and reference it makes. */
  readonly creation: number;
  /** The port it accepts distribution connections on. */
  readonly port: number;
  /** The address it listens on (`0.0.0.0` or `::`: every interface). */
  readonly listenHost: string;
  /** The EPMD port it registers with and looks peers up on. */
  readonly epmdPort: number;

  private readonly hidden: boolean;
  private readonly logger: Logger;
  private readonly timers: DistTimers;
  private readonly clock: Clock;
  private readonly conns = new Map<Atom, Connection>();
  private readonly attempts = new Map<Atom, Attempt>();
  /** Peers whose incoming handshake is past its name message. */
  private readonly accepting = new Set<Atom>();
  private readonly sockets = new Set<CarrierSocket>();
  private listener: Listener | undefined;
  private registration: EpmdRegistration | undefined;
  private epmdServer: EpmdServer | undefined;
  private epmdDaemon: EpmdDaemon | undefined;
  /** Where an EPMD started by this node listens (undefined: every interface). */
  private readonly epmdAddresses: readonly string[] | undefined;
  private readonly failures: LogLimiter;
  /** The ticker: `net_ticktime`, and its change (`net_kernel:set_net_ticktime`). */
  ticker: NetTicker | undefined;
  private stopped = false;
  private readonly connOpts: ConnectionOptions;
  private readonly hsConfig: HandshakeConfig;

  private constructor(
    private readonly opts: DistTransportOptions,
    private readonly handler: ConnectionHandler,
    name: Atom,
    cookie: string,
    listener: Listener,
    creation: number,
    epmdAddresses: readonly string[] | undefined,
  ) {
    this.nodeName = name;
    this.port = listener.port;
    this.listenHost = listener.host;
    this.listener = listener;
    this.epmdAddresses = epmdAddresses;
    this.creation = creation;
    this.epmdPort = opts.epmdPort ?? defaultEpmdPort();
    this.hidden = opts.hidden !== false;
    this.logger = opts.logger ?? consoleLogger;
    this.timers = opts.timers ?? realTimers;
    this.clock = opts.clock ?? systemClock;
    this.failures = new LogLimiter(FAILURE_LOG_INTERVAL, this.timers, (addr, n) =>
      this.log(
        "warning",
        "dist_accept",
        `${n} more failed connection attempt${n === 1 ? "" : "s"} from ${addr} in the last ${FAILURE_LOG_INTERVAL / 1000} s (after the one logged, failures from an address are counted, not logged one by one)`,
        { remote: addr, suppressed: n },
      ),
    );
    const maxFrame = opts.maxFrameBytes ?? 128 << 20;
    this.connOpts = {
      atomCache: opts.atomCache === true,
      logger: this.logger,
      decode: opts.decode ?? {},
      maxFragmentBytes: opts.maxFragmentBytes ?? maxFrame,
      maxFragmentedMessages: opts.maxFragmentedMessages ?? 64,
      tickIntensity: 4,
      busyWaitUs: opts.busyWaitUs ?? 200,
      now: () => this.clock.now(),
      hidden: this.hidden,
      exposed: opts.exposed,
    };
    this.hsConfig = {
      thisNode: name,
      cookie,
      flags: OFFERED | (opts.extraFlags ?? 0n) | (this.hidden ? 0n : DFLAG.PUBLISHED),
      required: REQUIRED,
      creation,
    };
  }

  /**
   * Listens (`listenHost`, `port` or `listenMin..listenMax`), registers in
   * EPMD (starting the EPMD daemon when none answers and `epmd` is "auto",
   * an in-process one when "embedded"), and accepts connections.
   *
   * @throws DistError for a bad name or cookie; EpmdError when EPMD cannot be used.
   */
  static async start(opts: DistTransportOptions, handler: ConnectionHandler): Promise<DistTransport> {
    const name = nodeName(opts.name, { longNames: opts.longNames });
    const cookie = resolveCookie({ cookie: opts.cookie });
    const ticktime = opts.netTicktime ?? 60;
    if (!(ticktime > 0)) throw new DistError(`netTicktime must be positive (got ${ticktime})`);
    const { port, portMax } = portRange(opts);
    const loopback = loopbackFor(splitNodeName(name).host);
    const epmdAddresses = opts.epmdAddress ?? epmdAddressEnv() ?? (loopback !== undefined ? [loopback] : undefined);
    let self: DistTransport | undefined;
    const early: CarrierSocket[] = [];
    const listener = await listen(
      { host: opts.listenHost ?? loopback, port, portMax, tls: opts.tls },
      (s) => (self ? self.accept(s) : early.push(s)),
      (e, address, remote) => {
        if (self?.failures.allow(address)) self.log("warning", "dist_tls", `TLS handshake from ${remote} failed: ${e.message}`, { remote });
      },
    );
    // Creation before EPMD answers: a random one, replaced by EPMD's (it must not change later).
    let creation = randomInt(4, 0x1_0000_0000);
    const alive = splitNodeName(name).alive;
    const mode = opts.epmd ?? "auto";
    const epmdPort = opts.epmdPort ?? defaultEpmdPort();
    let local: LocalEpmd | undefined;
    if (mode !== "none") {
      try {
        local = await registerLocal({
          alive,
          port: listener.port,
          epmdPort,
          mode,
          addresses: epmdAddresses,
          onLost: () => self?.epmdLost(),
          logger: opts.logger ?? consoleLogger,
        });
      } catch (e) {
        await listener.close();
        for (const s of early) s.destroy();
        throw e;
      }
      creation = local.registration.creation;
    }
    self = new DistTransport(opts, handler, name, cookie, listener, creation, epmdAddresses);
    self.registration = local?.registration;
    self.epmdServer = local?.server;
    self.epmdDaemon = local?.daemon;
    self.armTicker(ticktime * 1000);
    for (const s of early) self.accept(s);
    return self;
  }

  /** The registration connection closed: register again (starting an EPMD if none is left). */
  private epmdLost(): void {
    if (this.stopped) return;
    this.registration = undefined;
    this.log("warning", "epmd", `lost the EPMD registration of ${this.nodeName.name} (port ${this.epmdPort}): registering again`);
    const retry = (delay: number): void => {
      this.timers.setTimeout(async () => {
        if (this.stopped || this.registration) return;
        try {
          const { registration, server, daemon } = await registerLocal({
            alive: splitNodeName(this.nodeName).alive,
            port: this.port,
            epmdPort: this.epmdPort,
            mode: this.opts.epmd === "client" || this.opts.epmd === "embedded" ? this.opts.epmd : "auto",
            addresses: this.epmdAddresses,
            onLost: () => this.epmdLost(),
            logger: this.logger,
          });
          if (this.stopped) {
            registration.close();
            await server?.close();
            return;
          }
          this.registration = registration;
          if (server) this.epmdServer = server;
          // The daemon we started is gone (that is how we got here) unless we started a new one.
          this.epmdDaemon = daemon;
          this.log("info", "epmd", `${this.nodeName.name} registered again in EPMD (keeping creation ${this.creation})`);
        } catch (e) {
          this.log("warning", "epmd", `registering ${this.nodeName.name} again failed: ${(e as Error).message}; retrying`);
          retry(Math.min(delay * 2, 10_000));
        }
      }, delay);
    };
    retry(100);
  }

  private armTicker(ticktimeMs: number): void {
    this.ticker = new NetTicker(this.timers, ticktimeMs, this.connOpts.tickIntensity, {
      tick: () => {
        if (!this.stopped) for (const c of [...this.conns.values()]) c.tick();
      },
      auxTick: () => {
        if (!this.stopped) for (const c of [...this.conns.values()]) c.auxTick();
      },
    });
  }

  // ---- connections ---------------------------------------------------------------

  /**
   * The connection to `peer`, made if needed (EPMD lookup, then handshake).
   * Concurrent calls for one peer share one attempt; a simultaneous connect
   * from the peer is resolved as erl does, and the promise then resolves
   * with the connection that won.
   *
   * @throws DistConnectError with the reason as a term.
   */
  connect(peer: Atom | string): Promise<DistConnection> {
    const p = typeof peer === "string" ? atom(peer) : peer;
    if (this.stopped) return Promise.reject(new DistError("the transport is stopped"));
    const up = this.conns.get(p);
    if (up) return Promise.resolve(up);
    const pending = this.attempts.get(p);
    if (pending) return pending.promise;
    if (p === this.nodeName) return Promise.reject(new DistError(`cannot connect ${p.name} to itself`));
    try {
      splitPeerName(p);
    } catch (e) {
      return Promise.reject(e);
    }
    let resolve!: (c: DistConnection) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<DistConnection>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const a: Attempt = { promise, resolve, reject, yielded: false };
    this.attempts.set(p, a);
    a.timer = this.timers.setTimeout(
      () => this.attemptFailed(p, a, new DistConnectError(`connecting to ${p.name} timed out`, SETUP_TIMEOUT), true),
      this.setupTimeout,
    );
    void this.initiate(p, a);
    return promise;
  }

  private get setupTimeout(): number {
    return this.opts.setupTimeout ?? 7000;
  }

  /** Ends an attempt with an error. One that gave way to the peer's attempt ends only with that one (`force`), or on its timer. */
  private attemptFailed(peer: Atom, a: Attempt, e: Error, force = false): void {
    if (this.attempts.get(peer) !== a || (a.yielded && !force)) return;
    this.attempts.delete(peer);
    a.timer?.cancel();
    a.socket?.destroy();
    const reason = e instanceof DistConnectError ? e.reason : undefined;
    this.log("warning", "dist_connect", `connection to ${peer.name} failed: ${e.message}`, { peer: peer.name, reason });
    a.reject(e);
  }

  private async initiate(peer: Atom, a: Attempt): Promise<void> {
    const { alive, host } = splitPeerName(peer);
    let info;
    try {
      info = await epmdPortPlease({ host, port: this.epmdPort }, alive);
    } catch (e) {
      return this.attemptFailed(peer, a, new DistConnectError(`no EPMD for ${peer.name}: ${(e as Error).message}`, NOCONNECTION, { cause: e }));
    }
    if (this.attempts.get(peer) !== a || a.yielded) return;
    if (info === undefined) {
      return this.attemptFailed(peer, a, new DistConnectError(`${alive} is not registered in EPMD on ${host}`, NOT_REGISTERED));
    }
    let sock: CarrierSocket;
    try {
      sock = await connectCarrier({ host, port: info.port, tls: this.opts.tls, timeoutMs: this.setupTimeout });
    } catch (e) {
      return this.attemptFailed(peer, a, new DistConnectError(`cannot reach ${peer.name} at ${host}:${info.port}: ${(e as Error).message}`, NOCONNECTION, { cause: e }));
    }
    if (this.attempts.get(peer) !== a || a.yielded || this.stopped) {
      sock.destroy();
      return;
    }
    a.socket = sock;
    const hs = new Initiator(this.hsConfig, peer, info.highestVersion >= 6 ? 6 : 5, () => this.attempts.get(peer) === a && !a.yielded);
    this.runHandshake(
      sock,
      (body) => {
        const step = hs.receive(body);
        if (step.nok) {
          // The peer's own attempt wins: ours ends, and its connection resolves the promise.
          a.yielded = true;
          a.socket = undefined;
          sock.destroy();
        }
        return step;
      },
      hs.start(),
      (result) => {
        a.socket = undefined;
        return this.established(sock, result, true);
      },
      (e) => this.attemptFailed(peer, a, e),
      () =>
        hs.awaitingAck
          ? new DistConnectError(
              `${peer.name} closed the connection after our challenge reply: it refused our cookie (wrong cookie?)`,
              t(atom("recv_challenge_ack_failed"), atom("connection_closed")),
            )
          : undefined,
    );
  }

  private accept(sock: CarrierSocket): void {
    if (this.stopped) return sock.destroy();
    let peer: Atom | undefined;
    const hs = new Acceptor(this.hsConfig, (p) => {
      peer = p;
      return this.decide(p);
    });
    this.runHandshake(
      sock,
      (body) => hs.receive(body),
      [],
      (result) => {
        this.accepting.delete(result.peer);
        return this.established(sock, result, false);
      },
      (e) => {
        if (peer !== undefined && hs.decision !== "nok") {
          this.accepting.delete(peer);
          // Our own attempt gave way to this one: it fails with it.
          const a = this.attempts.get(peer);
          if (a?.yielded) this.attemptFailed(peer, a, e, true);
        }
        const quiet = (e as { quiet?: boolean }).quiet === true;
        // One line per peer address per interval: a peer retrying a wrong cookie must not fill the log.
        if (!quiet && this.failures.allow(sock.remoteAddress)) {
          this.log("warning", "dist_accept", `connection attempt from ${peer?.name ?? sock.remote} failed: ${e.message}${peer ? ` (from ${sock.remote})` : ""}`, {
            peer: peer?.name,
            remote: sock.remote,
            reason: e instanceof DistConnectError ? e.reason : undefined,
          });
        }
        // A refused simultaneous connect leaves our attempt going.
      },
    );
  }

  /** net_kernel's accept_pending: what to tell a peer whose name just arrived. */
  private decide(peer: Atom): PendingDecision {
    if (this.stopped) return "not_allowed";
    if (peer === this.nodeName) return "not_allowed";
    if (this.conns.has(peer)) return "alive";
    if (this.accepting.has(peer)) return "nok";
    const a = this.attempts.get(peer);
    if (a && !a.yielded) {
      if (greater(this.nodeName, peer)) return "nok";
      // The peer's name is greater: its attempt wins; ours stops and waits for this one.
      a.yielded = true;
      a.socket?.destroy();
      a.socket = undefined;
      this.accepting.add(peer);
      return "ok_simultaneous";
    }
    this.accepting.add(peer);
    return "ok";
  }

  /** Runs a handshake over a socket (2-byte frames, 4 over TLS), then hands the socket to a Connection. */
  private runHandshake(
    sock: CarrierSocket,
    receive: (body: Uint8Array) => { send: Uint8Array[]; done?: HandshakeResult; nok?: true },
    first: Uint8Array[],
    done: (r: HandshakeResult) => Connection | undefined,
    failed: (e: Error) => void,
    closedError: () => DistConnectError | undefined = () => undefined,
  ): void {
    this.sockets.add(sock);
    const lenBytes = this.opts.tls ? 4 : 2;
    const frame2 = (body: Uint8Array): Uint8Array => frameHs(body, lenBytes);
    const reader = new FrameReader(lenBytes, 0xffff);
    let conn: Connection | undefined;
    let over = false;
    const timer = this.timers.setTimeout(() => fail(new DistConnectError(`handshake with ${sock.remote} timed out`, SETUP_TIMEOUT)), this.setupTimeout);
    const fail = (e: unknown): void => {
      if (over) return;
      over = true;
      timer.cancel();
      this.sockets.delete(sock);
      const send = (e as { sendFirst?: Uint8Array }).sendFirst;
      if (send) {
        sock.write(frame2(send));
        sock.end();
      } else sock.destroy();
      const err =
        e instanceof DistConnectError
          ? e
          : e instanceof DistProtocolError
            ? new DistConnectError(`handshake with ${sock.remote}: ${e.what}`, protocolReason(e), { cause: e })
            : new DistConnectError(`handshake with ${sock.remote}: ${String((e as Error)?.message ?? e)}`, NOCONNECTION, { cause: e });
      failed(Object.assign(err, { quiet: (e as { quiet?: boolean }).quiet }));
    };
    const emit = (f: Uint8Array): void => {
      if (conn) return conn.frame(f);
      if (over) return;
      const step = receive(f);
      for (const b of step.send) sock.write(frame2(b));
      if (step.nok) {
        over = true;
        timer.cancel();
        this.sockets.delete(sock);
        reader.stopped = true;
        return;
      }
      if (step.done) {
        over = true;
        timer.cancel();
        this.sockets.delete(sock);
        conn = done(step.done);
        if (!conn) {
          reader.stopped = true;
          sock.destroy();
        }
      }
    };
    sock.setReceiver(
      (chunk) => {
        if (conn) return conn.onData(chunk);
        try {
          reader.push(chunk, emit);
        } catch (e) {
          const c = conn as Connection | undefined;
          if (c) c.fail(e);
          else fail(e);
        }
      },
      (error) => {
        if (conn) return conn.onClose(error);
        fail(
          closedError() ??
            new DistConnectError(`${sock.remote} closed the connection during the handshake${error ? `: ${error.message}` : ""}`, atom("connection_closed")),
        );
      },
    );
    for (const b of first) sock.write(frame2(b));
  }

  private established(sock: CarrierSocket, hs: HandshakeResult, initiated: boolean): Connection | undefined {
    if (this.stopped) return undefined;
    const old = this.conns.get(hs.peer);
    // The peer came back (we answered `alive`, it said `true`): the old connection is dead.
    if (old) old.close(atom("connection_closed"));
    const reader = new FrameReader(4, this.opts.maxFrameBytes ?? 128 << 20);
    const conn = new Connection(sock, reader, hs, initiated, this.connOpts, {
      control: (c, m) => this.handler.control(c, m),
      down: (c, reason) => this.connectionDown(c, reason),
    });
    this.conns.set(hs.peer, conn);
    const a = this.attempts.get(hs.peer);
    if (a) {
      this.attempts.delete(hs.peer);
      a.timer?.cancel();
    }
    this.log("info", "dist_up", `connection ${initiated ? "to" : "from"} ${hs.peer.name} up (version ${hs.version}${conn.hidden ? ", hidden" : ""})`, {
      peer: hs.peer.name,
    });
    try {
      this.handler.up(conn);
    } catch (e) {
      this.log("error", "dist_up", `the up handler for ${hs.peer.name} threw: ${(e as Error)?.stack ?? String(e)}`);
    }
    a?.resolve(conn);
    return conn;
  }

  private connectionDown(c: Connection, reason: unknown): void {
    if (this.conns.get(c.peer) === c) this.conns.delete(c.peer);
    this.log("info", "dist_down", `connection to ${c.peer.name} down`, { peer: c.peer.name, reason });
    try {
      this.handler.down(c, reason);
    } catch (e) {
      this.log("error", "dist_down", `the down handler for ${c.peer.name} threw: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** The open connection to `peer`, if any. */
  connection(peer: Atom | string): DistConnection | undefined {
    return this.conns.get(typeof peer === "string" ? atom(peer) : peer);
  }

  /** Every open connection. */
  connections(): DistConnection[] {
    return [...this.conns.values()];
  }

  /** Names registered in EPMD on `host` (default this host), as `epmd -names` lists them. */
  names(host = "127.0.0.1"): Promise<EpmdEntry[]> {
    return epmdNames({ host, port: this.epmdPort });
  }

  /** Whether this node runs an EPMD in its own process (`epmd: "embedded"`). */
  get embeddedEpmd(): boolean {
    return this.epmdServer !== undefined;
  }

  /** The EPMD this node uses, and who runs it. */
  get epmd(): EpmdInfo {
    const port = this.epmdPort;
    if (this.registration === undefined) return { port, runner: "none" };
    if (this.epmdServer) return { port, runner: "embedded", addresses: this.epmdServer.addresses };
    if (this.epmdDaemon) return { port, runner: "daemon", pid: this.epmdDaemon.pid, addresses: this.epmdDaemon.addresses };
    return { port, runner: "external" };
  }

  /** Where this node listens: its distribution socket and its EPMD. */
  listenInfo(): ListenInfo {
    return { node: this.nodeName.name, host: this.listenHost, port: this.port, epmd: this.epmd };
  }

  /** Milliseconds on the transport's clock (for the layer above's stats). */
  now(): number {
    return this.clock.now();
  }

  /** Closes every connection (`down` with `disconnected`), unregisters, stops listening. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ticker?.stop();
    this.failures.stop();
    for (const [peer, a] of this.attempts) {
      a.timer?.cancel();
      a.socket?.destroy();
      a.reject(new DistConnectError(`connecting to ${peer.name}: the transport stopped`, NOCONNECTION));
    }
    this.attempts.clear();
    for (const c of [...this.conns.values()]) {
      c.close();
      c.destroy();
    }
    for (const s of this.sockets) s.destroy();
    this.registration?.close();
    await this.listener?.close();
    await this.epmdServer?.close();
  }

  private log(level: LogLevel, what: string, text: string, extra: Record<string, unknown> = {}): void {
    this.logger({ level, what, text, node: this.nodeName.name, ...extra });
  }
}

