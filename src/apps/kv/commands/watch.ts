/**
 * WATCH's bookkeeping in one shard's keyspace: which clients watch which
 * keys of which database, and which of them saw a watched key change.
 * Owned by the shard like the data (it lives in the {@link Keyspace}
 * table), changed only by the shard's process: by Watch / Unwatch messages
 * from connections and by the writes themselves (`Db.modified`), and read
 * by EXEC's transaction while it holds the shard (multi_exec.ts).
 *
 * A client is any value that names it (its connection's pid); a client is
 * "dirty" once any key it watches on this shard was written, deleted,
 * expired or flushed since its WATCH, as in Redis (its own writes count).
 */

interface Watcher {
  /** The keys watched, by database. */
  readonly keys: Map<number, Set<string>>;
  dirty: boolean;
}

export class Watches {
  /** By database, by key: who watches it. */
  private readonly byKey = new Map<number, Map<string, Set<unknown>>>();
  private readonly watchers = new Map<unknown, Watcher>();

  get size(): number {
    return this.watchers.size;
  }

  watch(client: unknown, db: number, keys: readonly string[]): void {
    let w = this.watchers.get(client);
    if (w === undefined) this.watchers.set(client, (w = { keys: new Map(), dirty: false }));
    let mine = w.keys.get(db);
    if (mine === undefined) w.keys.set(db, (mine = new Set()));
    let table = this.byKey.get(db);
    if (table === undefined) this.byKey.set(db, (table = new Map()));
    for (const k of keys) {
      mine.add(k);
      let who = table.get(k);
      if (who === undefined) table.set(k, (who = new Set()));
      who.add(client);
    }
  }

  /** Whether a key `client` watches here changed since it watched it. */
  dirty(client: unknown): boolean {
    return this.watchers.get(client)?.dirty ?? false;
  }

  /** Forgets everything `client` watches here (UNWATCH, EXEC, DISCARD, disconnect). */
  unwatch(client: unknown): void {
    const w = this.watchers.get(client);
    if (w === undefined) return;
    this.watchers.delete(client);
    for (const [db, keys] of w.keys) {
      const table = this.byKey.get(db)!;
      for (const k of keys) {
        const who = table.get(k);
        if (who === undefined) continue;
        who.delete(client);
        if (who.size === 0) table.delete(k);
      }
      if (table.size === 0) this.byKey.delete(db);
    }
  }

  /** Key `key` of database `db` changed. */
  touch(db: number, key: string): void {
    const who = this.byKey.get(db)?.get(key);
    if (who === undefined) return;
    for (const c of who) this.watchers.get(c)!.dirty = true;
  }

  /** Database `db` is being emptied: the watched keys that exist in it change (Redis' touchAllWatchedKeysInDb). */
  touchExisting(db: number, exists: (key: string) => boolean): void {
    const table = this.byKey.get(db);
    if (table === undefined) return;
    for (const [k, who] of table) if (exists(k)) for (const c of who) this.watchers.get(c)!.dirty = true;
  }
}
