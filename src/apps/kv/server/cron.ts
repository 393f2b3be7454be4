/**
 * The expiry process (Redis' serverCron, the parts Agner needs): `hz`
 * times a second it tells every shard to run its active expiry cycle, and
 * it samples the ops/s figure of INFO and checks the RDB save points every 100 ms. Once a second it closes
 * clients idle longer than `timeout` (when set). Killed, it restarts and
 * goes on: it holds nothing but its timer.
 */
import { type Atom, atom } from "../../../term/atom.js";
import { current } from "../../../runtime/current.js";
import { sendAfter } from "../../../runtime/erlang.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type KvInstance } from "./instance.js";
import { EXPIRE_TICK } from "./messages.js";
import { checkSavePoints } from "../aof/rdb_bgsave.js";
import { replicationCron } from "../replication/primary.js";

const TICK = atom("tick");
const SAMPLE_MS = 100;

class CronState {
  lastExpire = 0;
  lastSecond = 0;
  readonly same: NoReply<CronState>;
  constructor(readonly inst: KvInstance) {
    this.same = noreply(this);
  }
}

export class Cron extends GenServer<CronState, never, never, Atom, KvInstance> {
  init(inst: KvInstance) {
    const s = new CronState(inst);
    sendAfter(this.period(inst), current!, TICK);
    return ok(s);
  }

  /** The timer period: the expiry period (1000 / hz), at most the sampling period. */
  private period(inst: KvInstance): number {
    return Math.min(SAMPLE_MS, Math.max(2, Math.floor(1000 / inst.config.get("hz"))));
  }

  override handleInfo(msg: Atom, s: CronState) {
    if (msg !== TICK) return s.same;
    const inst = s.inst;
    const now = Date.now();
    inst.clock = now;
    const rt = current!.rt;
    if (now - s.lastExpire >= 1000 / inst.config.get("hz") - 1) {
      s.lastExpire = now;
      for (const name of inst.names.shards) {
        const p = rt.whereis(name);
        if (p !== undefined) rt.deliver(p, EXPIRE_TICK);
      }
    }
    if (now - inst.stats.lastSampleTime >= SAMPLE_MS) {
      inst.sampleOps(now);
      checkSavePoints(inst, now);
    }
    if (now - s.lastSecond >= 1000) {
      s.lastSecond = now;
      this.idleClients(inst, now);
      replicationCron(inst, now);
    }
    sendAfter(this.period(inst), current!, TICK);
    return s.same;
  }

  /** Closes clients idle for more than `timeout` seconds, as Redis' clientsCronHandleTimeout. */
  private idleClients(inst: KvInstance, now: number): void {
    const timeout = inst.config.get("timeout");
    if (timeout <= 0) return;
    for (const row of inst.clients.values()) {
      // A replica's master client is not timed out here: repl-timeout watches its link.
      if (!row.master && now - row.lastInteraction > timeout * 1000) row.kill("idle timeout");
    }
  }
}
