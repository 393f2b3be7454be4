/**
 * A consistent snapshot of one shard's keyspace without stopping it for
 * the dump (Node cannot fork): copy-on-write of the values that change in
 * place.
 *
 * Taking it (the shard locked, like the AOF rewrite's cut) only lists each
 * database's keys, values and expiries into arrays: references, not
 * copies (15 to 27 ms per million keys without TTLs, measured). Strings are immutable, and a key
 * set, deleted, renamed or given a TTL later leaves the array as it was.
 * What could change the listed contents is a write in place (LPUSH on a
 * list, HSET on a hash, ...): while the snapshot holds the keyspace, every
 * command that is not read-only first gives each key it names a copy of
 * its value of its own ({@link SnapshotGuard.detach}, called by the engine
 * and by cross-shard gathering), once per key. The array's object then
 * keeps the contents of the moment the snapshot was taken, and the dumper
 * encodes it at leisure, in slices, while the shard serves.
 *
 * @example
 * const snap = takeSnapshot(ks);   // ks.cow is set while values are held
 * // ... encode snap.dbs ...
 * snap.release();                  // ks.cow is null again
 */
import { type Db, type Keyspace, type CowGuard } from "../commands/db.js";
import { valueType } from "../commands/value_types.js";
import { type Int64 } from "../commands/numbers.js";
import { type RdbDbSource } from "./rdb_file.js";

/** The copy-on-write of one keyspace while a snapshot holds its values. */
export class SnapshotGuard implements CowGuard {
  /** Keys given their own copy already, per database index. */
  private readonly detached: (Set<string> | undefined)[] = [];
  /** Values copied (INFO's current_cow_size, roughly: how many). */
  copies = 0;
  /** Snapshots holding the keyspace now. */
  holders = 1;

  /**
   * Another snapshot: the keys copied so far hold values no snapshot
   * listed before this one, but this one lists them, so they are copied
   * again before their next change.
   */
  again(): void {
    this.holders++;
    this.detached.length = 0;
  }

  detach(db: Db, key: string): void {
    const v = db.data.get(key);
    // Strings never change in place; a key that is not there has nothing to keep.
    if (v === undefined || typeof v === "string") return;
    let set = this.detached[db.index];
    if (set === undefined) this.detached[db.index] = set = new Set();
    if (set.has(key)) return;
    set.add(key);
    this.copies++;
    // The live key gets the copy; the snapshot keeps the object it listed, which nothing changes any more.
    db.convert(key, valueType(v).copy(v));
  }
}

/** One shard's snapshot: its databases' entries, and the release of its copy-on-write. */
export class ShardSnapshot {
  constructor(
    readonly keyspace: Keyspace,
    readonly dbs: RdbDbSource[],
    private readonly guard: SnapshotGuard | null,
  ) {}

  private released = false;

  /** Stops the copy-on-write once no snapshot holds the values (the dumper is done with them, or gave up). */
  release(): void {
    const g = this.guard;
    if (g === null || this.released) return;
    this.released = true;
    if (--g.holders === 0 && this.keyspace.cow === g) this.keyspace.cow = null;
  }

  get copies(): number {
    return this.guard === null ? 0 : this.guard.copies;
  }
}

/**
 * Lists `ks`'s keys (run by the shard, between two of its messages) and
 * installs the copy-on-write. Keys and values are spread into two arrays
 * (about 17 ms per million keys, measured; a loop filling one array of
 * triples took 45 to 300 ms); expiries are looked up only in databases
 * that have some.
 */
export function takeSnapshot(ks: Keyspace): ShardSnapshot {
  const dbs: RdbDbSource[] = [];
  for (const d of ks.dbs) {
    if (d.size === 0) continue;
    const keys = [...d.data.keys()];
    const values = [...d.data.values()];
    let expiries: (Int64 | undefined)[] | null = null;
    if (d.expires.size !== 0) {
      const x = d.expires;
      expiries = new Array<Int64 | undefined>(keys.length);
      for (let i = 0; i < keys.length; i++) expiries[i] = x.get(keys[i]!);
    }
    dbs.push({ index: d.index, keys, values, expiries });
  }
  if (dbs.length === 0) return new ShardSnapshot(ks, dbs, null);
  const held = ks.cow;
  if (held instanceof SnapshotGuard) {
    held.again();
    return new ShardSnapshot(ks, dbs, held);
  }
  const guard = new SnapshotGuard();
  ks.cow = guard;
  return new ShardSnapshot(ks, dbs, guard);
}
