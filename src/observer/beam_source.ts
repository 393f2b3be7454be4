/**
 * The observer's view of another node, read over distribution with the
 * calls Erlang's own tools make (`rpc` to `erlang:processes/0`,
 * `process_info/2`, `memory/0`, `statistics/1`, `application:which_applications/0`,
 * `supervisor:which_children/1`, `sys:get_state/2`), so a BEAM node needs
 * no agent; an Agner node that answers the same calls reads the same way.
 *
 * The process table costs two calls per refresh: the pid list, and every
 * process's counters in one `lists:zipwith(fun erlang:process_info/2, ...)`
 * (a node without `lists` gets one `process_info/2` call per process).
 */
import { Export, type Pid, Tuple, atom, inspect, isAtom, isPid, rpc } from "../index.js";
import { KvView } from "./kv_view.js";
import { topPage } from "./process_table.js";
import { PidNames, applyAction, matcher, propList, rate, text, within } from "./render.js";
import type { Action, AppTree, ChildNode, KvPage, Overview, ProcDetail, ProcPage, ProcRow, Source, TableQuery } from "./types.js";

const RPC_MS = 5_000;
const ROW_ITEMS = ["registered_name", "initial_call", "current_function", "status", "message_queue_len", "reductions", "memory"].map((k) => atom(k));
const DETAIL_ITEMS = [
  "registered_name", "initial_call", "current_function", "status", "message_queue_len", "links", "monitors", "monitored_by",
  "dictionary", "trap_exit", "group_leader", "priority", "reductions", "memory", "heap_size", "total_heap_size", "stack_size",
].map((k) => atom(k));
/** Mailboxes up to this length are read for the first messages (process_info(P, messages) copies them all). */
const READ_MESSAGES_MAX = 1_000;
const FIRST_MESSAGES = 20;
const BADRPC = atom("badrpc");
const INFO_2 = new Export(atom("erlang"), atom("process_info"), 2);
/** A remote node's report larger than this is not read. */
const REPORT_MAX = 1 << 20;

interface BeamRow {
  pid: Pid;
  info: Map<string, unknown>;
}

export class BeamSource implements Source {
  private readonly names = new PidNames();
  private prevReds = new Map<string, number>();
  private prevAt = 0;
  /** False once the node answered `undef` for `lists:zipwith` (an Agner node). */
  private zipwith = true;
  private readonly kvView = new KvView();

  constructor(readonly node: string) {}

  /** `rpc:call`; a `{badrpc, Reason}` answer (e.g. `undef` from an Agner node) rejects, as it is no result (and, a tuple, would pass for a list). */
  private async call(mod: string, fn: string, args: unknown[]): Promise<unknown> {
    const what = `${mod}:${fn} on ${this.node}`;
    const r = await within(rpc.call(this.node, mod, fn, args, RPC_MS), RPC_MS + 500, what);
    if (r instanceof Tuple && r.length === 2 && r[0] === BADRPC) throw new Error(`${what}: ${inspect(r[1])}`);
    return r;
  }

  /** A call whose failure (an item the node lacks) shows as null rather than failing the page. */
  private maybe(mod: string, fn: string, args: unknown[]): Promise<unknown> {
    return this.call(mod, fn, args).catch(() => null);
  }

  async overview(): Promise<Overview> {
    const si = (k: string) => this.maybe("erlang", "system_info", [atom(k)]);
    const st = (k: string) => this.maybe("erlang", "statistics", [atom(k)]);
    const [release, version, wall, reds, runq, memory, count, limit, atoms, atomMax, ports, peers] = await Promise.all([
      si("otp_release"), si("system_version"), st("wall_clock"), st("exact_reductions"), st("total_run_queue_lengths"),
      this.maybe("erlang", "memory", []), si("process_count"), si("process_limit"), si("atom_count"), si("atom_limit"), si("port_count"),
      this.maybe("erlang", "nodes", [atom("connected")]),
    ]);
    const first = (x: unknown): number | null => (x instanceof Tuple && typeof x[0] === "number" ? x[0] : null);
    const num = (x: unknown): number => (typeof x === "number" ? x : 0);
    return {
      node: this.node,
      kind: "beam",
      versions: [
        ["OTP", release === null ? "?" : text(release)],
        ["System", version === null ? "?" : text(version).trim()],
      ],
      uptimeMs: first(wall) ?? 0,
      processCount: num(count),
      processLimit: typeof limit === "number" ? limit : null,
      reductions: first(reds),
      messages: null,
      runQueue: num(runq),
      memory: [...propList(memory)].filter(([, v]) => typeof v === "number") as [string, number][],
      eventLoopDelay: null,
      gc: null,
      counts: [
        ["processes", `${num(count)} / ${num(limit)}`],
        ["atoms", `${num(atoms)} / ${num(atomMax)}`],
        ["ports", String(num(ports))],
        ["connected nodes", String(Array.isArray(peers) ? peers.length : 0)],
      ],
    };
  }

  /** Every process's row items: one call when the node has `lists:zipwith`, else one per process. */
  private async rows(): Promise<BeamRow[]> {
    const pids = await this.call("erlang", "processes", []);
    if (!Array.isArray(pids)) return [];
    let infos: unknown[] | null = null;
    if (this.zipwith) {
      try {
        const r = await this.call("lists", "zipwith", [INFO_2, pids, pids.map(() => ROW_ITEMS)]);
        if (Array.isArray(r)) infos = r;
      } catch {
        this.zipwith = false;
      }
    }
    infos ??= await Promise.all(pids.map((p) => this.maybe("erlang", "process_info", [p, ROW_ITEMS])));
    const out: BeamRow[] = [];
    pids.forEach((p, i) => {
      if (isPid(p) && Array.isArray(infos![i])) out.push({ pid: p, info: propList(infos![i]) });
    });
    return out;
  }

  async processes(q: TableQuery): Promise<ProcPage> {
    const all = await this.rows();
    const now = performance.now();
    const seconds = this.prevAt === 0 ? 0 : (now - this.prevAt) / 1000;
    const prev = this.prevReds;
    const next = new Map<string, number>();
    const n = (r: BeamRow, k: string): number => {
      const v = r.info.get(k);
      return typeof v === "number" ? v : 0;
    };
    const rows = all.map((r) => {
      const pid = this.names.text(r.pid);
      const reds = n(r, "reductions");
      next.set(pid, reds);
      const name = r.info.get("registered_name");
      const init = r.info.get("initial_call");
      const call = init instanceof Tuple && init[0] === atom("proc_lib") ? r.info.get("current_function") : init;
      const row: ProcRow = {
        pid,
        name: isAtom(name) ? name.name : "",
        status: inspect(r.info.get("status")),
        mailbox: n(r, "message_queue_len"),
        reductions: reds,
        rate: rate(reds, prev.get(pid), seconds),
        memory: n(r, "memory"),
        call: inspect(call),
      };
      return row;
    });
    this.prevReds = next;
    this.prevAt = now;
    const match = matcher(q.filter);
    const key = (r: ProcRow): number | string => (q.sort === "pid" ? r.pid : q.sort === "name" ? r.name || `~${r.call}` : r[q.sort]);
    const page = topPage(rows, key, match === null ? null : (r) => match(r.pid, r.name, r.call), q);
    return { total: rows.length, matched: page.matched, rows: page.rows };
  }

  async process(s: string): Promise<ProcDetail | null> {
    const pid = this.names.get(s);
    if (pid === undefined) return null;
    const r = await this.call("erlang", "process_info", [pid, DETAIL_ITEMS]);
    if (!Array.isArray(r)) return { pid: s, alive: false, info: [], links: [], monitors: [], monitoredBy: [], messages: [], queued: 0, state: null, parent: null, children: null };
    const info = propList(r);
    const queued = typeof info.get("message_queue_len") === "number" ? (info.get("message_queue_len") as number) : 0;
    let messages: string[] = [];
    if (queued > 0 && queued <= READ_MESSAGES_MAX) {
      const m = await this.maybe("erlang", "process_info", [pid, atom("messages")]);
      if (m instanceof Tuple && Array.isArray(m[1])) messages = m[1].slice(0, FIRST_MESSAGES).map((x) => inspect(x));
    }
    const pids = (k: string): string[] => {
      const v = info.get(k);
      return Array.isArray(v) ? v.map((x) => (isPid(x) ? this.names.text(x) : x instanceof Tuple && isPid(x[1]) ? this.names.text(x[1]) : inspect(x))) : [];
    };
    const dict = propList(info.get("dictionary"));
    const initial = dict.get("$initial_call");
    let state: string | null = null;
    let children: ChildNode[] | null = null;
    if (initial !== undefined) {
      const st = await this.maybe("sys", "get_state", [pid, 1_000]);
      state = st === null ? null : inspect(st);
      if (initial instanceof Tuple && initial[0] === atom("supervisor")) children = await this.tree(pid, 1).catch(() => null);
    }
    const ancestors = dict.get("$ancestors");
    const parent = Array.isArray(ancestors) && ancestors.length > 0 ? (isPid(ancestors[0]) ? this.names.text(ancestors[0]) : inspect(ancestors[0])) : null;
    return {
      pid: s,
      alive: true,
      info: [...info].map(([k, v]) => [k, inspect(v)]),
      links: pids("links"),
      monitors: pids("monitors"),
      monitoredBy: pids("monitored_by"),
      messages,
      queued,
      state,
      parent,
      children,
    };
  }

  /** `supervisor:which_children/1`, `depth` levels down. */
  private async tree(sup: Pid, depth: number): Promise<ChildNode[]> {
    const kids = await this.call("supervisor", "which_children", [sup]);
    const out: ChildNode[] = [];
    for (const c of Array.isArray(kids) ? kids : []) {
      if (!(c instanceof Tuple) || c.length !== 4) continue;
      const [id, child, type] = c as unknown as [unknown, unknown, unknown];
      const isSup = type === atom("supervisor");
      const grand = isSup && isPid(child) && depth > 1 ? await this.tree(child, depth - 1).catch(() => []) : [];
      out.push({ id: inspect(id), pid: isPid(child) ? this.names.text(child) : inspect(child), type: isSup ? "supervisor" : "worker", children: grand });
    }
    return out;
  }

  async applications(): Promise<AppTree[]> {
    const apps = await this.call("application", "which_applications", []);
    const out: AppTree[] = [];
    for (const a of Array.isArray(apps) ? apps : []) {
      if (!(a instanceof Tuple) || !isAtom(a[0])) continue;
      const name = a[0].name;
      let root: ChildNode | null = null;
      const master = await this.maybe("application_controller", "get_master", [a[0]]);
      if (isPid(master)) {
        const top = await this.maybe("application_master", "get_child", [master]);
        if (top instanceof Tuple && isPid(top[0])) {
          const children = await this.tree(top[0], 16).catch(() => []);
          root = { id: name, pid: this.names.text(top[0]), type: "supervisor", children };
        }
      }
      out.push({ name, description: `${text(a[1])} ${text(a[2])}`, root });
    }
    return out;
  }

  /** sys:trace on a BEAM node prints to that node's standard output: nothing to show here. */
  async trace(): Promise<string | null> {
    return null;
  }

  /** An Agner node's KV server, through its `agner_introspection:report/1` (a BEAM node has none: null). */
  async kv(): Promise<KvPage | null> {
    const r = await this.maybe("agner_introspection", "report", [new TextEncoder().encode("kv")]);
    if (!(r instanceof Uint8Array) || r.length > REPORT_MAX) return null;
    try {
      return this.kvView.page(JSON.parse(new TextDecoder().decode(r)));
    } catch {
      return null;
    }
  }

  async act(a: Action): Promise<string> {
    const pid = this.names.get(a.pid);
    return pid === undefined ? `no process ${a.pid}` : applyAction(pid, a);
  }

  close(): void {}
}
