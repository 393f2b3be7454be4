/**
 * The Logs page's source: the runtime's structured log, teed into a ring of
 * the last events while an observer runs (the node's own logger still gets
 * every event). Detaching restores the logger if nothing replaced it since.
 */
import { type LogEvent, type LogLevel, type Logger, type Runtime, inspect, isPid } from "../index.js";

export interface LogLine {
  at: number;
  level: LogLevel;
  what: string;
  text: string;
  /** The process the event is about, when it names one (`sys_trace` events do). */
  pid?: string;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "notice", "warning", "error"];

export class LogTap {
  private readonly ring: LogLine[] = [];
  private readonly original: Logger;
  private readonly tee: Logger;
  /** Pids whose `sys_trace` events stay here (the observer traces them; the node's log is not flooded). */
  readonly quiet = new Set<string>();

  constructor(
    private readonly rt: Runtime,
    private readonly max = 1_000,
  ) {
    this.original = rt.logger;
    const original = this.original;
    this.tee = (e: LogEvent) => {
      const pid = isPid(e.pid) ? inspect(e.pid) : undefined;
      this.ring.push({ at: Date.now(), level: e.level, what: e.what, text: e.text.length > 4_000 ? `${e.text.slice(0, 4_000)}…` : e.text, ...(pid !== undefined ? { pid } : {}) });
      if (this.ring.length > this.max) this.ring.shift();
      if (!(e.what === "sys_trace" && pid !== undefined && this.quiet.has(pid))) original(e);
    };
    rt.logger = this.tee;
  }

  /** The newest `limit` events at `min` level or above, newest first. */
  lines(min: string, limit = 200): LogLine[] {
    const floor = Math.max(0, LEVELS.indexOf(min as LogLevel));
    const out: LogLine[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < limit; i--) if (LEVELS.indexOf(this.ring[i]!.level) >= floor) out.push(this.ring[i]!);
    return out;
  }

  /** The `sys_trace` events of `pid` since `since` (ms epoch), oldest first. */
  traced(pid: string, since: number): LogLine[] {
    return this.ring.filter((l) => l.what === "sys_trace" && l.pid === pid && l.at >= since);
  }

  detach(): void {
    if (this.rt.logger === this.tee) this.rt.logger = this.original;
  }
}
