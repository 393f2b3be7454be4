/**
 * This host's EPMD, as a node uses it: register there (on 127.0.0.1, as
 * erl_epmd does), and when none answers start one, as erl starts `epmd
 * -daemon`: the EPMD daemon, a process of its own that outlives this node
 * (`"auto"`), or a server in this process that goes with it
 * (`"embedded"`, for tests and programs that want nothing left behind).
 *
 * @example
 * const local = await registerLocal({ alive: "agner", port: 40123, epmdPort: 4369, mode: "auto", onLost, logger });
 * local.daemon?.pid; // the daemon this node started, if it did
 */
import type { Logger } from "../runtime/logger.js";
import { type EpmdRegistration, EpmdError, epmdRegister } from "./epmd_client.js";
import { type EpmdDaemon, startEpmdDaemon } from "./epmd_daemon.js";
import { EpmdServer } from "./epmd_server.js";

export interface LocalEpmdOptions {
  /** The name part that EPMD registers. */
  alive: string;
  /** The node's distribution port. */
  port: number;
  epmdPort: number;
  mode: "auto" | "embedded" | "client";
  /** Where an EPMD started here listens (epmd's `-address`; undefined: every interface). */
  addresses: readonly string[] | undefined;
  onLost: () => void;
  logger: Logger;
}

export interface LocalEpmd {
  registration: EpmdRegistration;
  /** The in-process EPMD this node started (`"embedded"`). */
  server?: EpmdServer;
  /** The EPMD daemon this node started (`"auto"`). */
  daemon?: EpmdDaemon;
}

function describe(addresses: readonly string[]): string {
  return addresses.map((a) => (a === "::" || a === "0.0.0.0" ? "every interface" : a)).join(", ");
}

/**
 * Registers `alive` in the EPMD on 127.0.0.1:`epmdPort`, starting one if
 * `mode` allows and none answers. Nodes that find none at the same time
 * race for the port: one EPMD wins, and every node registers in it.
 *
 * @throws EpmdError when no EPMD can be used, or the name is taken.
 */
export async function registerLocal(o: LocalEpmdOptions): Promise<LocalEpmd> {
  const addr = { host: "127.0.0.1", port: o.epmdPort };
  const log = (level: "info" | "warning", text: string): void => o.logger({ level, what: "epmd", text });
  let server: EpmdServer | undefined;
  let daemon: EpmdDaemon | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const registration = await epmdRegister(addr, { name: o.alive, port: o.port }, o.onLost);
      return { registration, ...(server ? { server } : {}), ...(daemon ? { daemon } : {}) };
    } catch (e) {
      const refused = e instanceof EpmdError && e.code === "ECONNREFUSED";
      if (!refused || o.mode === "client" || attempt >= 5 || server !== undefined || daemon !== undefined) {
        await server?.close();
        throw e;
      }
    }
    let started = false;
    if (o.mode === "auto") {
      try {
        daemon = await startEpmdDaemon(o.epmdPort, o.addresses);
        started = true;
        if (daemon !== undefined) {
          log("info", `no EPMD on port ${o.epmdPort}: started the EPMD daemon (pid ${daemon.pid}, on ${describe(daemon.addresses)}); it stays up after this node stops`);
        }
      } catch (e) {
        // An address this machine lacks fails in this process too: only a daemon that could not run is replaced.
        if (e instanceof EpmdError && e.code !== undefined && e.code !== "ENOENT" && e.code !== "ETIMEDOUT" && e.code !== "EACCES") throw e;
        log("warning", `could not start the EPMD daemon (${(e as Error).message}): running EPMD in this process instead; it stops with this node`);
      }
    }
    if (!started) {
      try {
        server = await EpmdServer.start({
          port: o.epmdPort,
          addresses: o.addresses,
          onError: (what) => log("warning", what),
        });
        log("info", `no EPMD on port ${o.epmdPort}: started an embedded one (in this process, on ${describe(server.addresses)})`);
      } catch (e) {
        // Another node won the port between our probe and our listen: use its EPMD.
        if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
      }
    }
    if (server === undefined && daemon === undefined) await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
}
