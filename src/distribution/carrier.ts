/**
 * The carrier: TCP or TLS sockets for distribution (inet_tcp_dist /
 * inet_tls_dist). The only module that imports `node:net` and `node:tls`.
 * It opens and accepts sockets and moves bytes; framing, the handshake and
 * the protocol live above it.
 *
 * @example
 * const l = await listen({ port: 0 }, (s) => s.setReceiver(onData, onClose));
 * const s = await connectCarrier({ host: "127.0.0.1", port: l.port });
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { TlsOptions } from "./types.js";

/** The size of an outgoing TCP socket's read buffer (Node's own reads are 64 KiB too). */
const READ_BUFFER = 64 * 1024;

/** One distribution socket. */
export class CarrierSocket {
  private onData: ((chunk: Uint8Array) => void) | null = null;
  private onClose: ((error: Error | undefined) => void) | null = null;
  private closed = false;
  private lastError: Error | undefined;
  private early: Uint8Array[] = [];
  private readonly tls: boolean;

  /** `host:port` of the peer, for logs (kept: a closed socket forgets it). */
  readonly remote: string;
  /** The peer's IP address alone (what failed-handshake warnings are counted by). */
  readonly remoteAddress: string;

  /** `ownReads`: the socket was opened with `onread` and hands its bytes to {@link received}, not as `data` events. */
  constructor(
    private readonly socket: net.Socket,
    ownReads = false,
  ) {
    this.tls = socket instanceof tls.TLSSocket;
    this.remoteAddress = socket.remoteAddress ?? "?";
    this.remote = `${this.remoteAddress}:${socket.remotePort ?? "?"}`;
    socket.setNoDelay(true);
    if (!ownReads) {
      socket.on("data", (buf: Buffer) => {
        // A plain view: its subarrays (every frame, every binary decoded) are cheaper than Buffer's.
        this.received(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
      });
    }
    socket.on("error", (e) => {
      this.lastError = e;
    });
    socket.on("close", () => {
      this.closed = true;
      this.onClose?.(this.lastError);
    });
  }

  /** Bytes read (a chunk the receiver may keep: frames and binaries are views of it). */
  received(chunk: Uint8Array): void {
    if (this.onData) this.onData(chunk);
    else this.early.push(chunk);
  }

  /** True when the kernel buffer is full and writes queue in memory. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Bytes written but not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** Where incoming bytes and the close go (bytes that came before are delivered at once). */
  setReceiver(onData: (chunk: Uint8Array) => void, onClose: (error: Error | undefined) => void): void {
    this.onData = onData;
    this.onClose = onClose;
    const early = this.early;
    this.early = [];
    for (const c of early) onData(c);
    if (this.closed) onClose(this.lastError);
  }

  /** Writes bytes the caller will not touch again. */
  write(b: Uint8Array): void {
    if (!this.closed) this.socket.write(b);
  }

  /**
   * Writes a view of the caller's buffer. True when the bytes already went
   * to the kernel (a plain TCP socket with nothing queued after the write),
   * so the caller may overwrite that memory; false while a write queue or
   * TLS may still hold it: the caller must then leave it alone for good.
   */
  writeBorrowed(b: Uint8Array): boolean {
    if (this.closed) return true;
    this.socket.write(b);
    return !this.tls && this.socket.writableLength === 0;
  }

  /** Flushes what was written, then closes. */
  end(): void {
    this.socket.end();
  }

  /** Closes at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

export interface Listener {
  readonly port: number;
  /** The address it is bound to (`0.0.0.0` or `::` for every interface). */
  readonly host: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Address to bind (default every interface). */
  host?: string;
  /** Port, or the first of a range (0: any free port). */
  port: number;
  /** Last port of the range `port..portMax` (default `port`): the first free one is taken, as erl's inet_dist_listen_min/max. */
  portMax?: number;
  tls?: TlsOptions;
}

function tlsCommon(o: TlsOptions): tls.SecureContextOptions {
  return { cert: o.cert, key: o.key, ca: o.ca, minVersion: "TLSv1.2" };
}

/**
 * Accepts distribution sockets. For TLS, a peer whose certificate does not
 * verify never reaches `onSocket`: `onTlsError` gets the reason and the
 * peer's address. With a port range, ports taken (EADDRINUSE) are skipped;
 * when all are, it rejects with the last EADDRINUSE.
 */
export async function listen(
  opts: ListenOptions,
  onSocket: (s: CarrierSocket) => void,
  onTlsError: (e: Error, address: string, remote: string) => void = () => {},
): Promise<Listener> {
  const last = opts.portMax ?? opts.port;
  for (let port = opts.port; ; port++) {
    try {
      return await listenOn(opts, port, onSocket, onTlsError);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || port >= last) throw e;
    }
  }
}

function listenOn(
  opts: ListenOptions,
  port: number,
  onSocket: (s: CarrierSocket) => void,
  onTlsError: (e: Error, address: string, remote: string) => void,
): Promise<Listener> {
  let server: net.Server;
  if (opts.tls) {
    const verify = opts.tls.verify !== false;
    const ts = tls.createServer({
      ...tlsCommon(opts.tls),
      requestCert: opts.tls.requestClientCert ?? verify,
      rejectUnauthorized: verify,
    });
    ts.on("secureConnection", (s: tls.TLSSocket) => onSocket(new CarrierSocket(s)));
    ts.on("tlsClientError", (e: Error, s: tls.TLSSocket) => onTlsError(e, s.remoteAddress ?? "?", `${s.remoteAddress ?? "?"}:${s.remotePort ?? "?"}`));
    server = ts;
  } else {
    server = net.createServer((s) => onSocket(new CarrierSocket(s)));
  }
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const done = (): void => {
      server.off("error", reject);
      server.on("error", () => {});
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        host: addr.address,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
          }),
      });
    };
    if (opts.host !== undefined) server.listen(port, opts.host, done);
    else server.listen(port, done);
  });
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  /** Give up after this many ms. */
  timeoutMs?: number;
}

/** Opens a distribution socket (TCP, or TLS with the peer's certificate checked against `tls.ca`). */
export function connectCarrier(opts: ConnectOptions): Promise<CarrierSocket> {
  return new Promise((resolve, reject) => {
    let s: net.Socket;
    const fail = (e: Error): void => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`connect to ${opts.host}:${opts.port} timed out`)), opts.timeoutMs ?? 7000);
    timer.unref();
    if (opts.tls) {
      const o = opts.tls;
      const verify = o.verify !== false;
      const ts = tls.connect({
        ...tlsCommon(o),
        host: opts.host,
        port: opts.port,
        rejectUnauthorized: verify,
        checkServerIdentity: o.checkServerName === true ? tls.checkServerIdentity : () => undefined,
      });
      s = ts;
      ts.once("secureConnect", () => {
        clearTimeout(timer);
        ts.off("error", fail);
        resolve(new CarrierSocket(ts));
      });
    } else {
      // Reads land in one reused buffer (no 64 KiB allocation and no stream machinery per read);
      // each is copied out at its length, since frames and decoded binaries keep views of it.
      let carrier: CarrierSocket | null = null;
      const onread = {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n: number, buf: Uint8Array): boolean => {
          const chunk = new Uint8Array(n);
          chunk.set(buf.subarray(0, n));
          carrier?.received(chunk);
          return true;
        },
      };
      s = net.connect({ host: opts.host, port: opts.port, onread });
      s.once("connect", () => {
        clearTimeout(timer);
        s.off("error", fail);
        carrier = new CarrierSocket(s, true);
        resolve(carrier);
      });
    }
    s.once("error", fail);
  });
}

/** A plain TCP client socket, for EPMD (which never speaks TLS). */
export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${host}:${port} timed out`));
    }, timeoutMs);
    timer.unref();
    s.once("connect", () => {
      clearTimeout(timer);
      s.off("error", onError);
      resolve(s);
    });
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    s.once("error", onError);
  });
}

/** A plain TCP server, for the EPMD server. Rejects with EADDRINUSE when the port is taken. */
export function listenTcp(host: string | undefined, port: number, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onSocket);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const done = (): void => {
      server.off("error", reject);
      server.on("error", () => {});
      resolve(server);
    };
    if (host !== undefined) server.listen({ port, host, exclusive: true }, done);
    else server.listen({ port, exclusive: true }, done);
  });
}

export type { Socket as TcpSocket, Server as TcpServer } from "node:net";
