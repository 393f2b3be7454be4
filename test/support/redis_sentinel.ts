/**
 * Real `redis-sentinel` processes for the high-availability tests: each on a
 * free port with its own config file (Sentinel rewrites it), monitoring one
 * primary. Locally a missing redis-sentinel skips the test with a message;
 * in CI (AGNER_REQUIRE_REDIS=1, which .ci/run sets) it is a failure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./redis_server.js";
import { tempDir } from "./temp_dir.js";
import { RespClient, plain } from "./resp_client.js";

let cached: boolean | undefined;

function sentinelAvailable(): boolean {
  if (cached === undefined) {
    try {
      execFileSync("redis-sentinel", ["--version"], { stdio: "ignore", timeout: 10_000 });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** Options for test()/describe(): skip without redis-sentinel, unless CI requires it. */
export function needsRedisSentinel(): { skip?: string } {
  if (sentinelAvailable()) return {};
  if (process.env.AGNER_REQUIRE_REDIS === "1") {
    throw new Error("AGNER_REQUIRE_REDIS=1 but `redis-sentinel` is not installed (apt-get install redis-sentinel)");
  }
  return { skip: "redis-sentinel not installed: Sentinel test skipped (apt-get install redis-sentinel to run it)" };
}

export interface SentinelOptions {
  /** The monitored primary's name (default `mymaster`). */
  name?: string;
  quorum?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

export interface Sentinel {
  readonly port: number;
  /** One command to this sentinel, its reply as plain values. */
  cmd(...argv: string[]): Promise<unknown>;
  /** `SENTINEL MASTER name` as a field → value object. */
  master(): Promise<Record<string, string>>;
  /** What it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts one `redis-sentinel` monitoring `host:port` and waits until it answers (itself, by its process id). */
export async function startSentinel(host: string, port: number, opts: SentinelOptions = {}): Promise<Sentinel> {
  const name = opts.name ?? "mymaster";
  const dir = tempDir("agner-sentinel-");
  const conf = join(dir, "sentinel.conf");
  let own = 0;
  let child: ChildProcess | null = null;
  let client: RespClient | null = null;
  let text = "";
  let exited: Promise<void> = Promise.resolve();
  // Another test's server may take the port picked first (ours then fails to bind and exits): a new port, a few times.
  for (let attempt = 0; attempt < 4 && client === null; attempt++) {
    own = await freePort();
    writeFileSync(
      conf,
      [
        `port ${own}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${name} ${host} ${port} ${opts.quorum ?? 1}`,
        `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 2000}`,
        `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 10000}`,
        "",
      ].join("\n"),
    );
    const proc: ChildProcess = spawn("redis-sentinel", [conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout!.on("data", (d) => (text += d));
    proc.stderr!.on("data", (d) => (text += d));
    exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    for (let i = 0; i < 200 && proc.exitCode === null && client === null; i++) {
      try {
        const c = await RespClient.connect(own);
        // Ours, by its process id, not whatever else listens there.
        if (new RegExp(`\r\nprocess_id:${proc.pid}\r\n`).test(String(plain(await c.cmd("INFO", "server"))))) client = c;
        else c.close();
      } catch {
        // not listening yet
      }
      if (client === null) await new Promise((r) => setTimeout(r, 25));
    }
    if (client === null) {
      proc.kill("SIGKILL");
      await exited;
    }
  }
  if (client === null || child === null) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`redis-sentinel did not start: ${text}`);
  }
  const proc = child;
  const c = client;
  return {
    port: own,
    cmd: async (...argv) => plain(await c.cmd(...argv)),
    async master() {
      const flat = plain(await c.cmd("SENTINEL", "MASTER", name)) as string[];
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
      return out;
    },
    log: () => text,
    async stop() {
      c.close();
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
