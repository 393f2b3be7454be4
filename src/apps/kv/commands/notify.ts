/**
 * Keyspace events as Redis' notify.c sends them: a command that changed a
 * key calls {@link notify} with the event's class and name, in the order
 * Redis' t_*.c / db.c / expire.c do; the keyspace's {@link KeyspaceEvents}
 * (set by the server: the instance's pub/sub table) publishes
 * `__keyspace@<db>__:<key> <event>` and `__keyevent@<db>__:<event> <key>`
 * when `notify-keyspace-events` selects the class. Off (flags 0), a call
 * costs one bit test.
 *
 * The same keyspace hooks carry client-side caching's invalidations
 * ({@link KeyspaceEvents.keyChanged}, called by Db.modified), so a shard
 * produces both in command order, whichever path ran the command (a batch,
 * EXEC, a script, a blocked client served).
 */

/** What notify needs of a database (db.ts' Db; structural, as db.ts imports this file). */
export interface NotifyDb {
  readonly index: number;
  readonly keyspace: { readonly notifyFlags: number; readonly events: KeyspaceEvents | null };
  deleteKey(key: string): boolean;
  modified(key: string): void;
}

/** Keyspace notification classes (Redis' NOTIFY_* bits). */
export const NOTIFY = {
  KEYSPACE: 1 << 0,
  KEYEVENT: 1 << 1,
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  MODULE: 1 << 13,
  NEW: 1 << 14,
  /** `A`: every class but key-miss and new. */
  ALL: (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 13),
} as const;

/** What a keyspace tells the server about its keys (set on every shard's Keyspace by the instance). */
export interface KeyspaceEvents {
  /** PUBLISH `message` on `channel` (a keyspace notification). */
  publish(channel: string, message: string): void;
  /** A key's value or existence changed (client-side caching invalidates it); null while no client tracks. */
  keyChanged: ((key: string) => void) | null;
  /** The keyspace's databases were emptied: tracked keys of this shard are forgotten. */
  flushed(): void;
}

/**
 * Redis' notifyKeyspaceEvent(type, event, key, dbid): publishes the event
 * of class `type` on `key` of `db` when notify-keyspace-events selects it.
 */
export function notify(db: NotifyDb, type: number, event: string, key: string): void {
  const ks = db.keyspace;
  const flags = ks.notifyFlags;
  if ((flags & type) === 0 || ks.events === null) return;
  if (flags & NOTIFY.KEYSPACE) ks.events.publish(`__keyspace@${db.index}__:${key}`, event);
  if (flags & NOTIFY.KEYEVENT) ks.events.publish(`__keyevent@${db.index}__:${event}`, key);
}

/** Eviction's event (evict.c), for the eviction code to call when it removes a key. */
export function notifyEvicted(db: NotifyDb, key: string): void {
  notify(db, NOTIFY.EVICTED, "evicted", key);
}

/**
 * After elements of `key` were removed: the command's event, then, if
 * the value is now empty, the key's deletion and its `del` (Redis' order);
 * else the change is recorded (Db.modified).
 */
export function removedFrom(db: NotifyDb, type: number, event: string, key: string, empty: boolean): void {
  notify(db, type, event, key);
  if (empty) {
    db.deleteKey(key);
    notify(db, NOTIFY.GENERIC, "del", key);
  } else db.modified(key);
}
