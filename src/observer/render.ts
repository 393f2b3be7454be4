/**
 * Small helpers both sources share: pids known by their text, time limits
 * on calls that may never answer, and terms read as text.
 */
import { type Pid, Tuple, atom, exit, inspect, isAtom, send } from "../index.js";
import type { Action } from "./types.js";

/**
 * The pids the browser has been shown, by their `inspect` text: the page
 * sends a pid back as text and gets the same process. Bounded: past `max`
 * entries it starts over (a pid not found is looked up again by the source).
 */
export class PidNames {
  private readonly byText = new Map<string, Pid>();
  constructor(private readonly max = 200_000) {}

  /** The pid's text, remembering it. */
  text(pid: Pid): string {
    const s = inspect(pid);
    if (this.byText.size >= this.max) this.byText.clear();
    this.byText.set(s, pid);
    return s;
  }

  get(text: string): Pid | undefined {
    return this.byText.get(text);
  }
}

/** Rejects after `ms` if `p` has not settled: a busy or dead process must not hold a page. */
export function within<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A charlist or binary text as a string; anything else as Erlang prints it. */
export function text(x: unknown): string {
  if (typeof x === "string") return x;
  if (Array.isArray(x) && x.every((c) => typeof c === "number" && Number.isInteger(c) && c >= 0 && c <= 0x10ffff)) {
    return String.fromCodePoint(...(x as number[]));
  }
  if (x instanceof Uint8Array) return new TextDecoder().decode(x);
  return inspect(x);
}

/** A `[{Key, Value}]` list as a map from the key's name. */
export function propList(x: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (!Array.isArray(x)) return m;
  for (const kv of x) if (kv instanceof Tuple && kv.length === 2) m.set(isAtom(kv[0]) ? kv[0].name : inspect(kv[0]), kv[1]);
  return m;
}

/** Reductions per second between two readings, 0 without a previous one. */
export function rate(now: number, prev: number | undefined, seconds: number): number {
  return prev === undefined || seconds <= 0 ? 0 : Math.max(0, Math.round((now - prev) / seconds));
}

/** A substring test on a row's pid, name and call, lowercased once per query. */
export function matcher(filter: string): ((pid: string, name: string, call: string) => boolean) | null {
  const f = filter.trim().toLowerCase();
  if (f === "") return null;
  return (pid, name, call) => pid.includes(f) || name.toLowerCase().includes(f) || call.toLowerCase().includes(f);
}

/** Kill, exit or send, on a local or remote pid (the server has checked that destructive actions are allowed). */
export function applyAction(pid: Pid, a: Action): string {
  switch (a.op) {
    case "kill":
      exit(pid, atom("kill"));
      return `killed ${a.pid}`;
    case "exit":
      exit(pid, atom(a.reason));
      return `exit(${a.pid}, ${a.reason})`;
    case "send":
      send(pid, a.message);
      return `sent ${JSON.stringify(a.message)} to ${a.pid}`;
  }
}
