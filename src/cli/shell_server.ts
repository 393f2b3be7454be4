/**
 * The node side of `agner remsh`: the `agner_shell` module a node answers
 * over rpc once the program called `startRemoteShell()` (remote_shell.ts;
 * not on a node started with `remoteShell: false`), to authenticated peers
 * only, as rex answers anything.
 *
 * - `agner_shell:start(Owner)` → `{ok, Shell}`: a shell process that lives
 *   for the session (until `Owner`, the remsh's process, goes away) and
 *   holds its variables; `self()` at the prompt is this process, so
 *   messages sent to it wait in its mailbox for `flush()`.
 * - `agner_shell:eval(Shell, Code)` → `{ok, Text}` | `{error, Text}`: runs
 *   JavaScript in the session (shell_scope.ts), in the rpc's own process,
 *   the evaluating process; a promise result is awaited; the result is
 *   printed with Agner's `inspect`.
 * - `agner_shell:interrupt(Shell)` kills the evaluating process, so the
 *   pending eval answers at once (JavaScript cannot stop a synchronous loop:
 *   that one keeps the node's thread until it ends).
 * - `agner_shell:complete(Shell, Prefix)` → the names (or `obj.props`) the
 *   session knows that start with `Prefix`.
 */
import * as api from "../index.js";
import { type Pid, ExitError, Tuple, atom, exit, inspect, isPid, on, receive, after, self, send, spawn, t, monitor, run, _ } from "../index.js";
import { defineBuiltinModule, remoteShellOn } from "../distribution/index.js";
import { SessionScope, evaluate } from "./shell_scope.js";

interface Session {
  scope: SessionScope;
  /** The process evaluating an input now, if any. */
  evaluator: Pid | null;
}

const sessions = new Map<Pid, Session>();

const OK = atom("ok");
const ERROR = atom("error");
const DOWN = atom("DOWN");
const FLUSH = atom("$agner_shell_flush");
const KILL = atom("kill");

const text = (x: unknown): string => (typeof x === "string" ? x : x instanceof Uint8Array ? new TextDecoder().decode(x) : "");

function sessionOf(shell: unknown): Session {
  const s = isPid(shell) ? sessions.get(shell) : undefined;
  if (s === undefined) throw new Error(`no shell session ${inspect(shell)} on this node`);
  return s;
}

/** The shell process: ends with its owner; answers flush requests with the other messages it holds. */
function* shellLoop(owner: Pid): Generator<unknown, void, unknown> {
  const mref = monitor(owner);
  for (;;) {
    const m = (yield* receive(
      on([DOWN, mref, _, _, _], () => null),
      on([FLUSH, _], (x) => x),
    )) as Tuple | null;
    if (m === null) return;
    const got: unknown[] = [];
    for (;;) {
      const next = yield* receive(on(_, (x) => ({ x })), after(0, () => null));
      if (next === null) break;
      got.push(next.x);
    }
    send(m[1] as Pid, t(FLUSH, got));
  }
}

function start(owner: unknown): Tuple {
  if (!isPid(owner)) throw new Error("agner_shell:start(Owner): Owner is the session's pid");
  const shell = spawn(() => shellLoop(owner));
  const session: Session = { scope: new SessionScope(scopeFor(shell)), evaluator: null };
  sessions.set(shell, session);
  // The session's variables go when the shell process does.
  spawn(function* () {
    const ref = monitor(shell);
    yield* receive(on([DOWN, ref, _, _, _], () => undefined));
    sessions.delete(shell);
  });
  return t(OK, shell);
}

/** The Agner API, with `self()` the shell process and `flush()` its mailbox. */
function scopeFor(shell: Pid): Record<string, unknown> {
  return {
    ...api,
    self: () => shell,
    /** The messages sent to `self()` since the last flush (erl's `flush()`), taken out of the mailbox. */
    flush: () =>
      run(function* () {
        send(shell, t(FLUSH, self()));
        return yield* receive(on([FLUSH, _], (x) => (x as Tuple)[1]));
      }),
  };
}

function errorText(e: unknown): string {
  if (e instanceof ExitError) return `** exit: ${inspect(e.reason)}`;
  if (e instanceof Error) return `Uncaught ${e.name}: ${e.message}`;
  return `Uncaught ${inspect(e)}`;
}

function* evalIn(shell: unknown, code: unknown): Generator<unknown, Tuple, unknown> {
  const s = sessionOf(shell);
  s.evaluator = self();
  try {
    // In a microtask, outside this process's turn: the input runs as a program's top-level code does
    // (`await call(...)`, `await GenServer.start(...)`), and a promise it gives is awaited.
    const v = yield* api.await_(Promise.resolve().then(() => evaluate(s.scope, text(code))));
    return t(OK, inspect(v));
  } catch (e) {
    return t(ERROR, errorText(e));
  } finally {
    s.evaluator = null;
  }
}

function interrupt(shell: unknown): boolean {
  const s = sessionOf(shell);
  if (s.evaluator === null) return false;
  exit(s.evaluator, KILL);
  return true;
}

/** Completions of `prefix`: names of the scope, or `a.b.pre` → the properties of `a.b` starting with `pre`. */
function complete(shell: unknown, prefix: unknown): string[] {
  const s = sessionOf(shell);
  const p = text(prefix);
  const dot = p.lastIndexOf(".");
  if (dot < 0) return s.scope.names().filter((n) => n.startsWith(p)).sort();
  const path = p.slice(0, dot).split(".");
  if (!path.every((x) => /^[A-Za-z_$][\w$]*$/.test(x))) return [];
  let o: unknown = (s.scope.proxy as Record<string, unknown>)[path[0]!] ?? (globalThis as Record<string, unknown>)[path[0]!];
  for (const k of path.slice(1)) o = o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k];
  if (o === null || o === undefined) return [];
  const names = new Set<string>();
  for (let x: object | null = Object(o); x !== null && x !== Object.prototype; x = Object.getPrototypeOf(x)) for (const k of Object.getOwnPropertyNames(x)) names.add(k);
  const frag = p.slice(dot + 1);
  return [...names].filter((n) => n.startsWith(frag) && /^[A-Za-z_$][\w$]*$/.test(n)).sort().map((n) => `${p.slice(0, dot)}.${n}`);
}

/** Defines the `agner_shell` module for every node of this program (startRemoteShell, remote_shell.ts). */
export function serveRemoteShell(): void {
  defineBuiltinModule("agner_shell", (rt, fn, args) => {
    if (!remoteShellOn(rt)) return undefined;
    switch (`${fn.name}/${args.length}`) {
      case "start/1":
        return start;
      case "eval/2":
        return evalIn;
      case "interrupt/1":
        return interrupt;
      case "complete/2":
        return complete;
    }
    return undefined;
  });
}
