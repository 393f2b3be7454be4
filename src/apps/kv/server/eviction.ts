/**
 * maxmemory, as redis-server's performEvictions before each command: when
 * the data's accounted size (`Keyspace.usedMemory`, the sum over shards) is
 * over `maxmemory`, each shard brings its own part down to its share
 * (`maxmemory / shards`) by evicting its own keys under
 * `maxmemory-policy` (commands/evict.ts chooses them); each evicted key
 * is deleted, counted (`evicted_keys`) and propagated as DEL (UNLINK under
 * lazyfree-lazy-eviction), as Redis' deleteEvictedKeyAndPropagate.
 * Under `noeviction`, or when nothing is left to evict, the answer is "out
 * of memory": the caller refuses commands flagged `denyoom` with {@link OOM}.
 */
import { type Keyspace } from "../commands/db.js";
import { type Evictor, type Policy } from "../commands/evict.js";
import { valueCost } from "../commands/mem_estimate.js";
import { ErrorReply } from "../resp/reply.js";
import { type KvInstance } from "./instance.js";

/** Redis' shared.oomerr. */
export const OOM = new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");

/** The bytes of every shard's data (INFO's used_memory): each shard's as it settled last. */
export function usedMemory(inst: KvInstance): number {
  let n = 0;
  for (const ks of inst.keyspaces) n += ks.usedMemory();
  return n;
}

/**
 * Out of memory as performEvictions would find it, judged from outside
 * the shards (a connection queueing in MULTI): over `maxmemory` with
 * nothing to evict (`noeviction`, or a `volatile-*` policy and no key with
 * a TTL). Over it with keys to evict, the shards evict before the next
 * command that may grow the data (Redis would evict at once; either way
 * the command is queued).
 */
export function outOfMemory(inst: KvInstance): boolean {
  const max = Number(inst.config.get("maxmemory"));
  if (max === 0 || ignoresMaxmemory(inst) || usedMemory(inst) <= max) return false;
  const policy = inst.config.get("maxmemory-policy") as Policy;
  if (policy === "noeviction") return true;
  const volatile = policy.startsWith("volatile-");
  for (const ks of inst.keyspaces) for (const db of ks.dbs) if ((volatile ? db.expires.size : db.data.size) > 0) return false;
  return true;
}

/** A replica with `replica-ignore-maxmemory yes` (the default) neither evicts nor refuses: its primary's DELs keep it in step. */
function ignoresMaxmemory(inst: KvInstance): boolean {
  return inst.repl.primary !== null && inst.config.get("replica-ignore-maxmemory");
}

/** The settings eviction reads before every command that may grow memory, read from the config once per change of it. */
interface EvictionSettings {
  version: number;
  maxmemory: number;
  policy: Policy;
  samples: number;
  del: "DEL" | "UNLINK";
}

const SETTINGS = new WeakMap<KvInstance, EvictionSettings>();

function settings(inst: KvInstance): EvictionSettings {
  let s = SETTINGS.get(inst);
  if (s === undefined || s.version !== inst.configVersion) {
    const cfg = inst.config;
    s = {
      version: inst.configVersion,
      maxmemory: Number(cfg.get("maxmemory")),
      policy: cfg.get("maxmemory-policy") as Policy,
      samples: cfg.get("maxmemory-samples"),
      del: cfg.get("lazyfree-lazy-eviction") ? "UNLINK" : "DEL",
    };
    SETTINGS.set(inst, s);
  }
  return s;
}

/**
 * Evicts from `ks` (the calling shard's) until the server is under
 * maxmemory or this shard under its share. True when fine (maxmemory 0
 * included), false when out of memory.
 */
export function performEvictions(
  inst: KvInstance,
  ks: Keyspace,
  evictor: Evictor,
  now: number,
  propagate: (db: number, argv: readonly string[]) => void,
): boolean {
  const set = settings(inst);
  const max = set.maxmemory;
  if (max === 0 || ignoresMaxmemory(inst)) return true;
  ks.settle(valueCost);
  if (usedMemory(inst) <= max) return true;
  const policy = set.policy;
  if (policy === "noeviction") return false;
  const share = max / inst.shardCount;
  const samples = set.samples;
  const del = set.del;
  while (ks.usedMemory() > share) {
    const v = evictor.pick(ks, policy, samples, now);
    if (v === null) return false;
    if (!ks.dbs[v.db]!.deleteKey(v.key)) continue;
    ks.stats.evictedKeys++;
    propagate(v.db, [del, v.key]);
  }
  return true;
}
