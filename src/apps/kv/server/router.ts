/**
 * Which shard a key lives in. The hash is FNV-1a over the key's bytes
 * (latin1 char codes): cheap on the short keys of real workloads, and it
 * spreads `key:000123`-style keys evenly over a power-of-two number of
 * shards (the mask is `shards - 1`).
 *
 * @example
 * shardOf("foo", 3); // 0..3
 */
import { type CommandEntry, type ShardPart, splitByShard } from "../commands/engine.js";

/** FNV-1a, 32 bits. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Multi-key commands split by shard, each part run by its shard and the replies merged. */
export const SPLIT_BY_SHARD: ReadonlySet<string> = new Set(["mget", "mset", "del", "unlink", "exists", "touch"]);

/** Multi-key commands that must see all their keys at once: a transaction over their shards (txn.ts). */
export const CROSS_SHARD: ReadonlySet<string> = new Set(["msetnx", "rename", "renamenx"]);

/** The shard of `key` among `mask + 1` shards. */
export function shardOf(key: string, mask: number): number {
  return mask === 0 ? 0 : hashKey(key) & mask;
}

/**
 * Where a `multi`-route command runs among `mask + 1` shards: on one shard
 * (its index; the command whole), split by shard (the parts, to merge with
 * `mergeSplit`), or (null) as a cross-shard transaction (txn.ts; MSETNX,
 * RENAME, RENAMENX, which still run on one shard when their keys share it).
 */
export function planMulti(cmd: CommandEntry, argv: readonly string[], mask: number): number | ShardPart[] | null {
  if (mask === 0) return 0;
  if (CROSS_SHARD.has(cmd.name)) return null;
  // An odd MSET goes whole to one shard, whose exec gives the arity error.
  if (!SPLIT_BY_SHARD.has(cmd.name) || (argv.length - cmd.firstKey) % (cmd.step || 1) !== 0) return shardOf(argv[cmd.firstKey]!, mask);
  const parts = splitByShard(cmd, argv, (k) => shardOf(k, mask));
  return parts.length === 1 ? parts[0]!.shard : parts;
}
