/**
 * A real memcached for differential tests: started on a free port (TCP
 * only, loopback), stopped by its pid. Locally a missing memcached skips
 * the test with a message; in CI (AGNER_REQUIRE_MEMCACHED=1, or
 * AGNER_REQUIRE_REDIS=1, which CI sets and which installs memcached with
 * the Redis tools) it is a failure. Also a raw text-protocol client that
 * returns the exact bytes of each step's replies.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import net from "node:net";
import { freePort } from "./redis_server.js";

export { freePort };

let cached: boolean | undefined;

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export function memcachedAvailable(): boolean {
  cached ??= has("memcached", ["-V"]);
  return cached;
}

function required(): boolean {
  return process.env.AGNER_REQUIRE_MEMCACHED === "1" || process.env.AGNER_REQUIRE_REDIS === "1";
}

/** Options for test()/describe(): skip without memcached, unless CI requires it. */
export function needsMemcached(): { skip?: string } {
  if (memcachedAvailable()) return {};
  if (required()) throw new Error("memcached is required here but not installed (apt-get install memcached)");
  return { skip: "memcached not installed: differential check skipped (apt-get install memcached to run it)" };
}

let toolsCached: boolean | undefined;

/** Options for tests using Debian's libmemcached-tools (memcstat, memccp, memccat, memcrm, memcflush). */
export function needsMemcachedTools(): { skip?: string } {
  toolsCached ??= has("memcstat", ["--version"]) || has("memccat", ["--version"]);
  if (toolsCached) return {};
  if (required()) throw new Error("libmemcached-tools are required here but not installed (apt-get install libmemcached-tools)");
  return { skip: "libmemcached-tools not installed: client check skipped (apt-get install libmemcached-tools to run it)" };
}

/**
 * memcached's background LRU threads take item references now and then,
 * and an incr/decr that meets one writes a new item instead of rewriting
 * the value in place (padded with spaces): off, so replies are repeatable.
 */
export const DETERMINISTIC = ["-o", "no_lru_maintainer,no_lru_crawler"];

export interface MemcachedServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `memcached` (TCP on 127.0.0.1, no UDP) and waits until it listens. */
export async function startMemcached(extra: string[] = []): Promise<MemcachedServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const user = process.getuid?.() === 0 ? ["-u", "root"] : [];
    const child: ChildProcess = spawn("memcached", [...user, "-p", String(port), "-l", "127.0.0.1", "-U", "0", ...extra], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // A test process that dies (a timeout, a crash) takes its memcached with it.
    const reap = () => child.kill("SIGKILL");
    process.once("exit", reap);
    void exited.then(() => process.removeListener("exit", reap));
    let up = false;
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      try {
        // Listening is enough (with -Y, `version` would be refused until authenticated).
        const c = await McRawConnection.open(port);
        c.close();
        up = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    if (up) {
      return {
        port,
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      };
    }
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    if (attempt >= 3) throw new Error("memcached did not start");
  }
}

/** The sentinel after each step: its reply marks the end of the step's replies. */
export const SENTINEL = Buffer.from("version\r\n");
const SENTINEL_REPLY = /VERSION [^\r\n]*\r\n$/;

/**
 * One memcached connection driven step by step: a step is raw bytes that
 * leave the server reading command lines (every data block complete);
 * `step` sends them plus `version` and returns the replies before the
 * VERSION line, or everything up to the close if the server hung up.
 */
export class McRawConnection {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on("error", () => {});
  }

  static open(port: number): Promise<McRawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1");
      s.setNoDelay(true);
      s.once("connect", () => resolve(new McRawConnection(s)));
      s.once("error", reject);
    });
  }

  step(bytes: Buffer): Promise<{ out: Buffer; closed: boolean }> {
    return new Promise((resolve) => {
      const check = (): void => {
        const s = this.buf.toString("latin1");
        const m = SENTINEL_REPLY.exec(s);
        if (m !== null) {
          this.waiting = null;
          const out = this.buf.subarray(0, m.index);
          this.buf = Buffer.alloc(0);
          resolve({ out, closed: false });
        } else if (this.closed) {
          this.waiting = null;
          const out = this.buf;
          this.buf = Buffer.alloc(0);
          resolve({ out, closed: true });
        }
      };
      this.waiting = check;
      this.socket.write(Buffer.concat([bytes, SENTINEL]));
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends bytes, half-closes, and returns everything the server writes until it closes. */
export function exchange(port: number, bytes: Buffer, host = "127.0.0.1"): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, host, () => s.end(bytes));
    s.on("data", (d) => chunks.push(d));
    s.on("close", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
  });
}
