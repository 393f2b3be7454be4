/**
 * Replication tests' helpers: a key-by-key view of a server's keyspace
 * (type, value, TTL) that Agner and redis-server answer alike, and a poll
 * until a replica has applied its primary's whole stream.
 */
import { RespClient, plain } from "./resp_client.js";

/** One database's keys: key → [type, value, absolute expiry in Unix ms (-1: none)]. */
export type KeyView = Map<string, [string, unknown, number]>;

/** Every key of database `db`, with its type, value (sorted where order is not data) and PEXPIRETIME. */
export async function keyspaceView(c: RespClient, db = 0): Promise<KeyView> {
  await c.cmd("SELECT", String(db));
  const out: KeyView = new Map();
  const keys = (plain(await c.cmd("KEYS", "*")) as string[]).sort();
  for (const k of keys) {
    const type = plain(await c.cmd("TYPE", k)) as string;
    let v: unknown;
    switch (type) {
      case "string":
        v = plain(await c.cmd("GET", k));
        break;
      case "list":
        v = plain(await c.cmd("LRANGE", k, "0", "-1"));
        break;
      case "set":
        v = (plain(await c.cmd("SMEMBERS", k)) as string[]).sort();
        break;
      case "zset":
        v = plain(await c.cmd("ZRANGE", k, "0", "-1", "WITHSCORES"));
        break;
      case "hash": {
        const flat = plain(await c.cmd("HGETALL", k)) as string[];
        const pairs: string[] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
        v = pairs.sort();
        break;
      }
      case "stream":
        v = plain(await c.cmd("XRANGE", k, "-", "+"));
        break;
      default:
        v = null;
    }
    const ttl = plain(await c.cmd("PEXPIRETIME", k)) as number;
    out.set(k, [type, v, ttl]);
  }
  await c.cmd("SELECT", "0");
  return out;
}

/** Differences between two views (TTLs may differ by `ttlSlackMs`): empty when they agree key by key. */
export function viewDiff(a: KeyView, b: KeyView, ttlSlackMs = 1000): string[] {
  const diffs: string[] = [];
  for (const [k, [ta, va, xa]] of a) {
    const other = b.get(k);
    if (other === undefined) {
      diffs.push(`${k}: missing on the second`);
      continue;
    }
    const [tb, vb, xb] = other;
    if (ta !== tb) diffs.push(`${k}: type ${ta} vs ${tb}`);
    else if (JSON.stringify(va) !== JSON.stringify(vb)) diffs.push(`${k}: value differs`);
    if ((xa < 0) !== (xb < 0) || Math.abs(xa - xb) > ttlSlackMs) diffs.push(`${k}: ttl ${xa} vs ${xb}`);
  }
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`${k}: missing on the first`);
  return diffs;
}

/** An INFO section's fields. */
export async function infoFields(c: RespClient, section: string): Promise<Map<string, string>> {
  const text = plain(await c.cmd("INFO", section)) as string;
  const m = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Waits until the replica is connected and has applied the primary's stream up to its current offset. */
export async function waitCaughtUp(primary: RespClient, replica: RespClient, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < end) {
    const p = await infoFields(primary, "replication");
    const r = await infoFields(replica, "replication");
    const target = p.get("master_repl_offset");
    if (r.get("master_link_status") === "up" && r.get("slave_repl_offset") === target) return;
    last = `primary at ${target}, replica ${r.get("master_link_status")} at ${r.get("slave_repl_offset")}`;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the replica did not catch up: ${last}`);
}

/** Polls `f` until it returns true. */
export async function until(f: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
