/**
 * Killing each kind of process (exit(Pid, kill), the observer's button)
 * while clients keep working: it restarts, the clients of other
 * connections see no error, and every acknowledged write is still there.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { atom, exit, isAlive, sys, whereis } from "../../../../src/index.js";
import { type TestServer, restarted, startAgner } from "../../../support/agner_kv.js";
import { RespClient, encodeCommand, plain } from "../../../support/resp_client.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner(["--shards", "4"]);
});
after(async () => {
  await srv.stop();
});

const KILL = atom("kill");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A client writing `prefix:i = i` in pipelines of 20 and reading some back,
 * until stopped; it records every write it saw acknowledged and every
 * error it got.
 */
class Load {
  readonly acked: number[] = [];
  readonly errors: string[] = [];
  private stopped = false;
  private done: Promise<void>;
  readonly client: Redis;
  constructor(
    port: number,
    readonly prefix: string,
  ) {
    this.client = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 0, enableOfflineQueue: true });
    this.client.on("error", (e) => this.errors.push(`connection: ${e.message}`));
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    let i = 0;
    while (!this.stopped) {
      const p = this.client.pipeline();
      const ids: number[] = [];
      for (let k = 0; k < 20; k++, i++) {
        ids.push(i);
        p.set(`${this.prefix}:${i}`, String(i));
      }
      p.get(`${this.prefix}:${i - 1}`);
      try {
        const res = (await p.exec())!;
        res.forEach(([err, v], k) => {
          if (err) this.errors.push(err.message);
          else if (k < ids.length && v === "OK") this.acked.push(ids[k]!);
          else if (k === ids.length && v !== String(i - 1)) this.errors.push(`read back ${String(v)}`);
        });
      } catch (e) {
        this.errors.push((e as Error).message);
      }
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
  /** Every acknowledged write, read back on a fresh connection. */
  async verify(port: number): Promise<void> {
    const c = new Redis({ port, host: "127.0.0.1" });
    try {
      for (let k = 0; k < this.acked.length; k += 500) {
        const ids = this.acked.slice(k, k + 500);
        const vals = await c.mget(...ids.map((i) => `${this.prefix}:${i}`));
        ids.forEach((id, j) => assert.equal(vals[j], String(id), `acknowledged ${this.prefix}:${id} is there`));
      }
    } finally {
      c.disconnect();
    }
    this.client.disconnect();
  }
}

async function underLoad(name: string, kill: () => Promise<void>): Promise<Load[]> {
  const loads = [new Load(srv.port, `${name}-a`), new Load(srv.port, `${name}-b`)];
  await sleep(60);
  await kill();
  await sleep(60);
  for (const l of loads) await l.stop();
  for (const l of loads) {
    assert.deepEqual(l.errors, [], `${l.prefix}: no client saw an error`);
    assert.ok(l.acked.length > 20, `${l.prefix} kept working (${l.acked.length} writes)`);
    await l.verify(srv.port);
  }
  return loads;
}

describe("killing processes under load", () => {
  test("a shard holding data: restarted with its data; in-flight batches run on the successor", async () => {
    const c = await RespClient.connect(srv.port);
    for (let i = 0; i < 200; i++) await c.cmd("SET", `pre:${i}`, `v${i}`);
    await underLoad("shard", async () => {
      for (let s = 0; s < 4; s++) {
        const name = srv.inst.names.shards[s]!;
        const old = whereis(name)!;
        exit(old, KILL);
        assert.ok(!isAlive(old));
        await restarted(name, old);
        await sleep(10);
      }
    });
    for (let i = 0; i < 200; i++) assert.deepEqual(plain(await c.cmd("GET", `pre:${i}`)), `v${i}`);
    c.close();
  });

  test("a shard killed with batches waiting in it: every one of them still runs, once", async () => {
    const c = await RespClient.connect(srv.port);
    const name = srv.inst.names.shards[1]!;
    const old = whereis(name)!;
    // Suspended, the shard keeps what arrives unhandled: the kill finds batches that never ran.
    await sys.suspend(old);
    const n = 2000;
    const bytes: Buffer[] = [];
    for (let i = 0; i < n; i++) bytes.push(encodeCommand(["INCR", `burst:${i % 97}`]));
    c.write(Buffer.concat(bytes));
    await sleep(100);
    const mine = Array.from({ length: 97 }, (_, k) => `burst:${k}`).filter((k) => shardOf(k, srv.inst.mask) === 1);
    assert.ok(mine.length > 0);
    assert.ok(mine.every((k) => !srv.inst.keyspaces[1]!.db(0).data.has(k)), "shard 1 has run none of its INCRs yet");
    assert.ok(Array.from({ length: 97 }, (_, k) => `burst:${k}`).some((k) => shardOf(k, srv.inst.mask) === 0 && srv.inst.keyspaces[0]!.db(0).data.has(k)), "the other shards have");
    exit(old, KILL);
    for (let i = 0; i < n; i++) assert.equal((await c.read()).t, "int");
    let total = 0;
    for (let k = 0; k < 97; k++) total += Number(plain(await c.cmd("GET", `burst:${k}`)));
    assert.equal(total, n, "no INCR lost and none run twice");
    await restarted(name, old);
    c.close();
  });

  test("a shard that writes for its client (one-shard batches): order kept behind it; killed before writing, its successor writes once", async () => {
    const c = await RespClient.connect(srv.port);
    const keyOn = (shard: number, tag: string) => {
      for (let i = 0; ; i++) if (shardOf(`${tag}${i}`, srv.inst.mask) === shard) return `${tag}${i}`;
    };
    const a = keyOn(1, "da");
    const b = keyOn(2, "db");
    await c.cmd("SET", a, "A");
    await c.cmd("SET", b, "B");
    const name = srv.inst.names.shards[1]!;
    const old = whereis(name)!;
    await sys.suspend(old);
    // One command per write: each is a batch of one shard, which that shard answers on the socket itself.
    c.send("INCR", `${a}:n`);
    await sleep(20);
    c.send("GET", b); // another shard, answered at once: its reply must still come second
    await sleep(20);
    c.send("PING"); // the connection answers this one itself: third
    await sleep(50);
    exit(old, KILL); // never ran the INCR: the successor does, once
    assert.deepEqual(plain(await c.read()), 1);
    assert.deepEqual(plain(await c.read()), "B");
    assert.deepEqual(plain(await c.read()), "PONG");
    await restarted(name, old);
    assert.deepEqual(plain(await c.cmd("GET", `${a}:n`)), "1");
    c.close();
  });

  test("the holder and a shard with waiting batches killed together: the batches still run once", async () => {
    const c = await RespClient.connect(srv.port);
    const name = srv.inst.names.shards[3]!;
    const old = whereis(name)!;
    await sys.suspend(old);
    const keys = Array.from({ length: 200 }, (_, k) => `hk:${k}`);
    c.write(Buffer.concat(keys.map((k) => encodeCommand(["INCR", k]))));
    await sleep(50);
    const holder = whereis(srv.inst.names.holder)!;
    exit(holder, KILL);
    exit(old, KILL);
    for (let i = 0; i < keys.length; i++) assert.deepEqual(plain(await c.read()), 1);
    await restarted(name, old);
    await restarted(srv.inst.names.holder, holder);
    c.close();
  });

  test("a connection: only its client is cut off", async () => {
    const victim = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await victim.cmd("CLIENT", "SETNAME", "victim")), "OK");
    const row = [...srv.inst.clients.values()].find((r) => r.name === "victim")!;
    await underLoad("conn", async () => {
      exit(row.pid, KILL);
      await victim.waitClosed();
    });
    assert.ok(!srv.inst.clients.has(row.id), "its row is gone from CLIENT LIST");
  });

  test("a listener: restarted on the same port; connected clients unaffected; new ones accepted", async () => {
    const name = srv.inst.names.listener(0);
    const port = srv.port;
    await underLoad("listener", async () => {
      const old = whereis(name)!;
      exit(old, KILL);
      await restarted(name, old);
    });
    assert.equal(srv.inst.port, port);
    const fresh = await RespClient.connect(port);
    assert.deepEqual(plain(await fresh.cmd("PING")), "PONG");
    fresh.close();
  });

  test("the expiry process: restarted, and keys still expire without being touched", async () => {
    const c = await RespClient.connect(srv.port);
    await underLoad("expiry", async () => {
      const old = whereis(srv.inst.names.expiry)!;
      exit(old, KILL);
      await restarted(srv.inst.names.expiry, old);
    });
    // Counted before the SETs: on a busy machine some of the 50 expire while the others are being set.
    const before = srv.inst.keyspaces.reduce((a, k) => a + k.stats.expiredKeys, 0);
    for (let i = 0; i < 50; i++) await c.cmd("SET", `ttl:${i}`, "x", "PX", "30");
    // Active expiry samples keys: on a busy machine it can take seconds; wait for it (the test's timeout bounds it).
    for (;;) {
      if (srv.inst.keyspaces.reduce((a, k) => a + k.stats.expiredKeys, 0) >= before + 50) break;
      await sleep(20);
    }
    assert.equal(srv.inst.keyspaces.reduce((a, k) => a + k.stats.expiredKeys, 0), before + 50, "all 50 removed by active expiry");
    c.close();
  });

  test("the keyspace holder, the writer and the kv server: each restarts, nothing is lost", async () => {
    for (const name of [srv.inst.names.holder, srv.inst.names.writer, srv.inst.names.kv]) {
      await underLoad(`other-${name.name}`, async () => {
        const old = whereis(name)!;
        exit(old, KILL);
        await restarted(name, old);
      });
    }
    // After the holder's restart, a shard kill still hands the data over.
    const shard = srv.inst.names.shards[2]!;
    const old = whereis(shard)!;
    exit(old, KILL);
    await restarted(shard, old);
    const c = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await c.cmd("GET", "pre:7")), "v7");
    c.close();
  });
});
