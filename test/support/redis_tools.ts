/**
 * Real Redis for tests: the `redis-server`, `redis-cli` and
 * `redis-benchmark` binaries (Debian's redis-server and redis-tools).
 * Locally missing tools skip the test with a message; in CI
 * (`AGNER_REQUIRE_REDIS=1`) they are a failure.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import { tempDir } from "./temp_dir.js";

let cached: boolean | undefined;

export function redisAvailable(): boolean {
  if (cached === undefined) {
    try {
      for (const tool of ["redis-server", "redis-cli", "redis-benchmark"]) execFileSync(tool, ["--version"], { stdio: "ignore", timeout: 10_000 });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** `{ skip }` for test() when the tools are missing and allowed to be; throws when required (CI). */
export function needsRedis(): { skip?: string } {
  if (redisAvailable()) return {};
  if (process.env.AGNER_REQUIRE_REDIS === "1") {
    throw new Error("AGNER_REQUIRE_REDIS=1 but redis-server/redis-cli/redis-benchmark are missing (apt-get install redis-server redis-tools)");
  }
  return { skip: "redis-server / redis-tools not installed: real-client check skipped (apt-get install redis-server redis-tools)" };
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port. */
export async function waitForPort(port: number, host = "127.0.0.1", timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real redis-server on a free port, persistence off, in a temporary dir. */
export class RedisServer {
  private constructor(
    readonly port: number,
    readonly proc: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(extra: string[] = []): Promise<RedisServer> {
    const port = await freePort();
    const dir = tempDir("agner-redis-");
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...extra], {
      stdio: "ignore",
    });
    await waitForPort(port);
    return new RedisServer(port, proc, dir);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once("exit", r));
      this.proc.kill("SIGKILL");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs redis-cli against a port; resolves with its stdout. */
export function redisCli(port: number, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile("redis-cli", ["-p", String(port), ...args], { timeout: 30_000, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
    if (input !== undefined) p.stdin!.end(input);
  });
}

/** Runs redis-benchmark; resolves with its stdout. */
export function redisBenchmark(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-benchmark", ["-p", String(port), ...args], { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}
