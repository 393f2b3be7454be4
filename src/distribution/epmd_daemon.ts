/**
 * The EPMD daemon: an {@link EpmdServer} in a process of its own. A node
 * that finds no EPMD starts it (as erl starts `epmd -daemon`), and it
 * outlives that node, so the names of every node registered in it, Agner or
 * BEAM, stay findable when the node that started it stops or is killed.
 * Like epmd it stays up until killed, or until `epmd -kill` (KILL_REQ)
 * while no node is registered.
 *
 *     node dist/src/distribution/epmd_daemon.js [-port 4369] [-address 10.0.0.5,192.168.1.2]
 *
 * `ERL_EPMD_PORT` and `ERL_EPMD_ADDRESS` are the defaults, as for epmd; with
 * no address it listens on every interface, as epmd. It prints one line on
 * standard output and then nothing more: `listening <pid> <addresses>`, or
 * `in_use` when another EPMD has the port (exit 3), or `error <code>
 * <message>` (exit 1).
 *
 * @example
 * const d = await startEpmdDaemon(4369, ["127.0.0.1"]); // { pid, addresses: ["127.0.0.1", "::1"] }, or undefined: another EPMD won the port
 */
import { spawn } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EpmdError, defaultEpmdPort } from "./epmd_client.js";
import { EpmdServer, epmdAddressEnv } from "./epmd_server.js";

const SCRIPT = fileURLToPath(import.meta.url);

/** A daemon this process started. */
export interface EpmdDaemon {
  readonly pid: number;
  /** The addresses it listens on (`::` or `0.0.0.0`: every interface). */
  readonly addresses: readonly string[];
}

/**
 * Starts the EPMD daemon on `port` (detached: its own session, so Ctrl-C in
 * this terminal does not reach it; standard input and error closed) and
 * waits for its one line. Resolves undefined when another EPMD holds the
 * port (two nodes that found none at once: one daemon wins, the other
 * node uses it).
 *
 * @throws EpmdError when it cannot listen (`code`: EADDRNOTAVAIL for an address not of this machine...) or does not answer.
 */
export function startEpmdDaemon(port: number, addresses?: readonly string[], timeoutMs = 15_000): Promise<EpmdDaemon | undefined> {
  const args = [SCRIPT, "-port", String(port), ...(addresses !== undefined && addresses.length > 0 ? ["-address", addresses.join(",")] : [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "ignore"], cwd: resolve("/") });
  return new Promise((done, fail) => {
    let out = "";
    let settled = false;
    const settle = (line: string | undefined, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout!.destroy();
      child.unref();
      if (error !== undefined) return fail(error);
      const [word, a, ...rest] = (line ?? "").split(" ");
      if (word === "listening") return done({ pid: child.pid!, addresses: (rest[0] ?? "").split(",").filter((x) => x !== "") });
      if (word === "in_use") return done(undefined);
      if (word === "error") return fail(new EpmdError(`the EPMD daemon could not listen on port ${port}: ${rest.join(" ")}`, a));
      fail(new EpmdError(`the EPMD daemon exited before listening on port ${port} (${line ?? "no output"})`));
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      settle(undefined, new EpmdError(`the EPMD daemon did not start within ${timeoutMs} ms`, "ETIMEDOUT"));
    }, timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) settle(out.slice(0, nl));
    });
    child.once("error", (e) => settle(undefined, new EpmdError(`could not start the EPMD daemon: ${e.message}`, (e as NodeJS.ErrnoException).code)));
    // "close", not "exit": the line is read before the end of a daemon that lost the port.
    child.once("close", (code, signal) => settle(out.trim() || `exit ${code ?? signal}`));
  });
}

/** Writes the one line and closes standard output (the starter may be gone: then nobody reads it). */
function say(line: string): void {
  try {
    writeSync(1, `${line}\n`);
    closeSync(1);
  } catch {
    // no reader left
  }
}

/** `-port N`, `-address a,b` (epmd's flags), over `ERL_EPMD_PORT` / `ERL_EPMD_ADDRESS`. */
export function daemonArgs(argv: string[], env: Record<string, string | undefined>): { port: number; addresses?: string[] } {
  let port = defaultEpmdPort(env);
  let addresses = epmdAddressEnv(env);
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "-port" && value !== undefined && /^\d+$/.test(value) && Number(value) > 0 && Number(value) < 65536) port = Number(value);
    else if (flag === "-address" && value !== undefined) addresses = epmdAddressEnv({ ERL_EPMD_ADDRESS: value });
    else throw new Error(`usage: epmd_daemon.js [-port N] [-address A,B] (got ${flag ?? ""} ${value ?? ""})`);
  }
  return { port, ...(addresses !== undefined ? { addresses } : {}) };
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = daemonArgs(process.argv.slice(2), process.env);
  } catch (e) {
    say(`error EINVAL ${(e as Error).message}`);
    process.exit(1);
  }
  try {
    const server = await EpmdServer.start({ ...opts, onKill: () => process.exit(0) });
    say(`listening ${process.pid} ${server.addresses.join(",")}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      say("in_use");
      process.exit(3);
    }
    say(`error ${code ?? "EUNKNOWN"} ${(e as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SCRIPT) void main();
