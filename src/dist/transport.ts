/**
 * DistTransport: one node's distribution endpoint. It listens, registers
 * in EPMD (or runs an embedded EPMD), makes and accepts connections
 * (handshake, then framed control messages) and reports them to a
 * {@link ConnectionHandler}. It knows nothing of processes: the layer above
 * maps control messages to signals.
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
import type { Atom } from "../term/atom.js";
import { DistError } from "./errors.js";
import type { ConnectionHandler, DistConnection, DistTransportOptions, EpmdEntry } from "./types.js";

export class DistTransport {
  /** This node's full name, e.g. `agner@myhost`. */
  readonly nodeName!: Atom;
  /** This incarnation's creation (from EPMD), stamped on every pid and reference it makes. */
  readonly creation!: number;
  /** The port it accepts distribution connections on. */
  readonly port!: number;

  private constructor() {}

  /** Listens, registers in EPMD (starting an embedded one if needed), and accepts connections. */
  static async start(opts: DistTransportOptions, handler: ConnectionHandler): Promise<DistTransport> {
    void opts;
    void handler;
    throw new DistError("DistTransport.start: not implemented yet");
  }

  /**
   * The connection to `peer`, made if needed (EPMD lookup, then handshake).
   * Concurrent calls for one peer share one attempt; a simultaneous connect
   * from the peer is resolved as erl does, and the promise then resolves
   * with the connection that won.
   *
   * @throws DistConnectError with the reason as a term.
   */
  async connect(peer: Atom): Promise<DistConnection> {
    void peer;
    throw new DistError("not implemented yet");
  }

  /** The open connection to `peer`, if any. */
  connection(peer: Atom): DistConnection | undefined {
    void peer;
    return undefined;
  }

  /** Every open connection. */
  connections(): DistConnection[] {
    return [];
  }

  /** Names registered in EPMD on `host` (default this host), as `epmd -names` shows. */
  async names(host?: string): Promise<EpmdEntry[]> {
    void host;
    throw new DistError("not implemented yet");
  }

  /** Closes every connection (`down` with `disconnected`... then `shutdown`), unregisters, stops listening. */
  async stop(): Promise<void> {}
}
