/**
 * Client-side caching (CLIENT TRACKING) against a real redis-server
 * 7.0.15: the same steps, each run by one of several clients, on Agner
 * (four shards) and on redis-server; after every step each client is
 * synced (CLIENT GETNAME, which leaves CLIENT CACHING alone; PING when
 * subscribed in RESP2) and everything it read is recorded, invalidation
 * pushes and pub/sub messages in their place among the replies. Covered:
 * RESP3 pushes, RESP2 through REDIRECT to a `__redis__:invalidate`
 * subscriber, a broken redirect, BCAST with prefixes, OPTIN/OPTOUT with
 * CLIENT CACHING, NOLOOP, flushes (null invalidation), TTL changes,
 * CLIENT GETREDIR / TRACKINGINFO / LIST, the option errors, HELLO and
 * RESET; and tracking-table-max-keys.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverPair } from "../../support/server_pair.js";
import { RespClient, plain } from "../../support/resp_client.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;

/** A step: the client that runs it, then the command (`$id:name` is that client's id). */
type Step = [string, ...string[]];

interface Peer {
  c: RespClient;
  id: number;
  subscribed: boolean;
  closed: boolean;
  /** In MULTI: not synced (a sync command would be queued), its replies read one per step. */
  multi: boolean;
}

function isSync(name: string, p: Peer, v: unknown): boolean {
  if (p.subscribed) return Array.isArray(v) && v[0] === "pong";
  return v === `s_${name}`;
}

/** Client ids differ between the servers: written as `id:<name>` where a reply carries one. */
function normIds(v: unknown, peers: Map<string, Peer>, isId = false): unknown {
  if (typeof v === "number") {
    if (!isId) return v;
    for (const [n, p] of peers) if (p.id === v) return `id:${n}`;
    return v;
  }
  if (typeof v === "string") {
    // CLIENT LIST: the fields that say which client it is and its buffers differ by nature.
    return v
      .replace(/redir=(\d+)/, (_m, d: string) => `redir=${normIds(Number(d), peers, true)}`)
      .replace(/\bid=\d+ addr=\S+ laddr=\S+ fd=\d+ /, "")
      .replace(/age=\d+ idle=\d+ /, "")
      .replace(/qbuf=.* events=/, "events=");
  }
  if (Array.isArray(v)) {
    // HELLO in RESP2: Agner's version is not redis-server's.
    const w = v[0] === "server" && v[2] === "version" ? [...v.slice(0, 2), ...v.slice(4)] : v;
    // Flat maps (RESP2 TRACKINGINFO, HELLO) and the broken-redirect push carry ids after these words.
    return w.map((x, i) => normIds(x, peers, i > 0 && (w[i - 1] === "redirect" || w[i - 1] === "id" || w[i - 1] === "tracking-redir-broken")));
  }
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "version").map(([k, x]) => [k, normIds(x, peers, k === "redirect" || k === "id")]));
  }
  return v;
}

async function play(port: number, clients: Record<string, 2 | 3>, steps: readonly Step[], setup: string[][] = []): Promise<string[]> {
  const peers = new Map<string, Peer>();
  const admin = await RespClient.connect(port);
  await admin.cmd("FLUSHALL");
  await admin.cmd("CONFIG", "SET", "tracking-table-max-keys", "0");
  for (const s of setup) await admin.cmd(...s);
  admin.close();
  for (const [name, resp] of Object.entries(clients)) {
    const c = await RespClient.connect(port);
    if (resp === 3) await c.cmd("HELLO", "3");
    await c.cmd("CLIENT", "SETNAME", `s_${name}`);
    peers.set(name, { c, id: Number(plain(await c.cmd("CLIENT", "ID"))), subscribed: false, closed: false, multi: false });
  }
  const log: string[] = [];
  /** A step's invalidations of one client, consecutive: sorted (the order of a command's key changes is not the point). */
  const settle = (from: number): void => {
    for (let i = from; i < log.length; ) {
      let j = i;
      const head = log[i]!.split(" <- ")[0];
      while (j < log.length && log[j]!.startsWith(`${head} <- ["invalidate"`)) j++;
      if (j > i + 1) log.splice(i, j - i, ...log.slice(i, j).sort());
      i = Math.max(j, i + 1);
    }
  };
  try {
    for (const [who, ...argv] of steps) {
      const p = peers.get(who)!;
      const args = argv.map((a) => a.replace(/\$id:(\w+)/g, (_, n: string) => String(peers.get(n)!.id)));
      const word = args[0]!.toUpperCase();
      p.c.send(...args);
      if (word === "QUIT") {
        await p.c.waitClosed();
        p.closed = true;
        log.push(`${who} ${argv.join(" ")}`);
        continue;
      }
      if (word === "RESET") {
        log.push(`${who} ${argv.join(" ")} -> ${JSON.stringify(plain(await p.c.read()))}`);
        p.subscribed = false;
        await p.c.cmd("CLIENT", "SETNAME", `s_${who}`);
      }
      if (word === "SUBSCRIBE" && clients[who] === 2) p.subscribed = true;
      if (word === "MULTI") p.multi = true;
      if (word === "EXEC" || word === "DISCARD") p.multi = false;
      log.push(`${who} ${argv.join(" ")}`);
      const from = log.length;
      // The step's client first: its command has run before any other client is synced.
      const order = [[who, p] as const, ...[...peers].filter(([n]) => n !== who)];
      for (const [name, q] of order) {
        if (q.closed) continue;
        if (q.multi) {
          if (q === p) log.push(`  ${name} <- ${JSON.stringify(normIds(plain(await q.c.read()), peers))}`);
          continue;
        }
        if (q.subscribed) q.c.send("PING");
        else q.c.send("CLIENT", "GETNAME");
        for (;;) {
          const v = plain(await q.c.read());
          if (isSync(name, q, v)) break;
          log.push(`  ${name} <- ${JSON.stringify(normIds(v, peers, q === p && args[1]?.toUpperCase() === "GETREDIR"))}`);
        }
      }
      settle(from);
    }
  } finally {
    for (const p of peers.values()) p.c.close();
  }
  return log;
}

async function compare(clients: Record<string, 2 | 3>, steps: readonly Step[], setup: string[][] = []): Promise<string[]> {
  const a = await play(servers.agner.port, clients, steps, setup);
  const r = await play(servers.redis.port, clients, steps, setup);
  assert.deepEqual(a, r);
  return a;
}

describe("client-side caching, differential against redis-server", guard, () => {
  test("RESP3: keys read are invalidated once, by whoever changes them, in every way", async () => {
    const log = await compare({ c: 3, o: 3 }, [
      ["c", "CLIENT", "TRACKING", "ON"], ["c", "GET", "k"], ["o", "SET", "k", "1"], ["o", "SET", "k", "2"], ["c", "GET", "k"], ["c", "SET", "k", "3"],
      ["c", "MGET", "k", "a", "b", "c"], ["o", "MSET", "a", "1", "b", "2"], ["o", "DEL", "c", "k"], ["c", "LRANGE", "l", "0", "-1"], ["o", "RPUSH", "l", "x"],
      ["c", "STRLEN", "e"], ["o", "SET", "e", "v"], ["c", "TTL", "e"], ["o", "EXPIRE", "e", "100"], ["c", "GET", "e"], ["o", "PERSIST", "e"],
      ["c", "HGETALL", "h"], ["o", "HSET", "h", "f", "v"], ["c", "SMEMBERS", "s"], ["o", "SADD", "s", "m"], ["c", "ZRANGE", "z", "0", "-1"], ["o", "ZADD", "z", "1", "m"],
      ["c", "GET", "r1"], ["o", "SET", "r1", "v"], ["c", "GET", "r1"], ["c", "GET", "r2"], ["o", "RENAME", "r1", "r2"],
      ["c", "EXISTS", "k"], ["o", "SET", "k", "9"], ["c", "MULTI"], ["c", "GET", "t1"], ["c", "MGET", "t2", "t3"], ["c", "SET", "t4", "v"], ["c", "EXEC"],
      ["o", "MSET", "t1", "1", "t2", "2", "t3", "3", "t4", "4"],
      ["c", "EVAL", "return redis.call('get', KEYS[1])", "2", "sk", "sk2"], ["c", "EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "sw"],
      ["c", "EVAL_RO", "return redis.call('exists', KEYS[1])", "1", "sr"], ["o", "MSET", "sk", "1", "sk2", "2", "sw", "3", "sr", "4"], ["c", "SET", "w", "v"], ["o", "SET", "w", "x"],
      ["c", "CLIENT", "TRACKINGINFO"], ["c", "CLIENT", "GETREDIR"], ["c", "CLIENT", "LIST", "ID", "$id:c"],
      ["c", "GET", "k"], ["c", "CLIENT", "TRACKING", "OFF"], ["o", "SET", "k", "10"], ["c", "CLIENT", "TRACKINGINFO"], ["c", "CLIENT", "GETREDIR"],
    ]);
    assert.ok(log.includes(`  c <- ${JSON.stringify(["invalidate", ["k"]])}`), "the test saw an invalidation");
  });

  test("RESP2: invalidations through REDIRECT to a __redis__:invalidate subscriber; a flush's null; a broken redirect", async () => {
    await compare({ r: 2, c: 2, c3: 3, o: 2 }, [
      ["r", "SUBSCRIBE", "__redis__:invalidate"], ["c", "CLIENT", "TRACKING", "ON", "REDIRECT", "$id:r"], ["c", "GET", "k"], ["o", "SET", "k", "v"],
      ["c", "GET", "k"], ["c", "GET", "j"], ["o", "FLUSHALL"], ["c", "CLIENT", "GETREDIR"], ["c", "CLIENT", "TRACKINGINFO"],
      ["c", "CLIENT", "LIST", "ID", "$id:c"], ["c3", "CLIENT", "TRACKING", "ON", "REDIRECT", "$id:r"], ["c3", "GET", "x"], ["o", "SET", "x", "1"],
      ["c", "GET", "q"], ["o", "FLUSHDB"], ["c", "GET", "q"], ["c3", "GET", "q"], ["r", "QUIT"], ["o", "SET", "q", "1"], ["c3", "CLIENT", "TRACKINGINFO"],
      ["c3", "CLIENT", "LIST", "ID", "$id:c3"], ["c", "CLIENT", "TRACKING", "ON"], ["c", "GET", "z"], ["o", "SET", "z", "1"],
    ]);
  });

  test("RESP3 without redirect gets the flush's null; RESP2 without redirect gets nothing", async () => {
    await compare({ c: 3, d: 2, o: 3 }, [
      ["c", "CLIENT", "TRACKING", "ON"], ["d", "CLIENT", "TRACKING", "ON"], ["c", "GET", "k"], ["d", "GET", "k"], ["o", "SET", "k", "v"],
      ["o", "FLUSHALL"], ["c", "FLUSHDB"], ["o", "MULTI"], ["o", "FLUSHALL"], ["o", "EXEC"], ["o", "EVAL", "return redis.call('flushdb')", "0"], ["d", "HELLO", "3"], ["d", "GET", "k"], ["o", "SET", "k", "v"],
    ]);
  });

  test("BCAST: prefixes, every key under them, gathered per event loop turn; NOLOOP", async () => {
    await compare({ b: 3, n: 3, o: 3 }, [
      ["b", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:", "PREFIX", "b:"], ["o", "SET", "a:1", "v"], ["o", "SET", "b:x", "v"], ["o", "SET", "c:1", "v"],
      ["b", "SET", "a:9", "v"], ["o", "DEL", "a:9", "a:1"], ["b", "GET", "a:1"], ["b", "CLIENT", "TRACKINGINFO"], ["b", "CLIENT", "LIST", "ID", "$id:b"],
      ["n", "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"], ["n", "SET", "z", "1"], ["o", "SET", "z", "2"], ["n", "CLIENT", "TRACKINGINFO"],
      ["b", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "c:"], ["o", "SET", "c:2", "v"], ["b", "CLIENT", "TRACKINGINFO"],
      ["b", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:x"], ["b", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "d", "PREFIX", "de"],
      ["b", "CLIENT", "TRACKING", "ON"], ["b", "CLIENT", "TRACKING", "OFF"], ["o", "SET", "a:2", "v"], ["b", "CLIENT", "TRACKINGINFO"],
    ]);
  });

  test("OPTIN / OPTOUT with CLIENT CACHING, and NOLOOP in default mode", async () => {
    await compare({ i: 3, u: 3, l: 3, o: 3 }, [
      ["i", "CLIENT", "TRACKING", "ON", "OPTIN"], ["i", "GET", "k"], ["o", "SET", "k", "1"], ["i", "CLIENT", "CACHING", "YES"], ["i", "CLIENT", "TRACKINGINFO"],
      ["i", "GET", "k"], ["o", "SET", "k", "2"], ["i", "CLIENT", "CACHING", "YES"], ["i", "PING"], ["i", "GET", "k"], ["o", "SET", "k", "3"],
      ["i", "CLIENT", "CACHING", "NO"], ["i", "CLIENT", "TRACKING", "ON", "OPTOUT"],
      ["u", "CLIENT", "TRACKING", "ON", "OPTOUT"], ["u", "GET", "j"], ["o", "SET", "j", "1"], ["u", "CLIENT", "CACHING", "NO"], ["u", "GET", "j"], ["o", "SET", "j", "2"],
      ["u", "CLIENT", "TRACKINGINFO"], ["u", "CLIENT", "CACHING", "YES"],
      ["l", "CLIENT", "TRACKING", "ON", "NOLOOP"], ["l", "GET", "m"], ["l", "SET", "m", "1"], ["o", "SET", "m", "2"], ["l", "GET", "m"], ["o", "SET", "m", "3"],
      ["l", "GET", "m"], ["l", "MULTI"], ["l", "SET", "m", "4"], ["l", "EXEC"], ["l", "GET", "m"], ["l", "EVAL", "return redis.call('set', KEYS[1], '5')", "1", "m"],
      ["l", "GET", "m"], ["l", "GET", "m2"], ["l", "RENAME", "m", "m2"], ["o", "SET", "m2", "6"],
    ]);
  });

  test("the options' errors, and CLIENT CACHING without tracking", async () => {
    await compare({ c: 3 }, [
      ["c", "CLIENT", "CACHING", "YES"], ["c", "CLIENT", "TRACKING", "ON", "PREFIX", "a"], ["c", "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"],
      ["c", "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"], ["c", "CLIENT", "TRACKING", "ON", "REDIRECT", "999999"], ["c", "CLIENT", "TRACKING", "ON", "REDIRECT", "x"],
      ["c", "CLIENT", "TRACKING", "ON", "REDIRECT", "$id:c", "REDIRECT", "$id:c"], ["c", "CLIENT", "TRACKING", "MAYBE"], ["c", "CLIENT", "TRACKING", "ON", "BOGUS"],
      ["c", "CLIENT", "TRACKING", "ON", "PREFIX"], ["c", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"], ["c", "CLIENT", "TRACKINGINFO"],
      ["c", "CLIENT", "TRACKING", "ON", "OPTIN"], ["c", "CLIENT", "CACHING", "NO"], ["c", "CLIENT", "CACHING", "MAYBE"], ["c", "CLIENT", "TRACKING", "ON", "OPTOUT"],
      ["c", "CLIENT", "TRACKING", "ON", "BCAST"], ["c", "CLIENT", "TRACKING", "OFF"], ["c", "CLIENT", "TRACKING", "OFF"], ["c", "CLIENT", "GETREDIR"],
    ]);
  });

  test("HELLO keeps tracking; RESET turns it off", async () => {
    await compare({ c: 3, o: 3 }, [
      ["c", "CLIENT", "TRACKING", "ON"], ["c", "GET", "k"], ["c", "HELLO", "2"], ["o", "SET", "k", "1"], ["c", "GET", "k"], ["c", "HELLO", "3"], ["o", "SET", "k", "2"],
      ["c", "GET", "k"], ["c", "RESET"], ["c", "CLIENT", "TRACKINGINFO"], ["o", "SET", "k", "3"], ["c", "HELLO", "3"], ["o", "SET", "k", "4"],
    ]);
  });

  test("tracking-table-max-keys: keys over the limit are invalidated early", async () => {
    for (const port of [servers.agner.port, servers.redis.port]) {
      const log = await play(port, { c: 3 }, [["c", "CLIENT", "TRACKING", "ON"], ["c", "GET", "a"], ["c", "GET", "b"], ["c", "GET", "d"]], [["CONFIG", "SET", "tracking-table-max-keys", "1"]]);
      // Redis drops a random key over the limit before the next command: one invalidation per key read past the first.
      const pushes = log.filter((l) => l.startsWith("  c <- [\"invalidate\""));
      assert.equal(pushes.length, 2, `${port}: ${log.join("\n")}`);
    }
    const c = await RespClient.connect(servers.agner.port);
    await c.cmd("CONFIG", "SET", "tracking-table-max-keys", "1000000");
    c.close();
  });

  test("INFO's tracking figures", async () => {
    const figures = async (port: number): Promise<string[]> => {
      const c = await RespClient.connect(port);
      const b = await RespClient.connect(port);
      try {
        await c.cmd("FLUSHALL");
        await c.cmd("CONFIG", "SET", "tracking-table-max-keys", "0");
        await c.cmd("HELLO", "3");
        await c.cmd("CLIENT", "TRACKING", "ON");
        await c.cmd("MGET", "i1", "i2", "i3");
        await b.cmd("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p1", "PREFIX", "p2");
        await b.cmd("GET", "i1");
        const info = String(plain(await c.cmd("INFO", "everything")));
        return info.split(/\r?\n/).filter((l) => l.startsWith("tracking_"));
      } finally {
        c.close();
        b.close();
      }
    };
    const a = await figures(servers.agner.port);
    assert.deepEqual(a, await figures(servers.redis.port));
    assert.deepEqual(a, ["tracking_clients:2", "tracking_total_keys:3", "tracking_total_items:3", "tracking_total_prefixes:2"]);
  });
});
