/**
 * An embedded EPMD (erts `epmd`), started by a node when none answers on
 * the EPMD port, so that a cluster needs nothing installed. Real `erl`
 * nodes register in it and `epmd -names` lists it. A registration lasts as
 * long as its connection. KILL is refused (`NO`, as epmd answers while
 * nodes are alive: this EPMD lives as long as the node that runs it) and
 * STOP closes without an answer (epmd without `-relaxed_command_check`).
 *
 * @example
 * const server = await EpmdServer.start({ port: 4369 }); // throws EADDRINUSE if taken
 * await server.close();
 */
import { randomInt } from "node:crypto";
import { listenTcp, type TcpServer, type TcpSocket } from "./carrier.js";
import { MAX_EPMD_REQUEST, type NodeInfo, decodeRequest, encodeAliveResp, encodeNamesResp, encodePort2Resp } from "./epmd_protocol.js";
import { DistProtocolError } from "./errors.js";

const encoder = new TextEncoder();

export interface EpmdServerOptions {
  port: number;
  /** Listen address (default all interfaces, as epmd). */
  host?: string;
  /** Told of refused or malformed requests. */
  onError?: (what: string) => void;
}

export class EpmdServer {
  private readonly nodes = new Map<string, { info: NodeInfo; socket: TcpSocket; creation: number }>();
  private readonly sockets = new Set<TcpSocket>();

  private constructor(
    private readonly server: TcpServer,
    readonly port: number,
    private readonly onError: (what: string) => void,
  ) {}

  /** Listens on the EPMD port; rejects (EADDRINUSE) when another EPMD has it. */
  static async start(opts: EpmdServerOptions): Promise<EpmdServer> {
    let self: EpmdServer | undefined;
    const pending: TcpSocket[] = [];
    const server = await listenTcp(opts.host, opts.port, (s) => (self ? self.accept(s) : pending.push(s)));
    self = new EpmdServer(server, opts.port, opts.onError ?? (() => {}));
    for (const s of pending) self.accept(s);
    return self;
  }

  /** Names registered now, in registration order. */
  names(): { name: string; port: number }[] {
    return [...this.nodes.values()].map((n) => ({ name: n.info.name, port: n.info.port }));
  }

  private accept(s: TcpSocket): void {
    this.sockets.add(s);
    s.setNoDelay(true);
    let buf = new Uint8Array(0);
    let done = false;
    const timer = setTimeout(() => s.destroy(), 10_000);
    timer.unref();
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      this.sockets.delete(s);
      for (const [name, n] of this.nodes) if (n.socket === s) this.nodes.delete(name);
    });
    s.on("data", (c: Buffer) => {
      if (done) return; // a registered node's connection carries nothing more
      const b = new Uint8Array(buf.length + c.length);
      b.set(buf);
      b.set(c, buf.length);
      buf = b;
      if (buf.length < 2) return;
      const len = (buf[0]! << 8) | buf[1]!;
      if (len > MAX_EPMD_REQUEST) return this.refuse(s, `request of ${len} bytes`);
      if (buf.length < 2 + len) return;
      done = true;
      clearTimeout(timer);
      try {
        this.handle(s, buf.subarray(2, 2 + len));
      } catch (e) {
        this.refuse(s, e instanceof DistProtocolError ? e.what : String(e));
      }
    });
  }

  private refuse(s: TcpSocket, what: string): void {
    this.onError(`embedded EPMD closed a connection from ${s.remoteAddress ?? "?"}: ${what}`);
    s.destroy();
  }

  private handle(s: TcpSocket, req: Uint8Array): void {
    const r = decodeRequest(req);
    switch (r.kind) {
      case "alive2": {
        const extended = r.node.highestVersion >= 6;
        if (this.nodes.has(r.node.name)) {
          s.end(encodeAliveResp(1, 0, extended));
          return;
        }
        // A fresh 32-bit creation (never 0..3, the old 2-bit range) for each registration.
        const creation = extended ? randomInt(4, 0x1_0000_0000) : randomInt(1, 4);
        this.nodes.set(r.node.name, { info: r.node, socket: s, creation });
        s.write(encodeAliveResp(0, creation, extended));
        return;
      }
      case "port_please2":
        s.end(encodePort2Resp(this.nodes.get(r.name)?.info));
        return;
      case "names":
        s.end(encodeNamesResp(this.port, this.names()));
        return;
      case "dump": {
        const head = encodeNamesResp(this.port, []);
        let text = "";
        for (const n of this.nodes.values()) text += `active name     <${n.info.name}> at port ${n.info.port}, fd = 0\n`;
        s.write(head);
        s.end(encoder.encode(text));
        return;
      }
      case "kill":
        this.onError("embedded EPMD refused KILL_REQ (it lives as long as its node)");
        s.end("NO");
        return;
      case "stop":
        this.onError(`embedded EPMD refused STOP_REQ for '${r.name}' (no relaxed command check)`);
        s.destroy();
        return;
    }
  }

  /** Stops listening and drops every registration (their nodes see the connection close). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
