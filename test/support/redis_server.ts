/**
 * A real redis-server for differential tests: started on a free port with
 * persistence off and a private directory, stopped by its pid. Locally a
 * missing redis-server skips the test with a message; in CI
 * (AGNER_REQUIRE_REDIS=1) it is a failure. Also a raw RESP connection that
 * returns each reply's exact bytes.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import { replyEnd } from "./resp_reply.js";
import { tempDir } from "./temp_dir.js";

let cached: boolean | undefined;

export function redisAvailable(): boolean {
  if (cached === undefined) {
    try {
      execFileSync("redis-server", ["--version"], { stdio: "ignore", timeout: 10_000 });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** Options for test()/describe(): skip without redis-server, unless CI requires it. */
export function needsRedisServer(): { skip?: string } {
  if (redisAvailable()) return {};
  if (process.env.AGNER_REQUIRE_REDIS === "1") {
    throw new Error("AGNER_REQUIRE_REDIS=1 but `redis-server` is not installed (apt-get install redis-server)");
  }
  return { skip: "redis-server not installed: differential check skipped (apt-get install redis-server to run it)" };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (persistence off) and waits until it answers (it,
 * by its process id: another test's server may hold the port picked).
 * `opts.dir`: its working directory, kept after stop (a restart loads what it saved there); `opts.port`: its port.
 */
export async function startRedis(extra: string[] = [], opts: { dir?: string; port?: number } = {}): Promise<RedisServer> {
  const dir = opts.dir ?? tempDir("agner-redis-");
  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const child: ChildProcess = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", "", ...extra],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let up = false;
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      try {
        const c = await RawConnection.open(port);
        const info = (await c.call(["INFO", "server"])).toString();
        c.close();
        // Our child, not another test's server that took the port first (ours then fails to bind and exits: a retry).
        if (new RegExp(`\r\nprocess_id:${child.pid}\r\n`).test(info)) {
          up = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    if (up) {
      return {
        port,
        async stop() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
          if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    if (attempt >= 3) throw new Error("redis-server did not start");
  }
}

/** One RESP connection: send a command, get the raw bytes of its reply. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    socket.on("close", () => {
      this.closed = true;
      this.pump();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1");
      s.setNoDelay(true);
      s.once("connect", () => resolve(new RawConnection(s)));
      s.once("error", reject);
    });
  }

  private pump(): void {
    if (this.waiting === null) return;
    const end = replyEnd(this.buf, 0);
    if (end >= 0) {
      const out = this.buf.subarray(0, end);
      this.buf = this.buf.subarray(end);
      const w = this.waiting;
      this.waiting = null;
      w(out);
    } else if (this.closed) {
      const w = this.waiting;
      this.waiting = null;
      w(this.buf);
    }
  }

  /** Sends raw bytes and waits for one complete reply (or whatever came before the close). */
  send(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(bytes);
      this.pump();
    });
  }

  /** Sends argv as a multibulk command (latin1 strings) and returns its reply's bytes. */
  call(argv: readonly string[]): Promise<Buffer> {
    return this.send(encodeCommand(argv));
  }

  close(): void {
    this.socket.destroy();
  }
}

export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, "latin1");
}
