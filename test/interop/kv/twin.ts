/**
 * A real redis-server and the engine side by side: the same command goes to
 * both, and the reply bytes are compared (RESP2, or RESP3 after HELLO 3),
 * with time-dependent replies (TTLs) allowed a little drift and replies
 * whose order Redis leaves undefined (KEYS, SCAN) compared as sets.
 */
import { commandCommand } from "../../../src/apps/kv/commands/command_info.js";
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply } from "../../../src/apps/kv/resp/reply.js";
import { RespParser } from "../../../src/apps/kv/resp/resp.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { RawConnection, type RedisServer, encodeCommand, startRedis } from "../../support/redis_server.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";

export class Twin {
  private ks = new Keyspace();
  private ctx = new Context(this.ks.db(0), Date.now());
  private readonly writers = { 2: new RespWriter(2), 3: new RespWriter(3) };
  /** What the engine propagated, for AOF checks. */
  propagated: string[][] = [];

  private constructor(
    readonly server: RedisServer,
    private readonly conns: { 2: RawConnection; 3: RawConnection },
  ) {
    this.ctx.propagate = (argv) => this.propagated.push([...argv]);
  }

  static async start(): Promise<Twin> {
    const server = await startRedis(["--enable-debug-command", "yes"]);
    const c2 = await RawConnection.open(server.port);
    const c3 = await RawConnection.open(server.port);
    await c3.call(["HELLO", "3"]);
    // Redis' own active expiry would remove past-TTL keys at moments of its choosing: off, so
    // both sides expire lazily only (the engine's active cycle is the shard's, not run here).
    const off = await c2.call(["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    if (off.toString() !== "+OK\r\n") throw new Error(`DEBUG SET-ACTIVE-EXPIRE: ${off.toString()}`);
    return new Twin(server, { 2: c2, 3: c3 });
  }

  async stop(): Promise<void> {
    this.conns[2].close();
    this.conns[3].close();
    await this.server.stop();
  }

  /** Empties both sides and zeroes their counters. */
  async reset(): Promise<void> {
    await this.conns[2].call(["FLUSHALL"]);
    await this.conns[2].call(["CONFIG", "RESETSTAT"]);
    this.ks = new Keyspace();
    this.ctx.db = this.ks.db(0);
    this.propagated = [];
  }

  private readonly parser = new RespParser();

  /** The engine's reply bytes to argv, sent through the parser as the bytes Redis gets. */
  ours(sent: readonly string[], resp: 2 | 3): Buffer {
    this.parser.feed(encodeCommand(sent));
    const argv = this.parser.next();
    if (argv === null || this.parser.next() !== null) throw new Error(`parser did not give back ${JSON.stringify(sent)}`);
    this.ctx.now = Date.now();
    const w = this.writers[resp];
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) w.write(cmd);
    else if (cmd.fullname === "command" || cmd.fullname.startsWith("command|")) w.write(commandCommand(argv));
    else w.write(execCommand(this.ctx, cmd, argv));
    return w.take();
  }

  /** Runs argv on both; returns null when the replies agree, else a description of the difference. */
  async compare(argv: readonly string[], resp: 2 | 3): Promise<string | null> {
    const theirs = await this.conns[resp].call(argv);
    const mine = this.ours(argv, resp);
    if (theirs.equals(mine)) return null;
    if (similar(argv, decodeAll(theirs), decodeAll(mine))) return null;
    return `RESP${resp} ${JSON.stringify(argv)}\n  redis: ${JSON.stringify(theirs.toString("latin1"))}\n  agner: ${JSON.stringify(mine.toString("latin1"))}`;
  }

  /**
   * INFO's keyspace_hits, keyspace_misses and expired_keys on both sides
   * (since the last reset); null when equal, else the two.
   */
  async compareStats(): Promise<string | null> {
    const info = (await this.conns[2].call(["INFO", "stats"])).toString();
    const get = (f: string) => Number(new RegExp(`${f}:(\\d+)`).exec(info)![1]);
    const theirs = { hits: get("keyspace_hits"), misses: get("keyspace_misses"), expired: get("expired_keys") };
    const st = this.ks.stats;
    const mine = { hits: st.keyspaceHits, misses: st.keyspaceMisses, expired: st.expiredKeys };
    return JSON.stringify(theirs) === JSON.stringify(mine) ? null : `stats: redis ${JSON.stringify(theirs)} agner ${JSON.stringify(mine)}`;
  }

  /** Runs argv on Redis only (raw bytes). */
  redis(argv: readonly string[], resp: 2 | 3 = 2): Promise<Buffer> {
    return this.conns[resp].call(argv);
  }
}

const TTL_DRIFT: Record<string, number> = { ttl: 1, expiretime: 1, pttl: 1000, pexpiretime: 1000 };

/** Equal up to what Redis leaves to time or order. */
function similar(argv: readonly string[], a: Node, b: Node): boolean {
  const name = argv[0]!.toLowerCase();
  const drift = TTL_DRIFT[name];
  if (drift !== undefined && a.type === ":" && b.type === ":") return Math.abs(Number(a.text) - Number(b.text)) <= drift;
  if (name === "keys" || name === "hkeys" || name === "hvals") return canonical(a, true) === canonical(b, true);
  // A hash with a value over 64 bytes (or over 128 fields) is a hash table in Redis: no order.
  if (name === "hgetall") return canonical(a, true, true) === canonical(b, true, true);
  if (name === "scan" && a.items && b.items) {
    return a.items[0]!.text === "0" && b.items[0]!.text === "0" && canonical(a.items[1]!, true) === canonical(b.items[1]!, true);
  }
  // any key will do, but only when there is one
  if (name === "randomkey") return a.type === b.type && a.nil === b.nil;
  return false;
}
