/**
 * The KV server's supervision tree and application.
 *
 *     kv_sup (one_for_one)
 *     ├── kv_holder          keyspace holder: heir of every shard's table
 *     ├── kv_writer          persistence writer (no-op when persistence is off)
 *     ├── kv_shard_sup (one_for_one)
 *     │   └── kv_shard_0 .. kv_shard_N-1
 *     ├── kv_expiry          active expiry ticks, ops/s samples, idle timeout
 *     ├── kv                 the seed's GenServer, for Erlang/Elixir nodes
 *     ├── kv_global          {global, kv} while a primary
 *     ├── kv_conn_sup        DynamicSupervisor of connection processes (temporary)
 *     ├── kv_replica         the link to this server's primary, idle on a primary (replication/replica.ts)
 *     └── kv_listener_sup (one_for_one)
 *         ├── kv_listener_0 ..  one per bind address
 *         └── kv_mc_sup         memcached: its flusher and listeners (memcached_server.ts)
 *
 * The root is one_for_one: the processes find each other by name when they
 * need to (and learn of restarts by monitors), so each can restart alone.
 * Start order makes the dependencies hold at start: data before shards,
 * shards before anything that routes to them, listeners last. Stopping
 * runs in reverse: listeners stop accepting, clients are closed, then the
 * rest; {@link shutdown} also makes the persistence writer flush first.
 *
 * @example
 * const inst = new KvInstance({ config: Config.from({ argv: ["--port", "0"] }) });
 * const sup = await startKvServer(inst);
 * inst.port; // the port the listener bound
 * await shutdown(inst);
 */
import { type Pid } from "../../../term/identifiers.js";
import { inspect } from "../../../term/inspect.js";
import { call } from "../../../otp/gen.js";
import { GenServer } from "../../../otp/gen_server.js";
import { type ChildSpec, Supervisor, startSupervisor } from "../../../otp/supervisor.js";
import { Application } from "../../../otp/application.js";
import { runtime } from "../../../runtime/erlang.js";
import { Connection } from "./connection.js";
import { Cron } from "./cron.js";
import { KvGlobal } from "./kv_global.js";
import { KeyspaceHolder } from "./holder.js";
import { type KvInstance } from "./instance.js";
import { KvServer } from "./kv_server.js";
import { startListener } from "./listener.js";
import { memcachedChildren } from "../memcached/memcached_server.js";
import { FLUSH } from "../aof/persistence.js";
import { aofPersistence } from "../aof/aof_writer.js";
import { saveNow, savesOnShutdown } from "../aof/rdb_bgsave.js";
import { Shard } from "./shard.js";
import { replicaLinkSpec } from "../replication/replica.js";
import { reportKv } from "./kv_report.js";

/** The RESP listeners: one per `bind` address, on `port`. */
export function respListeners(inst: KvInstance): ChildSpec[] {
  return inst.config.get("bind").map((host, i) => ({
    id: `listener_${i}`,
    start: () =>
      startListener(inst, {
        index: i,
        host: host.startsWith("-") ? host.slice(1) : host, // Redis' "-::1": optional address
        port: () => inst.config.get("port"),
        name: inst.names.listener(i),
        startConnection: (socket) => ({
          start: () => GenServer.startLink(new Connection(inst), { socket }).result(),
          restart: "temporary",
          shutdown: "brutal_kill",
        }),
      }),
  }));
}

/** Extra listeners (other protocols) to run beside the RESP ones, e.g. memcached's. */
export type ListenerFactory = (inst: KvInstance) => ChildSpec[];

const extraListeners: ListenerFactory[] = [];

/** Adds a protocol's listeners to every server started afterwards. */
export function addListeners(f: ListenerFactory): void {
  extraListeners.push(f);
}

/** The children of the root supervisor, in start order. */
export function kvChildren(inst: KvInstance): ChildSpec[] {
  const n = inst.names;
  const shards: ChildSpec[] = n.shards.map((name, i) => ({
    id: `shard_${i}`,
    start: () => GenServer.startLink(new Shard(inst), i, { name }).result(),
  }));
  return [
    { id: "holder", start: () => GenServer.startLink(new KeyspaceHolder(), inst, { name: n.holder }).result() },
    // The persistence choice: the options' writer, else the append-only file's.
    (inst.persistence ??= aofPersistence).writerSpec(inst),
    {
      id: "shards",
      type: "supervisor",
      start: () => startSupervisor(shards, { strategy: "one_for_one", intensity: 20, period: 5, name: n.shardSup.name }, true),
    },
    { id: "expiry", start: () => GenServer.startLink(new Cron(), inst, { name: n.expiry }).result() },
    { id: "kv", start: () => GenServer.startLink(new KvServer(), inst, { name: n.kv }).result() },
    {
      id: "connections",
      type: "supervisor",
      start: () => startSupervisor([], { strategy: "one_for_one", intensity: 1000, period: 1, name: n.connSup.name }, true, true),
    },
    // After the connection supervisor: the link starts its master client there.
    replicaLinkSpec(inst),
    // After the link: a server started as a replica (the replicaof directive) is one before the first check.
    { id: "global", start: () => GenServer.startLink(new KvGlobal(), inst, { name: n.global }).result() },
    {
      id: "listeners",
      type: "supervisor",
      start: () =>
        startSupervisor([...respListeners(inst), ...memcachedChildren(inst), ...extraListeners.flatMap((f) => f(inst))], { strategy: "one_for_one", intensity: 10, period: 5, name: n.listenerSup.name }, true),
    },
  ];
}

/** Starts a server's tree (not linked); resolves with the root supervisor once every listener listens. */
export async function startKvServer(inst: KvInstance): Promise<Pid> {
  inst.shutdownHook ??= () => shutdown(inst);
  reportKv(inst);
  return Supervisor.start(kvChildren(inst), { strategy: "one_for_one", intensity: 10, period: 5, name: inst.names.sup.name });
}

/** Listeners stop (no new clients), connections stop (every client closed), the writer flushes, the RDB file is saved (save points set, or SHUTDOWN SAVE). */
async function quiesce(inst: KvInstance): Promise<void> {
  const sup = inst.names.sup.name;
  await Supervisor.terminateChild(sup, "listeners");
  await Supervisor.terminateChild(sup, "connections");
  try {
    await call(inst.names.writer, FLUSH as never, 60_000);
  } catch (e) {
    runtime().logger({ level: "error", what: "kv_shutdown", text: `persistence flush failed: ${inspect(e instanceof Error ? e.message : e)}` });
  }
  if (savesOnShutdown(inst)) {
    runtime().logger({ level: "notice", what: "kv_shutdown", text: "Saving the final RDB snapshot before exiting." });
    const err = await saveNow(inst, "shutdown");
    if (err !== null) runtime().logger({ level: "error", what: "kv_shutdown", text: `Error trying to save the DB, can't exit: ${err}` });
  }
}

/**
 * Stops a server started by {@link startKvServer} in order: listeners,
 * connections, a flush of the persistence writer, then the rest of the
 * tree in reverse start order.
 */
export async function shutdown(inst: KvInstance): Promise<void> {
  if (runtime().whereis(inst.names.sup) === undefined) return;
  await quiesce(inst);
  await Supervisor.stop(inst.names.sup.name);
}

/** The same for the `kv` application (`npm start`): quiesce, then `Application.stop("kv")`. */
export async function shutdownApplication(inst: KvInstance): Promise<void> {
  if (runtime().whereis(inst.names.sup) !== undefined) await quiesce(inst);
  await Application.stop("kv");
}

/** The application: `Application.start("kv", { instance })`. */
export function defineKvApplication(): void {
  Application.define({
    name: "kv",
    start: (env) => {
      const inst = env.instance as KvInstance;
      inst.shutdownHook ??= () => shutdownApplication(inst);
      reportKv(inst);
      return Supervisor.startLink(kvChildren(inst), { strategy: "one_for_one", intensity: 10, period: 5, name: inst.names.sup.name });
    },
  });
}
