/**
 * Comparing two servers' keyspaces key by key (the RDB and replication
 * interop tests): a population of every type, encoding and expiry both
 * build, a snapshot of everything a server holds in a form redis-server and
 * Agner answer alike, and INFO fields (offsets, sync counters); for the
 * replication tests also a lighter view of one database (type, value, TTL)
 * and a poll until a replica has applied its primary's whole stream.
 */
import assert from "node:assert/strict";
import { after } from "node:test";
import { RespClient, plain } from "./resp_client.js";
import { until as pollUntil } from "./dist.js";

export const LIB = "#!lua name=rdblib\nredis.register_function('answer', function() return 42 end)";

/** Commands that build a keyspace of every type and encoding. */
export function population(): string[][] {
  const cmds: string[][] = [];
  const far = String(Date.now() + 3_600_000);
  cmds.push(["SET", "s:small", "hello"], ["SET", "s:int", "12345"], ["SET", "s:raw", "x".repeat(500)], ["SET", "s:ttl", "v", "PXAT", far]);
  cmds.push(["SET", "s:bin", "\x00\xff\r\n"], ["SETRANGE", "s:bits", "3", "abc"]);
  cmds.push(["RPUSH", "l:small", "a", "1", "b"], ["RPUSH", "l:big", ...Array.from({ length: 2000 }, (_, i) => `element-${i}`)]);
  cmds.push(["RPUSH", "l:huge", "y".repeat(10000), "z"]);
  cmds.push(["SADD", "set:int", "1", "2", "-7"], ["SADD", "set:str", "a", "b", "c"], ["SADD", "set:big", ...Array.from({ length: 700 }, (_, i) => `m${i}`)]);
  cmds.push(["ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c"], ["ZADD", "z:big", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()]);
  cmds.push(["HSET", "h:small", "f", "v", "n", "1"], ["HSET", "h:big", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  cmds.push(["HSET", "h:long", "f", "v".repeat(100)], ["PEXPIREAT", "h:long", far]);
  for (let i = 0; i < 150; i++) cmds.push(["XADD", "x:s", `${1700000000000 + i}-0`, "f", String(i), "g", "w".repeat(i % 40)]);
  cmds.push(["XDEL", "x:s", "1700000000003-0"], ["XGROUP", "CREATE", "x:s", "g1", "0"], ["XGROUP", "CREATE", "x:s", "g2", "$"]);
  cmds.push(["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "x:s", ">"], ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "x:s", ">"]);
  cmds.push(["XACK", "x:s", "g1", "1700000000001-0"], ["XADD", "x:empty", "1-1", "a", "b"], ["XDEL", "x:empty", "1-1"]);
  cmds.push(["SELECT", "5"], ["SET", "db5:key", "in five"], ["SELECT", "0"]);
  cmds.push(["FUNCTION", "LOAD", LIB]);
  return cmds;
}

export async function run(c: RespClient, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.cmd(...argv);
    assert.notEqual(r.t, "error", `${argv.join(" ").slice(0, 80)}: ${JSON.stringify(plain(r))}`);
  }
}

/** Everything a server holds, key by key, in a form both servers answer alike. */
export async function snapshot(c: RespClient, dbs: readonly string[] = ["0", "5"]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const db of dbs) {
    await c.cmd("SELECT", db);
    const keys = (plain(await c.cmd("KEYS", "*")) as string[]).sort();
    for (const k of keys) {
      const type = plain(await c.cmd("TYPE", k)) as string;
      // A string's encoding is not in the file (a loaded one is int, embstr or raw by its length, in both).
      const enc = type === "string" ? null : plain(await c.cmd("OBJECT", "ENCODING", k));
      const at = plain(await c.cmd("PEXPIRETIME", k));
      let v: unknown;
      if (type === "string") v = plain(await c.cmd("GET", k));
      else if (type === "list") v = plain(await c.cmd("LRANGE", k, "0", "-1"));
      else if (type === "set") v = (plain(await c.cmd("SMEMBERS", k)) as string[]).sort();
      else if (type === "zset") v = plain(await c.cmd("ZRANGE", k, "0", "-1", "WITHSCORES"));
      else if (type === "hash") v = pairsSorted(plain(await c.cmd("HGETALL", k)) as string[]);
      else v = plain(await c.cmd("XINFO", "STREAM", k, "FULL"));
      out.set(`${db}/${k}`, { type, enc, at, v });
    }
  }
  await c.cmd("SELECT", "0");
  // Libraries by name: Redis lists them in its dictionary's order.
  const libs = plain(await c.cmd("FUNCTION", "LIST", "WITHCODE")) as unknown[][];
  out.set("functions", libs.sort((x, y) => (String(x[1]) < String(y[1]) ? -1 : 1)));
  return out;
}

function pairsSorted(a: string[]): string[][] {
  const p: string[][] = [];
  for (let i = 0; i < a.length; i += 2) p.push([a[i]!, a[i + 1]!]);
  return p.sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}

export function assertSame(got: Map<string, unknown>, want: Map<string, unknown>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.deepEqual(got.get(k), v, k);
}


/** An INFO field of a section, as a string (undefined when absent). */
export async function infoField(c: RespClient, section: string, field: string): Promise<string | undefined> {
  const text = plain(await c.cmd("INFO", section)) as string;
  return new RegExp(`^${field}:(.*)\r$`, "m").exec(text)?.[1];
}

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
export function until(f: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return pollUntil(f, what, timeoutMs);
}

/**
 * A test file's teardown: `later` registers what to undo after its tests
 * (run in reverse order, errors ignored), `connect` opens a client closed then.
 */
export function teardown(): { later(f: () => Promise<unknown>): void; connect(port: number): Promise<RespClient> } {
  const undo: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const f of undo.reverse()) await f().catch(() => undefined);
  });
  return {
    later: (f) => void undo.push(f),
    async connect(port) {
      const c = await RespClient.connect(port);
      undo.push(async () => c.close());
      return c;
    },
  };
}
