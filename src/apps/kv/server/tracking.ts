/**
 * Client-side caching (Redis' tracking.c): which clients may cache which
 * keys, and the invalidation messages they get when a key changes.
 *
 * An instance table, like the pub/sub table (pubsub_table.ts): the
 * connections write their own client's tracking state (CLIENT TRACKING,
 * client_command.ts), the shards remember the keys a tracking client read
 * and invalidate them as they change (`keyChanged`, called by Db.modified
 * through each keyspace's {@link ShardEvents}); one heap and one thread, so
 * a shard reads another client's row as Redis' single thread does.
 *
 * - Default mode: a key read by a tracking client is remembered (per
 *   shard: key → client ids); its next change sends each of them
 *   `invalidate [key]` once and forgets it. tracking-table-max-keys bounds
 *   the keys remembered: over it, the oldest are invalidated early.
 * - BCAST: no keys are remembered; a change of a key under a prefix a
 *   client registered is gathered and sent once the shard has answered
 *   the batch (or run) that changed it (Redis: before sleeping), one
 *   message of all the keys of the prefix.
 * - Messages go to the client, or to its REDIRECT client: RESP3 reads a
 *   push `invalidate`, a RESP2 redirect target subscribed to
 *   `__redis__:invalidate` a pub/sub message. A flush sends a null
 *   invalidation to every tracking client.
 *
 * Each message is a {@link PushMessage} to the client's connection, which
 * writes it after the replies to the commands it has received, so a
 * client's own write is answered before its invalidation (Redis' pending
 * keys of the current client).
 */
import { type Proc } from "../../../runtime/process.js";
import { type KeyspaceEvents } from "../commands/notify.js";
import { PushReply, type Reply } from "../resp/reply.js";
import { type PubSubTable } from "./pubsub_table.js";

/** The channel a RESP2 redirect target subscribes to. */
export const INVALIDATE_CHANNEL = "__redis__:invalidate";

/** A push for one connection (an invalidation): written after the replies to the commands received so far. */
export class PushMessage {
  constructor(readonly reply: Reply) {}
}

/** One client's CLIENT TRACKING state (on its {@link ClientRow} while tracking is on). */
export class ClientTracking {
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING yes|no given for the next command. */
  caching = false;
  brokenRedirect = false;
  /** BCAST prefixes, in the order given (Redis lists them sorted: see trackingInfo). */
  readonly prefixes: string[] = [];
}

/** What the table reads of a client's row (instance.ts' ClientRow). */
export interface ClientRow {
  readonly id: number;
  readonly pid: Proc;
  readonly resp: 2 | 3;
  readonly sub: number;
  readonly psub: number;
  tracking: ClientTracking | null;
}

/** A BCAST prefix: its clients, and the keys changed under it since the last broadcast (→ who changed it). */
interface Bcast {
  readonly clients: Set<ClientRow>;
  readonly keys: Map<string, Proc | null>;
}

/** The instance's tracking table. */
export class TrackingTable {
  /** Clients with tracking on (Redis' server.tracking_clients). */
  clients = 0;
  /** Per shard: key → ids of the clients that may cache it. */
  readonly keys: Map<string, Set<number>>[];
  /** Keys remembered in all shards (INFO's tracking_total_keys). */
  totalKeys = 0;
  /** Client ids remembered in all shards (tracking_total_items). */
  totalItems = 0;
  readonly prefixes = new Map<string, Bcast>();
  /** Keys wait in some prefix: the shard that changed them calls {@link broadcast} once its batch is answered. */
  broadcastPending = false;
  /** The helper processes that run a client's EXEC, script or cross-shard command → that client's connection (for NOLOOP). */
  readonly actingFor = new WeakMap<Proc, Proc>();
  /** tracking-table-max-keys (0: no limit). */
  maxKeys = 1_000_000;

  constructor(
    private readonly rows: Map<number, ClientRow>,
    shards: number,
  ) {
    this.keys = Array.from({ length: shards }, () => new Map());
  }

  // ---- the client's side (CLIENT TRACKING) --------------------------------

  /** CLIENT TRACKING ON with checked options. */
  enable(row: ClientRow, t: ClientTracking, prefixes: readonly string[]): void {
    const old = row.tracking;
    if (old === null) this.clients++;
    // Prefixes already registered stay (Redis adds the new ones to them).
    if (old !== null) for (const p of old.prefixes) if (!t.prefixes.includes(p)) t.prefixes.push(p);
    row.tracking = t;
    if (t.bcast) {
      const list = prefixes.length === 0 ? [""] : prefixes;
      for (const p of list) {
        let b = this.prefixes.get(p);
        if (b === undefined) this.prefixes.set(p, (b = { clients: new Set(), keys: new Map() }));
        b.clients.add(row);
        if (!t.prefixes.includes(p)) t.prefixes.push(p);
      }
    }
  }

  /** CLIENT TRACKING OFF, RESET, the connection's end. */
  disable(row: ClientRow): void {
    const t = row.tracking;
    if (t === null) return;
    for (const p of t.prefixes) {
      const b = this.prefixes.get(p);
      if (b === undefined) continue;
      b.clients.delete(row);
      if (b.clients.size === 0) this.prefixes.delete(p);
    }
    row.tracking = null;
    this.clients--;
  }

  // ---- the shards' side -----------------------------------------------------

  /** After a read command of `row` on shard `shard` (OPTIN/OPTOUT checked by the connection): remember its keys (trackingRememberKeys). */
  remember(shard: number, row: ClientRow, keys: readonly string[]): void {
    const t = row.tracking;
    if (t === null || t.bcast) return; // turned off or to BCAST since the command was sent
    const table = this.keys[shard]!;
    for (const key of keys) {
      let ids = table.get(key);
      if (ids === undefined) {
        table.set(key, (ids = new Set()));
        this.totalKeys++;
      }
      if (!ids.has(row.id)) {
        ids.add(row.id);
        this.totalItems++;
      }
    }
    if (this.maxKeys !== 0 && this.totalKeys > this.maxKeys) this.limit(shard);
  }

  /**
   * Over tracking-table-max-keys: invalidates the oldest keys of this
   * shard's table until under it (Redis picks random ones, before the next
   * command).
   */
  private limit(shard: number): void {
    const table = this.keys[shard]!;
    for (const key of table.keys()) {
      if (this.totalKeys <= this.maxKeys) return;
      this.invalidate(shard, key, null, false);
    }
  }

  /** `key` of shard `shard` changed, by the command of `by` (a connection, or null): trackingInvalidateKey. */
  invalidate(shard: number, key: string, by: Proc | null, bcast = true): void {
    if (bcast && this.prefixes.size !== 0) this.rememberBroadcast(key, by);
    const table = this.keys[shard]!;
    const ids = table.get(key);
    if (ids === undefined) return;
    table.delete(key);
    this.totalKeys--;
    this.totalItems -= ids.size;
    for (const id of ids) {
      const row = this.rows.get(id);
      const t = row?.tracking;
      if (t === null || t === undefined || t.bcast) continue;
      if (t.noloop && row!.pid === by) continue;
      this.send(row!, [key]);
    }
  }

  /** A shard's databases were emptied: its remembered keys go (the null invalidation is {@link flushed}'s). */
  forget(shard: number): void {
    const table = this.keys[shard]!;
    for (const ids of table.values()) this.totalItems -= ids.size;
    this.totalKeys -= table.size;
    table.clear();
  }

  /** FLUSHALL / FLUSHDB done: every tracking client gets a null invalidation (trackingInvalidateKeysOnFlush). */
  flushed(): void {
    if (this.clients === 0) return;
    for (const row of this.rows.values()) if (row.tracking !== null) this.send(row, null);
  }

  private rememberBroadcast(key: string, by: Proc | null): void {
    for (const [p, b] of this.prefixes) {
      if (!key.startsWith(p)) continue;
      b.keys.set(key, by);
    }
    this.broadcastPending = true;
  }

  /** trackingBroadcastInvalidationMessages: each prefix's keys to its clients (without their own, under NOLOOP). */
  broadcast(): void {
    this.broadcastPending = false;
    for (const b of this.prefixes.values()) {
      if (b.keys.size === 0) continue;
      // Redis keeps them in a radix tree: sorted bytewise.
      const sorted = [...b.keys].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      const all = sorted.map(([k]) => k);
      for (const row of b.clients) {
        if (row.tracking?.noloop === true) {
          const mine = sorted.filter(([, who]) => who !== row.pid).map(([k]) => k);
          if (mine.length > 0) this.send(row, mine);
        } else this.send(row, all);
      }
      b.keys.clear();
    }
  }

  /** sendTrackingMessage: to the client or its redirect target, in the form each can read. */
  send(row: ClientRow, keys: readonly string[] | null): void {
    const t = row.tracking;
    if (t === null) return;
    let to = row;
    if (t.redirect !== 0) {
      const r = this.rows.get(t.redirect);
      if (r === undefined) {
        t.brokenRedirect = true;
        if (row.resp === 3) deliver(row.pid, new PushReply(["tracking-redir-broken", t.redirect]));
        return;
      }
      to = r;
      if (to.resp === 3) deliver(to.pid, new PushReply(["invalidate", keys]));
      else if (to.sub + to.psub > 0) deliver(to.pid, new PushReply(["message", INVALIDATE_CHANNEL, keys]));
      return;
    }
    if (to.resp === 3) deliver(to.pid, new PushReply(["invalidate", keys]));
  }
}

function deliver(p: Proc, r: PushReply): void {
  p.rt.deliver(p, new PushMessage(r));
}

/**
 * One shard's keyspace hooks: notifications to the pub/sub table, key
 * changes to the tracking table. `by` is the client whose command runs
 * (the shard sets it per batch), for NOLOOP.
 */
export class ShardEvents implements KeyspaceEvents {
  by: Proc | null = null;
  keyChanged: ((key: string) => void) | null = null;
  private readonly invalidate = (key: string): void => {
    const by = this.by;
    this.tracking.invalidate(this.shard, key, by === null ? null : (this.tracking.actingFor.get(by) ?? by));
  };

  constructor(
    private readonly pubsub: PubSubTable,
    private readonly tracking: TrackingTable,
    private readonly shard: number,
  ) {}

  publish(channel: string, message: string): void {
    this.pubsub.publish(channel, message);
  }

  flushed(): void {
    if (this.keyChanged !== null) this.tracking.forget(this.shard);
  }

  /** Tracking is on somewhere (a client enabled it): key changes are passed on from now. */
  track(): void {
    this.keyChanged = this.invalidate;
  }
}
