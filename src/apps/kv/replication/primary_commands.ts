/**
 * REPLCONF, WAIT, ROLE and INFO replication, with redis-server 7.0's
 * replies (replication.c's replconfCommand, waitCommand, roleCommand and
 * server.c's INFO section), for both roles: a replica's side is read from
 * `inst.repl.primary` (set by the replica's link).
 */
import type { KvInstance } from "../server/instance.js";
import type { Session } from "../server/session.js";
import { parseInt64 } from "../commands/numbers.js";
import { NOT_AN_INTEGER, SYNTAX_ERROR } from "../commands/shared.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";
import { WaitRequest, acksAt, checkWaits, helloOf, linkOf, onAck, primaryState, requestAcks } from "./primary.js";

/** Redis' NET_HOST_STR_LEN: the longest ip-address a replica may announce. */
const NET_HOST_STR_LEN = 256;

/** REPLCONF option value ... : OK, an error, or (ACK, GETACK) no reply at all. */
export function replconfCommand(c: Session, seq: number, argv: readonly string[]): Reply {
  if (argv.length % 2 === 0) return SYNTAX_ERROR;
  const hello = helloOf(c.self);
  for (let i = 1; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const val = argv[i + 1]!;
    switch (opt) {
      case "listening-port": {
        const n = parseInt64(val);
        if (n === null) return NOT_AN_INTEGER;
        hello.listeningPort = Number(n);
        break;
      }
      case "ip-address":
        if (val.length >= NET_HOST_STR_LEN) return new ErrorReply(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
        hello.ip = val;
        break;
      case "capa":
        if (val.toLowerCase() === "eof") hello.capaEof = true;
        else if (val.toLowerCase() === "psync2") hello.capaPsync2 = true;
        break;
      case "ack": {
        // Only a replica's ACK counts; nobody gets a reply (Redis answers none, the replica reads none).
        const link = linkOf(c.inst, c.self);
        const n = parseInt64(val);
        if (link !== undefined && n !== null) onAck(c.inst, link, Number(n));
        c.silence(seq, true);
        return OK;
      }
      case "getack":
        // A primary has no primary to ACK to; a replica's link answers its primary's GETACK itself.
        c.silence(seq, true);
        return OK;
      case "rdb-only":
        if (val !== "0" && val !== "1") return NOT_AN_INTEGER;
        break;
      default:
        return new ErrorReply(`ERR Unrecognized REPLCONF option: ${argv[i]}`);
    }
  }
  return OK;
}

/**
 * WAIT numreplicas timeout: the number of replicas that acknowledged the
 * stream up to the client's writes. The connection runs it once its earlier
 * commands are answered, so the offset now covers them. Blocks the client
 * (not the server) until enough ACK or the timeout (ms, 0: forever).
 */
export function waitCommand(c: Session, seq: number, argv: readonly string[]): Reply | undefined {
  const inst = c.inst;
  if (inst.repl.primary !== null) {
    return new ErrorReply(
      "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
    );
  }
  const n = parseInt64(argv[1]!);
  if (n === null) return NOT_AN_INTEGER;
  const t = parseInt64(argv[2]!);
  if (t === null) return new ErrorReply("ERR timeout is not an integer or out of range");
  if (t < 0) return new ErrorReply("ERR timeout is negative");
  const offset = inst.repl.offset;
  const acked = acksAt(inst, offset);
  // Inside a transaction (EXEC runs it with no slot of its own: seq < 0) it answers at once, as Redis does in MULTI.
  if (acked >= Number(n) || c.tx !== null || seq < 0) return acked;
  const ps = primaryState(inst);
  const timeout = Number(t);
  ps.waits.push(new WaitRequest(c.self, seq, offset, Number(n), timeout > 0 ? Date.now() + timeout : 0));
  ps.getAck = true;
  c.blocked = true;
  if (timeout > 0) setTimeout(() => checkWaits(inst, Date.now()), timeout + 1);
  // The GETACK goes out once this turn's work is done (Redis' beforeSleep), so one serves every WAIT of the turn.
  setImmediate(() => requestAcks(inst));
  return undefined;
}

/** ROLE: ["master", offset, [[ip, port, offset] ...]] or ["slave", host, port, state, offset]. */
export function roleCommand(inst: KvInstance): Reply {
  const up = inst.repl.primary;
  if (up !== null) return ["slave", up.host, up.port, up.state, up.state === "connected" ? up.processedOffset : -1];
  const replicas: Reply[] = [];
  for (const l of primaryState(inst).links) {
    if (l.state === "online") replicas.push([l.ip, String(l.hello.listeningPort), String(l.ackOffset)]);
  }
  return ["master", inst.repl.offset, replicas];
}

/** INFO replication's fields, in Redis' order, for either role. */
export function replicationInfo(inst: KvInstance): [string, string | number][] {
  const cfg = inst.config;
  const now = Date.now();
  const up = inst.repl.primary;
  const rows: [string, string | number][] = [["role", up === null ? "master" : "slave"]];
  if (up !== null) {
    const connected = up.state === "connected";
    rows.push(
      ["master_host", up.host],
      ["master_port", up.port],
      ["master_link_status", connected ? "up" : "down"],
      ["master_last_io_seconds_ago", connected ? Math.floor((now - up.lastIo) / 1000) : -1],
      ["master_sync_in_progress", up.state === "sync" ? 1 : 0],
      ["slave_read_repl_offset", Math.max(up.processedOffset, inst.repl.offset)],
      ["slave_repl_offset", up.processedOffset],
    );
    const s = up.syncing;
    if (up.state === "sync" && s !== null) {
      rows.push(
        ["master_sync_total_bytes", s.total],
        ["master_sync_read_bytes", s.read],
        ["master_sync_left_bytes", s.total - s.read],
        ["master_sync_perc", (s.total > 0 ? (s.read / s.total) * 100 : 0).toFixed(2)],
        ["master_sync_last_io_seconds_ago", Math.floor((now - s.lastIo) / 1000)],
      );
    }
    if (!connected) rows.push(["master_link_down_since_seconds", up.downSince !== 0 ? Math.floor((now - up.downSince) / 1000) : -1]);
    rows.push(["slave_priority", cfg.get("replica-priority")], ["slave_read_only", cfg.get("replica-read-only") ? 1 : 0], ["replica_announced", cfg.get("replica-announced") ? 1 : 0]);
  }
  const ps = primaryState(inst);
  rows.push(["connected_slaves", ps.links.length]);
  if (cfg.get("min-replicas-to-write") > 0 && cfg.get("min-replicas-max-lag") > 0) rows.push(["min_slaves_good_slaves", ps.goodReplicas]);
  ps.links.forEach((l, i) => {
    const lag = l.state === "online" ? Math.floor((now - l.ackTime) / 1000) : 0;
    rows.push([`slave${i}`, `ip=${l.ip},port=${l.hello.listeningPort},state=${l.state},offset=${l.ackOffset},lag=${lag}`]);
  });
  rows.push(["master_failover_state", "no-failover"], ...inst.repl.infoFields(cfg.get("repl-backlog-size")));
  return rows;
}

/** INFO stats' replication counters (sync_full, sync_partial_ok, sync_partial_err), Redis' names. */
export function syncStats(inst: KvInstance): [string, number][] {
  const ps = primaryState(inst);
  return [
    ["sync_full", ps.syncFull],
    ["sync_partial_ok", ps.syncPartialOk],
    ["sync_partial_err", ps.syncPartialErr],
  ];
}
