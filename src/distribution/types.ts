/**
 * The transport's interface to the layer above it (runtime integration,
 * net_kernel, rex): what a {@link DistTransport} is started with, the
 * {@link ConnectionHandler} it reports to, and the {@link DistConnection}
 * it hands out. Additive changes only (see the `dist interface:` commits).
 */
import type { Atom } from "../term/atom.js";
import type { Pid, Ref } from "../term/identifiers.js";
import type { DecodeOptions } from "../etf/index.js";
import type { Clock } from "../runtime/clock.js";
import type { Logger } from "../runtime/logger.js";
import type { ControlMessage } from "./control.js";
import type { DistFlags } from "./flags.js";

/**
 * TLS distribution (Erlang's `-proto_dist inet_tls`). PEM strings or
 * buffers, as `node:tls` takes them. Peers are verified against `ca` by
 * default, both ways (the acceptor asks for the initiator's certificate).
 */
export interface TlsOptions {
  /** This node's certificate chain (PEM). */
  cert: string | Buffer;
  /** Its private key (PEM). */
  key: string | Buffer;
  /** Certificate authorities that sign the peers' certificates (PEM). */
  ca: string | Buffer | (string | Buffer)[];
  /** Check the peer's certificate (default true). Turning this off makes TLS encryption only. */
  verify?: boolean;
  /** Require a certificate from connecting peers (default: as `verify`). */
  requestClientCert?: boolean;
  /** Check the server certificate's name against the peer's host (default false: erl's `verify_peer` without `server_name_indication`). */
  checkServerName?: boolean;
}

/** A timer source, so that ticks and setup timeouts can run on virtual time in tests. */
export interface DistTimers {
  /** Calls `fn` once, `ms` from now, unless cancelled. Must not keep Node alive on its own. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** How this node finds EPMD. */
export type EpmdMode =
  /**
   * Use the EPMD on `epmdPort`, or start the EPMD daemon there when none
   * answers (default): a process of its own that outlives this node, as erl
   * starts `epmd -daemon`, so the nodes registered in it stay findable.
   */
  | "auto"
  /** Use the EPMD on `epmdPort`, or run one in this process when none answers: it stops with this node (tests, programs that leave nothing behind). */
  | "embedded"
  /** Only a running epmd: fail to start when none answers. */
  | "client"
  /** Do not register (the node can still connect to peers it can look up). */
  | "none";

export interface DistTransportOptions {
  /** `name` (short host added) or `name@host`. */
  name: string;
  /** The magic cookie; else `AGNER_COOKIE`; else `~/.erlang.cookie` (created if absent, as erl does). */
  cookie?: string;
  /** Long names (`-name`: FQDN or IP host) instead of short names (`-sname`, the default). */
  longNames?: boolean;
  /** Hidden node (default true): the peer does not add it to `nodes()` nor make a global connection. */
  hidden?: boolean;
  /** Listen port (default 0: any free port, registered in EPMD); as `listenMin` = `listenMax`. */
  port?: number;
  /**
   * Listen port range, erl's `inet_dist_listen_min` / `inet_dist_listen_max`:
   * the first free port from `listenMin` to `listenMax` (default `listenMin`),
   * e.g. for a firewall. Start fails with EADDRINUSE when all are taken.
   */
  listenMin?: number;
  listenMax?: number;
  /**
   * Listen address, erl's `inet_dist_use_interface`. Default: loopback when
   * the name's host is `localhost` or a loopback IP (peers reach a node at
   * the host of its name, so such a node is reachable from this machine
   * only), else every interface, as erl.
   */
  listenHost?: string;
  /** EPMD port (default `ERL_EPMD_PORT`, else 4369). */
  epmdPort?: number;
  /**
   * Where an EPMD that this node starts listens (epmd's `-address`): these
   * addresses plus loopback (127.0.0.1, ::1), which epmd always adds.
   * Default: `ERL_EPMD_ADDRESS` (commas between addresses), else loopback when
   * the name's host is loopback, else every interface, as epmd. An EPMD
   * already running keeps its own.
   */
  epmdAddress?: string[];
  /** EPMD behaviour (default "auto"). */
  epmd?: EpmdMode;
  /** Distribution over TLS. */
  tls?: TlsOptions;
  /** `net_ticktime` in seconds (default 60): a tick is sent after ticktime/4 of silence, a peer silent for about ticktime is down. */
  netTicktime?: number;
  /** Time source for logs and stats (default the system clock). */
  clock?: Clock;
  /** Timer source for ticks and setup timeouts (default real, unref'd timers). */
  timers?: DistTimers;
  /** Where connection events and errors go (default the console logger). */
  logger?: Logger;
  /** Decoding options passed to every message decode (atom limits; the semantics side's local-pid mapping). */
  decode?: DecodeOptions;
  /**
   * Called with every pid and reference encoded for a peer (set it as the
   * `Encoder`'s `exposed`): the semantics side remembers its own so that
   * they decode back to live processes and aliases (`DecodeOptions.local`).
   */
  exposed?: (id: Pid | Ref) => void;
  /** Flags to offer besides OFFERED: the semantics side adds SPAWN, since it answers SPAWN_REQUEST for erpc. */
  extraFlags?: DistFlags;
  /** Largest frame accepted (default 128 MiB); a larger one closes that connection. */
  maxFrameBytes?: number;
  /** Most bytes of partly received fragmented messages per connection (default: maxFrameBytes). */
  maxFragmentBytes?: number;
  /** Most fragmented messages in progress per connection (default 64). */
  maxFragmentedMessages?: number;
  /**
   * Send atoms through the distribution header's atom cache (default false:
   * between two Agner nodes it measured no faster, and costs a copy of each
   * message body; it saves ~60 bytes per message with long node names).
   */
  atomCache?: boolean;
  /**
   * Microseconds the event loop keeps polling, instead of sleeping, after a
   * connection writes (default 200; 0: off). BEAM's schedulers busy-wait the
   * same way by default (`+sbwt`): a reply that comes back within the window
   * is read at once, without the wake-up of an idle process, which on a VM
   * costs tens of microseconds per hop. The price is CPU during the window,
   * only while traffic flows.
   */
  busyWaitUs?: number;
  /** Handshake timeout in ms (default 7,000: erl's `net_setuptime`). */
  setupTimeout?: number;
}

/**
 * What the layer above implements. Calls come from socket callbacks,
 * synchronously and in wire order for each connection; a handler must not
 * throw (an exception closes that connection and is logged).
 */
export interface ConnectionHandler {
  /** A handshake completed (either way): `conn` is open. */
  up(conn: DistConnection): void;
  /** A control message arrived, decoded and validated. */
  control(conn: DistConnection, msg: ControlMessage): void;
  /**
   * The connection is gone. `reason` is a term: `connection_closed`,
   * `net_tick_timeout`, `disconnected` (closed by us), `{protocol_error, What}`...
   */
  down(conn: DistConnection, reason: unknown): void;
}

/** Counters of one connection. */
export interface ConnectionStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  ticksIn: number;
  ticksOut: number;
  /** Atom cache references read in distribution headers. */
  atomCacheRefsIn: number;
  /** Fragment frames read (DIST_FRAG_HEADER and DIST_FRAG_CONT). */
  fragmentsIn: number;
  /** When the last tick came in, on the transport's clock (ms); -1 before the first. */
  lastTickIn: number;
}

/** An established connection to one peer node. */
export interface DistConnection {
  /** The peer's node name. */
  readonly peer: Atom;
  /** The flags the peer offered (MANDATORY_25_DIGEST expanded). */
  readonly peerFlags: DistFlags;
  /** The flags in use on this connection: ours and the peer's, intersected (as dist_util does). */
  readonly flags: DistFlags;
  /** The peer's creation (32 bits). */
  readonly peerCreation: number;
  /** The peer is hidden (did not set PUBLISHED), or we are. */
  readonly hidden: boolean;
  /** True when this node initiated the connection. */
  readonly initiated: boolean;
  /** False once closed. */
  readonly open: boolean;
  readonly stats: ConnectionStats;
  /**
   * Bytes sent but not yet on the wire (this turn's batch and what the
   * socket queues while the peer reads slowly). Nothing blocks a sender:
   * a layer that wants erl's busy_dist_port behaviour can watch this.
   */
  readonly queuedBytes?: number;
  /**
   * Queues a control message. Messages sent in one turn of the event loop
   * go out in one socket write. Sending on a closed connection is a no-op
   * (the `down` callback already told). Values with no natural Erlang form
   * are written as their JS term form (etf/js_terms.ts); an encode that
   * still throws (a getter that throws, a term too large for memory)
   * throws here with nothing written, and the connection carries on.
   */
  send(msg: ControlMessage): void;
  /** Closes the connection; `down` follows with `reason` (default `disconnected`). */
  close(reason?: unknown): void;
}

/** The EPMD a node uses, and who runs it. */
export interface EpmdInfo {
  /** Its port (`ERL_EPMD_PORT`, else 4369). */
  port: number;
  /**
   * `daemon`: the EPMD daemon this node started (a process that outlives it);
   * `embedded`: in this process (it stops with the node); `external`: one
   * that was running (epmd, or a daemon another node started); `none`: not
   * registered (`epmd: "none"`, or the registration was lost).
   */
  runner: "daemon" | "embedded" | "external" | "none";
  /** The daemon's process id. */
  pid?: number;
  /** Where it listens, when this node started it (`::` or `0.0.0.0`: every interface). */
  addresses?: readonly string[];
}

/** Where a node listens: its distribution socket and its EPMD. */
export interface ListenInfo {
  /** The node's name. */
  node: string;
  /** The address the distribution socket is bound to (`0.0.0.0` or `::`: every interface). */
  host: string;
  /** Its port (what EPMD gives peers). */
  port: number;
  epmd: EpmdInfo;
}

/** A node name and port, as EPMD lists them. */
export interface EpmdEntry {
  name: string;
  port: number;
}
