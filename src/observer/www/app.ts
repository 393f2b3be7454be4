/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The observer's browser side: one WebSocket, a view message when the user
 * moves, and the server's pushes drawn as they come. The server renders
 * every term as text, so this code only lays out strings and numbers.
 */

/** The part of uPlot (loaded by the page as a global) used here. */
declare class uPlot {
  constructor(opts: object, data: number[][], target: HTMLElement);
  setData(data: number[][]): void;
}

type Row = { pid: string; name: string; status: string; mailbox: number; reductions: number; rate: number; memory: number; call: string };
type Child = { id: string; pid: string; type: string; children: Child[] };

const token = document.body.dataset.token ?? "";
const main = document.getElementById("main")!;
const HISTORY = 120;
let destructive = false;
let view: Record<string, unknown> = { page: "overview" };
const table = { sort: "reductions", desc: true, filter: "", offset: 0, limit: 50 };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of kids) e.append(c);
  return e;
}

function pidLink(pid: string): HTMLElement {
  if (!pid.startsWith("<")) return el("span", {}, pid);
  const a = el("a", { class: "pid", "data-pid": pid }, pid);
  a.onclick = () => go({ page: "process", pid });
  return a;
}

function bytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

function pairs(rows: [string, string][], id = ""): HTMLTableElement {
  const t = el("table", id ? { "data-testid": id } : {});
  for (const [k, v] of rows) t.append(el("tr", {}, el("th", {}, k), el("td", { class: "term" }, v)));
  return t;
}

function status(text: string, error = false): void {
  const m = document.getElementById("msg")!;
  m.textContent = text;
  m.className = error ? "error" : "";
}

// ---- the socket -----------------------------------------------------------

const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?token=${encodeURIComponent(token)}`);
function send(x: object): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(x));
}

function go(v: Record<string, unknown>): void {
  view = v;
  for (const a of document.querySelectorAll<HTMLElement>("nav a")) a.classList.toggle("on", a.dataset.page === v.page);
  main.replaceChildren(el("p", {}, "loading…"));
  charts = null;
  send(v.page === "processes" ? { t: "view", ...v, ...table } : { t: "view", ...v });
}

for (const a of document.querySelectorAll<HTMLElement>("nav a")) a.onclick = () => go({ page: a.dataset.page! });

ws.onopen = () => go(view);
ws.onclose = () => status("disconnected", true);
ws.onmessage = (ev: MessageEvent<string>) => {
  const m = JSON.parse(ev.data) as { t: string; data?: unknown; node?: string; destructive?: boolean; text?: string };
  switch (m.t) {
    case "hello":
      document.getElementById("node")!.textContent = m.node!;
      destructive = m.destructive === true;
      document.getElementById("mode")!.textContent = destructive ? "destructive actions allowed" : "read-only";
      history.length = 0;
      return;
    case "overview":
      return overview(m.data as Overview);
    case "error":
      return status(m.text ?? "error", true);
    case "done":
      return status(m.text ?? "");
  }
  if (m.t !== view.page) return;
  if (m.t === "processes") processes(m.data as { total: number; matched: number; rows: Row[] });
  else if (m.t === "process") processPage(m.data as Detail | null);
  else if (m.t === "applications") applications(m.data as { name: string; description: string; root: Child | null }[]);
  else if (m.t === "cluster") cluster(m.data as { ticktime: string; nodes: ClusterRow[] });
  else if (m.t === "trace") trace(m.data as { pid: string; on: boolean; note: string; events: { at: number; text: string }[] });
  else if (m.t === "kv") kv(m.data as Kv | null);
  else if (m.t === "logs") logs(m.data as { at: number; level: string; what: string; text: string }[]);
};

// ---- overview -------------------------------------------------------------

type Overview = {
  node: string; kind: string; versions: [string, string][]; uptimeMs: number; processCount: number; reductions: number | null;
  messages: number | null; runQueue: number; memory: [string, number][]; eventLoopDelay: { p50: number; p99: number; max: number } | null;
  gc: { count: number; ms: number } | null; counts: [string, string][];
};
type Sample = { at: number; o: Overview };
const history: Sample[] = [];
let charts: Map<string, uPlot> | null = null;

/** Per-second rate of a cumulative counter between the last two samples. */
function perSecond(get: (o: Overview) => number | null, i: number): number {
  if (i === 0) return 0;
  const a = get(history[i - 1]!.o);
  const b = get(history[i]!.o);
  const dt = (history[i]!.at - history[i - 1]!.at) / 1000;
  return a === null || b === null || dt <= 0 ? 0 : Math.max(0, (b - a) / dt);
}

function series(): Record<string, { labels: string[]; data: number[][] }> {
  const xs = history.map((s) => s.at / 1000);
  const memKinds = history.length > 0 ? history[history.length - 1]!.o.memory.map(([k]) => k) : [];
  const out: Record<string, { labels: string[]; data: number[][] }> = {
    Processes: { labels: ["processes"], data: [xs, history.map((s) => s.o.processCount)] },
    "Memory (MiB)": { labels: memKinds, data: [xs, ...memKinds.map((k) => history.map((s) => (s.o.memory.find(([n]) => n === k)?.[1] ?? 0) / (1 << 20)))] },
    "Reductions/s": { labels: ["reductions/s"], data: [xs, history.map((_, i) => perSecond((o) => o.reductions, i))] },
    "Messages/s": { labels: ["messages/s"], data: [xs, history.map((_, i) => perSecond((o) => o.messages, i))] },
    "Run queue": { labels: ["run queue"], data: [xs, history.map((s) => s.o.runQueue)] },
  };
  if (history.some((s) => s.o.eventLoopDelay !== null)) {
    out["Event-loop delay (ms)"] = { labels: ["p50", "p99", "max"], data: [xs, ...(["p50", "p99", "max"] as const).map((k) => history.map((s) => s.o.eventLoopDelay?.[k] ?? 0))] };
    out["GC pauses (ms per interval)"] = { labels: ["gc ms"], data: [xs, history.map((s) => s.o.gc?.ms ?? 0)] };
  }
  return out;
}

const COLORS = ["#0b63c4", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#5c940d"];

function overview(o: Overview): void {
  history.push({ at: Date.now(), o });
  if (history.length > HISTORY) history.shift();
  if (view.page !== "overview") return;
  const all = series();
  if (charts === null) {
    charts = new Map();
    const grid = el("div", { class: "grid" });
    const info = el("div", { class: "card" }, el("h3", {}, `${o.node} (${o.kind})`), pairs([...o.versions, ["uptime", duration(o.uptimeMs)]], "versions"), el("h3", {}, "Counts"), pairs(o.counts, "counts"));
    grid.append(info);
    for (const [title, s] of Object.entries(all)) {
      const box = el("div", { class: "card", "data-chart": title }, el("h3", {}, title));
      grid.append(box);
      const opts = { width: 400, height: 160, legend: { show: true }, series: [{}, ...s.labels.map((l, i) => ({ label: l, stroke: COLORS[i % COLORS.length] }))] };
      charts.set(title, new uPlot(opts, s.data, box));
    }
    main.replaceChildren(grid);
  } else {
    for (const [title, s] of Object.entries(all)) charts.get(title)?.setData(s.data);
    const v = main.querySelector("[data-testid=versions]");
    v?.replaceWith(pairs([...o.versions, ["uptime", duration(o.uptimeMs)]], "versions"));
    main.querySelector("[data-testid=counts]")?.replaceWith(pairs(o.counts, "counts"));
  }
}

// ---- processes ------------------------------------------------------------

const COLUMNS: [keyof Row, string, boolean][] = [
  ["pid", "Pid", false], ["name", "Name or initial call", false], ["status", "Status", false], ["mailbox", "Mailbox", true],
  ["reductions", "Reductions", true], ["rate", "Reds/s", true], ["memory", "Memory", true],
];

function processes(p: { total: number; matched: number; rows: Row[] }): void {
  const filter = el("input", { placeholder: "filter by pid, name or call", value: table.filter, "data-testid": "filter" });
  filter.onchange = () => {
    table.filter = filter.value;
    table.offset = 0;
    go({ page: "processes" });
  };
  const prev = el("button", {}, "◀ previous");
  const next = el("button", {}, "next ▶");
  prev.disabled = table.offset === 0;
  next.disabled = table.offset + table.limit >= p.matched;
  prev.onclick = () => {
    table.offset = Math.max(0, table.offset - table.limit);
    go({ page: "processes" });
  };
  next.onclick = () => {
    table.offset += table.limit;
    go({ page: "processes" });
  };
  const head = el("tr");
  for (const [key, label, num] of COLUMNS) {
    if (key === "status" || key === "name") {
      head.append(el("th", {}, label));
      continue;
    }
    const th = el("th", { class: num ? "num" : "", "data-sort": key }, label + (table.sort === key ? (table.desc ? " ▼" : " ▲") : ""));
    th.onclick = () => {
      table.desc = table.sort === key ? !table.desc : num;
      table.sort = key;
      table.offset = 0;
      go({ page: "processes" });
    };
    head.append(th);
  }
  const t = el("table", { "data-testid": "processes" }, head);
  for (const r of p.rows) {
    t.append(
      el("tr", { "data-row": r.pid },
        el("td", {}, pidLink(r.pid)), el("td", {}, r.name || r.call), el("td", {}, r.status), el("td", { class: "num" }, String(r.mailbox)),
        el("td", { class: "num" }, String(r.reductions)), el("td", { class: "num" }, String(r.rate)), el("td", { class: "num" }, bytes(r.memory))),
    );
  }
  const focused = document.activeElement === main.querySelector("[data-testid=filter]");
  main.replaceChildren(
    el("div", { class: "bar" }, filter, prev, next, el("span", {}, `${table.offset + 1}–${table.offset + p.rows.length} of ${p.matched} (${p.total} processes)`)),
    t,
  );
  if (focused) filter.focus();
}

// ---- one process ----------------------------------------------------------

type Detail = {
  pid: string; alive: boolean; info: [string, string][]; links: string[]; monitors: string[]; monitoredBy: string[]; messages: string[];
  queued: number; state: string | null; parent: string | null; children: Child[] | null;
};

function pidList(title: string, pids: string[]): HTMLElement {
  const d = el("div", { class: "card" }, el("h3", {}, `${title} (${pids.length})`));
  for (const p of pids) d.append(pidLink(p), " ");
  return d;
}

function processPage(d: Detail | null): void {
  if (d === null || !d.alive) {
    main.replaceChildren(el("p", { "data-testid": "dead" }, `${String(view.pid)} is not alive`));
    return;
  }
  const parts: HTMLElement[] = [el("h2", {}, d.pid)];
  if (destructive) {
    const bar = el("div", { class: "bar", "data-testid": "actions" });
    const kill = el("button", {}, "kill");
    kill.onclick = () => send({ t: "act", op: "kill", pid: d.pid });
    const reason = el("input", { placeholder: "exit reason (an atom)", value: "shutdown" });
    const exitB = el("button", {}, "exit");
    exitB.onclick = () => send({ t: "act", op: "exit", pid: d.pid, reason: reason.value });
    const message = el("input", { placeholder: "message (sent as a string)" });
    const sendB = el("button", {}, "send");
    sendB.onclick = () => send({ t: "act", op: "send", pid: d.pid, message: message.value });
    bar.append(kill, reason, exitB, message, sendB);
    parts.push(bar);
  }
  const grid = el("div", { class: "grid" });
  grid.append(el("div", { class: "card" }, el("h3", {}, "process_info"), pairs(d.info, "info")));
  if (d.parent !== null) grid.append(el("div", { class: "card" }, el("h3", {}, "Parent"), pidLink(d.parent)));
  grid.append(pidList("Links", d.links), pidList("Monitors", d.monitors), pidList("Monitored by", d.monitoredBy));
  const msgs = el("div", { class: "card", "data-testid": "messages" }, el("h3", {}, `Mailbox: ${d.queued} messages, first ${d.messages.length}`));
  for (const m of d.messages) msgs.append(el("div", { class: "term" }, m));
  grid.append(msgs);
  if (d.state !== null) {
    const traceB = el("button", { "data-testid": "trace" }, "trace its messages");
    traceB.onclick = () => go({ page: "trace", pid: d.pid });
    grid.append(el("div", { class: "card" }, el("h3", {}, "State (sys.getState)"), el("div", { class: "term", "data-testid": "state" }, d.state), traceB));
  }
  if (d.children !== null) grid.append(el("div", { class: "card", "data-testid": "children" }, el("h3", {}, "Children"), tree(d.children)));
  parts.push(grid);
  main.replaceChildren(...parts);
}

// ---- applications and cluster ---------------------------------------------

function tree(children: Child[]): HTMLElement {
  const ul = el("ul", { class: "tree" });
  for (const c of children) {
    const li = el("li", { "data-child": c.id }, el("span", { class: c.type === "supervisor" ? "sup" : "" }, `${c.id} `), pidLink(c.pid));
    if (c.children.length > 0) li.append(tree(c.children));
    ul.append(li);
  }
  return ul;
}

function applications(apps: { name: string; description: string; root: Child | null }[]): void {
  const out = el("div", { class: "grid" });
  for (const a of apps) {
    const card = el("div", { class: "card", "data-app": a.name }, el("h3", {}, `${a.name} ${a.description}`));
    if (a.root !== null) card.append(el("div", {}, el("span", { class: "sup" }, "root "), pidLink(a.root.pid)), tree(a.root.children));
    out.append(card);
  }
  main.replaceChildren(out);
}

type Traffic = { bytesIn: number; bytesOut: number; messagesIn: number; messagesOut: number; ticksIn: number; ticksOut: number; lastTickInAgo: number | null };
type ClusterRow = { name: string; visible: boolean; kind: string; current: boolean; traffic: Traffic | null };

/** A connection's counters as table cells (this node's own row has none). */
function trafficCells(x: Traffic | null): HTMLElement[] {
  const c = (v: string, key: string) => el("td", { class: "num", "data-traffic": key }, v);
  if (x === null) return ["bytes", "messages", "ticks", "tick"].map((k) => c("", k));
  const tick = x.lastTickInAgo === null ? "none yet" : `${(x.lastTickInAgo / 1000).toFixed(1)} s ago`;
  return [c(`${bytes(x.bytesIn)} / ${bytes(x.bytesOut)}`, "bytes"), c(`${x.messagesIn} / ${x.messagesOut}`, "messages"), c(`${x.ticksIn} / ${x.ticksOut}`, "ticks"), c(tick, "tick")];
}

function cluster(d: { ticktime: string; nodes: ClusterRow[] }): void {
  const head = ["Node", "Kind", "Connection", "Bytes in / out", "Messages in / out", "Ticks in / out", "Last tick in", ""];
  const t = el("table", { "data-testid": "cluster" }, el("tr", {}, ...head.map((h) => el("th", {}, h))));
  for (const n of d.nodes) {
    const b = el("button", { "data-observe": n.name }, n.current ? "observing" : "observe");
    b.disabled = n.current;
    b.onclick = () => {
      send({ t: "node", node: n.name });
      go({ page: "overview" });
    };
    t.append(el("tr", { "data-node": n.name }, el("td", {}, n.name), el("td", {}, n.kind), el("td", {}, n.visible ? "visible" : "hidden"), ...trafficCells(n.traffic), el("td", {}, b)));
  }
  main.replaceChildren(el("div", { class: "bar" }, el("span", { "data-testid": "ticktime" }, `net_ticktime ${d.ticktime}`)), t);
}

// ---- KV -------------------------------------------------------------------

type Kv = {
  opsPerSec: number; commands: { name: string; calls: number; rate: number; usecPerCall: number }[]; keyspace: { db: string; keys: number; expires: number }[];
  clients: [string, string][]; memory: [string, string][]; persistence: [string, string][]; replication: [string, string][];
  slowlog: { id: number; at: string; usec: number; command: string; client: string }[];
};

/** A table with a header row; each row's first cell names it (`data-row`). */
function numTable(id: string, head: string[], rows: (string | number)[][]): HTMLTableElement {
  const t = el("table", { "data-testid": id }, el("tr", {}, ...head.map((h, i) => el("th", i === 0 ? {} : { class: "num" }, h))));
  for (const r of rows) t.append(el("tr", { "data-row": String(r[0]) }, ...r.map((c, i) => el("td", i === 0 ? {} : { class: typeof c === "number" ? "num" : "term" }, String(c)))));
  return t;
}

function kv(d: Kv | null): void {
  if (d === null) {
    main.replaceChildren(el("p", { "data-testid": "no-kv" }, "this node runs no KV server"));
    return;
  }
  const card = (title: string, ...kids: Node[]) => el("div", { class: "card" }, el("h3", {}, title), ...kids);
  const slow = numTable("kv-slowlog", ["Id", "Time", "µs", "Command", "Client"], d.slowlog.map((s) => [s.id, s.at, s.usec, s.command, s.client]));
  main.replaceChildren(
    el("div", { class: "grid" },
      card(`Commands: ${d.opsPerSec} ops/s`, numTable("kv-commands", ["Command", "Calls", "Calls/s", "µs per call"], d.commands.map((c) => [c.name, c.calls, c.rate, c.usecPerCall]))),
      card("Keys per database", numTable("kv-keyspace", ["Database", "Keys", "With expiry"], d.keyspace.map((k) => [k.db, k.keys, k.expires]))),
      card("Clients", pairs(d.clients, "kv-clients")),
      card("Memory", pairs(d.memory, "kv-memory")),
      card("Persistence", pairs(d.persistence, "kv-persistence")),
      card("Replication", pairs(d.replication, "kv-replication")),
      card(`Slow commands (newest ${d.slowlog.length})`, slow),
    ),
  );
}

// ---- logs -----------------------------------------------------------------

function logs(lines: { at: number; level: string; what: string; text: string }[]): void {
  const level = el("select", { "data-testid": "level" });
  for (const l of ["debug", "info", "notice", "warning", "error"]) {
    const o = el("option", { value: l }, l);
    o.selected = l === (view.level ?? "info");
    level.append(o);
  }
  level.onchange = () => go({ page: "logs", level: level.value });
  const list = el("div", { class: "card", "data-testid": "logs" });
  for (const l of lines) list.append(el("div", { class: `log ${l.level}` }, `${new Date(l.at).toISOString()} ${l.level} ${l.what}\n${l.text}`));
  if (lines.length === 0) list.append(el("p", {}, "no events at this level yet (this node's log, newest first)"));
  main.replaceChildren(el("div", { class: "bar" }, el("span", {}, "level ≥"), level, el("span", {}, "this node's runtime log, newest first")), list);
}

// ---- trace ----------------------------------------------------------------

function trace(d: { pid: string; on: boolean; note: string; events: { at: number; text: string }[] }): void {
  const back = el("button", {}, "back to the process (stops the trace)");
  back.onclick = () => go({ page: "process", pid: d.pid });
  const list = el("div", { class: "card", "data-testid": "trace-events" });
  for (const e of d.events) list.append(el("div", { class: "log" }, `${new Date(e.at).toISOString()} ${e.text}`));
  if (d.events.length === 0) list.append(el("p", {}, "no messages yet"));
  main.replaceChildren(
    el("div", { class: "bar" }, el("h2", {}, "Trace "), pidLink(d.pid), el("span", { "data-testid": "trace-note", class: d.on ? "" : "error" }, d.note), back),
    list,
  );
}
