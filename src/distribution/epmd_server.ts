/**
 * An EPMD server (erts `epmd`), so that a cluster needs nothing installed:
 * run by the EPMD daemon (epmd_daemon.ts, a process of its own that a node
 * starts when none answers, as erl starts `epmd -daemon`) or embedded in a
 * node's process (`epmd: "embedded"`). Real `erl` nodes register in it and
 * `epmd -names` lists it. A registration lasts as long as its connection.
 * STOP closes without an answer (epmd without `-relaxed_command_check`).
 * KILL is obeyed as epmd does (`OK`, then `onKill`) only when `onKill` is
 * given and no node is registered; otherwise `NO` (an embedded EPMD lives as
 * long as the node that runs it).
 *
 * @example
 * const server = await EpmdServer.start({ port: 4369, addresses: ["127.0.0.1"] }); // throws EADDRINUSE if taken
 * server.addresses; // ["127.0.0.1", "::1"]
 * await server.close();
 */
import { randomInt } from "node:crypto";
import { listenTcp, type TcpServer, type TcpSocket } from "./carrier.js";
import { MAX_EPMD_REQUEST, type NodeInfo, decodeRequest, encodeAliveResp, encodeNamesResp, encodePort2Resp } from "./epmd_protocol.js";
import { DistProtocolError } from "./errors.js";

const encoder = new TextEncoder();

export interface EpmdServerOptions {
  port: number;
  /**
   * Listen addresses (epmd's `-address`, `ERL_EPMD_ADDRESS`): these and the
   * loopback addresses 127.0.0.1 and ::1, which epmd always adds. Absent or
   * empty: every interface, as epmd.
   */
  addresses?: readonly string[];
  /** Told of refused or malformed requests. */
  onError?: (what: string) => void;
  /** Makes KILL_REQ obeyed when no node is registered (epmd's `-kill`): answers OK, then calls this. */
  onKill?: () => void;
}

/**
 * epmd's `-address` list as sockets to open: the addresses given, then
 * 127.0.0.1 and ::1 unless listed (`implicit`: a machine without IPv6 may
 * lack ::1). Empty: one socket on every interface.
 *
 * @example
 * epmdListenAddresses(["10.0.0.5"]); // [{ host: "10.0.0.5" }, { host: "127.0.0.1", implicit: true }, { host: "::1", implicit: true }]
 */
export function epmdListenAddresses(addresses: readonly string[] = []): { host?: string; implicit?: boolean }[] {
  if (addresses.length === 0) return [{}];
  const out: { host?: string; implicit?: boolean }[] = addresses.map((host) => ({ host }));
  for (const lo of ["127.0.0.1", "::1"]) if (!addresses.includes(lo)) out.push({ host: lo, implicit: true });
  return out;
}

/** `ERL_EPMD_ADDRESS` as epmd reads it: addresses separated by commas or spaces (unset or empty: undefined). */
export function epmdAddressEnv(env: Record<string, string | undefined> = process.env): string[] | undefined {
  const list = (env.ERL_EPMD_ADDRESS ?? "").split(/[\s,]+/).filter((a) => a !== "");
  return list.length > 0 ? list : undefined;
}

export class EpmdServer {
  private readonly nodes = new Map<string, { info: NodeInfo; socket: TcpSocket; creation: number }>();
  private readonly sockets = new Set<TcpSocket>();

  private constructor(
    private readonly servers: TcpServer[],
    readonly port: number,
    /** The addresses listened on (`::` or `0.0.0.0`: every interface). */
    readonly addresses: readonly string[],
    private readonly onError: (what: string) => void,
    private readonly onKill: (() => void) | undefined,
  ) {}

  /**
   * Listens on the EPMD port, on every address in order; rejects (and
   * closes what it opened) when one cannot be had, with EADDRINUSE when
   * another EPMD has the port. Two servers starting at once take the
   * addresses in the same order, so one gets them all.
   */
  static async start(opts: EpmdServerOptions): Promise<EpmdServer> {
    let self: EpmdServer | undefined;
    const pending: TcpSocket[] = [];
    const servers: TcpServer[] = [];
    const bound: string[] = [];
    for (const a of epmdListenAddresses(opts.addresses)) {
      try {
        const server = await listenTcp(a.host, opts.port, (s) => (self ? self.accept(s) : pending.push(s)));
        servers.push(server);
        bound.push((server.address() as { address: string }).address);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (a.implicit === true && a.host === "::1" && (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT")) continue;
        for (const s of pending) s.destroy();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
        throw e;
      }
    }
    self = new EpmdServer(servers, opts.port, bound, opts.onError ?? (() => {}), opts.onKill);
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
    this.onError(`EPMD closed a connection from ${s.remoteAddress ?? "?"}: ${what}`);
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
        if (this.onKill !== undefined && this.nodes.size === 0) {
          s.end("OK", () => this.onKill?.());
          return;
        }
        this.onError(this.onKill ? "EPMD refused KILL_REQ: nodes are registered" : "embedded EPMD refused KILL_REQ (it lives as long as its node)");
        s.end("NO");
        return;
      case "stop":
        this.onError(`EPMD refused STOP_REQ for '${r.name}' (no relaxed command check)`);
        s.destroy();
        return;
    }
  }

  /** Stops listening and drops every registration (their nodes see the connection close). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
  }
}
