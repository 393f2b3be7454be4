#!/usr/bin/env node
/**
 * `npm start`: runs the KV server as an application on an Agner node.
 *
 *     node dist/src/cli/kv.js [redis.conf] [--port 6380] [--requirepass s3cret] ...
 *
 * Settings come from, in increasing precedence: the defaults, the config
 * file (redis.conf syntax; the first argument, or `--config FILE`),
 * environment variables (`AGNER_KV_PORT=7000`, dashes as underscores) and
 * command-line flags (`--port 7000`, redis-server's style). `--help` lists
 * every setting.
 *
 * Everything listens on loopback unless told otherwise: RESP (`bind`),
 * memcached (`memcached-bind`), the Erlang distribution (`dist-bind`) and,
 * when no EPMD runs, the EPMD daemon it starts (`ERL_EPMD_ADDRESS`, plus
 * loopback). The banner says what listens where.
 *
 * SIGINT / SIGTERM stop the server in order: listeners, then clients, then
 * a flush of the persistence writer, then the rest of the tree. The EPMD
 * daemon stays up, as epmd does, so the nodes registered in it stay
 * findable.
 */
import { openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { Application } from "../otp/application.js";
import { distInfo, startNode, stopNode } from "../distribution/node.js";
import { startRemoteShell } from "./remote_shell.js";
import { defaultEpmdPort } from "../distribution/epmd_client.js";
import { epmdAddressEnv } from "../distribution/epmd_server.js";
import type { ListenInfo } from "../distribution/types.js";
import { inspect } from "../term/inspect.js";
import { Config, ConfigError, SETTING_NAMES, SETTINGS, envName } from "../apps/kv/server/config.js";
import { KvInstance, defineKvApplication, memcachedPort, shutdownApplication } from "../apps/kv/index.js";
import { DataDirError, claimDataDir, ensureDir, takeOverText } from "../apps/kv/server/data_dir.js";
import { warnIfStale } from "./stale_build.js";
import { JoinError, type JoinResult, joinCluster, joinNodes } from "./join.js";
import { startObserverFlag, takeObserverFlag } from "./observer_flag.js";

/** The server's settings with `npm start`'s defaults: persistent (`appendonly yes`, data in ./data). */
function cliConfig(): Config {
  const c = new Config();
  c.setWords("appendonly", ["yes"], "default");
  return c;
}

function usage(): string {
  const c = cliConfig();
  const rows = SETTING_NAMES.map((n) => `  --${n.padEnd(28)} ${envName(n).padEnd(40)} default: ${JSON.stringify(c.show(n))}${SETTINGS[n].mutable ? "" : " (fixed at start)"}`);
  return [
    "usage: npm start -- [redis.conf] [--setting value ...] [--observer [HOST:]PORT [--observer-allow-destructive]]",
    "",
    "--observer serves the web observer (docs/observer.md) on HOST (default 127.0.0.1) and PORT; it prints the URL with its token.",
    "",
    "Settings (flag, environment variable, default); precedence: flag > environment > config file > default.",
    ...rows,
  ].join("\n");
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<KvInstance> {
  const args = [...argv];
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage());
    process.exit(0);
  }
  let file: string | undefined;
  if (args.length > 0 && !args[0]!.startsWith("--")) file = args.shift();
  const ci = args.indexOf("--config");
  if (ci >= 0) {
    file = args[ci + 1];
    args.splice(ci, 2);
  }
  const observer = takeObserverFlag(args);
  const config = cliConfig();
  config.load(() => {
    if (file !== undefined) config.loadFile(readFileSync(file, "utf8"), file);
    config.loadEnv(env);
    config.loadArgs(args);
  });
  openLogFile(config.get("logfile"));
  warnIfStale();
  // One line for everything given that does nothing here (docs/kv_server.md, "Settings", says why each).
  const ignored = config.notApplied();
  if (ignored.length > 0) console.log(`agner kv: accepted, without effect here (docs/kv_server.md "Settings"): ${ignored.join(", ")}`);
  writePidFile(config.get("pidfile"));

  // The data directory before anything else starts: made if missing, and
  // locked while the append-only file is on (one server per directory).
  const inst = new KvInstance({ config, ...(file !== undefined ? { configFile: resolve(file) } : {}) });
  if (config.get("appendonly")) {
    const claim = claimDataDir(config.get("dir"), inst);
    if (claim.tookOver !== null) console.error(`agner kv: ${takeOverText(claim)}`);
  } else ensureDir(config.get("dir"));

  // The node starts before the application, so `kv` is reachable from other
  // nodes as soon as it is registered. A node that cannot start (name taken,
  // bad cookie file) leaves a local-only server, with a warning: Redis and
  // memcached clients do not need it.
  let node: ListenInfo | null = null;
  if (config.get("distribution")) {
    const cookie = config.get("cookie");
    const [min, max] = [config.get("dist-listen-min"), config.get("dist-listen-max")];
    if (max !== 0 && min === 0) throw new ConfigError("dist-listen-max", "needs dist-listen-min (as erl's inet_dist_listen_max)");
    if (max !== 0 && max < min) throw new ConfigError("dist-listen-max", `must not be below dist-listen-min (${min})`);
    try {
      await startNode({
        name: config.get("node-name"),
        hidden: config.get("node-hidden"),
        ...(cookie !== "" ? { cookie } : {}),
        listenHost: config.get("dist-bind"),
        ...(min !== 0 ? { listenMin: min, listenMax: max || min } : {}),
        epmdPort: defaultEpmdPort(env),
        // An EPMD started here listens on loopback unless ERL_EPMD_ADDRESS says more (epmd adds loopback to it).
        epmdAddress: epmdAddressEnv(env) ?? ["127.0.0.1"],
        netTicktime: config.get("net-ticktime"),
      });
      node = distInfo() ?? null;
      // `agner remsh` into the server's node, as into any erl node with the cookie.
      await startRemoteShell();
    } catch (e) {
      console.error(`agner kv: warning: the Erlang node ${config.get("node-name")} did not start (${e instanceof Error ? e.message : String(e)}); serving without distribution`);
    }
  }

  // Joining comes before the application: the server is a cluster member once it answers.
  let joined: JoinResult | null = null;
  const join = joinNodes(config.get("join"));
  if (join.length > 0) {
    if (node === null) throw new JoinError(`--join ${join.join(",")} needs the Erlang node, which did not start (see above)`);
    joined = await joinCluster(join, config.get("join-timeout"), (line) => console.log(line));
  }

  defineKvApplication();
  await Application.start("kv", { instance: inst });
  banner(inst, node, joined);
  if (observer !== null) await startObserverFlag(observer);
  return inst;
}

/**
 * `logfile FILE`: the server's output (banner, warnings, shutdown) is
 * appended to the file instead of the terminal, as Redis logs there. A file
 * that cannot be opened leaves the output on the terminal, with a warning
 * (Redis refuses to start: Debian's stock file names /var/log/redis, which
 * only the redis user may write).
 */
function openLogFile(file: string): void {
  if (file === "") return;
  let fd: number;
  try {
    fd = openSync(file, "a");
  } catch (e) {
    console.error(`agner kv: warning: cannot open the log file ${file} (${e instanceof Error ? e.message : String(e)}); logging to the terminal`);
    return;
  }
  const write = (...a: unknown[]) => writeSync(fd, `${a.map((x) => (typeof x === "string" ? x : String(x))).join(" ")}\n`);
  console.log = write;
  console.error = write;
  console.warn = write;
}

/** `pidfile FILE`: the process id, written at start and removed at exit (a warning when it cannot be written, as Redis). */
function writePidFile(file: string): void {
  if (file === "") return;
  try {
    writeFileSync(file, `${process.pid}\n`);
    process.once("exit", () => rmSync(file, { force: true }));
  } catch (e) {
    console.error(`agner kv: warning: failed to write PID file ${file} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** `0.0.0.0` / `::` as words. */
function where(addresses: readonly string[]): string {
  return addresses.map((a) => (a === "::" || a === "0.0.0.0" ? "every interface" : a)).join(", ");
}

function epmdLine(e: ListenInfo["epmd"]): string {
  switch (e.runner) {
    case "daemon":
      return `port ${e.port} on ${where(e.addresses ?? [])}: the EPMD daemon started now (pid ${e.pid}); it stays up after this server stops, as epmd (stop it: epmd -kill, or kill ${e.pid})`;
    case "embedded":
      return `port ${e.port} on ${where(e.addresses ?? [])}, in this process (it stops with the server)`;
    case "external":
      return `port ${e.port}: an EPMD that was already running (it listens where it was started)`;
    default:
      return "none";
  }
}

/** The banner's role: a primary, or a replica of `replicaof` (which REPLICAOF NO ONE promotes). */
function roleLine(c: Config): string {
  const of = c.get("replicaof");
  if (of === null) return "primary";
  return `replica of ${of.host}:${of.port} (${c.get("replica-read-only") ? "read-only" : "writable"}; REPLICAOF NO ONE promotes it)`;
}

function banner(inst: KvInstance, info: ListenInfo | null, joined: JoinResult | null): void {
  const node = info?.node ?? null;
  const c = inst.config;
  const host = c.get("bind")[0]!.replace(/^-/, "");
  const port = inst.port;
  const pass = c.get("requirepass") !== "" ? " -a <password>" : "";
  const lines = [
    `Agner KV server ready: RESP on ${c.get("bind").join(" ")} port ${port} (${inst.shardCount} shards), data in ${resolve(c.get("dir"))} (${c.get("appendonly") ? `append-only file, appendfsync ${c.get("appendfsync")}` : "not persisted: appendonly no"}), node ${node ?? "(none: distribution off)"}`,
    `  redis-cli:  redis-cli -h ${host} -p ${port}${pass}`,
    `  role:       ${roleLine(c)}`,
    ...(c.get("memcached")
      ? [
          `  memcached:  memcached protocol on ${c.get("memcached-bind").join(" ")} port ${memcachedPort(inst)}, same keys as database 0: ` +
            `memccat --servers=${c.get("memcached-bind")[0]!.replace(/^-/, "")}:${memcachedPort(inst)} foo`,
        ]
      : []),
    ...(info !== null
      ? [
          `  node:       ${info.node}, distribution on ${where([info.host])} port ${info.port}${/^(127\.|::1$)/.test(info.host) ? " (this machine only: --dist-bind to open it)" : ""}`,
          `  EPMD:       ${epmdLine(info.epmd)}`,
          ...(joined !== null ? [`  cluster:    joined ${joined.joined.map((n) => n.name).join(", ")}${joined.found.length > 0 ? `, and through it ${joined.found.map((n) => n.name).join(", ")}` : ""}`] : []),
          `  iex:        ${c.get("cookie") === "" ? "iex --sname client (this user's ~/.erlang.cookie)" : "iex --sname client --cookie <the cookie set>"}, ` +
            `then GenServer.call({:kv, :"${node}"}, {:get, "foo"})`,
        ]
      : []),
    `  stop:       Ctrl-C (SIGINT) or SIGTERM`,
  ];
  console.log(lines.join("\n"));
}

async function run(): Promise<void> {
  // The handlers go first: a signal that comes as soon as the banner is out
  // must stop the server in order, not kill it (Node's default).
  let inst: KvInstance | null = null;
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    if (inst === null) {
      // Not started yet: nothing was accepted, so nothing to flush (the data directory's lock goes at exit).
      console.log(`${sig}: stopping before the server was ready`);
      process.exit(1);
    }
    console.log(`${sig}: shutting down (listeners, clients, persistence flush, shards)`);
    shutdownApplication(inst)
      .then(() => stopNode().catch(() => undefined))
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        console.error(`shutdown failed: ${String(e)}`);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  try {
    inst = await main(process.argv.slice(2), process.env);
    // SHUTDOWN stops the server as SIGTERM does, and the process with it.
    inst.shutdownHook = async () => stop("SHUTDOWN");
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`agner kv: bad configuration: ${e.message}`);
      process.exit(2);
    }
    if (e instanceof DataDirError) {
      console.error(`agner kv: cannot use --dir ${e.dir}: ${e.why}`);
      process.exit(1);
    }
    console.error(`agner kv: could not start: ${e instanceof Error && "reason" in e ? inspect((e as { reason: unknown }).reason) : String(e)}`);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) void run();
