/**
 * `agner/kv`: the KV server (Redis' and memcached's protocols over one
 * sharded keyspace, the seed's `kv` GenServer) started from a program.
 * docs/kv_server.md has its settings and commands.
 *
 * @example
 * import { Config, KvInstance, startKvServer, shutdown } from "agner/kv";
 * const inst = new KvInstance({ config: Config.from({ argv: ["--port", "0", "--appendonly", "no"] }) });
 * await startKvServer(inst);
 * inst.port;            // the port the RESP listener bound
 * await shutdown(inst); // listeners, clients, persistence flush, shards
 */
export { Config, ConfigError, SETTINGS, SETTING_NAMES, envName } from "./apps/kv/server/config.js";
export { KvError } from "./apps/kv/errors.js";
export { AgnerError } from "./term/errors.js";
export { DataDirError } from "./apps/kv/server/data_dir.js";
export { AofLoadError } from "./apps/kv/aof/aof_load.js";
export type { AofLoadErrorKind } from "./apps/kv/aof/aof_load.js";
export type { Settings, SettingName, Fsync, OutputLimit } from "./apps/kv/server/config.js";
export { KvInstance } from "./apps/kv/server/instance.js";
export type { InstanceOptions, KvStats } from "./apps/kv/server/instance.js";
export { startKvServer, shutdown, shutdownApplication, defineKvApplication } from "./apps/kv/server/app.js";
export type { KvCalls, KvCasts } from "./apps/kv/server/kv_server.js";
