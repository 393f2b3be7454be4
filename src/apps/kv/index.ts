/**
 * The KV server: a Redis-compatible server with a memcached port on the
 * same data (and the seed's `kv` GenServer) as an Agner application. See docs/kv_server.md.
 *
 * @example
 * const inst = new KvInstance({ config: Config.from({ argv: ["--port", "6380"] }) });
 * defineKvApplication();
 * await Application.start("kv", { instance: inst });
 */
export { Config, ConfigError, SETTINGS, SETTING_NAMES, envName } from "./server/config.js";
export type { Settings, SettingName, Fsync, OutputLimit } from "./server/config.js";
export { KvInstance, Names, ClientRow } from "./server/instance.js";
export type { InstanceOptions, KvStats } from "./server/instance.js";
export { DataDirError, LOCK_FILE } from "./server/data_dir.js";
export { KvError } from "./errors.js";
export { AofLoadError } from "./aof/aof_load.js";
export { startKvServer, shutdown, shutdownApplication, defineKvApplication, kvChildren, respListeners, addListeners } from "./server/app.js";
export type { ListenerFactory } from "./server/app.js";
export { KvServer, termBytes } from "./server/kv_server.js";
export { memcachedPort, memcachedChildren, mcServer } from "./memcached/memcached_server.js";
export type { KvCalls, KvCasts } from "./server/kv_server.js";
export { noPersistence, NoopWriter, AofAppend, Held, FLUSH, REWRITE, CONFIG, NO_PERSISTENCE_INFO } from "./aof/persistence.js";
export type { Persistence, AofRecord, WriterCalls, WriterRequest } from "./aof/persistence.js";
