/**
 * ACL users against a real redis-server 7.0.15: the same steps on Agner
 * (four shards) and on redis-server, every reply compared. Steps run as
 * `admin` (the default user) or as `user` (a second connection that
 * authenticates as a user the case made). Covered: SETUSER's rules and
 * their errors, GETUSER and LIST (descriptions, selectors), AUTH and HELLO
 * AUTH, NOPERM denials and their texts (commands, subcommands, first
 * arguments, keys by read/write, channels, selectors), denials inside
 * scripts and transactions (and EXEC's re-check), ACL LOG entries, DRYRUN,
 * WHOAMI, USERS, GENPASS, CAT of every category, requirepass as the
 * default user's password, and the connections killed by DELUSER or by
 * channels taken away.
 *
 * Masked: timestamps, client ids, addresses and memory figures in ACL LOG;
 * the order of single-command rules at the end of a description (Redis
 * follows its hash table there).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { lookupByFullname } from "../../../src/apps/kv/commands/command_table.js";
import { serverPair } from "../../support/server_pair.js";
import { RespClient, plain } from "../../support/resp_client.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;

type Step = ["admin" | "user", ...string[]] | ["user-connect"] | ["user-closed?"];
const A = (...argv: string[]): Step => ["admin", ...argv];
const U = (...argv: string[]): Step => ["user", ...argv];
/** A fresh user connection (the next U steps use it). */
const RECONNECT: Step = ["user-connect"];
/** Whether the user connection has been closed by the server. */
const CLOSED: Step = ["user-closed?"];

const ALICE = A("ACL", "SETUSER", "alice", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+get", "+set", "+del", "+publish", "+subscribe", "+psubscribe", "+eval", "+multi", "+exec", "+acl|whoami", "+client|id");

const CASES: Record<string, Step[]> = {
  setuser: [
    A("ACL", "SETUSER", "u1"), A("ACL", "GETUSER", "u1"), A("ACL", "LIST"),
    A("ACL", "SETUSER", "u1", "on", ">p1", ">p2", "<p1", "~a*", "%R~b*", "%W~c*", "%RW~d*", "&x", "&y*", "+@read", "-get", "+config|get", "+select|0", "+select|1"),
    A("ACL", "GETUSER", "u1"), A("ACL", "LIST"),
    A("ACL", "SETUSER", "u1", "resetpass", "nopass", "resetkeys", "allkeys", "resetchannels", "allchannels", "allcommands", "-@write", "+set"),
    A("ACL", "GETUSER", "u1"), A("ACL", "LIST"),
    A("ACL", "SETUSER", "u1", "reset"), A("ACL", "GETUSER", "u1"),
    A("ACL", "SETUSER", "u1", "nocommands", "+@hash", "+@list", "-@write", "#" + "a".repeat(64), "!" + "a".repeat(64)), A("ACL", "LIST"),
    A("ACL", "SETUSER", "u1", "skip-sanitize-payload", "off", "on", "sanitize-payload"), A("ACL", "GETUSER", "u1"),
    A("ACL", "USERS"), A("ACL", "GETUSER", "nobody"),
  ],
  selectors: [
    A("ACL", "SETUSER", "s1", "on", "nopass", "+get", "~a*", "(+set ~b* &c)", "(", "+hget", "%R~h*", ")"),
    A("ACL", "GETUSER", "s1"), A("ACL", "LIST"),
    A("ACL", "SETUSER", "s1", "clearselectors"), A("ACL", "LIST"),
    A("ACL", "SETUSER", "s1", "(+get", "~x"), A("ACL", "SETUSER", "s1", "(+nosuch)"), A("ACL", "SETUSER", "s1", "(~a allkeys)"),
    A("ACL", "SETUSER", "s2", "on", "nopass", "+get", "~a*", "(+set ~b*)", "(+get ~c*)"),
    A("ACL", "DRYRUN", "s2", "get", "a1"), A("ACL", "DRYRUN", "s2", "get", "c1"), A("ACL", "DRYRUN", "s2", "get", "b1"),
    A("ACL", "DRYRUN", "s2", "set", "b1", "v"), A("ACL", "DRYRUN", "s2", "set", "a1", "v"), A("ACL", "DRYRUN", "s2", "del", "a1"),
    U("AUTH", "s2", "x"), U("GET", "c1"), U("SET", "b1", "v"), U("SET", "c1", "v"), U("GET", "b1"), U("HGET", "a", "b"),
  ],
  errors: [
    A("ACL", "SETUSER", "e", "+nosuch"), A("ACL", "SETUSER", "e", "-nosuch"), A("ACL", "SETUSER", "e", "+@nosuch"), A("ACL", "SETUSER", "e", "bogus"),
    A("ACL", "SETUSER", "e", "~a", "allkeys", "~b"), A("ACL", "SETUSER", "e", "allkeys", "~b"), A("ACL", "SETUSER", "e", "allchannels", "&b"),
    A("ACL", "SETUSER", "e", "#abc"), A("ACL", "SETUSER", "e", "!abc"), A("ACL", "SETUSER", "e", "<nope"), A("ACL", "SETUSER", "e", "+config|get|x"),
    A("ACL", "SETUSER", "e", "+select|"), A("ACL", "SETUSER", "e", "+config|nosuch"), A("ACL", "SETUSER", "e", "-select|0"), A("ACL", "SETUSER", "e", "%X~a"),
    A("ACL", "SETUSER", "e", "~a b"), A("ACL", "SETUSER", "a b"), A("ACL", "SETUSER", "e", "(+get"), A("ACL", "GETUSER", "e"),
    A("ACL", "DELUSER", "default"), A("ACL", "DELUSER", "nobody", "e"), A("ACL", "NOSUCH"), A("ACL", "LIST", "x"), A("ACL", "LOAD"), A("ACL", "SAVE"),
    A("ACL", "CAT", "nosuch"), A("ACL", "GENPASS", "0"), A("ACL", "GENPASS", "4097"), A("ACL", "GENPASS", "x"), A("ACL", "LOG", "x"),
    A("ACL", "DRYRUN", "nobody", "get", "x"), A("ACL", "DRYRUN", "default", "nosuch"), A("ACL", "DRYRUN", "default", "get"), A("ACL", "DRYRUN", "default", "config", "nosuch"),
    A("ACL", "HELP"),
  ],
  denials: [
    ALICE, U("AUTH", "alice", "pw"), U("ACL", "WHOAMI"),
    U("GET", "k1"), U("GET", "x1"), U("SET", "k1", "v"), U("GET", "r1"), U("SET", "r1", "v"), U("SET", "w1", "v"), U("GET", "w1"),
    U("DEL", "k1", "w1"), U("DEL", "k1", "r1"), U("SET", "w2", "v", "GET"), U("HGET", "k1", "f"), U("CONFIG", "GET", "x"), U("CLIENT", "LIST"),
    U("PUBLISH", "ch1", "m"), U("PUBLISH", "zz", "m"), U("SUBSCRIBE", "zz"), U("PSUBSCRIBE", "ch*"), U("PSUBSCRIBE", "c*"),
    U("ACL", "LIST"), U("PING"), U("QUIT"),
    A("ACL", "SETUSER", "fa", "on", "nopass", "allkeys", "-@all", "+select|0", "+config|get", "+client"),
    RECONNECT, U("AUTH", "fa", "any"), U("SELECT", "0"), U("SELECT", "1"), U("CONFIG", "GET", "maxmemory"), U("CONFIG", "SET", "maxmemory", "0"), U("CLIENT", "GETNAME"),
  ],
  auth: [
    ALICE, U("AUTH", "alice", "bad"), U("AUTH", "nobody", "pw"), U("AUTH", "pw"), U("AUTH", "a", "b", "c"), U("ACL", "WHOAMI"), U("AUTH", "alice", "pw"), U("ACL", "WHOAMI"),
    A("ACL", "SETUSER", "alice", "off"), U("GET", "k1"), RECONNECT, U("AUTH", "alice", "pw"), U("HELLO", "2", "AUTH", "alice", "pw"),
    A("ACL", "SETUSER", "alice", "on"), U("HELLO", "2", "AUTH", "alice", "bad"), U("HELLO", "2", "AUTH", "alice", "pw", "SETNAME", "n"), U("ACL", "WHOAMI"),
    A("ACL", "SETUSER", "np", "on", "nopass", "+acl|whoami"), U("AUTH", "np", "whatever"), U("ACL", "WHOAMI"),
    A("CONFIG", "SET", "requirepass", "sekret"), A("ACL", "LIST"), RECONNECT, U("GET", "k"), U("ACL", "WHOAMI"), U("AUTH", "bad"), U("HELLO", "3"),
    U("AUTH", "sekret"), U("ACL", "WHOAMI"), RECONNECT, U("AUTH", "default", "sekret"), U("ACL", "WHOAMI"),
    A("CONFIG", "SET", "requirepass", ""), A("ACL", "LIST"), RECONNECT, U("ACL", "WHOAMI"), U("AUTH", "x"),
    A("ACL", "SETUSER", "default", "off"), RECONNECT, U("GET", "k"), A("ACL", "SETUSER", "default", "on"),
  ],
  scripts: [
    ALICE, U("AUTH", "alice", "pw"),
    U("EVAL", "return redis.call('get', 'k1')", "0"), U("EVAL", "return redis.call('get', 'x1')", "0"), U("EVAL", "return redis.call('hget', 'k1', 'f')", "0"),
    U("EVAL", "return redis.pcall('set', 'r1', 'v')", "0"), U("EVAL", "return redis.call('publish', 'zz', 'm')", "0"),
    U("EVAL", "return {redis.acl_check_cmd('get', 'k1'), redis.acl_check_cmd('get', 'x'), redis.acl_check_cmd('hget', 'k', 'f')}", "0"),
    U("EVAL", "return redis.acl_check_cmd('nosuch')", "0"), U("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"), U("EVAL_RO", "return 1", "0"),
    A("ACL", "LOG", "RESET"), U("EVAL", "return redis.call('get', 'x1')", "0"), A("ACL", "LOG"),
  ],
  transactions: [
    ALICE, U("AUTH", "alice", "pw"),
    U("MULTI"), U("GET", "k1"), U("GET", "x1"), U("EXEC"),
    U("MULTI"), U("GET", "k1"), U("SET", "k1", "v"), A("ACL", "SETUSER", "alice", "-set", "resetkeys", "~k1"), U("GET", "k2"), U("EXEC"),
    A("ACL", "SETUSER", "alice", "resetkeys", "~k*"),
    U("MULTI"), U("SET", "k1", "v"), U("GET", "k2"), A("ACL", "SETUSER", "alice", "-get"), U("EXEC"), A("ACL", "LOG", "2"),
  ],
  log: [
    ALICE, U("AUTH", "alice", "pw"), U("GET", "x1"), U("GET", "x1"), U("HGET", "k", "f"), U("PUBLISH", "zz", "m"), U("AUTH", "alice", "bad"),
    U("MULTI"), U("GET", "x2"), U("DISCARD"),
    A("ACL", "LOG"), A("ACL", "LOG", "2"), A("ACL", "LOG", "-1"), A("ACL", "LOG", "0"), A("ACL", "LOG", "RESET"), A("ACL", "LOG"),
    A("CONFIG", "SET", "acllog-max-len", "2"), U("GET", "y1"), U("GET", "y2"), U("GET", "y3"), A("ACL", "LOG"), A("CONFIG", "SET", "acllog-max-len", "128"),
  ],
  kills: [
    ALICE, U("AUTH", "alice", "pw"), U("GET", "k1"), A("ACL", "DELUSER", "alice"), CLOSED,
    ALICE, RECONNECT, U("AUTH", "alice", "pw"), U("SUBSCRIBE", "ch1"), A("ACL", "SETUSER", "alice", "&ch*", "&other"), A("PUBLISH", "ch1", "m"), U("PING"),
    A("ACL", "SETUSER", "alice", "resetchannels", "&other"), CLOSED,
    ALICE, A("ACL", "SETUSER", "alice", "+acl"), RECONNECT, U("AUTH", "alice", "pw"), U("ACL", "DELUSER", "alice"), CLOSED,
    A("ACL", "SETUSER", "bob", "on", ">b", "+@all"), RECONNECT, U("AUTH", "bob", "b"), A("ACL", "SETUSER", "bob", "off"), U("GET", "k"), A("CLIENT", "KILL", "USER", "bob"), CLOSED,
    A("CLIENT", "KILL", "USER", "nobody"),
  ],
};

/** Single-command rules (`+get`, `-config|set`) of a description, sorted within each run: Redis' order there is its hash table's. */
function normRules(s: string): string {
  const words = s.split(" ");
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    out.push(...run.sort());
    run = [];
  };
  for (const w of words) {
    if (/^[+-][a-z]/.test(w)) run.push(w);
    else {
      flush();
      out.push(w);
    }
  }
  flush();
  return out.join(" ");
}

/** A CLIENT LIST line with only what both servers can agree on. */
function normClientInfo(s: string): string {
  return s
    .split(" ")
    .filter((f) => /^(name|flags|db|sub|psub|multi|cmd|user|resp)=/.test(f))
    .join(" ");
}

function norm(v: unknown): unknown {
  // ACL LOG in RESP2: a flat array of names and values.
  if (Array.isArray(v)) return v.map((x, i) => (v[i - 1] === "age-seconds" ? "age" : norm(x)));
  if (v !== null && typeof v === "object" && !("error" in v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "age-seconds") o[k] = typeof x === "string" || typeof x === "number" ? "age" : x;
      else if (k === "client-info") o[k] = normClientInfo(String(x));
      else o[k] = norm(x);
    }
    return o;
  }
  if (typeof v === "string") return v.startsWith("id=") ? normClientInfo(v) : normRules(v);
  return v;
}

async function run(port: number, steps: Step[]): Promise<string[]> {
  const admin = await RespClient.connect(port);
  let user = await RespClient.connect(port);
  const out: string[] = [];
  try {
    for (const step of steps) {
      if (step[0] === "user-connect") {
        user.close();
        user = await RespClient.connect(port);
        continue;
      }
      if (step[0] === "user-closed?") {
        await user.waitClosed();
        out.push("user connection closed");
        continue;
      }
      const [who, ...argv] = step;
      const c = who === "admin" ? admin : user;
      const r = plain(await c.cmd(...argv));
      // GENPASS is random: its length only; HELLO: the protocol only (versions and ids differ).
      const shown =
        argv[1] === "GENPASS" && typeof r === "string" ? `${r.length} chars` : argv[0] === "HELLO" && Array.isArray(r) ? r.slice(4, 6) : norm(r);
      out.push(`${who} ${JSON.stringify(argv)} -> ${JSON.stringify(shown)}`);
    }
  } finally {
    user.close();
    // Back to a clean server: the default user only, no log, no data, no password.
    await admin.cmd("CONFIG", "SET", "requirepass", "");
    await admin.cmd("ACL", "SETUSER", "default", "on", "nopass", "+@all", "~*", "&*");
    const users = plain(await admin.cmd("ACL", "USERS")) as string[];
    const others = users.filter((u) => u !== "default");
    if (others.length > 0) await admin.cmd("ACL", "DELUSER", ...others);
    await admin.cmd("ACL", "LOG", "RESET");
    await admin.cmd("FLUSHALL");
    admin.close();
  }
  return out;
}

describe("ACL against redis-server", guard, () => {
  for (const [name, steps] of Object.entries(CASES)) {
    test(name, async () => {
      const mine = await run(servers.agner.port, steps);
      const theirs = await run(servers.redis.port, steps);
      assert.deepEqual(mine, theirs);
    });
  }

  test("ACL CAT: the categories, and each category's commands (those both servers have)", async () => {
    const a = await RespClient.connect(servers.agner.port);
    const r = await RespClient.connect(servers.redis.port);
    try {
      const cats = plain(await r.cmd("ACL", "CAT")) as string[];
      assert.deepEqual(plain(await a.cmd("ACL", "CAT")), cats);
      for (const cat of cats) {
        const mine = (plain(await a.cmd("ACL", "CAT", cat)) as string[]).sort();
        const theirs = (plain(await r.cmd("ACL", "CAT", cat.toUpperCase())) as string[]).filter((n) => lookupByFullname(n) !== undefined).sort();
        assert.deepEqual(mine, theirs, `category ${cat}`);
      }
    } finally {
      a.close();
      r.close();
    }
  });
});

describe("clients authenticating as ACL users", guard, () => {
  test("ioredis and node-redis with username and password", async () => {
    const port = servers.agner.port;
    const admin = await RespClient.connect(port);
    await admin.cmd("ACL", "SETUSER", "app", "on", ">apppw", "~app:*", "+@all");
    try {
      const io = new Redis({ port, host: "127.0.0.1", username: "app", password: "apppw", lazyConnect: true, maxRetriesPerRequest: 0 });
      await io.connect();
      assert.equal(await io.call("ACL", "WHOAMI"), "app");
      assert.equal(await io.set("app:1", "v"), "OK");
      await assert.rejects(io.set("other", "v"), /NOPERM this user has no permissions to access one of the keys used as arguments/);
      io.disconnect();
      for (const RESP of [2, 3] as const) {
        const nr = createClient({ socket: { port, host: "127.0.0.1" }, username: "app", password: "apppw", RESP });
        await nr.connect();
        assert.equal(await nr.sendCommand(["ACL", "WHOAMI"]), "app");
        assert.equal(await nr.get("app:1"), "v");
        await assert.rejects(nr.get("other"), /NOPERM/);
        await nr.quit();
      }
      const bad = new Redis({ port, host: "127.0.0.1", username: "app", password: "wrong", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const errors: string[] = [];
      bad.on("error", (e: Error) => errors.push(e.message));
      await assert.rejects(bad.connect());
      bad.disconnect();
      assert.ok(errors.some((e) => e.includes("WRONGPASS")), errors.join("; "));
    } finally {
      await admin.cmd("ACL", "DELUSER", "app");
      admin.close();
    }
  });
});
