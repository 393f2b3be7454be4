/**
 * The base of the KV server's errors (settings, data directory, AOF,
 * protocol input). Error replies to clients are not errors: they are
 * `ErrorReply` values written to the connection.
 */
import { AgnerError } from "../../term/errors.js";

/**
 * An error of the KV server: a setting refused ({@link ConfigError}), an
 * unusable data directory, an AOF or manifest that cannot be loaded, ...
 *
 * @example
 * try { await startKvServer(inst); }
 * catch (e) { if (e instanceof KvError) { console.error(`cannot start: ${e.message}`); process.exit(1); } throw e; }
 */
export class KvError extends AgnerError {}
