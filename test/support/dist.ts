/**
 * Helpers for distribution tests: free ports, unique node names, and a
 * ConnectionHandler that records what it is told and lets a test wait for it.
 */
import { type Socket, createServer, connect as tcpConnect } from "node:net";
import { atom as atomOf } from "../../src/term/atom.js";
import { FrameReader } from "../../src/distribution/framing.js";
import { type HandshakeConfig, type HandshakeResult, Initiator } from "../../src/distribution/handshake.js";
import type { Atom } from "../../src/term/atom.js";
import type { ConnectionHandler, ControlMessage, DistConnection } from "../../src/distribution/index.js";
import type { LogEvent, Logger } from "../../src/runtime/logger.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { setDefaultRuntime } from "../../src/runtime/erlang.js";
import { startNode, stopNode } from "../../src/distribution/node.js";

/** A TCP port that was free a moment ago (for a private EPMD: ERL_EPMD_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let seq = 0;
/** A node name part unique to this process and call. */
export function uniqueName(prefix = "agner"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${seq++}`;
}

export interface Recorded {
  ups: DistConnection[];
  downs: { conn: DistConnection; reason: unknown }[];
  messages: { conn: DistConnection; msg: ControlMessage }[];
}

/** A handler that records every call; `waitFor` resolves when a predicate over the record holds. */
export class RecordingHandler implements ConnectionHandler {
  readonly rec: Recorded = { ups: [], downs: [], messages: [] };
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  onControl: ((conn: DistConnection, msg: ControlMessage) => void) | undefined;

  up(conn: DistConnection): void {
    this.rec.ups.push(conn);
    this.check();
  }
  control(conn: DistConnection, msg: ControlMessage): void {
    this.rec.messages.push({ conn, msg });
    this.onControl?.(conn, msg);
    this.check();
  }
  down(conn: DistConnection, reason: unknown): void {
    this.rec.downs.push({ conn, reason });
    this.check();
  }
  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
  /** Resolves once `pred` holds; rejects after `ms` with `what` in the message. */
  waitFor(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  messagesFrom(peer: Atom): ControlMessage[] {
    return this.rec.messages.filter((m) => m.conn.peer === peer).map((m) => m.msg);
  }
}

/** A logger that keeps events (and prints none). */
export function memoryLogger(): Logger & { events: LogEvent[]; texts(): string } {
  const events: LogEvent[] = [];
  const f = ((e: LogEvent) => {
    events.push(e);
  }) as Logger & { events: LogEvent[]; texts(): string };
  f.events = events;
  f.texts = () => events.map((e) => `${e.level} ${e.what}: ${e.text}`).join("\n");
  return f;
}

/** Polls `pred` every 20 ms until it holds, or rejects after `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- a hand-driven peer over a real socket ---------------------------------------


/** A peer that speaks the wire by hand: handshake with an Initiator, then raw 4-byte frames. */
export interface RawPeer {
  socket: Socket;
  result: HandshakeResult;
  /** Frames received after the handshake (ticks are empty frames). */
  frames: Uint8Array[];
  closed: Promise<void>;
  isClosed(): boolean;
  /** Sends one 4-byte-length frame. */
  sendFrame(body: Uint8Array): void;
}

function frameBytes(body: Uint8Array, n: 2 | 4): Buffer {
  const b = Buffer.alloc(n + body.length);
  if (n === 2) b.writeUInt16BE(body.length, 0);
  else b.writeUInt32BE(body.length, 0);
  b.set(body, n);
  return b;
}

/** Connects to `port` and runs the initiator's side of the handshake by hand. */
export function rawConnect(port: number, cfg: HandshakeConfig, peer: string, version: 5 | 6 = 6): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    const hs = new Initiator(cfg, atomOf(peer), version);
    const reader = new FrameReader(2, 1 << 30);
    const frames: Uint8Array[] = [];
    let closed = false;
    let done: RawPeer | undefined;
    const closedP = new Promise<void>((r) =>
      socket.on("close", () => {
        closed = true;
        r();
        if (!done) reject(new Error("closed during the handshake"));
      }),
    );
    socket.on("error", () => {});
    socket.on("connect", () => {
      for (const b of hs.start()) socket.write(frameBytes(b, 2));
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk, (f) => {
          if (done) {
            frames.push(f.slice());
            return;
          }
          const step = hs.receive(f);
          for (const b of step.send) socket.write(frameBytes(b, 2));
          if (step.done) {
            reader.lengthBytes = 4;
            done = {
              socket,
              result: step.done,
              frames,
              closed: closedP,
              isClosed: () => closed,
              sendFrame: (body) => socket.write(frameBytes(body, 4)),
            };
            resolve(done);
          }
        });
      } catch (e) {
        socket.destroy();
        reject(e);
      }
    });
  });
}

/** A node in this test process, the default runtime, with an embedded EPMD on a private port. */
export interface LocalNode {
  rt: Runtime;
  name: Atom;
  epmdPort: number;
  stop(): Promise<void>;
}

/** Starts a {@link LocalNode} named `<prefix>_<unique>@localhost`. */
export async function startLocalNode(prefix: string, cookie: string): Promise<LocalNode> {
  const rt = new Runtime({ logger: memoryLogger() });
  setDefaultRuntime(rt);
  const epmdPort = await freePort();
  const name = await startNode({ name: `${uniqueName(prefix)}@localhost`, cookie, epmdPort, epmd: "embedded", runtime: rt });
  return {
    rt,
    name,
    epmdPort,
    async stop() {
      await stopNode(rt);
      rt.shutdown();
    },
  };
}
