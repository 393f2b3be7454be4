/**
 * `agner top NODE`: the busiest processes of a node, refreshed, as erl's
 * `etop` shows them. It reads any node, BEAM or Agner, through the calls
 * BEAM tools make over rpc (`erlang:processes/0`, `process_info/2`,
 * `memory/0`, `statistics/1`), so nothing has to run on the node. The
 * reductions column is what each process ran since the previous frame.
 */
import { type Atom, Pid, Tuple, atom, format, rpc } from "../index.js";
import type { Options } from "./agner.js";

const ITEMS = ["registered_name", "initial_call", "memory", "reductions", "message_queue_len", "current_function"].map((x) => atom(x));
const PROC_LIB_INIT = "proc_lib:init_p/5";

/** One process in a frame. */
export interface Row {
  pid: Pid;
  name: string;
  memory: number;
  reductions: number;
  /** Reductions since the previous frame (all of them in the first). */
  reds: number;
  msgq: number;
  current: string;
}

export interface Frame {
  node: Atom;
  processes: number;
  runQueue: number;
  memory: Map<string, number>;
  rows: Row[];
}

/** A `[{Key, Value}]` list as a map by key name. */
function proplist(x: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(x)) for (const e of x) if (e instanceof Tuple && e.length === 2 && (e[0] as Atom).name !== undefined) m.set((e[0] as Atom).name, e[1]);
  return m;
}

/** `{M,F,A}` as `M:F/A`. */
function mfa(x: unknown): string {
  return x instanceof Tuple && x.length === 3 ? `${format(x[0])}:${format(x[1])}/${format(x[2])}` : format(x);
}

const num = (x: unknown): number => (typeof x === "number" ? x : typeof x === "bigint" ? Number(x) : 0);

/** Reads one frame: every process's counters, then the proc_lib ones' real initial call for the name column. */
export async function sample(node: Atom, previous: Map<string, number>): Promise<Frame> {
  const pids = (await rpc.call(node, "erlang", "processes", [])) as unknown;
  if (!Array.isArray(pids)) throw new Error(`erlang:processes() on ${node.name} answered ${format(pids)}`);
  const infos = await Promise.all(pids.map((p) => rpc.call(node, "erlang", "process_info", [p, ITEMS])));
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < pids.length; i++) {
    const info = proplist(infos[i]);
    if (info.size === 0) continue; // ended meanwhile (undefined)
    const pid = pids[i] as Pid;
    const key = `${pid.id}.${pid.serial}`;
    const reductions = num(info.get("reductions"));
    seen.set(key, reductions);
    const registered = info.get("registered_name");
    rows.push({
      pid,
      name: Array.isArray(registered) ? mfa(info.get("initial_call")) : format(registered),
      memory: num(info.get("memory")),
      reductions,
      reds: reductions - (previous.get(key) ?? 0),
      msgq: num(info.get("message_queue_len")),
      current: mfa(info.get("current_function")),
    });
  }
  previous.clear();
  for (const [k, v] of seen) previous.set(k, v);
  const [memory, runQueue] = await Promise.all([rpc.call(node, "erlang", "memory", []), rpc.call(node, "erlang", "statistics", [atom("run_queue")])]);
  const mem = new Map<string, number>();
  for (const [k, v] of proplist(memory)) mem.set(k, num(v));
  return { node, processes: rows.length, runQueue: num(runQueue), memory: mem, rows };
}

/** proc_lib processes show their `$initial_call` (what etop shows), read only for the rows on screen. */
async function translateInitialCalls(node: Atom, rows: Row[]): Promise<void> {
  await Promise.all(
    rows
      .filter((r) => r.name === PROC_LIB_INIT)
      .map(async (r) => {
        const d = proplist([await rpc.call(node, "erlang", "process_info", [r.pid, atom("dictionary")])]);
        const initial = proplist(d.get("dictionary")).get("$initial_call");
        if (initial !== undefined) r.name = mfa(initial);
      }),
  );
}

const SORTS: Record<string, (r: Row) => number> = { reductions: (r) => r.reds, memory: (r) => r.memory, msg_q: (r) => r.msgq };

const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
const lpad = (s: string | number, n: number) => String(s).padStart(n);

/** The frame as text, etop's layout. */
export function render(f: Frame, sort: string, lines: number): string {
  const kb = (k: string) => lpad(Math.round((f.memory.get(k) ?? 0) / 1024), 10);
  const rule = "=".repeat(96);
  const out = [
    rule,
    ` ${pad(f.node.name, 70)}${new Date().toISOString().slice(11, 19)}`,
    ` Load:  procs ${lpad(f.processes, 8)}        Memory (KB):  total ${kb("total")}    binary ${kb("binary")}`,
    `        runq  ${lpad(f.runQueue, 8)}                      processes ${kb("processes")}    atom ${kb("atom")}`,
    "",
    `${pad("Pid", 16)}${pad("Name or Initial Func", 30)}${lpad("Reds", 10)}${lpad("Memory", 11)}${lpad("MsgQ", 8)} Current Function`,
    "-".repeat(96),
  ];
  const by = SORTS[sort] ?? SORTS.reductions!;
  const rows = [...f.rows].sort((a, b) => by(b) - by(a)).slice(0, lines);
  for (const r of rows) {
    out.push(`${pad(`<0.${r.pid.id}.${r.pid.serial}>`, 16)}${pad(r.name, 30)}${lpad(r.reds, 10)}${lpad(r.memory, 11)}${lpad(r.msgq, 8)} ${r.current}`);
  }
  out.push(rule);
  return `${out.join("\n")}\n`;
}

/** Shows frames until q / Ctrl-C (one frame with --once). Resolves with the exit status. */
export async function top(node: Atom, o: Options, out: (s: string) => void): Promise<number> {
  const sort = o.sort ?? "reductions";
  if (SORTS[sort] === undefined) throw new Error(`--sort ${sort}: one of ${Object.keys(SORTS).join(", ")}`);
  const lines = o.lines ?? 15;
  const previous = new Map<string, number>();
  const frame = async (): Promise<string> => {
    const f = await sample(node, previous);
    const by = SORTS[sort]!;
    const shown = [...f.rows].sort((a, b) => by(b) - by(a)).slice(0, lines);
    await translateInitialCalls(node, shown);
    return render(f, sort, lines);
  };
  if (o.once) {
    out(await frame());
    return 0;
  }
  const tty = process.stdin.isTTY === true;
  let quit: () => void = () => {};
  const done = new Promise<void>((r) => (quit = r));
  const onKey = (d: Buffer) => {
    if (d.includes(0x71) || d.includes(0x03)) quit(); // q, Ctrl-C
  };
  if (tty) process.stdin.setRawMode(true);
  process.stdin.on("data", onKey);
  process.once("SIGINT", () => quit());
  let stopped = false;
  done.then(() => (stopped = true));
  try {
    while (!stopped) {
      const text = await frame();
      if (stopped) break;
      out(`\x1b[H\x1b[2J${text}(q quits)\n`);
      await Promise.race([done, new Promise((r) => setTimeout(r, (o.interval ?? 2) * 1000))]);
    }
  } finally {
    process.stdin.off("data", onKey);
    if (tty) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  return 0;
}
