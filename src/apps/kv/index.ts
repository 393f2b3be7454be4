/**
 * The KV server: a Redis-compatible server with a memcached port on the
 * same data (and the seed's `kv` GenServer) as an Agner application. See docs/kv_server.md.
 *
 * @example
 * const inst = new KvInstance({ config: Config.from({ argv: ["--port", "6380"] }) });
 * defineKvApplication();
 * await Application.start("kv", { instance: inst });
 */
export { Config, ConfigError, SETTINGS, SETTING_NAMES, envName } from "./config.js";
export type { Settings, SettingName, Fsync, OutputLimit } from "./config.js";
export { KvInstance, Names, ClientRow } from "./instance.js";
export type { InstanceOptions, KvStats } from "./instance.js";
export { DataDirError, LOCK_FILE } from "./data_dir.js";
export { KvError } from "./errors.js";
export { AofLoadError } from "./aof_load.js";
export { startKvServer, shutdown, shutdownApplication, defineKvApplication, kvChildren, respListeners, addListeners } from "./app.js";
export type { ListenerFactory } from "./app.js";
export { KvServer, termBytes } from "./kv_server.js";
export { memcachedPort, memcachedChildren, mcServer } from "./memcached_server.js";
export type { KvCalls, KvCasts } from "./kv_server.js";
export { noPersistence, NoopWriter, AofAppend, Held, FLUSH, REWRITE, CONFIG, NO_PERSISTENCE_INFO } from "./persistence.js";
export type { Persistence, AofRecord, WriterCalls, WriterRequest } from "./persistence.js";
