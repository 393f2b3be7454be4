/**
 * Which shard a key lives in. The hash is FNV-1a over the key's bytes
 * (latin1 char codes): cheap on the short keys of real workloads, and it
 * spreads `key:000123`-style keys evenly over a power-of-two number of
 * shards (the mask is `shards - 1`).
 *
 * @example
 * shardOf("foo", 3); // 0..3
 */
import { commandKeys } from "../commands/command_def.js";
import { type CommandEntry, type ShardPart, splitByShard } from "../commands/engine.js";

/** FNV-1a, 32 bits. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Multi-key commands split by shard, each part run by its shard and the replies merged. */
export const SPLIT_BY_SHARD: ReadonlySet<string> = new Set(["mget", "mset", "del", "unlink", "exists", "touch"]);


/** The shard of `key` among `mask + 1` shards. */
export function shardOf(key: string, mask: number): number {
  return mask === 0 ? 0 : hashKey(key) & mask;
}

/**
 * Where a `multi`-route command runs among `mask + 1` shards: on one shard
 * (its index; the command whole), split by shard (the parts, to merge with
 * `mergeSplit`: MGET, MSET, DEL...), or (null) as a cross-shard command
 * (txn.ts: every other multi-key command whose keys span shards).
 */
export function planMulti(cmd: CommandEntry, argv: readonly string[], mask: number): number | ShardPart[] | null {
  if (mask === 0) return 0;
  if (!SPLIT_BY_SHARD.has(cmd.name)) {
    if (cmd.readsUnknownKeys?.(argv) === true) return null;
    const pos = commandKeys(cmd, argv);
    // No keys (or argv not fitting its specs): any one shard runs it, and its exec answers the error.
    if (pos === null || pos.length === 0) return 0;
    const first = shardOf(argv[pos[0]!.pos]!, mask);
    for (let k = 1; k < pos.length; k++) if (shardOf(argv[pos[k]!.pos]!, mask) !== first) return null;
    return first;
  }
  // An odd MSET goes whole to one shard, whose exec gives the arity error.
  if ((argv.length - cmd.firstKey) % (cmd.step || 1) !== 0) return shardOf(argv[cmd.firstKey]!, mask);
  const parts = splitByShard(cmd, argv, (k) => shardOf(k, mask));
  return parts.length === 1 ? parts[0]!.shard : parts;
}
