/**
 * The parser against a real redis-server: the same request bytes (valid,
 * quirky, malformed) go to Redis and through the engine's parser + engine;
 * the reply bytes must match, and the connection must be closed after a
 * protocol error exactly when Redis closes it.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply } from "../../../src/apps/kv/resp/reply.js";
import { RespParser, RespProtocolError } from "../../../src/apps/kv/resp/resp.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { type RedisServer, needsRedisServer, startRedis } from "../../support/redis_server.js";

/** What the engine answers to these bytes, and whether it closes the connection. */
function ours(bytes: Buffer): { out: string; closed: boolean } {
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), Date.now());
  const p = new RespParser();
  const w = new RespWriter();
  try {
    p.feed(bytes);
    for (let argv = p.next(); argv !== null; argv = p.next()) {
      const cmd = checkCommand(argv);
      w.write(cmd instanceof ErrorReply ? cmd : execCommand(ctx, cmd, argv));
    }
  } catch (e) {
    if (!(e instanceof RespProtocolError)) throw e;
    if (e.reply !== null) w.write(new ErrorReply(e.reply));
    return { out: w.take().toString("latin1"), closed: true };
  }
  return { out: w.take().toString("latin1"), closed: false };
}

/** What redis-server answers: bytes until it closes, or until it has been quiet for `quietMs`. */
function theirs(port: number, bytes: Buffer, expectClose: boolean): Promise<{ out: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(bytes));
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ out: Buffer.concat(chunks).toString("latin1"), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), expectClose ? 3000 : 150);
    };
    s.on("data", (d) => {
      chunks.push(d);
      arm();
    });
    s.on("close", () => finish(true));
    s.on("error", () => {});
    arm();
  });
}

const mb = (...args: string[]) => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
const GETX = mb("GET", "x");

const INPUTS: string[] = [
  GETX + "*x\r\n",
  GETX + "*\r\n",
  "*01\r\n",
  "*-1\r\n*0\r\n" + GETX,
  "*2147483647\r\n",
  "*2147483648\r\n",
  "*9223372036854775807\r\n",
  "*-9223372036854775808\r\n" + GETX,
  "*-9223372036854775809\r\n",
  "*99999999999999999999\r\n",
  "*1\r\nx\r\n",
  "*1\r\n\r\n",
  "*1\r\n\n\r\n",
  "*1\r\n\xff\r\n",
  "*1\r\n$-1\r\n",
  "*1\r\n$\r\n",
  "*1\r\n$01\r\n",
  "*1\r\n$1x\r\n",
  "*1\r\n$536870888\r\n",
  "*1\r\n$536870913\r\n",
  "*2\r\n$3\r\nGET\r\n$1\r\nkXY",
  "*2\rX$3\rYGETZZ$1\r\nkQQ",
  "*1\x00\r\n",
  GETX + "*1\r\n$3\x00\r\n",
  'GET "x\r\n',
  "GET 'x\r\n",
  'GET "x"y\r\n',
  "GET 'x'y\r\n",
  'SET "a\\x41\\n" \'b\\\'c\'\r\nGET "a\\x41\\n"\r\n',
  "  GET   x  \r\n\r\n\n" + GETX,
  "GET x\n",
  "\x00GET x\r\n",
  "GET\tx\x0bq\r\n",
  "x".repeat(64 * 1024) + "\r\n",
  "x".repeat(64 * 1024 + 1),
  "*" + "1".repeat(64 * 1024 + 1),
  "*1\r\n$" + "1".repeat(64 * 1024 + 1),
  "NOPE a b\r\nnope\r\n",
];

describe("parser errors and quirks, as redis-server answers the same bytes", needsRedisServer(), () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
  });

  test("each input: same replies, closed after the same protocol error", async () => {
    const diffs: string[] = [];
    for (const input of INPUTS) {
      const bytes = Buffer.from(input, "latin1");
      const mine = ours(bytes);
      const real = await theirs(server.port, bytes, mine.closed);
      if (mine.out !== real.out || mine.closed !== real.closed) {
        diffs.push(`${JSON.stringify(input.slice(0, 60))}\n  redis: ${JSON.stringify(real)}\n  agner: ${JSON.stringify(mine)}`);
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("the one deviation: a bulk of 536870889..536870912 bytes fits Redis' 512 MB but no JS string", async () => {
    const bytes = Buffer.from("*1\r\n$536870912\r\n", "latin1");
    assert.deepEqual(await theirs(server.port, bytes, false), { out: "", closed: false });
    assert.deepEqual(ours(bytes), { out: "-ERR Protocol error: invalid bulk length\r\n", closed: true });
  });
});
