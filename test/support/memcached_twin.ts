/**
 * The memcached side of the server without processes or sockets: parser,
 * request plans and the engine's commands on in-process Keyspaces (one per
 * shard), for differential tests of the protocol and the commands against
 * a real memcached. Each `connection()` has its own parser, as a socket
 * would; the data is shared.
 */
import { type ExecContext } from "../../src/apps/kv/commands/command.js";
import { Keyspace } from "../../src/apps/kv/commands/db.js";
import { Context } from "../../src/apps/kv/commands/engine.js";
import { MC_COUNTER_NAMES, mcFlush, mcState } from "../../src/apps/kv/memcached/memcached_commands.js";
import { McParser, type McLimits } from "../../src/apps/kv/memcached/memcached_parser.js";
import { flushPlan, planRequest } from "../../src/apps/kv/memcached/memcached_protocol.js";

/** FNV-1a of the key's bytes, modulo the shard count (any spread will do: tests only need keys on several shards). */
function shardOfKey(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export class McTwin {
  readonly keyspaces: Keyspace[];
  readonly startedAt = Date.now();
  flushAt: number | null = null;
  /** The clock the commands see (tests may move it). */
  now: () => number = () => Date.now();

  constructor(
    readonly shards = 4,
    readonly limits: Partial<McLimits> = {},
  ) {
    this.keyspaces = Array.from({ length: shards }, () => new Keyspace());
  }

  ctx(shard: number): ExecContext {
    return new Context(this.keyspaces[shard]!.db(0), this.now());
  }

  connection(): McTwinConnection {
    return new McTwinConnection(this);
  }

  /** The engine counters summed over shards, by memcached's stats names. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of MC_COUNTER_NAMES) out[n] = 0;
    for (const ks of this.keyspaces) for (const n of MC_COUNTER_NAMES) out[n]! += mcState(ks).counters[n];
    return out;
  }

  runDueFlush(): void {
    if (this.flushAt !== null && this.now() >= this.flushAt) {
      this.flushAt = null;
      for (let i = 0; i < this.shards; i++) mcFlush(this.ctx(i));
    }
  }
}

export class McTwinConnection {
  readonly parser: McParser;
  closed = false;

  constructor(private readonly twin: McTwin) {
    this.parser = new McParser(twin.limits);
  }

  /** Feeds bytes; returns the reply bytes they produce (latin1). */
  feed(bytes: Buffer): string {
    if (this.closed) return "";
    const t = this.twin;
    this.parser.feed(bytes);
    let out = "";
    for (let req = this.parser.next(); req !== null; req = this.parser.next()) {
      t.runDueFlush();
      const a = planRequest(req, (k) => shardOfKey(k, t.shards), { itemSizeMax: this.parser.limits.itemSizeMax });
      switch (a.kind) {
        case "shards": {
          const text = a.finish(a.parts.map((p) => p.spec.exec!(t.ctx(p.shard), p.argv)));
          out += typeof text === "string" ? text : text.join("");
          break;
        }
        case "reply":
          out += a.text;
          break;
        case "flush_all": {
          const plan = flushPlan(a.delay, t.now(), t.startedAt);
          t.flushAt = null;
          if (plan === "now") for (let i = 0; i < t.shards; i++) mcFlush(t.ctx(i));
          else if (plan !== "cancel") t.flushAt = plan.at;
          if (!a.noreply) out += a.reply ?? "OK\r\n";
          break;
        }
        case "stats":
          out += "ERROR\r\n"; // the server's figures: tested against the server
          break;
        case "quit":
        case "close":
          this.closed = true;
          return out;
      }
    }
    return out;
  }
}
