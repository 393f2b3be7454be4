/**
 * The observer's view of the node it runs in, through the public API only.
 *
 * The process table reads one sort key per process per refresh (an O(1)
 * `processInfo` item) and keeps only the page's rows (process_table.ts), so
 * a million processes cost a million key reads, never a million rows.
 * Reductions per second need the previous reading of every process only
 * while the table is sorted by them; otherwise only the page's are kept.
 */
import { createRequire } from "node:module";
import { type IntervalHistogram, PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import {
  Application,
  type Pid,
  Supervisor,
  Tuple,
  atom,
  atomCount,
  atomLimit,
  inspect,
  isAtom,
  node,
  nodes,
  processInfo,
  processes,
  readReport,
  registered,
  runtimeStatistics,
  sys,
} from "../index.js";
import { KvView } from "./kv_view.js";
import { topPage } from "./process_table.js";
import { PidNames, applyAction, matcher, rate, within } from "./render.js";
import type { Action, AppTree, ChildNode, KvPage, Overview, ProcDetail, ProcPage, ProcRow, Source, TableQuery } from "./types.js";

const INIT_P = "{proc_lib,init_p,5}";
/** How long a process page waits for `sys.getStatus` / `whichChildren` (a busy server may never answer). */
const CALL_MS = 1_000;
/** Mailbox messages shown on a process page. */
const FIRST_MESSAGES = 20;

function agnerVersion(): string {
  try {
    // dist/src/observer/ -> the package root.
    return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export class LocalSource implements Source {
  readonly node = node().name;
  private readonly names = new PidNames();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gcObserver: PerformanceObserver;
  private gcCount = 0;
  private gcMs = 0;
  private prevReds = new WeakMap<Pid, number>();
  private prevAt = 0;
  private readonly version = agnerVersion();
  private readonly kvView = new KvView();

  constructor() {
    this.loop.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcCount++;
        this.gcMs += e.duration;
      }
    });
    this.gcObserver.observe({ entryTypes: ["gc"] });
  }

  async overview(): Promise<Overview> {
    const s = runtimeStatistics();
    const mem = process.memoryUsage();
    const delay = { p50: this.loop.percentile(50) / 1e6, p99: this.loop.percentile(99) / 1e6, max: this.loop.max / 1e6 };
    this.loop.reset();
    const gc = { count: this.gcCount, ms: this.gcMs };
    this.gcCount = 0;
    this.gcMs = 0;
    return {
      node: node().name,
      kind: "agner",
      versions: [
        ["Agner", this.version],
        ["Node.js", process.version],
        ["V8", process.versions.v8],
        ["Platform", `${process.platform} ${process.arch}`],
      ],
      uptimeMs: Math.round(process.uptime() * 1000),
      processCount: s.processCount,
      processLimit: null,
      reductions: s.reductions,
      messages: s.messagesDelivered,
      runQueue: s.runQueueLength,
      memory: [
        ["heap used", mem.heapUsed],
        ["heap total", mem.heapTotal],
        ["external", mem.external],
        ["array buffers", mem.arrayBuffers],
        ["rss", mem.rss],
      ],
      eventLoopDelay: Number.isFinite(delay.p50) ? delay : null,
      gc,
      counts: [
        ["processes", String(s.processCount)],
        ["registered names", String(registered().length)],
        ["atoms", `${atomCount()} / ${atomLimit()}`],
        ["connected nodes", String(nodes(["visible", "hidden"]).length)],
      ],
    };
  }

  async processes(q: TableQuery): Promise<ProcPage> {
    const all = processes();
    const now = performance.now();
    const seconds = this.prevAt === 0 ? 0 : (now - this.prevAt) / 1000;
    const prev = this.prevReds;
    const match = matcher(q.filter);
    // A pid's text is built only for a filter that can match one (a million inspect() calls are most of a refresh).
    const pidText = q.filter.includes("<") || /^[\d.]+$/.test(q.filter.trim()) ? (p: Pid) => inspect(p) : () => "";
    const keep = match === null ? null : (p: Pid) => match(pidText(p), nameOf(p), callOf(p));
    let key: (p: Pid) => number | string;
    let next = prev;
    switch (q.sort) {
      case "mailbox":
        key = (p) => processInfo(p, "message_queue_len") ?? -1;
        break;
      case "reductions":
        key = (p) => processInfo(p, "reductions") ?? -1;
        break;
      case "memory":
        key = (p) => processInfo(p, "memory") ?? -1;
        break;
      case "name":
        key = (p) => nameOf(p) || `~${callOf(p)}`; // unnamed after named, by initial call
        break;
      case "rate":
        // Every process's reading is kept for the next refresh: the only sort that needs them all.
        next = new WeakMap();
        key = (p) => {
          const r = processInfo(p, "reductions") ?? 0;
          next.set(p, r);
          return rate(r, prev.get(p), seconds);
        };
        break;
      default:
        key = (p) => p.id + p.serial * 0x1_0000_0000;
    }
    const page = topPage(all, key, keep, q);
    if (q.sort !== "rate") next = new WeakMap();
    const rows: ProcRow[] = [];
    for (const p of page.rows) {
      const i = processInfo(p);
      if (i === undefined) continue;
      next.set(p, i.reductions);
      rows.push({
        pid: this.names.text(p),
        name: i.registered_name === undefined ? "" : i.registered_name.name,
        status: i.status.name,
        mailbox: i.message_queue_len,
        reductions: i.reductions,
        rate: rate(i.reductions, prev.get(p), seconds),
        memory: i.memory,
        call: callOf(p),
      });
    }
    this.prevReds = next;
    this.prevAt = now;
    return { total: all.length, matched: page.matched, rows };
  }

  /** A pid the browser names: one it was shown, or found among the live processes. */
  private pid(s: string): Pid | undefined {
    return this.names.get(s) ?? processes().find((p) => inspect(p) === s);
  }

  async process(s: string): Promise<ProcDetail | null> {
    const pid = this.pid(s);
    if (pid === undefined) return null;
    const i = processInfo(pid);
    if (i === undefined) return { pid: s, alive: false, info: [], links: [], monitors: [], monitoredBy: [], messages: [], queued: 0, state: null, parent: null, children: null };
    const info: [string, string][] = Object.entries(i)
      .filter(([k]) => k !== "messages")
      .map(([k, v]) => [k, Array.isArray(v) ? `[${v.map((x) => inspect(x)).join(", ")}]` : inspect(v)]);
    let state: string | null = null;
    let parent: string | null = null;
    let children: ChildNode[] | null = null;
    // Only proc_lib processes answer system messages: any other would keep the request in its mailbox.
    if (inspect(i.initial_call) === INIT_P) {
      try {
        const st = await within(sys.getStatus(pid, CALL_MS), CALL_MS, "sys.getStatus");
        state = inspect(st.state);
        parent = this.names.text(st.parent);
        if (st.initialCall instanceof Tuple && st.initialCall[0] === atom("supervisor")) children = await this.tree(pid, 1);
      } catch {
        // Busy, suspended on something else, or not a sys process after all: the page shows the rest.
      }
    }
    return {
      pid: s,
      alive: true,
      info,
      links: i.links.map((p) => this.names.text(p)),
      monitors: i.monitors.map((m) => this.names.text(m[1])),
      monitoredBy: i.monitored_by.map((p) => this.names.text(p)),
      messages: i.messages.slice(0, FIRST_MESSAGES).map((m) => inspect(m)),
      queued: i.message_queue_len,
      state,
      parent,
      children,
    };
  }

  /** A supervisor's children, `depth` levels down (supervisor children recursively). */
  private async tree(sup: Pid, depth: number): Promise<ChildNode[]> {
    const kids = await within(Supervisor.whichChildren(sup), CALL_MS, "whichChildren");
    const out: ChildNode[] = [];
    for (const c of kids) {
      const grand = c.type === "supervisor" && c.pid !== undefined && depth > 1 ? await this.tree(c.pid, depth - 1).catch(() => []) : [];
      out.push({ id: c.id, pid: c.pid === undefined ? "undefined" : this.names.text(c.pid), type: c.type, children: grand });
    }
    return out;
  }

  async applications(): Promise<AppTree[]> {
    const out: AppTree[] = [];
    for (const name of Application.startedApplications()) {
      const root = Application.rootOf(name);
      let tree: ChildNode | null = null;
      if (root !== undefined) {
        const children = await this.tree(root, 16).catch(() => []);
        tree = { id: name, pid: this.names.text(root), type: "supervisor", children };
      }
      out.push({ name, description: "", root: tree });
    }
    return out;
  }

  async trace(s: string, on: boolean): Promise<string | null> {
    const pid = this.pid(s);
    if (pid === undefined || inspect(processInfo(pid, "initial_call")) !== INIT_P) return null;
    try {
      await within(sys.trace(pid, on, CALL_MS), CALL_MS, "sys.trace");
      return s;
    } catch {
      return null;
    }
  }

  async kv(): Promise<KvPage | null> {
    return this.kvView.page(readReport("kv"));
  }

  async act(a: Action): Promise<string> {
    const pid = this.pid(a.pid);
    return pid === undefined ? `no process ${a.pid}` : applyAction(pid, a);
  }

  close(): void {
    this.loop.disable();
    this.gcObserver.disconnect();
  }
}

function nameOf(p: Pid): string {
  const n = processInfo(p, "registered_name");
  return n !== undefined && isAtom(n) ? n.name : "";
}

/** Initial calls are mostly a few shared tuples: their text is made once each. */
const callTexts = new WeakMap<object, string>();

function callOf(p: Pid): string {
  const c = processInfo(p, "initial_call");
  if (typeof c !== "object" || c === null) return inspect(c);
  let s = callTexts.get(c);
  if (s === undefined) callTexts.set(c, (s = inspect(c)));
  return s;
}
