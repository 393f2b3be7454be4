/**
 * Limits and safety on real sockets: protected mode, maxclients, the
 * output buffer limit, protocol errors (only that connection closes), the
 * bulk length limit, and random bytes from many clients (the node survives
 * and serves everyone else).
 */
import assert from "node:assert/strict";
import net from "node:net";
import os from "node:os";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { PROTOCOL_ERROR_CASES } from "../../../support/protocol_error_cases.js";
import { freePort } from "../../../support/redis_tools.js";
import { RespClient, encodeCommand, plain } from "../../../support/resp_client.js";
import { PROTECTED_MODE_TEXT } from "../../../../src/apps/kv/server/listener.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner();
});
after(async () => {
  await srv.stop();
});

function crashes(s: TestServer): string[] {
  return s.logs.filter((e) => e.level === "error").map((e) => e.text);
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

/** What the server sends a client that sends PING, until it closes (or until the PONG). */
function readAll(port: number, host: string, localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    let out = "";
    s.on("data", (d) => {
      out += d.toString("latin1");
      if (out === "+PONG\r\n") s.destroy();
    });
    s.on("close", () => resolve(out));
    s.on("error", reject);
    s.on("connect", () => s.write(encodeCommand(["PING"])));
    setTimeout(() => s.destroy(), 3000);
  });
}

describe("protected mode", () => {
  const ext = externalAddress();
  test("bound beyond loopback without a password: non-loopback clients get Redis' DENIED text", { skip: ext === undefined ? "no non-loopback interface here" : false }, async () => {
    const open = await startAgner(["--bind", "0.0.0.0"]);
    try {
      const denied = await readAll(open.port, ext!, ext);
      assert.equal(denied, PROTECTED_MODE_TEXT);
      assert.match(denied, /^-DENIED Redis is running in protected mode/);
      assert.equal(await readAll(open.port, "127.0.0.1").then((s) => s.slice(0, 7)), "+PONG\r\n");
      assert.ok(open.inst.stats.rejectedConnections >= 1);
      // With a password set, outsiders may connect (and must AUTH).
      const c = await RespClient.connect(open.port);
      assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "requirepass", "pw")), "OK");
      c.close();
      const s = new net.Socket();
      const reply = await new Promise<string>((resolve) => {
        s.connect({ port: open.port, host: ext!, localAddress: ext! }, () => s.write(encodeCommand(["PING"])));
        s.once("data", (d) => resolve(d.toString("latin1")));
      });
      s.destroy();
      assert.equal(reply, "-NOAUTH Authentication required.\r\n");
    } finally {
      await open.stop();
    }
  });
});

describe("limits", () => {
  test("maxclients: the client beyond it gets '-ERR max number of clients reached' and is closed", async () => {
    const admin = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await admin.cmd("CONFIG", "SET", "maxclients", "2")), "OK");
    const second = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await second.cmd("PING")), "PONG");
    const third = await RespClient.connect(srv.port);
    assert.equal(await third.waitClosed(), "-ERR max number of clients reached\r\n");
    second.close();
    await new Promise((r) => setTimeout(r, 50));
    const again = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await again.cmd("PING")), "PONG", "room again once one left");
    assert.deepEqual(plain(await admin.cmd("CONFIG", "SET", "maxclients", "10000")), "OK");
    again.close();
    admin.close();
  });

  test("a client that does not read its replies is closed at the output buffer limit; others go on", async () => {
    const admin = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await admin.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0")), "OK");
    assert.deepEqual(plain(await admin.cmd("SET", "big", "x".repeat(256 * 1024))), "OK");
    const before = srv.inst.stats.outputLimitDisconnections;
    const lazy = net.connect(srv.port, "127.0.0.1");
    await new Promise((r) => lazy.once("connect", r));
    lazy.pause(); // never reads
    const closed = new Promise<void>((r) => lazy.once("close", () => r()));
    lazy.on("error", () => {});
    const get = encodeCommand(["GET", "big"]);
    for (let i = 0; i < 400; i++) lazy.write(get); // 100 MB of replies asked for
    while (srv.inst.stats.outputLimitDisconnections === before) await new Promise((r) => setTimeout(r, 10));
    lazy.resume(); // a client that does not read cannot see the close: read, and find the end
    lazy.on("data", () => {});
    await closed;
    assert.equal(srv.inst.stats.outputLimitDisconnections, before + 1);
    assert.ok(srv.logs.some((e) => /overcoming of output buffer limits \(hard/.test(e.text)), "logged, as Redis does");
    assert.deepEqual(plain(await admin.cmd("PING")), "PONG");
    assert.deepEqual(plain(await admin.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 256mb 64mb 60")), "OK");
    admin.close();
  });

  test("a bulk longer than proto-max-bulk-len is refused on its header; the connection closes", async () => {
    const c = await RespClient.connect(srv.port);
    c.write("*2\r\n$3\r\nGET\r\n$536870913\r\n");
    assert.equal(await c.waitClosed(), "-ERR Protocol error: invalid bulk length\r\n");
  });
});

describe("protocol errors", () => {
  for (const [bytes, what] of PROTOCOL_ERROR_CASES) {
    test(`${JSON.stringify(bytes)}: the replies before it, the error, then the close; other clients unaffected`, async () => {
      const other = await RespClient.connect(srv.port);
      const c = await RespClient.connect(srv.port);
      c.write(Buffer.concat([encodeCommand(["SET", "pe", "1"]), encodeCommand(["GET", "pe"]), Buffer.from(bytes, "latin1"), encodeCommand(["PING"])]));
      assert.equal(await c.waitClosed(), `+OK\r\n$1\r\n1\r\n-ERR Protocol error: ${what}\r\n`);
      assert.deepEqual(plain(await other.cmd("GET", "pe")), "1");
      other.close();
    });
  }
});

describe("random input", () => {
  test("property: any bytes from many clients never crash the node; a clean client is served throughout", async () => {
    const clean = await RespClient.connect(srv.port);
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.constantFrom(..."*$+:-\r\n0123456789".split("")).chain((c) => fc.array(fc.constant(c), { maxLength: 20 }).map((a) => Buffer.from(a.join("")))),
            fc.array(fc.constantFrom("*3\r\n", "$3\r\nSET\r\n", "$1\r\nk\r\n", "$-1\r\n", "*-1\r\n", "PING\r\n", "$99999999999\r\n", "*0\r\n", '"', "\r\n", "\n"), { maxLength: 30 }).map((a) => Buffer.from(a.join(""))),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        async (chunks) => {
          const s = net.connect(srv.port, "127.0.0.1");
          s.on("error", () => {});
          await new Promise((r) => s.once("connect", r));
          for (const ch of chunks) s.write(ch);
          await new Promise((r) => setTimeout(r, 5));
          s.destroy();
          if (++round % 10 === 0) assert.deepEqual(plain(await clean.cmd("ECHO", `alive ${round}`)), `alive ${round}`);
        },
      ),
      { numRuns: 150 },
    );
    assert.deepEqual(plain(await clean.cmd("PING")), "PONG");
    assert.deepEqual(crashes(srv), []);
    clean.close();
  });
});

describe("CONFIG SET that acts at once", () => {
  test("port: the listener rebinds; connected clients stay; a port in use is refused and the old one kept", async () => {
    const s = await startAgner();
    try {
      const c = await RespClient.connect(s.port);
      const old = s.port;
      const next = await freePort();
      assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "port", String(next))), "OK");
      assert.equal(s.inst.port, next);
      assert.deepEqual(plain(await c.cmd("PING")), "PONG", "the client that asked is still connected");
      const fresh = await RespClient.connect(next);
      assert.deepEqual(plain(await fresh.cmd("CONFIG", "GET", "port")), ["port", String(next)]);
      await assert.rejects(RespClient.connect(old), /ECONNREFUSED/);
      // A port someone else holds: Redis' error, and the server stays where it was.
      const blocker = net.createServer().listen(0, "127.0.0.1");
      await new Promise((r) => blocker.once("listening", r));
      const taken = (blocker.address() as net.AddressInfo).port;
      const r = plain(await fresh.cmd("CONFIG", "SET", "port", String(taken))) as { error: string };
      assert.match(r.error, /^ERR CONFIG SET failed \(possibly related to argument 'port'\) - Unable to listen on this port/);
      blocker.close();
      assert.deepEqual(plain(await fresh.cmd("CONFIG", "GET", "port")), ["port", String(next)]);
      const again = await RespClient.connect(next);
      assert.deepEqual(plain(await again.cmd("PING")), "PONG");
      for (const x of [c, fresh, again]) x.close();
    } finally {
      await s.stop();
    }
  });

  test("proto-max-bulk-len applies to clients already connected", async () => {
    const c = await RespClient.connect(srv.port);
    const other = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await other.cmd("PING")), "PONG");
    assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb")), "OK");
    other.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${1024 * 1024 + 1}\r\n`);
    assert.equal(await other.waitClosed(), "-ERR Protocol error: invalid bulk length\r\n");
    assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "proto-max-bulk-len", "512mb")), "OK");
    c.close();
  });
});

describe("AUTH and clients", () => {
  test("requirepass with ioredis and node-redis (RESP3 HELLO AUTH); a wrong password is refused", async () => {
    const s = await startAgner(["--requirepass", "pw"]);
    try {
      const bad = new Redis({ port: s.port, host: "127.0.0.1", password: "nope", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const errors: string[] = [];
      bad.on("error", (e: Error) => errors.push(e.message));
      await assert.rejects(bad.connect());
      bad.disconnect();
      assert.ok(errors.some((e) => /WRONGPASS invalid username-password pair/.test(e)), errors.join("; "));
      const io = new Redis({ port: s.port, host: "127.0.0.1", password: "pw" });
      assert.equal(await io.set("a", "1"), "OK");
      assert.equal(await io.get("a"), "1");
      io.disconnect();
      const nr = createClient({ socket: { port: s.port, host: "127.0.0.1" }, password: "pw", RESP: 3 });
      await nr.connect();
      assert.equal(await nr.get("a"), "1");
      await nr.quit();
      const raw = await RespClient.connect(s.port);
      assert.deepEqual(plain(await raw.cmd("GET", "a")), { error: "NOAUTH Authentication required." });
      raw.close();
    } finally {
      await s.stop();
    }
  });

  test("timeout: an idle client is closed; an active one is not", async () => {
    const s = await startAgner(["--timeout", "1"]);
    try {
      const idle = await RespClient.connect(s.port);
      const busy = await RespClient.connect(s.port);
      const t0 = Date.now();
      while (Date.now() - t0 < 2600) {
        assert.deepEqual(plain(await busy.cmd("PING")), "PONG");
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(await idle.waitClosed(), "");
      assert.deepEqual(plain(await busy.cmd("PING")), "PONG");
      busy.close();
    } finally {
      await s.stop();
    }
  });

  test("CLIENT LIST shows each client; CLIENT KILL by id closes another, the old form may close itself", async () => {
    const a = await RespClient.connect(srv.port);
    const b = await RespClient.connect(srv.port);
    await a.cmd("CLIENT", "SETNAME", "alpha");
    await a.cmd("SELECT", "3");
    const bid = plain(await b.cmd("CLIENT", "ID")) as number;
    const list = String(plain(await b.cmd("CLIENT", "LIST")));
    const line = list.split("\n").find((l) => l.includes(" name=alpha "))!;
    assert.match(line, /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=alpha age=\d+ idle=\d+ flags=N db=3 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ .* cmd=select user=default redir=-1 resp=2$/);
    assert.match(String(plain(await b.cmd("CLIENT", "INFO"))), new RegExp(`^id=${bid} .* cmd=client\\|info .*\\n$`));
    assert.deepEqual(plain(await a.cmd("CLIENT", "KILL", "ID", String(bid))), 1);
    assert.equal(await b.waitClosed(), "");
    const addr = line.split(" ")[1]!.slice(5);
    a.send("CLIENT", "KILL", addr);
    assert.equal(await a.waitClosed(), "+OK\r\n");
  });

  test("INFO counts commands, connections, hits and misses, and the keyspace", async () => {
    const c = await RespClient.connect(srv.port);
    await c.cmd("SELECT", "9");
    await c.cmd("SET", "i1", "v");
    await c.cmd("SET", "i2", "v", "EX", "1000");
    await c.cmd("GET", "i1");
    await c.cmd("GET", "nope");
    const info = String(plain(await c.cmd("INFO")));
    const field = (n: string) => new RegExp(`^${n}:(.*)\\r$`, "m").exec(info)?.[1];
    assert.ok(Number(field("total_commands_processed")) >= 5);
    assert.ok(Number(field("total_connections_received")) >= 1);
    assert.ok(Number(field("keyspace_hits")) >= 1 && Number(field("keyspace_misses")) >= 1);
    assert.match(field("db9")!, /^keys=2,expires=1,avg_ttl=\d+$/);
    assert.equal(field("tcp_port"), String(srv.port));
    // The atom table (never freed, bounded): its count and limit (issue 11, finding 8).
    assert.ok(Number(field("atom_count")) > 100, `atom_count ${field("atom_count")}`);
    assert.equal(field("atom_limit"), "1048576");
    assert.match(info, /^# Server\r\n/);
    for (const s of ["Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"]) assert.ok(info.includes(`\r\n# ${s}\r\n`), s);
    await c.cmd("FLUSHDB");
    c.close();
  });
});
