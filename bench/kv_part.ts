/**
 * What the KV server bench's parts in files of their own (kv_rdb.ts,
 * kv_repl.ts) borrow from kv_server.ts: starting each server, filling it,
 * redis-benchmark, printing a figure; and redis-cli for their INFO reads.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

export interface PartServer {
  name: string;
  port: number;
  /** Its OS process. */
  proc: { pid?: number | undefined };
  /** What the server printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface PartHost {
  /** Keys of the large data sets (1 M by default). */
  keys: number;
  /** Requests of a redis-benchmark run. */
  requests: number;
  startRedis(dir: string, more: string[]): Promise<PartServer>;
  startAgner(dir: string, more: string[]): Promise<PartServer>;
  fill(port: number, n: number): Promise<void>;
  bench(port: number, args: string[]): Promise<string>;
  figure(name: string, agner: number, redis: number, better: "higher" | "lower"): void;
}

/** One redis-cli command, its output trimmed. */
export function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-p", String(port), ...args], { timeout: 600_000 }, (e, out) => (e ? reject(e) : resolve(out.trim())));
  });
}

/** A field of one INFO section. */
export async function infoField(port: number, section: string, name: string): Promise<string> {
  const out = await cli(port, "INFO", section);
  return new RegExp(`^${name}:(\\S*)`, "m").exec(out)?.[1] ?? "?";
}

/** The kernel's USER_HZ: /proc's CPU times are in its ticks (100 on Linux). */
const CLK_TCK = 100;

/** User + system CPU seconds a process has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}
