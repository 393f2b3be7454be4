/**
 * EPMD client (kernel `erl_epmd.erl`): register this node (ALIVE2, its
 * connection held open for the node's life: EPMD forgets the node when it
 * closes), look up a node's port (PORT_PLEASE2), list names (NAMES).
 *
 * @example
 * const reg = await epmdRegister({ host: "127.0.0.1", port: 4369 }, { name: "agner", port: 4370 }, () => log("lost"));
 * const info = await epmdPortPlease({ host: "otherhost", port: 4369 }, "erl"); // { port, highestVersion, ... }
 */
import { connectTcp, type TcpSocket } from "./carrier.js";
import {
  EPMD,
  type NodeInfo,
  decodeAliveResp,
  decodeNamesResp,
  decodePort2Resp,
  encodeAlive2,
  encodePortPlease2,
  encodeSimple,
} from "./epmd_protocol.js";
import { DistError } from "./errors.js";

export interface EpmdAddress {
  host: string;
  port: number;
}

/** `ERL_EPMD_PORT` if set, else 4369. */
export function defaultEpmdPort(env: Record<string, string | undefined> = process.env): number {
  const p = Number(env.ERL_EPMD_PORT);
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : 4369;
}

/** A live registration: close it to unregister. */
export interface EpmdRegistration {
  readonly creation: number;
  close(): void;
}

/** Failure to talk to EPMD; `code` is the socket error code (ECONNREFUSED: no EPMD there). */
export class EpmdError extends DistError {
  constructor(
    message: string,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function ioError(addr: EpmdAddress, e: unknown): EpmdError {
  const code = (e as NodeJS.ErrnoException)?.code;
  return new EpmdError(`EPMD at ${addr.host}:${addr.port}: ${(e as Error)?.message ?? String(e)}`, code, { cause: e });
}

/** One request, reading the reply until EPMD closes the connection (PORT_PLEASE2, NAMES). */
async function oneShot(addr: EpmdAddress, request: Uint8Array, maxReply = 1 << 20): Promise<Uint8Array> {
  let s: TcpSocket;
  try {
    s = await connectTcp(addr.host, addr.port);
  } catch (e) {
    throw ioError(addr, e);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new EpmdError(`EPMD at ${addr.host}:${addr.port} did not answer`, "ETIMEDOUT"));
    }, 5000);
    timer.unref();
    s.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxReply) {
        s.destroy();
        reject(new EpmdError(`EPMD at ${addr.host}:${addr.port} sent over ${maxReply} bytes`));
        return;
      }
      chunks.push(c);
    });
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(ioError(addr, e));
    });
    s.on("close", () => {
      clearTimeout(timer);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    s.write(request);
  });
}

/**
 * Registers a node. `onLost` is called if the connection closes while the
 * registration is open (EPMD died or was killed): the node is then no
 * longer findable until it registers again.
 *
 * @throws EpmdError when EPMD cannot be reached or refuses the name (taken).
 */
export async function epmdRegister(
  addr: EpmdAddress,
  node: { name: string; port: number; hidden?: boolean; highestVersion?: number; lowestVersion?: number },
  onLost: () => void,
): Promise<EpmdRegistration> {
  let s: TcpSocket;
  try {
    s = await connectTcp(addr.host, addr.port);
  } catch (e) {
    throw ioError(addr, e);
  }
  const info: NodeInfo = {
    port: node.port,
    // erl registers as a normal node (77) whether hidden or not; 72 is for C nodes.
    nodeType: 77,
    protocol: 0,
    highestVersion: node.highestVersion ?? 6,
    lowestVersion: node.lowestVersion ?? 5,
    name: node.name,
    extra: new Uint8Array(0),
  };
  return new Promise((resolve, reject) => {
    let buf = new Uint8Array(0);
    let registered = false;
    let closedByUs = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new EpmdError(`EPMD at ${addr.host}:${addr.port} did not answer ALIVE2_REQ`, "ETIMEDOUT"));
    }, 5000);
    timer.unref();
    s.on("data", (c: Buffer) => {
      if (registered) return; // EPMD sends nothing more; ignore anything that comes
      const b = new Uint8Array(buf.length + c.length);
      b.set(buf);
      b.set(c, buf.length);
      buf = b;
      let r;
      try {
        r = decodeAliveResp(buf);
      } catch (e) {
        clearTimeout(timer);
        s.destroy();
        reject(new EpmdError(`EPMD at ${addr.host}:${addr.port}: ${(e as Error).message}`));
        return;
      }
      if (r === undefined) return;
      clearTimeout(timer);
      if (r.result !== 0) {
        s.destroy();
        reject(new EpmdError(`EPMD at ${addr.host}:${addr.port} refused to register '${node.name}' (result ${r.result}: the name is taken?)`));
        return;
      }
      registered = true;
      resolve({
        creation: r.creation,
        close: () => {
          closedByUs = true;
          s.destroy();
        },
      });
    });
    s.on("error", (e) => {
      if (!registered) {
        clearTimeout(timer);
        reject(ioError(addr, e));
      }
    });
    s.on("close", () => {
      if (!registered) {
        clearTimeout(timer);
        reject(new EpmdError(`EPMD at ${addr.host}:${addr.port} closed the connection during ALIVE2_REQ`));
      } else if (!closedByUs) onLost();
    });
    s.write(encodeAlive2(info));
  });
}

/** Looks up a node by the alive part of its name; undefined when EPMD does not know it. */
export async function epmdPortPlease(addr: EpmdAddress, alive: string): Promise<NodeInfo | undefined> {
  const reply = await oneShot(addr, encodePortPlease2(alive), 64 * 1024);
  try {
    return decodePort2Resp(reply);
  } catch (e) {
    throw new EpmdError(`EPMD at ${addr.host}:${addr.port}: ${(e as Error).message}`);
  }
}

/**
 * The names EPMD knows, as `epmd -names` lists them.
 *
 * @example
 * await epmdNames({ host: "localhost", port: 4369 }); // [{ name: "kv", port: 43125 }]
 */
export async function epmdNames(addr: EpmdAddress): Promise<{ name: string; port: number }[]> {
  const reply = await oneShot(addr, encodeSimple(EPMD.NAMES_REQ));
  try {
    return decodeNamesResp(reply);
  } catch (e) {
    throw new EpmdError(`EPMD at ${addr.host}:${addr.port}: ${(e as Error).message}`);
  }
}
