/**
 * The KV server as `npm start` runs it: `node dist/src/cli/kv.js` in a
 * process of its own (its own event loop, as a real deployment), on a free
 * port and a fresh data directory, stopped with SIGTERM. For tests where
 * real client applications talk to the server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp_dir.js";

export interface KvProcess {
  readonly port: number;
  readonly dir: string;
  /** What the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crashed machine: nothing flushed, nothing said to peers. The data directory stays until stop(). */
  kill9(): Promise<void>;
}

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/cli/kv.js");

/** Starts the server with `argv` (after `--port 0 --memcached-port 0 --distribution no --dir <tmp>`), `env` added to this process's. */
export async function startKvProcess(argv: string[] = [], env: Record<string, string> = {}): Promise<KvProcess> {
  const dir = tempDir("agner-kv-proc-");
  const proc: ChildProcess = spawn(
    process.execPath,
    [CLI, "--port", "0", "--memcached-port", "0", "--distribution", "no", "--dir", dir, ...argv],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
  );
  let text = "";
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  proc.stderr!.on("data", (d) => (text += d));
  const port = await new Promise<number>((res, rej) => {
    proc.stdout!.on("data", (d) => {
      text += d;
      const m = /RESP on \S+ port (\d+)/.exec(text);
      if (m !== null && text.includes("stop:")) res(Number(m[1]));
    });
    void exited.then((code) => rej(new Error(`the server exited (${code}) before it was ready:\n${text}`)));
  });
  return {
    port,
    dir,
    output: () => text,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
    async kill9() {
      proc.kill("SIGKILL");
      await exited;
    },
  };
}
