/**
 * The observer's HTTP server: one HTML page, its script and uPlot (served
 * from the package, never a CDN), and one WebSocket per open page over
 * which the server pushes the overview and the page being looked at.
 *
 * Security: it listens on loopback unless told otherwise; every request and
 * the WebSocket upgrade carry the random token printed at start (401
 * without it); kill/exit/send are refused unless `allowDestructive`.
 *
 * Cost: each page refreshes after `interval` ms, or after 20 times what its
 * last refresh took when that is longer, so the observer never takes more
 * than ~5% of the node however many processes it has.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";
import { atom, format, getNetTicktime, node, nodes, nodesInfo, rpc, runtime } from "../index.js";
import { BeamSource } from "./beam_source.js";
import { LocalSource } from "./local_source.js";
import { LogTap } from "./log_tap.js";
import { pageHtml } from "./page.js";
import { within } from "./render.js";
import type { Action, ClusterPage, SortKey, Source, TableQuery } from "./types.js";

/** Options of {@link startObserver}. */
export interface ObserverOptions {
  /** TCP port; 0 picks a free one (default 0). */
  port?: number;
  /** Address to listen on (default `127.0.0.1`: only this machine). */
  host?: string;
  /** Allow kill, exit and send from the pages (default false: read-only). */
  allowDestructive?: boolean;
  /** Node to observe first (default this node); any connected node, BEAM or Agner. */
  node?: string;
  /** Milliseconds between refreshes of a page (default 1000). */
  interval?: number;
  /** Use this token instead of a random one (tests, scripted setups). */
  token?: string;
}

/** What {@link startObserver} resolves to. */
export interface ObserverHandle {
  /** The URL to open, token included. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Closes the pages' connections and stops listening. */
  close(): Promise<void>;
}

/** A trace stops by itself after this many events, or this many in one refresh interval (as recon_trace's limits). */
const TRACE_MAX = 500;
const TRACE_BURST = 100;

const SORTS: readonly SortKey[] = ["pid", "name", "mailbox", "reductions", "rate", "memory"];
const MAX_PAGE = 500;
/** A refresh may take at most this share of the time (see the file comment). */
const DUTY = 20;

function asset(rel: string): Buffer {
  return readFileSync(fileURLToPath(new URL(rel, import.meta.url)));
}

function uplotFile(name: string): Buffer {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve(`uplot/dist/${name}`));
}

/** Reads a number field of a client message within bounds. */
function int(x: unknown, lo: number, hi: number, dflt: number): number {
  return typeof x === "number" && Number.isInteger(x) ? Math.min(hi, Math.max(lo, x)) : dflt;
}

function str(x: unknown, max = 200): string {
  return typeof x === "string" ? x.slice(0, max) : "";
}

function query(m: Record<string, unknown>): TableQuery {
  const sort = SORTS.includes(m.sort as SortKey) ? (m.sort as SortKey) : "reductions";
  return { sort, desc: m.desc !== false, filter: str(m.filter), offset: int(m.offset, 0, 1e9, 0), limit: int(m.limit, 1, MAX_PAGE, 50) };
}

/** One open page: what it looks at, and the source of the node it looks at. */
class Session {
  private view: Record<string, unknown> = { page: "overview" };
  private source: Source;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private kinds = new Map<string, string>();
  /** The process traced for the Trace page, while it is open. */
  private tracing: { pid: string; since: number; source: Source; seen: number; note: string; on: boolean } | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: Required<Pick<ObserverOptions, "allowDestructive" | "interval">>,
    first: string | undefined,
    private readonly logs: LogTap,
  ) {
    this.source = sourceFor(first);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(String(data)).catch((e: unknown) => this.send({ t: "error", text: e instanceof Error ? e.message : String(e) }));
    });
    ws.on("close", () => this.close());
    ws.on("error", () => this.close());
    this.send({ t: "hello", node: this.source.node, destructive: opts.allowDestructive });
    this.tick();
  }

  private send(x: unknown): void {
    if (!this.closed) this.ws.send(JSON.stringify(x));
  }

  private async onMessage(raw: string): Promise<void> {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      throw new Error("not JSON");
    }
    if (typeof m !== "object" || m === null) throw new Error("not an object");
    const msg = m as Record<string, unknown>;
    switch (msg.t) {
      case "view":
        await this.stopTrace();
        this.view = msg;
        if (msg.page === "trace") await this.startTrace(str(msg.pid));
        this.tick();
        return;
      case "node":
        await this.stopTrace();
        this.source.close();
        this.source = sourceFor(str(msg.node));
        this.send({ t: "hello", node: this.source.node, destructive: this.opts.allowDestructive });
        this.tick();
        return;
      case "act": {
        if (!this.opts.allowDestructive) throw new Error("read-only: kill, exit and send need the observer started with allowDestructive");
        const op = str(msg.op);
        const pid = str(msg.pid);
        const action: Action | null =
          op === "kill" ? { op, pid } : op === "exit" ? { op, pid, reason: str(msg.reason) || "kill" } : op === "send" ? { op, pid, message: str(msg.message, 10_000) } : null;
        if (action === null) throw new Error(`unknown action ${op}`);
        this.send({ t: "done", text: await this.source.act(action) });
        this.tick();
        return;
      }
      default:
        throw new Error(`unknown message ${str(msg.t)}`);
    }
  }

  /** Refreshes now, then again after the interval (or longer, see DUTY). */
  private tick(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed) return;
    const view = this.view;
    const started = performance.now();
    this.refresh(view)
      .catch((e: unknown) => this.send({ t: "error", text: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        if (this.closed || this.view !== view || this.timer !== null) return;
        const took = performance.now() - started;
        this.timer = setTimeout(() => this.tick(), Math.max(this.opts.interval, took * DUTY));
      });
  }

  private async refresh(view: Record<string, unknown>): Promise<void> {
    const src = this.source;
    this.send({ t: "overview", data: await src.overview() });
    const page = str(view.page);
    let data: unknown = null;
    if (page === "processes") data = await src.processes(query(view));
    else if (page === "process") data = await src.process(str(view.pid));
    else if (page === "applications") data = await src.applications();
    else if (page === "cluster") data = await this.cluster();
    else if (page === "kv") data = await src.kv();
    else if (page === "logs") data = this.logs.lines(str(view.level) || "info");
    else if (page === "trace") data = await this.traceData(str(view.pid));
    // A process page or KV page without data says so (a dead process, a node without a KV server).
    if (data !== null || page === "process" || page === "kv") this.send({ t: page, data });
  }

  /** The nodes this node is connected to, whether each is a BEAM or an Agner node, and each connection's traffic and ticks. */
  private async cluster(): Promise<ClusterPage> {
    const self = node().name;
    const visible = new Set(nodes("visible").map((n) => n.name));
    const traffic = new Map(nodesInfo().map((i) => [i.node, i]));
    const all = [self, ...nodes(["visible", "hidden"]).map((n) => n.name)];
    const rows = await Promise.all(
      all.map(async (name) => ({
        name,
        visible: name === self || visible.has(name),
        kind: name === self ? "agner" : await this.kind(name),
        current: name === this.source.node,
        traffic: traffic.get(name) ?? null,
      })),
    );
    const tt = getNetTicktime();
    return { ticktime: typeof tt === "number" ? `${tt} s` : format(tt), nodes: rows };
  }

  /** `erlang:system_info(machine)` is "BEAM" on Erlang's VM; an Agner node answers otherwise, or not at all. */
  private async kind(n: string): Promise<string> {
    const known = this.kinds.get(n);
    if (known !== undefined) return known;
    let kind = "agner";
    try {
      const m = await within(rpc.call(n, "erlang", "system_info", [atom("machine")], 2_000), 2_500, "system_info");
      if (Array.isArray(m) && String.fromCharCode(...(m as number[])) === "BEAM") kind = "beam";
    } catch {
      // No answer to a BEAM call: not a BEAM node.
    }
    this.kinds.set(n, kind);
    return kind;
  }

  private async startTrace(pid: string): Promise<void> {
    const on = (await this.source.trace(pid, true)) !== null;
    if (on) this.logs.quiet.add(pid);
    this.tracing = { pid, since: Date.now(), source: this.source, seen: 0, on, note: on ? "tracing: messages this process receives" : "not traceable here: only an OTP process of this node (sys.trace)" };
  }

  /** Switches the trace off: when the page moves, closes, or a limit is reached. */
  private async stopTrace(note?: string): Promise<void> {
    const t = this.tracing;
    if (t === null || !t.on) {
      if (note === undefined) this.tracing = null;
      return;
    }
    t.on = false;
    if (note !== undefined) t.note = note;
    else this.tracing = null;
    this.logs.quiet.delete(t.pid);
    await t.source.trace(t.pid, false).catch(() => null);
  }

  private async traceData(pid: string): Promise<unknown> {
    const t = this.tracing;
    if (t === null || t.pid !== pid) return { pid, on: false, note: "", events: [] };
    const events = this.logs.traced(pid, t.since);
    if (t.on && events.length >= TRACE_MAX) await this.stopTrace(`stopped after ${events.length} events (limit ${TRACE_MAX})`);
    else if (t.on && events.length - t.seen > TRACE_BURST) await this.stopTrace(`stopped: more than ${TRACE_BURST} events in one refresh`);
    t.seen = events.length;
    return { pid, on: t.on, note: t.note, events: events.slice(-200).map((e) => ({ at: e.at, text: e.text })) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    void this.stopTrace();
    this.source.close();
  }
}

function sourceFor(n: string | undefined): Source {
  return n === undefined || n === "" || n === node().name ? new LocalSource() : new BeamSource(n);
}

function tokenOk(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `startObserver` (src/observer/index.ts, where it is documented), loaded on first use. */
export async function serveObserver(options: ObserverOptions = {}): Promise<ObserverHandle> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? randomBytes(18).toString("base64url");
  const opts = { allowDestructive: options.allowDestructive ?? false, interval: options.interval ?? 1_000 };
  const files: Record<string, () => [string, Buffer | string]> = {
    "/": () => ["text/html; charset=utf-8", pageHtml(token)],
    "/app.js": () => ["text/javascript; charset=utf-8", asset("./www/app.js")],
    "/uplot.js": () => ["text/javascript; charset=utf-8", uplotFile("uPlot.iife.min.js")],
    "/uplot.css": () => ["text/css; charset=utf-8", uplotFile("uPlot.min.css")],
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://observer");
    if (!tokenOk(url.searchParams.get("token"), token)) {
      res.writeHead(401, { "content-type": "text/plain" }).end("401: this observer needs its token (printed when it started): ?token=...\n");
      return;
    }
    const f = files[url.pathname];
    if (f === undefined || req.method !== "GET") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const [type, body] = f();
    res.writeHead(200, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" }).end(body);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sessions = new Set<Session>();
  const logs = new LogTap(runtime());
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://observer");
    if (url.pathname !== "/ws" || !tokenOk(url.searchParams.get("token"), token)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new Session(ws, opts, options.node, logs);
      sessions.add(s);
      ws.on("close", () => sessions.delete(s));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const s of sessions) s.close();
      logs.detach();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
