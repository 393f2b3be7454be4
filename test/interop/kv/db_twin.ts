/**
 * redis-server and the engine side by side, as twin.ts's Twin, with SELECT
 * run on both (the engine's Context switches database), for the commands
 * that reach other databases (COPY ... DB, MOVE, SWAPDB).
 */
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply, OK } from "../../../src/apps/kv/resp/reply.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { RawConnection, type RedisServer, startRedis } from "../../support/redis_server.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";

/** redis-server and the engine, with SELECT run on both (the engine's Context switches database). */
export class DbTwin {
  ks = new Keyspace();
  ctx = new Context(this.ks.db(0), Date.now());
  private readonly writers = { 2: new RespWriter(2), 3: new RespWriter(3) };
  propagated: string[][] = [];

  private constructor(
    readonly server: RedisServer,
    private readonly conns: { 2: RawConnection; 3: RawConnection },
  ) {
    this.ctx.propagate = (argv) => this.propagated.push([...argv]);
  }

  static async start(): Promise<DbTwin> {
    const server = await startRedis(["--enable-debug-command", "yes"]);
    const c2 = await RawConnection.open(server.port);
    const c3 = await RawConnection.open(server.port);
    await c3.call(["HELLO", "3"]);
    await c2.call(["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    return new DbTwin(server, { 2: c2, 3: c3 });
  }

  async stop(): Promise<void> {
    this.conns[2].close();
    this.conns[3].close();
    await this.server.stop();
  }

  async reset(): Promise<void> {
    for (const resp of [2, 3] as const) await this.conns[resp].call(["SELECT", "0"]);
    await this.conns[2].call(["FLUSHALL"]);
    await this.conns[2].call(["CONFIG", "RESETSTAT"]);
    this.ks = new Keyspace();
    this.ctx.db = this.ks.db(0);
    this.ctx.dbIndex = 0;
    this.propagated = [];
  }

  ours(argv: string[], resp: 2 | 3): Buffer {
    this.ctx.now = Date.now();
    const w = this.writers[resp];
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) w.write(cmd);
    else if (cmd.name === "select") {
      const n = Number(argv[1]);
      this.ctx.db = this.ks.db(n);
      this.ctx.dbIndex = n;
      w.write(OK);
    } else w.write(execCommand(this.ctx, cmd, argv));
    return w.take();
  }

  theirs(argv: string[], resp: 2 | 3): Promise<Buffer> {
    return this.conns[resp].call(argv);
  }

  async compare(argv: string[], resp: 2 | 3): Promise<string | null> {
    const theirs = await this.theirs(argv, resp);
    const mine = this.ours(argv, resp);
    if (theirs.equals(mine)) return null;
    if (similar(argv, decodeAll(theirs), decodeAll(mine))) return null;
    return `RESP${resp} ${JSON.stringify(argv)}\n  redis: ${JSON.stringify(theirs.toString("latin1"))}\n  agner: ${JSON.stringify(mine.toString("latin1"))}`;
  }

  async compareStats(): Promise<string | null> {
    const info = (await this.conns[2].call(["INFO", "stats"])).toString();
    const get = (f: string) => Number(new RegExp(`${f}:(\\d+)`).exec(info)![1]);
    const theirs = { hits: get("keyspace_hits"), misses: get("keyspace_misses"), expired: get("expired_keys") };
    const st = this.ks.stats;
    const mine = { hits: st.keyspaceHits, misses: st.keyspaceMisses, expired: st.expiredKeys };
    return JSON.stringify(theirs) === JSON.stringify(mine) ? null : `stats: redis ${JSON.stringify(theirs)} agner ${JSON.stringify(mine)}`;
  }
}

/** Equal up to what differs by design: MEMORY USAGE's number, IDLETIME's seconds, RANDOMKEY's pick, KEYS' order. */
export function similar(argv: readonly string[], a: Node, b: Node): boolean {
  const name = argv.map((w) => w.toLowerCase()).slice(0, 2).join(" ");
  if (name === "memory usage" || name === "object idletime") return a.type === b.type && (a.type !== ":" || Number(b.text) >= 0);
  if (name.startsWith("randomkey")) return a.type === b.type && a.nil === b.nil;
  if (name.startsWith("keys")) return canonical(a, true) === canonical(b, true);
  return false;
}

