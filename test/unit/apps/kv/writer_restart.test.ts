/**
 * The persistence writer (`kv_writer`) killed under load (issue 11,
 * finding 3), in the test process so its logs, its state and `exit(P,
 * kill)` are at hand:
 *
 * - with a sizeable AOF and INCR load from several RESP clients, each kill
 *   of the writer loses no acknowledged INCR and applies none twice (a
 *   restarted writer must not replay the files into the live keyspaces), the
 *   server keeps answering, and the files are not read again (the load's
 *   log line appears once, at start; each restart logs a rewrite instead);
 * - replies the killed writer held are answered with an error, on RESP,
 *   memcached and the seed's `kv` GenServer, never left unanswered;
 * - a call the writer does not know gets `{error, {unknown_call, Req}}`
 *   and the writer keeps running.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Pid, atom, call, exit, sys, t, whereis } from "../../../../src/index.js";
import { memcachedPort } from "../../../../src/apps/kv/index.js";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { LoadClient, sleep, verify, verifyLive } from "../../../support/crash_load.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const tmp = mkdtempSync(join(tmpdir(), "agner-writer-restart-"));
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const KILL = atom("kill");

async function start(dir: string, fsync = "everysec"): Promise<TestServer> {
  const s = await startAgner(["--appendonly", "yes", "--appendfsync", fsync, "--dir", dir, "--shards", "4", "--memcached", "yes"]);
  servers.push(s);
  return s;
}

/** An append-only directory holding `keys` SETs of 100-byte values in its base (about 130 bytes a record). */
function writeAof(dir: string, keys: number): number {
  const d = join(dir, "appendonlydir");
  mkdirSync(d, { recursive: true });
  const v = "v".repeat(100);
  const parts: string[] = [];
  for (let i = 0; i < keys; i++) {
    const k = `preload:${i}`;
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$100\r\n${v}\r\n`);
  }
  const text = parts.join("");
  writeFileSync(join(d, "appendonly.aof.1.base.aof"), text, "latin1");
  writeFileSync(join(d, "appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\n");
  return text.length;
}

const logged = (s: TestServer, re: RegExp) => s.logs.filter((e) => e.what === "kv_aof" && re.test(e.text)).length;
const LOADED = /^DB loaded from append only file/;
const REJOINED = /^persistence writer restarted: rewriting/;

/** Waits for `cond`, failing with `what` after `ms` (a guard against a hang, not a timing assertion). */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await sleep(5);
  }
}

function writerOf(s: TestServer): Pid {
  const w = whereis(s.inst.names.writer);
  assert.ok(w !== undefined, "a writer is registered");
  return w;
}

test("kv_writer killed again and again under INCR load with a 6 MB AOF: no INCR lost or applied twice, the server goes on serving, the AOF is not read again", { timeout: 120_000 }, async () => {
  const dir = join(tmp, "load");
  const size = writeAof(dir, 50_000);
  assert.ok(size > 6_000_000);
  const srv = await start(dir);
  assert.equal(logged(srv, LOADED), 1, "loaded once at start");
  let id = 0;
  const clients = [new LoadClient(++id, "resp", "single"), new LoadClient(++id, "resp", "single"), new LoadClient(++id, "resp", "pipeline", 8), new LoadClient(++id, "resp", "multi")];
  clients.forEach((c) => c.start(() => srv.port));
  const acks = () => clients.reduce((a, c) => a + c.acks, 0);
  await until(() => clients.every((c) => c.acks > 10), "every client acknowledged");
  const kills = 6;
  for (let k = 0; k < kills; k++) {
    const w = writerOf(srv);
    const before = acks();
    exit(w, KILL);
    // It restarts (a new pid) and the clients' INCRs are acknowledged again.
    await until(() => whereis(srv.inst.names.writer) !== undefined && whereis(srv.inst.names.writer) !== w, "a new writer");
    await until(() => acks() > before + 100, `acknowledgements after kill ${k + 1}`);
    const v = await verifyLive(srv.port, clients);
    assert.deepEqual(v.lost, [], `kill ${k + 1}: acknowledged INCRs lost`);
    assert.deepEqual(v.doubled, [], `kill ${k + 1}: INCRs applied twice`);
    await sleep(100);
  }
  await Promise.all(clients.map((c) => c.stop()));
  assert.deepEqual(clients.flatMap((c) => c.anomalies), [], "every INCR answered, values only grow");
  assert.equal(logged(srv, LOADED), 1, "a restarted writer did not read the AOF again");
  assert.equal(logged(srv, REJOINED), kills, "each restarted writer rewrote from the data in memory");
  const c = await RespClient.connect(srv.port);
  assert.equal(plain(await c.cmd("DBSIZE")), 50_000 + clients.length, "the preloaded keys are all there, once");
  c.close();
  // What the restarted writers wrote is the data: a restart on the same directory loads all of it.
  await srv.stop();
  const again = await start(dir);
  const { verdict } = await verify(again.port, clients);
  assert.deepEqual(verdict.lost, [], "after a restart: acknowledged INCRs lost");
  assert.deepEqual(verdict.doubled, [], "after a restart: INCRs applied twice");
  const c2 = await RespClient.connect(again.port);
  assert.equal(plain(await c2.cmd("DBSIZE")), 50_000 + clients.length);
  c2.close();
  await again.stop();
});

/** A raw memcached connection, reading lines. */
async function mcConnect(port: number): Promise<{ send: (s: string) => void; line: () => Promise<string>; close: () => void }> {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise((r, j) => sock.once("connect", r).once("error", j));
  let buf = "";
  let wake: (() => void) | null = null;
  sock.setEncoding("latin1");
  sock.on("data", (d: string) => {
    buf += d;
    wake?.();
  });
  return {
    send: (s) => sock.write(s, "latin1"),
    line: async () => {
      const end = Date.now() + 10_000;
      while (!buf.includes("\r\n")) {
        if (Date.now() > end) throw new Error(`no reply line; have ${JSON.stringify(buf)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const i = buf.indexOf("\r\n");
      const l = buf.slice(0, i);
      buf = buf.slice(i + 2);
      return l;
    },
    close: () => sock.destroy(),
  };
}

test("replies the killed writer held get an error reply, on RESP and memcached (not silence)", { timeout: 60_000 }, async () => {
  const srv = await start(join(tmp, "held"));
  const resp = await RespClient.connect(srv.port);
  const reader = await RespClient.connect(srv.port);
  const mc = await mcConnect(memcachedPort(srv.inst));
  mc.send("set held:mc 0 0 1\r\n5\r\n");
  assert.equal(await mc.line(), "STORED");
  const w = writerOf(srv);
  await sys.suspend(w); // AofAppends wait in its mailbox, with the replies they hold
  resp.send("INCR", "held:resp");
  mc.send("incr held:mc 1\r\n");
  // Run (a read is not held under everysec): so their records and replies are in the writer's mailbox.
  for (;;) {
    const r = plain(await reader.cmd("MGET", "held:resp", "held:mc")) as (string | null)[];
    if (r[0] === "1" && r[1] === "6") break;
    await sleep(5);
  }
  exit(w, KILL);
  assert.deepEqual(plain(await resp.read()), { error: "ERR persistence writer restarted before the write was confirmed durable; it may or may not be applied" });
  assert.equal(await mc.line(), "SERVER_ERROR persistence writer restarted before the write was confirmed durable; it may or may not be applied");
  // The connections go on, with the new writer.
  assert.deepEqual(plain(await resp.cmd("INCR", "held:resp")), 2);
  mc.send("incr held:mc 1\r\n");
  assert.equal(await mc.line(), "7");
  resp.close();
  reader.close();
  mc.close();
  await srv.stop();
});

test("the seed's kv GenServer: a call whose reply the killed writer held is answered {error, writer_restarted}, not left to time out", { timeout: 60_000 }, async () => {
  const srv = await start(join(tmp, "kvcall"), "always"); // under always, reads are held too
  const names = srv.inst.names;
  const c = await RespClient.connect(srv.port);
  await c.cmd("SET", "k", "v");
  const w = writerOf(srv);
  await sys.suspend(w);
  const pending = call(names.kv, t(atom("get"), "k"), 10_000).then(
    (r) => r,
    (e: unknown) => ({ threw: String(e) }),
  );
  // kv has sent the batch (its mailbox is in order), and the shard has run it and handed the reply to the writer.
  await sys.getState(names.kv);
  for (const s of names.shards) await sys.getState(s);
  exit(w, KILL);
  assert.deepEqual(await pending, t(atom("error"), atom("writer_restarted")));
  await until(() => whereis(names.writer) !== undefined, "a new writer");
  const v = await call(names.kv, t(atom("get"), "k"), 10_000);
  assert.equal(Buffer.from(v as Uint8Array).toString(), "v", "kv serves on with the new writer");
  c.close();
  await srv.stop();
});

test("a call kv_writer does not know is answered {error, {unknown_call, Req}}; the writer keeps running", async () => {
  const srv = await start(join(tmp, "unknown"));
  const w = writerOf(srv);
  for (const req of [atom("no_such_request"), t(atom("config"), "appendonly", "extra"), t(atom("what"), 1), 42]) {
    assert.deepEqual(await call(w, req as never, 5000), t(atom("error"), t(atom("unknown_call"), req)), `call ${String(req)}`);
  }
  assert.equal(whereis(srv.inst.names.writer), w, "the same writer");
  assert.equal(await call(w, atom("flush") as never, 5000), atom("ok"), "and it still works");
  const c = await RespClient.connect(srv.port);
  assert.deepEqual(plain(await c.cmd("INCR", "after")), 1);
  c.close();
  await srv.stop();
});
