/**
 * What a shard's death does to a client's requests, once for both
 * protocols: RESP and memcached connections (and the `kv` GenServer) talk
 * to the shards through one shard client (server/shard_client.ts), so each
 * case runs against both. Every request pipelined into a shard that dies
 * before running it runs once on its successor, and its reply comes back
 * in order, however the successor is found:
 *
 * - the keyspace holder says so (`AwaitShard` → `ShardUp`);
 * - the holder is dead when the shard dies (its supervisor held back): the
 *   client asks again until a holder answers or the shard is found;
 * - the holder dies with the question in its mailbox: its `DOWN` makes
 *   the client ask again.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { type Pid, atom, exit, processInfo, sys, whereis } from "../../../../src/index.js";
import { memcachedPort } from "../../../../src/apps/kv/memcached/memcached_state.js";
import { AwaitShard } from "../../../../src/apps/kv/server/messages.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";
import { type TestServer, restarted, startAgner } from "../../../support/agner_kv.js";
import { RespClient, encodeCommand, plain } from "../../../support/resp_client.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner(["--shards", "4"]);
});
after(async () => {
  await srv.stop();
});

const KILL = atom("kill");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (ok()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A client of one protocol that increments counters (pipelined) and reads them. */
interface Counter {
  /** Sends `INCR key` / `incr key 1` for each key, in one write. */
  incr(keys: readonly string[]): void;
  /** The next increment's reply, as a number. */
  nextCount(): Promise<number>;
  /** Sets `key` to `0`, answered. */
  reset(key: string): Promise<void>;
  get(key: string): Promise<number>;
  close(): void;
}

class RespCounter implements Counter {
  private constructor(private readonly c: RespClient) {}
  static async connect(): Promise<RespCounter> {
    return new RespCounter(await RespClient.connect(srv.port));
  }
  incr(keys: readonly string[]): void {
    this.c.write(Buffer.concat(keys.map((k) => encodeCommand(["INCR", k]))));
  }
  async nextCount(): Promise<number> {
    return plain(await this.c.read()) as number;
  }
  async reset(key: string): Promise<void> {
    assert.equal(plain(await this.c.cmd("SET", key, "0")), "OK");
  }
  async get(key: string): Promise<number> {
    return Number(plain(await this.c.cmd("GET", key)));
  }
  close(): void {
    this.c.close();
  }
}

/** memcached's text protocol, line by line. */
class McCounter implements Counter {
  private buf = "";
  private waiters: (() => void)[] = [];
  private constructor(private readonly s: net.Socket) {
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static connect(): Promise<McCounter> {
    return new Promise((resolve, reject) => {
      const s = net.connect(memcachedPort(srv.inst), "127.0.0.1");
      s.once("connect", () => resolve(new McCounter(s)));
      s.once("error", reject);
    });
  }
  private async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf("\r\n");
      if (i >= 0) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        return l;
      }
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no reply within 10 s; have ${JSON.stringify(this.buf.slice(0, 200))}`)), 10_000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  incr(keys: readonly string[]): void {
    this.s.write(keys.map((k) => `incr ${k} 1\r\n`).join(""), "latin1");
  }
  async nextCount(): Promise<number> {
    const l = await this.line();
    assert.match(l, /^\d+$/, `an incr's reply: ${l}`);
    return Number(l);
  }
  async reset(key: string): Promise<void> {
    this.s.write(`set ${key} 0 0 1\r\n0\r\n`, "latin1");
    assert.equal(await this.line(), "STORED");
  }
  async get(key: string): Promise<number> {
    this.s.write(`get ${key}\r\n`, "latin1");
    assert.match(await this.line(), new RegExp(`^VALUE ${key} `));
    const v = Number(await this.line());
    assert.equal(await this.line(), "END");
    return v;
  }
  close(): void {
    this.s.destroy();
  }
}

const protocols: [string, () => Promise<Counter>][] = [
  ["RESP", () => RespCounter.connect()],
  ["memcached", () => McCounter.connect()],
];

/**
 * Pipelines `rounds` increments over `keys` (some on shard `shard`, which
 * is suspended so they wait in its mailbox), lets `crash` kill it, then
 * checks every reply came, in order, and every increment ran exactly once.
 */
async function pipelinedThroughCrash(c: Counter, prefix: string, shard: number, crash: (old: Pid) => Promise<void>): Promise<void> {
  const keys = Array.from({ length: 16 }, (_, k) => `${prefix}:${k}`);
  const mine = keys.filter((k) => shardOf(k, srv.inst.mask) === shard);
  assert.ok(mine.length > 0 && mine.length < keys.length, "some keys on the shard that dies, some elsewhere");
  for (const k of keys) await c.reset(k);
  const name = srv.inst.names.shards[shard]!;
  const old = whereis(name)!;
  await sys.suspend(old); // what arrives waits, unhandled: the kill finds batches that never ran
  const rounds = 50;
  const sent: string[] = [];
  for (let r = 0; r < rounds; r++) sent.push(...keys);
  c.incr(sent);
  await until("the suspended shard's mailbox to hold the batches", () => (processInfo(old, "message_queue_len") ?? 0) > 0);
  await crash(old);
  const seen = new Map<string, number>();
  for (const k of sent) {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    assert.equal(await c.nextCount(), n, `the reply to increment #${n} of ${k}, in order`);
  }
  for (const k of keys) assert.equal(await c.get(k), rounds, `${k}: every increment ran once`);
  await restarted(name, old);
}

for (const [proto, connect] of protocols) {
  describe(`a shard dies under a ${proto} client's pipeline`, () => {
    test("killed with batches waiting in it: they run on its successor, once each, replies in order", async () => {
      const c = await connect();
      await pipelinedThroughCrash(c, `${proto}-a`, 1, async (old) => {
        exit(old, KILL);
      });
      c.close();
    });

    test("killed while the holder is dead and not yet restarted: the client keeps looking and finds the successor", async () => {
      const c = await connect();
      const sup = whereis(srv.inst.names.sup)!;
      const holder = whereis(srv.inst.names.holder)!;
      await pipelinedThroughCrash(c, `${proto}-b`, 2, async (old) => {
        await sys.suspend(sup); // keeps the holder's EXIT unhandled: no holder until it resumes
        exit(holder, KILL);
        await until("the holder to be gone", () => whereis(srv.inst.names.holder) === undefined);
        exit(old, KILL);
        await restarted(srv.inst.names.shards[2]!, old);
        await sleep(50); // the client looks without the holder (the successor answers before the holder is back)
        await sys.resume(sup);
      });
      await restarted(srv.inst.names.holder, holder);
      c.close();
    });

    test("the holder dies with the client's question in its mailbox: its DOWN makes the client ask again", async () => {
      const c = await connect();
      const holder = whereis(srv.inst.names.holder)!;
      await pipelinedThroughCrash(c, `${proto}-c`, 3, async (old) => {
        await sys.suspend(holder);
        // Every shard client (this connection, `kv`, the memcached flusher) monitors the shard.
        const clients = (processInfo(old, "monitored_by") ?? []).filter((p) => p !== holder);
        exit(old, KILL);
        // Their questions wait in the suspended holder ...
        await until("every client's question to reach the holder", () => {
          const asked = new Set((processInfo(holder, "messages") ?? []).filter((m) => m instanceof AwaitShard && m.index === 3).map((m) => (m as AwaitShard).from));
          return clients.every((p) => asked.has(p as never));
        });
        exit(holder, KILL); // ... and die with it
      });
      await restarted(srv.inst.names.holder, holder);
      c.close();
    });
  });
}
