/**
 * The server's memcached port against a real memcached, over sockets: the
 * differential scripts and random sequences give the same bytes (CAS
 * uniques renamed) and the same `stats` counters; and what only a server
 * has: a delayed flush_all, ASCII auth under requirepass (checked against
 * memcached -Y), memcached's connection limit, and processes killed the
 * OTP way (a connection, the listener, a shard, the flusher) without the
 * other clients noticing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { KILL } from "../../../src/runtime/atoms.js";
import { exit, runtime } from "../../../src/runtime/erlang.js";
import { DynamicSupervisor } from "../../../src/otp/dynamic_supervisor.js";
import { type Pid } from "../../../src/term/identifiers.js";
import { type From } from "../../../src/otp/gen.js";
import { GenServer, noreply, ok, reply } from "../../../src/otp/gen_server.js";
import { atom } from "../../../src/term/atom.js";
import { send, whereis } from "../../../src/runtime/erlang.js";
import { startKvServer, shutdown } from "../../../src/apps/kv/server/app.js";
import { Config } from "../../../src/apps/kv/server/config.js";
import { KvInstance } from "../../../src/apps/kv/server/instance.js";
import { AofAppend, type Held, NO_PERSISTENCE_INFO, type Persistence } from "../../../src/apps/kv/aof/persistence.js";
import { mcServer, memcachedPort } from "../../../src/apps/kv/memcached/memcached_server.js";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { type TestServer, startAgner, testRuntime } from "../../support/agner_kv.js";
import { DETERMINISTIC, McRawConnection, type MemcachedServer, exchange, needsMemcached, startMemcached } from "../../support/memcached_server.js";
import { CasBook } from "./mc_diff_util.js";
import { META_SCRIPTS } from "./mc_meta_scripts.js";
import { SCRIPTS } from "./mc_scripts.js";

import { COUNTERS, step } from "./mc_steps.js";

const ALL_SCRIPTS: [string, string[]][] = [...Object.entries(SCRIPTS), ...Object.entries(META_SCRIPTS).map(([n, s]): [string, string[]] => [`meta: ${n}`, s])];

async function stats(port: number): Promise<Record<string, number>> {
  const c = await McRawConnection.open(port);
  const { out } = await c.step(Buffer.from("stats\r\n"));
  c.close();
  const res: Record<string, number> = {};
  for (const m of out.toString("latin1").matchAll(/^STAT (\S+) (\S+)\r$/gm)) res[m[1]!] = Number(m[2]);
  return res;
}

/** Runs steps on both servers, each on its own connection; asserts identical replies and counter moves. */
async function compare(realPort: number, agnerPort: number, steps: readonly string[]): Promise<void> {
  let real = await McRawConnection.open(realPort);
  let ours = await McRawConnection.open(agnerPort);
  await real.step(Buffer.from("flush_all\r\n"));
  await ours.step(Buffer.from("flush_all\r\n"));
  const r0 = await stats(realPort);
  const a0 = await stats(agnerPort);
  const rBook = new CasBook();
  const aBook = new CasBook();
  try {
    for (const st of steps) {
      const r = await real.step(Buffer.from(rBook.fill(st), "latin1"));
      const a = await ours.step(Buffer.from(aBook.fill(st), "latin1"));
      assert.equal(aBook.normalize(a.out.toString("latin1")), rBook.normalize(r.out.toString("latin1")), `step ${JSON.stringify(st).slice(0, 300)}`);
      assert.equal(a.closed, r.closed, `closed after ${JSON.stringify(st).slice(0, 300)}`);
      if (r.closed) {
        real = await McRawConnection.open(realPort);
        ours = await McRawConnection.open(agnerPort);
      }
    }
  } finally {
    real.close();
    ours.close();
  }
  const r1 = await stats(realPort);
  const a1 = await stats(agnerPort);
  for (const n of COUNTERS) assert.equal(a1[n]! - a0[n]!, r1[n]! - r0[n]!, `counter ${n}`);
}

describe("the server against memcached, over sockets", needsMemcached(), () => {
  let mc: MemcachedServer;
  let srv: TestServer;
  before(async () => {
    mc = await startMemcached(DETERMINISTIC);
    srv = await startAgner(["--shards", "4"]);
  });
  after(async () => {
    await srv?.stop();
    await mc?.stop();
  });

  for (const [name, steps] of ALL_SCRIPTS) {
    test(`script: ${name}`, () => compare(mc.port, memcachedPort(srv.inst), steps));
  }

  test("random command sequences", async () => {
    const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 60);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => compare(mc.port, memcachedPort(srv.inst), steps)),
      { numRuns: runs },
    );
  });

  test("a pipeline over every shard is answered in request order", async () => {
    const keys: string[] = [];
    const seen = new Set<number>();
    for (let i = 0; seen.size < 4; i++) {
      if (!seen.has(shardOf(`p${i}`, srv.inst.mask))) {
        seen.add(shardOf(`p${i}`, srv.inst.mask));
        keys.push(`p${i}`);
      }
    }
    let req = "";
    let want = "";
    for (let round = 0; round < 200; round++) {
      for (const k of keys) {
        req += `set ${k} ${round} 0 ${String(round).length}\r\n${round}\r\nincr ${k} 1\r\n`;
        want += `STORED\r\n${round + 1}\r\n`;
      }
      req += `get ${keys.join(" ")}\r\n`;
      want += keys.map((k) => `VALUE ${k} ${round} ${String(round + 1).length}\r\n${round + 1}\r\n`).join("") + "END\r\n";
    }
    const realOut = await exchange(mc.port, Buffer.from(req));
    const ours = await exchange(memcachedPort(srv.inst), Buffer.from(req));
    assert.equal(realOut.toString(), want);
    assert.equal(ours.toString(), want);
  });
});

describe("flush_all with a delay", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startAgner(["--shards", "2"]);
  });
  after(() => srv.stop());

  test("takes effect when due (every shard), and a later flush_all replaces it", async () => {
    const port = memcachedPort(srv.inst);
    assert.equal((await exchange(port, Buffer.from("set a 0 0 1\r\na\r\nset b 0 0 1\r\nb\r\nflush_all 2\r\nget a b\r\n"))).toString(), "STORED\r\nSTORED\r\nOK\r\nVALUE a 0 1\r\na\r\nVALUE b 0 1\r\nb\r\nEND\r\n");
    // Due after 1 s (memcached's realtime(2) - 1): wait well past it, then nothing is left anywhere.
    for (let i = 0; i < 100 && srv.inst.keyspaces.some((ks) => ks.db(0).size > 0); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await exchange(port, Buffer.from("get a b\r\n"))).toString(), "END\r\n");
    assert.ok(srv.inst.keyspaces.every((ks) => ks.db(0).size === 0));
    // A delayed flush replaced by one at a time before the server started (memcached: no flush at all).
    await exchange(port, Buffer.from("set c 0 0 1\r\nc\r\nflush_all 2\r\nflush_all 1000000000\r\n"));
    assert.equal(mcServer(srv.inst).flushAt, null);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await exchange(port, Buffer.from("get c\r\n"))).toString(), "VALUE c 0 1\r\nc\r\nEND\r\n");
  });

  test("a killed flusher restarts with the pending flush", async () => {
    const port = memcachedPort(srv.inst);
    const srvState = mcServer(srv.inst);
    await exchange(port, Buffer.from("set d 0 0 1\r\nd\r\nflush_all 3\r\n"));
    const before = runtime().whereis(srvState.flusherName)!;
    exit(before as Pid, KILL);
    for (let i = 0; i < 100 && !(runtime().whereis(srvState.flusherName)?.alive && runtime().whereis(srvState.flusherName) !== before); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.notEqual(runtime().whereis(srvState.flusherName), before);
    assert.notEqual(srvState.flushAt, null);
    for (let i = 0; i < 100 && srv.inst.keyspaces.some((ks) => ks.db(0).size > 0); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await exchange(port, Buffer.from("get d\r\n"))).toString(), "END\r\n");
  });
});

describe("requirepass: memcached's ASCII auth", needsMemcached(), () => {
  let mc: MemcachedServer;
  let srv: TestServer;
  const dir = mkdtempSync(join(tmpdir(), "agner-mcauth-"));
  before(async () => {
    writeFileSync(join(dir, "auth"), "user:s3cret\n");
    mc = await startMemcached(["-Y", join(dir, "auth"), ...DETERMINISTIC]);
    srv = await startAgner(["--requirepass", "s3cret"]);
  });
  after(async () => {
    await srv?.stop();
    await mc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("answers as memcached -Y does, before and after authenticating", async () => {
    const steps = [
      "get a\r\n",
      "set a 0 0 1\r\nx\r\n",
      "set auth 0 0 10\r\nuser wrong\r\n",
      "set auth 0 0 4\r\nuser\r\n",
      "set auth 0 0 11\r\nuser s3cret\r\n",
      "set a 0 0 1\r\nx\r\n",
      "get a\r\n",
    ];
    // One step at a time, each reply awaited (memcached -Y overwrites the replies of pipelined
    // refused requests, and a sentinel would be refused too while unauthenticated).
    const real = await LineClient.open(mc.port);
    const ours = await LineClient.open(memcachedPort(srv.inst));
    for (const st of steps) {
      const until = st.startsWith("get") ? /END\r\n$|\r\n$/ : /\r\n$/;
      const r = await real.send(st, until);
      assert.equal(await ours.send(st, until), r, st);
    }
    assert.equal(await ours.send("get a\r\n", /END\r\n$/), "VALUE a 0 1\r\nx\r\nEND\r\n");
    real.close();
    ours.close();
    for (const alone of ["stats\r\n", "version\r\n", "flush_all\r\n", "set auth 0 0 11\r\nuser s3cret\rX"]) {
      assert.equal((await exchange(memcachedPort(srv.inst), Buffer.from(alone))).toString(), (await exchange(mc.port, Buffer.from(alone))).toString(), alone);
    }
  });
});

/** A socket that sends one step and waits until what came back matches `until`. */
class LineClient {
  private buf = "";
  private wake: (() => void) | null = null;
  private constructor(private readonly s: net.Socket) {
    s.on("data", (d) => {
      this.buf += d.toString("latin1");
      this.wake?.();
    });
  }
  static open(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new LineClient(s)));
      s.once("error", reject);
    });
  }
  send(bytes: string, until: RegExp): Promise<string> {
    return new Promise((resolve) => {
      const check = () => {
        if (!until.test(this.buf)) return;
        const out = this.buf;
        this.buf = "";
        this.wake = null;
        resolve(out);
      };
      this.wake = check;
      this.s.write(bytes, "latin1");
    });
  }
  close(): void {
    this.s.destroy();
  }
}

describe("connections: the limit and the OTP way", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startAgner(["--shards", "4", "--maxclients", "3"]);
  });
  after(() => srv.stop());

  const open = async () => McRawConnection.open(memcachedPort(srv.inst));
  const memcachedConns = async (): Promise<Pid[]> => {
    const kids = await DynamicSupervisor.whichChildren(srv.inst.names.connSup.name);
    return kids.map((k) => k.pid).filter((p): p is Pid => p !== undefined);
  };

  test("past maxclients memcached connections: memcached's ERROR Too many open connections, then closed", async () => {
    const a = await open();
    const b = await open();
    const c = await open();
    await a.step(Buffer.alloc(0));
    await b.step(Buffer.alloc(0));
    await c.step(Buffer.alloc(0));
    const out = await exchange(memcachedPort(srv.inst), Buffer.from("version\r\n"));
    assert.equal(out.toString(), "ERROR Too many open connections\r\n");
    const s = mcServer(srv.inst).counters;
    assert.equal(s.rejected_connections, 1);
    a.close();
    b.close();
    c.close();
    for (let i = 0; i < 100 && s.curr_connections > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.curr_connections, 0);
  });

  test("a killed connection, a killed listener, a killed shard: the other clients go on", async () => {
    const a = await open();
    const b = await open();
    assert.equal((await a.step(Buffer.from("set k 0 0 1\r\n1\r\n"))).out.toString(), "STORED\r\n");
    await b.step(Buffer.alloc(0));
    // Kill b's connection process: a is unaffected.
    const conns = await memcachedConns();
    assert.equal(conns.length, 2);
    exit(conns[1]!, KILL);
    const gone = await b.step(Buffer.from("get k\r\n"));
    assert.ok(gone.closed);
    assert.equal((await a.step(Buffer.from("incr k 1\r\n"))).out.toString(), "2\r\n");
    // Kill the listener: a stays connected; a new client gets in once it is back.
    const lname = mcServer(srv.inst).listenerName(0);
    const listener = runtime().whereis(lname)!;
    exit(listener as Pid, KILL);
    assert.equal((await a.step(Buffer.from("incr k 1\r\n"))).out.toString(), "3\r\n");
    for (let i = 0; i < 100 && (runtime().whereis(lname) === undefined || runtime().whereis(lname) === listener); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const c = await open();
    assert.equal((await c.step(Buffer.from("get k\r\n"))).out.toString(), "VALUE k 0 1\r\n3\r\nEND\r\n");
    // Kill the shard of k in the middle of a pipeline: every reply comes, in order, from its successor.
    const shard = runtime().whereis(srv.inst.names.shards[shardOf("k", srv.inst.mask)]!)!;
    let req = "";
    let want = "";
    for (let i = 0; i < 500; i++) {
      req += "incr k 1\r\n";
      want += `${4 + i}\r\n`;
    }
    const pending = a.step(Buffer.from(req));
    exit(shard as Pid, KILL);
    assert.equal((await pending).out.toString(), want);
    assert.equal((await c.step(Buffer.from("get k\r\n"))).out.toString(), "VALUE k 0 3\r\n503\r\nEND\r\n");
    a.close();
    c.close();
  });

  test("random and broken input on many connections: every one is answered or closed, and other clients go on", async () => {
    let seed = 424242;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const seeds = ["set k 0 0 5\r\nhello\r\nget k k2\r\n", "incr n 1\r\ngat 10 k\r\ncas k 0 0 1 1\r\nx\r\n", "flush_all 0\r\nstats\r\ndelete k noreply\r\n"];
    const watcher = await open();
    await watcher.step(Buffer.from("set w 0 0 1\r\nw\r\n"));
    for (let round = 0; round < 30; round++) {
      const blobs = Array.from({ length: 10 }, () => {
        const b = Buffer.from(seeds[Math.floor(rand() * seeds.length)]!, "latin1");
        if (rand() < 0.3) return Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
        for (let k = 0; k < 1 + rand() * 4; k++) b[Math.floor(rand() * b.length)] = [13, 10, 0, 32, 48, 255][Math.floor(rand() * 6)]!;
        return b;
      });
      // Each connection half-closes: the server answers what it can and closes (a hang would time the test out).
      await Promise.all(blobs.map((b) => exchange(memcachedPort(srv.inst), b)));
      const r = (await watcher.step(Buffer.from("set w 0 0 1\r\nw\r\nget w\r\n"))).out.toString();
      assert.ok(r === "STORED\r\nVALUE w 0 1\r\nw\r\nEND\r\n", r);
    }
    watcher.close();
    const s = mcServer(srv.inst).counters;
    for (let i = 0; i < 100 && s.curr_connections > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.curr_connections, 0);
  });

  test("a client that half-closes still gets every reply", async () => {
    const out = await exchange(memcachedPort(srv.inst), Buffer.from("set h 0 0 2\r\nhi\r\nget h\r\nget h h h\r\n"));
    assert.equal(out.toString(), "STORED\r\nVALUE h 0 2\r\nhi\r\nEND\r\n" + "VALUE h 0 2\r\nhi\r\n".repeat(3) + "END\r\n");
  });

  test("quit closes after the replies before it; an over-long line closes at once", async () => {
    assert.equal((await exchangeOpen(memcachedPort(srv.inst), "get h\r\nquit\r\nget h\r\n")).toString(), "VALUE h 0 2\r\nhi\r\nEND\r\n");
    assert.equal((await exchangeOpen(memcachedPort(srv.inst), "x".repeat(5000))).toString(), "");
  });
});

/** Writes bytes without half-closing and returns what comes until the server closes. */
function exchangeOpen(port: number, bytes: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, "127.0.0.1", () => s.write(bytes));
    s.on("data", (d) => chunks.push(d));
    s.on("close", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
  });
}

describe("protected mode", () => {
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && !a.internal && a.family === "IPv4")?.address;
  test("a non-loopback memcached client is refused without a password, admitted (to authenticate) with one", { skip: external === undefined ? "no non-loopback IPv4 address here" : undefined }, async () => {
    const open = await startAgner(["--memcached-bind", "0.0.0.0"]);
    const withPass = await startAgner(["--memcached-bind", "0.0.0.0", "--requirepass", "pw"]);
    try {
      const refused = (await exchange(memcachedPort(open.inst), Buffer.from("get a\r\n"), external)).toString();
      assert.match(refused, /^SERVER_ERROR Agner is running in protected mode: .*\r\n$/);
      assert.equal(mcServer(open.inst).counters.rejected_connections, 1);
      assert.equal((await exchange(memcachedPort(open.inst), Buffer.from("get a\r\n"))).toString(), "END\r\n", "loopback is fine");
      assert.equal((await exchange(memcachedPort(withPass.inst), Buffer.from("get a\r\nset x 0 0 4\r\nu pw\r\nget a\r\n"), external)).toString(), "CLIENT_ERROR unauthenticated\r\nSTORED\r\nEND\r\n");
    } finally {
      await open.stop();
      await withPass.stop();
    }
  });
});

describe("appendfsync always", () => {
  /** A writer that holds every reply until told the writes are durable. */
  const held: Held[] = [];
  const records: (readonly string[])[] = [];
  class HoldingWriter extends GenServer<null, never, never, unknown, null> {
    init() {
      return ok(null);
    }
    override handleCall(_req: unknown, _from: From, s: null) {
      return reply(atom("ok") as never, s);
    }
    override handleInfo(msg: unknown, s: null) {
      if (msg instanceof AofAppend) {
        for (const r of msg.records) records.push(r.argv);
        if (msg.held !== null) held.push(msg.held);
      } else if (msg === atom("durable")) for (const h of held.splice(0)) h.to.rt.deliver(h.to, h.msg);
      return noreply(s);
    }
  }
  const persistence: Persistence = {
    name: "holding",
    writerSpec: (inst) => ({ id: "writer", start: () => GenServer.startLink(new HoldingWriter(), null, { name: inst.names.writer }).result() }),
    info: () => NO_PERSISTENCE_INFO,
  };

  test("a memcached write is answered once durable, and recorded as the Redis commands that replay it", async () => {
    testRuntime();
    const inst = new KvInstance({
      config: Config.from({ argv: ["--port", "0", "--memcached-port", "0", "--appendonly", "yes", "--appendfsync", "always", "--shards", "2"] }),
      prefix: "kvmcaof",
      persistence,
    });
    await startKvServer(inst);
    try {
      const c = await LineClient.open(memcachedPort(inst));
      const got = c.send("set k 3 100 2\r\nhi\r\nincr n 1\r\ndelete k\r\n", /DELETED\r\n$/);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(held.length > 0, "the replies wait in the writer");
      assert.deepEqual(
        records.map((r) => r[0]),
        ["SET", "AGNER.MCFLAGS", "DEL"],
      );
      assert.equal(records[0]![3], "PXAT");
      send(whereis(inst.names.writer)!, atom("durable"));
      assert.equal(await got, "STORED\r\nNOT_FOUND\r\nDELETED\r\n");
      c.close();
    } finally {
      await shutdown(inst);
    }
  });
});
