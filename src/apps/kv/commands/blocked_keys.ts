/**
 * Which clients wait on which keys of one shard (Redis' `db->blocking_keys`
 * and `ready_keys`), owned by the shard like the data: it lives in the
 * {@link Keyspace} table, so a restarted shard finds its waiters again.
 *
 * Each key has its waiters in the order they blocked ({@link Blocked.order},
 * numbered server-wide), so a key is served first-come first-served even
 * when a client waits on keys of several shards. Every write goes through
 * `Db.modified`, which marks a key ready when somebody waits on it; the
 * shard then serves the key's waiters (server/blocked.ts).
 */

/** A waiting client, as the keyspace sees it. */
export interface Blocked {
  /** Server-wide blocking order: lower blocked earlier. */
  readonly order: number;
  /** Served, timed out, unblocked or gone: skipped and dropped wherever met. */
  done: boolean;
}

/** Server-wide order of readiness (one heap): EXEC unlocks the shard whose key was ready first first. */
let readyCount = 0;

export class BlockedKeys {
  /** By database, by key: the waiters in blocking order. */
  private readonly byKey = new Map<number, Map<string, Blocked[]>>();
  /** Keys written while somebody waits on them, in the order they became ready (deduplicated). */
  private readonly readyList: { db: number; key: string }[] = [];
  private readonly readySet = new Set<string>();
  /** Waiting entries (one per waiter per key). */
  size = 0;
  /** When the oldest pending ready key became ready (server-wide count), Infinity when none is. */
  firstReady = Infinity;

  /** Adds `w` to the waiters of `keys` of database `db`, in its order. */
  add(db: number, keys: readonly string[], w: Blocked): void {
    let table = this.byKey.get(db);
    if (table === undefined) this.byKey.set(db, (table = new Map()));
    for (const key of keys) {
      let q = table.get(key);
      if (q === undefined) table.set(key, (q = []));
      // Usually the newest; a client woken to run across shards comes back at its old place.
      let i = q.length;
      while (i > 0 && q[i - 1]!.order > w.order) i--;
      q.splice(i, 0, w);
      this.size++;
    }
  }

  /** Removes `w` from the waiters of `keys` of database `db`. */
  remove(db: number, keys: readonly string[], w: Blocked): void {
    const table = this.byKey.get(db);
    if (table === undefined) return;
    for (const key of keys) {
      const q = table.get(key);
      if (q === undefined) continue;
      const i = q.indexOf(w);
      if (i < 0) continue;
      q.splice(i, 1);
      this.size--;
      if (q.length === 0) table.delete(key);
    }
  }

  /** The waiters of a key (the live array: the server removes what it serves), or undefined. */
  waiters(db: number, key: string): Blocked[] | undefined {
    return this.byKey.get(db)?.get(key);
  }

  /** Drops `q[i]`, the waiter list of `key`. */
  dropAt(db: number, key: string, q: Blocked[], i: number): void {
    q.splice(i, 1);
    this.size--;
    if (q.length === 0) this.byKey.get(db)?.delete(key);
  }

  /** Db.modified's hook: `key` changed; ready if somebody waits on it. */
  signal(db: number, key: string): void {
    if (this.byKey.get(db)?.has(key) !== true) return;
    const id = `${db}\0${key}`;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    if (this.readyList.length === 0) this.firstReady = ++readyCount;
    this.readyList.push({ db, key });
  }

  /** Every waited-on key of database `db` is ready (SWAPDB brought in another database's keys). */
  signalAll(db: number): void {
    const table = this.byKey.get(db);
    if (table !== undefined) for (const key of table.keys()) this.signal(db, key);
  }

  /** Whether some key is ready. */
  get anyReady(): boolean {
    return this.readyList.length !== 0;
  }

  /** The next ready key, oldest first; null when none. */
  nextReady(): { db: number; key: string } | null {
    const r = this.readyList.shift();
    if (r === undefined) {
      this.firstReady = Infinity;
      return null;
    }
    this.readySet.delete(`${r.db}\0${r.key}`);
    return r;
  }
}
