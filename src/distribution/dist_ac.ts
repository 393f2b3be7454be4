/**
 * Distributed applications: OTP's `dist_ac`, between Agner nodes. An
 * application in kernel's `distributed` list is started on every node of
 * its priority list (`Application.start` on each) and runs on exactly one:
 * the first live node of the list (among equal-priority nodes, the one
 * running fewest applications). When that node goes down, the next live
 * node starts it with the start type `{ failover: DeadNode }` (after the
 * entry's restart time); when a node of higher priority starts it later
 * (e.g. it came back), it takes it over: it starts it with
 * `{ takeover: OldNode }`, then the old node stops its instance.
 *
 * One `dist_ac` process per node (registered as `dist_ac`) speaks OTP's
 * dist_ac messages with its peers (`dist_ac_new_node`,
 * `dist_ac_app_started`, `dist_ac_app_stopped`, `dist_ac_weight`). As in
 * OTP, an application is "loaded" on the nodes whose configuration lists it
 * (they are the candidates), a node waits for a higher-priority live node to
 * start it, and partitions are not healed (dist_ac does not merge two
 * nodes that each run it). Not here: `permit_application`,
 * `takeover_application`, changing the distribution at run time.
 *
 * @example
 * await startNode({ name: "a@host", cookie: "c", hidden: false });
 * await distAc.start({
 *   distributed: [{ app: "kv", nodes: ["a@host", ["b@host", "c@host"]] }],
 *   syncNodesOptional: ["b@host", "c@host"], syncNodesTimeout: 5000,
 * });
 * Application.define({ name: "kv", start: (env, type) => startKv(type) });
 * await Application.start("kv"); // the root pid here, or undefined: it runs elsewhere
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { DOWN, NODEDOWN, NODEUP } from "../runtime/atoms.js";
import { ExitError } from "../runtime/errors.js";
import { demonitor, monitor, processFlag, runtime, self, send, sendAfter } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { on, receive } from "../runtime/receive.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Proc } from "../runtime/process.js";
import { type ApplicationController, type StartType, applicationControl } from "../otp/application.js";
import { type DistAcConfig, type NodeSpec, flatNodes, nodeSpecs, restartTime, syncNodes } from "./dist_ac_config.js";
import { DistError } from "./errors.js";
import { monitorNodes, nodes } from "./node.js";

export { SyncNodesError } from "./dist_ac_config.js";
export type { DistAcConfig, DistributedApp } from "./dist_ac_config.js";

const DIST_AC = atom("dist_ac");
const VSN = 1;
const NEW_NODE = atom("dist_ac_new_node");
const APP_STARTED = atom("dist_ac_app_started");
const APP_STOPPED = atom("dist_ac_app_stopped");
const WEIGHT = atom("dist_ac_weight");
// From this node's application controller (the hook below) and timers.
const START_REQ = atom("ac_start_application_req");
const APP_RUN = atom("ac_application_run");
const APP_STOPPED_HERE = atom("ac_application_stopped");
const RESTART = atom("internal_restart_appl");
const RETRY_SYNC = atom("dist_ac_retry_sync");

const APPL = atom("appl");
const LOCAL = atom("local");
const UNDEFINED = atom("undefined");
const RUN_WAITING = atom("run_waiting");
const DISTRIBUTED = atom("distributed");
const FAILOVER = atom("failover");
const TAKEOVER = atom("takeover");
const OK = atom("ok");
const NOPROC = atom("noproc");
const ERROR = atom("error");

/** Where an application stands on this node: `local`, `undefined`, `run_waiting`, `{distributed | failover | takeover, Node}`. */
type Id = Atom | Tuple;

interface Appl {
  name: Atom;
  id: Id;
  restartTime: number;
  nodes: NodeSpec[];
  /** Nodes that have it loaded, and whether they may run it (OTP's permission; always true here). */
  run: Map<Atom, boolean | undefined>;
}

interface State {
  rt: Runtime;
  me: Atom;
  appls: Map<Atom, Appl>;
  /** Nodes whose dist_ac we know, this one included. */
  known: Atom[];
  /** `[node, app]`: applications peers told us they run, for apps not started here. */
  remoteStarted: [Atom, Atom][];
  /** Applications `Application.start` was called for here. */
  started: Set<Atom>;
  /** Weights peers sent before this node was ready to answer: `[app, weight, node]`. */
  tmpLocals: [Atom, number, Atom][];
  tmpWeights: Map<Atom, number>;
  /** `Application.start` calls waiting for the decision. */
  waiters: Map<Atom, { resolve: (p: Pid | undefined) => void; reject: (e: unknown) => void }[]>;
}

const tag = (id: Id): Atom | undefined => (id instanceof Tuple ? (id[0] as Atom) : undefined);
const idNode = (id: Id): Atom | undefined => (id instanceof Tuple ? (id[1] as Atom) : undefined);
const nameCmp = (a: Atom, b: Atom): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// ---- the controller hook: Application.start/stop reach dist_ac ----------------------------

function controller(s: State, pid: Pid): ApplicationController {
  return {
    controls: (name) => s.appls.has(atom(name)),
    start: (name) =>
      new Promise((resolve, reject) => {
        const a = atom(name);
        const w = s.waiters.get(a) ?? [];
        w.push({ resolve, reject });
        s.waiters.set(a, w);
        if (w.length === 1) s.rt.send(pid, t(START_REQ, a));
      }),
    stopped: (name) => s.rt.send(pid, t(APP_STOPPED_HERE, atom(name))),
  };
}

function settle(s: State, name: Atom, f: (w: { resolve: (p: Pid | undefined) => void; reject: (e: unknown) => void }) => void): void {
  const w = s.waiters.get(name);
  s.waiters.delete(name);
  for (const x of w ?? []) f(x);
}

// ---- what dist_ac tells the application controller (OTP's ac_* messages) -------------------

/** Start the application here with `type`; the result comes back as `{ac_application_run, Name, Res}`. */
function acStartIt(s: State, name: Atom, type: StartType): void {
  const pid = self();
  applicationControl.startHere(s.rt, name.name, type).then(
    (root) => {
      s.rt.send(pid, t(APP_RUN, name, OK));
      settle(s, name, (w) => w.resolve(root));
    },
    (e: unknown) => {
      const reason = e instanceof ExitError ? e.reason : String(e);
      s.rt.send(pid, t(APP_RUN, name, t(ERROR, reason)));
      settle(s, name, (w) => w.reject(e));
    },
  );
}

/** Another node runs it: stand by (and stop our instance if we ran it: it was taken over). */
function acStarted(s: State, name: Atom): void {
  applicationControl.standby(s.rt, name.name, true);
  void applicationControl.stopHere(s.rt, name.name);
  settle(s, name, (w) => w.resolve(undefined));
}

function acError(s: State, name: Atom, why: unknown): void {
  settle(s, name, (w) => w.reject(new ExitError(t(ERROR, why))));
}

// ---- messages to peers -------------------------------------------------------------------

function sendPeers(s: State, to: readonly Atom[], msg: unknown): void {
  for (const n of to) if (n !== s.me) send(t(DIST_AC, n), msg);
}

function myWeight(s: State, name: Atom): number {
  return s.tmpWeights.get(name) ?? applicationControl.runningCount(s.rt);
}

function applTerm(a: Appl): Tuple {
  return t(APPL, a.name, a.id, a.restartTime === Infinity ? atom("infinity") : a.restartTime, a.nodes, [...a.run].map(([n, r]) => t(n, r === undefined ? UNDEFINED : r)));
}

function myStarted(s: State): Tuple[] {
  return [...s.appls.values()].filter((a) => a.id === LOCAL).map((a) => t(s.me, a.name));
}

function introduction(s: State): Tuple {
  return t(NEW_NODE, VSN, s.me, [...s.appls.values()].map(applTerm), []);
}

/** OTP's `dist_merge`: what `node` has loaded, from its appl records. */
function merge(s: State, his: unknown[], node: Atom): void {
  for (const a of s.appls.values()) {
    const h = his.find((x) => x instanceof Tuple && x[0] === APPL && x[1] === a.name) as Tuple | undefined;
    if (h === undefined) continue;
    const run = Array.isArray(h[5]) ? (h[5] as unknown[]).find((r) => r instanceof Tuple && r[0] === node) : undefined;
    a.run.set(node, run instanceof Tuple && typeof run[1] === "boolean" ? run[1] : undefined);
  }
}

// ---- the process ---------------------------------------------------------------------------

function* distAcProc(s: State, config: DistAcConfig, ready: () => void, failed: (e: unknown) => void): Generator<unknown, void, unknown> {
  processFlag("trap_exit", true);
  // Registered before it waits for the other nodes (OTP's dist_ac is registered before the
  // distribution starts): a peer that introduces itself meanwhile is answered after the wait.
  try {
    s.rt.register(DIST_AC, self());
  } catch {
    failed(new DistError("distAc.start: dist_ac already runs on this node"));
    return;
  }
  const deadline = Date.now() + (config.syncNodesTimeout ?? 0);
  try {
    yield* syncNodes(config);
  } catch (e) {
    failed(e);
    return;
  }
  monitorNodes(true, {});
  const syncSet = new Set([...(config.syncNodesMandatory ?? []), ...(config.syncNodesOptional ?? [])].map((n) => (typeof n === "string" ? n : n.name)));
  yield* syncDacs(s, syncSet, deadline);
  ready();
  for (;;) {
    const m = yield* receive(on(_, (x) => x));
    try {
      yield* handle(s, m);
    } catch (e) {
      s.rt.logger({ level: "error", what: "dist_ac_dropped", text: `dist_ac dropped ${inspect(m).slice(0, 512)}: ${e instanceof Error ? e.message : inspect(e)}`, msg: m });
    }
  }
}

/**
 * OTP's `sync_dacs`: introduce this dist_ac to every connected node's and
 * wait for each answer. The answers are awaited together, and an
 * introduction from any other node is answered meanwhile: waiting for one
 * node at a time deadlocked three nodes that started together, each
 * waiting for the next one's answer while that one waited in turn (OTP
 * serialises its sync_dacs with a global lock instead). Two nodes that
 * introduce themselves to each other take the introductions for answers.
 * A sync node (sync_nodes_*) whose dist_ac is not there yet (that node is
 * still starting) is asked again until the sync timeout: in OTP it would
 * be registered already.
 */
function* syncDacs(s: State, syncSet: Set<string>, deadline: number): Generator<unknown, void, unknown> {
  const waiting = new Map<Atom, Ref | undefined>();
  const ask = (n: Atom): void => {
    waiting.set(n, monitor(t(DIST_AC, n)));
    send(t(DIST_AC, n), introduction(s));
  };
  for (const n of nodes()) ask(n);
  const retries = new Set<Atom>();
  while (waiting.size > 0) {
    const m = (yield* receive(
      on([NEW_NODE, _, _, _, _], (x) => x),
      on([RETRY_SYNC, _], (x) => x),
      // No dist_ac there (noproc), or the node went away.
      ...[...waiting].map(([n, ref]) => on([DOWN, ref, _, _, _], (x) => t(DOWN, n, x[4]))),
    )) as Tuple;
    if (m[0] === RETRY_SYNC) {
      if (retries.delete(m[1] as Atom)) ask(m[1] as Atom);
      continue;
    }
    if (m[0] === DOWN) {
      const n = m[1] as Atom;
      waiting.delete(n);
      if (m[2] === NOPROC && syncSet.has(n.name) && Date.now() < deadline) {
        retries.add(n);
        waiting.set(n, undefined); // still waited for: asked again in 50 ms
        sendAfter(50, self(), t(RETRY_SYNC, n));
      }
      continue;
    }
    if (!isIntroduction(m)) {
      dropped(s, m);
      continue;
    }
    const n = m[2] as Atom;
    const ref = waiting.get(n);
    if (waiting.has(n) && !retries.has(n)) {
      if (ref !== undefined) demonitor(ref, { flush: true });
      waiting.delete(n);
      newNode(s, m, false);
    } else {
      // Not asked (it connected after we listed the nodes), or asked again later: answer it.
      if (retries.delete(n)) waiting.delete(n);
      newNode(s, m, true);
    }
  }
}

function isIntroduction(m: Tuple): boolean {
  return m.length === 5 && m[0] === NEW_NODE && m[2] instanceof Atom && Array.isArray(m[3]) && Array.isArray(m[4]);
}

function* handle(s: State, m: unknown): Generator<unknown, void, unknown> {
  if (!(m instanceof Tuple) || !(m[0] instanceof Atom)) return dropped(s, m);
  const [op] = m;
  if (isIntroduction(m)) return newNode(s, m, true);
  if (op === APP_STARTED && m.length === 4 && m[1] instanceof Atom && m[2] instanceof Atom) return appStartedThere(s, m[1], m[2], m[3]);
  if (op === APP_STOPPED && m.length === 2 && m[1] instanceof Atom) return appStoppedThere(s, m[1]);
  if (op === WEIGHT && m.length === 4 && m[1] instanceof Atom && typeof m[2] === "number" && m[3] instanceof Atom) return weight(s, m[1], m[2], m[3]);
  if (op === NODEDOWN && m.length === 3 && m[1] instanceof Atom) return nodedown(s, m[1]);
  // Left over from the wait for the sync nodes (its own subscription, and its pings' answers).
  if ((op === NODEUP || op === NODEDOWN) && m.length === 2) return;
  if (op === NODEUP && m.length === 3 && m[1] instanceof Atom) {
    // Not in OTP (its dist_ac only syncs when it starts): a node that connects later is introduced
    // too, with what runs here (it may take this for the answer to its own introduction).
    if (!s.known.includes(m[1])) send(t(DIST_AC, m[1]), t(NEW_NODE, VSN, s.me, [...s.appls.values()].map(applTerm), myStarted(s)));
    return;
  }
  if (op === START_REQ && m.length === 2 && m[1] instanceof Atom) {
    try {
      yield* startAppl(s, m[1], "reply");
    } catch (e) {
      acError(s, m[1], e instanceof Error ? e.message : e);
    }
    return;
  }
  if (op === APP_RUN && m.length === 3 && m[1] instanceof Atom) return appRunHere(s, m[1], m[2]);
  if (op === APP_STOPPED_HERE && m.length === 2 && m[1] instanceof Atom) return appStoppedHere(s, m[1]);
  if (op === RESTART && m.length === 2 && m[1] instanceof Atom) {
    const a = s.appls.get(m[1]);
    if (a !== undefined && tag(a.id) === FAILOVER) yield* startAppl(s, m[1], "req");
    return;
  }
  return dropped(s, m);
}

function dropped(s: State, m: unknown): void {
  s.rt.logger({ level: "warning", what: "dist_ac_unexpected", text: `dist_ac dropped an unexpected message: ${inspect(m).slice(0, 512)}`, msg: m });
}

/** A peer introduces itself (or answers our introduction): merge what it has loaded and runs. */
function newNode(s: State, m: Tuple, answer: boolean): void {
  const node = m[2] as Atom;
  if (node === s.me) return;
  merge(s, m[3] as unknown[], node);
  for (const x of m[4] as unknown[]) {
    if (x instanceof Tuple && x[0] instanceof Atom && x[1] instanceof Atom && !s.remoteStarted.some(([n, a]) => n === x[0] && a === x[1])) {
      s.remoteStarted.push([x[0], x[1]]);
    }
  }
  if (s.known.includes(node)) return;
  s.known.push(node);
  if (answer) send(t(DIST_AC, node), t(NEW_NODE, VSN, s.me, [...s.appls.values()].map(applTerm), myStarted(s)));
}

function appStartedThere(s: State, node: Atom, name: Atom, res: unknown): void {
  const a = s.appls.get(name);
  if (a !== undefined && s.started.has(name)) {
    const failed = res instanceof Tuple && res[0] === ERROR;
    a.id = failed ? UNDEFINED : t(DISTRIBUTED, node);
    // Another node took it over from us, or started it: stand by (our instance stops).
    if (!failed) acStarted(s, name);
    s.tmpWeights.delete(name);
  } else if (!s.remoteStarted.some(([n, x]) => n === node && x === name)) {
    s.remoteStarted.push([node, name]);
  }
}

function appStoppedThere(s: State, name: Atom): void {
  const a = s.appls.get(name);
  if (a !== undefined) a.id = UNDEFINED;
  s.remoteStarted = s.remoteStarted.filter(([, x]) => x !== name);
}

function appRunHere(s: State, name: Atom, res: unknown): void {
  const a = s.appls.get(name);
  if (a === undefined) return;
  sendPeers(s, s.known, t(APP_STARTED, s.me, name, res));
  a.id = res === OK ? LOCAL : UNDEFINED;
}

function appStoppedHere(s: State, name: Atom): void {
  const a = s.appls.get(name);
  if (a === undefined) return;
  if (a.id === LOCAL) sendPeers(s, s.known, t(APP_STOPPED, name));
  else if (tag(a.id) === DISTRIBUTED) s.remoteStarted.push([idNode(a.id)!, name]);
  a.id = UNDEFINED;
  s.started.delete(name);
  applicationControl.standby(s.rt, name.name, false);
}

/** OTP's handling of `dist_ac_weight` outside a decision: answer now, or keep it for our own decision. */
function weight(s: State, name: Atom, w: number, node: Atom): void {
  const a = s.appls.get(name);
  if (a !== undefined && a.id === RUN_WAITING) {
    send(t(DIST_AC, node), t(WEIGHT, name, 0, s.me));
  } else if (a === undefined || a.id === UNDEFINED || tag(a.id) === TAKEOVER || tag(a.id) === FAILOVER) {
    s.tmpLocals.push([name, w, node]);
  } else {
    const mine = myWeight(s, name);
    send(t(DIST_AC, node), t(WEIGHT, name, mine, s.me));
    s.tmpWeights.set(name, mine);
  }
}

/** A node went down: the applications it ran fail over here after their restart time (if they may run here). */
function nodedown(s: State, node: Atom): void {
  s.known = s.known.filter((n) => n !== node);
  s.remoteStarted = s.remoteStarted.filter(([n]) => n !== node);
  s.tmpLocals = s.tmpLocals.filter(([, , n]) => n !== node);
  for (const a of s.appls.values()) {
    a.run.delete(node);
    if (tag(a.id) === DISTRIBUTED && idNode(a.id) === node) {
      if (a.run.get(s.me) === true && s.started.has(a.name)) {
        a.id = t(FAILOVER, node);
        if (a.restartTime !== Infinity) sendAfter(a.restartTime, self(), t(RESTART, a.name));
      } else {
        a.id = UNDEFINED;
      }
    }
  }
}

// ---- the decision: which node runs an application -----------------------------------------

type Found = { k: "ok"; node: Atom } | { k: "already_started"; node: Atom } | { k: "not_started" } | { k: "no_permission" };

function remoteStartedOn(s: State, name: Atom): Atom | undefined {
  return s.remoteStarted.find(([, a]) => a === name)?.[0];
}

/** OTP's `start_appl`: decides, tells the application controller, records the outcome. */
function* startAppl(s: State, name: Atom, type: "reply" | "req"): Generator<unknown, void, unknown> {
  const a = s.appls.get(name);
  if (a === undefined) throw new Error(`unknown_application ${name.name}`);
  s.started.add(name);
  if (a.id === LOCAL) return settle(s, name, (w) => w.resolve(undefined));
  const permitted = [...a.run].filter(([n, r]) => r === true && (n === s.me || s.known.includes(n))).map(([n]) => n);
  a.id = yield* startDistributed(s, a, permitted, type);
  s.tmpLocals = s.tmpLocals.filter(([x]) => x !== name);
  s.tmpWeights.delete(name);
  s.remoteStarted = s.remoteStarted.filter(([, x]) => x !== name);
}

function* startDistributed(s: State, a: Appl, permitted: Atom[], type: "reply" | "req"): Generator<unknown, Id, unknown> {
  const found = yield* findStartNode(s, a, permitted);
  if (found.k === "ok" && found.node === s.me) {
    let st: StartType = "normal";
    const from = remoteStartedOn(s, a.name);
    if (type === "req" && tag(a.id) === FAILOVER) st = { failover: idNode(a.id)! };
    else if (type === "req" && tag(a.id) === DISTRIBUTED) st = { takeover: idNode(a.id)! };
    else if (type === "reply" && from !== undefined) st = { takeover: from };
    acStartIt(s, a.name, st);
    return RUN_WAITING;
  }
  if (found.k === "already_started") {
    acStarted(s, a.name);
    return t(DISTRIBUTED, found.node);
  }
  if (found.k === "ok") {
    if (tag(a.id) === DISTRIBUTED && idNode(a.id) === found.node) {
      acStarted(s, a.name);
      return a.id;
    }
    return yield* waitDistStart(s, a, permitted, type, found.node);
  }
  if (found.k === "not_started") return yield* waitDistStart(s, a, permitted, type, undefined);
  settle(s, a.name, (w) => w.resolve(undefined)); // no_permission: nowhere to run it
  return UNDEFINED;
}

/** Waits for `node` (or, when undefined, any node) to start it; on a nodedown, decides again without that node. */
function* waitDistStart(s: State, a: Appl, permitted: Atom[], type: "reply" | "req", node: Atom | undefined): Generator<unknown, Id, unknown> {
  for (;;) {
    const m = (yield* receive(
      on([APP_STARTED, node ?? _, a.name, _], (x) => x),
      on([WEIGHT, a.name, _, node ?? _], (x) => x),
      on([NODEDOWN, node ?? _, _], (x) => x),
    )) as Tuple;
    if (m[0] === APP_STARTED) {
      if (m[3] === OK) {
        acStarted(s, a.name);
        return t(DISTRIBUTED, m[1] as Atom);
      }
      acError(s, a.name, t(m[1], m[3]));
      return a.id;
    }
    if (m[0] === WEIGHT) {
      // Another candidate is deciding among equal-priority nodes: it must get our weight (it wins anyway).
      send(t(DIST_AC, m[3] as Atom), t(WEIGHT, a.name, myWeight(s, a.name), s.me));
      continue;
    }
    const down = m[1] as Atom;
    nodedown(s, down);
    return yield* startDistributed(s, a, permitted.filter((n) => n !== down), type);
  }
}

/** OTP's `find_start_node`: the first live permitted node of the priority list. */
function* findStartNode(s: State, a: Appl, permitted: Atom[]): Generator<unknown, Found, unknown> {
  const all = flatNodes(a.nodes).filter((n) => permitted.includes(n));
  if (!all.includes(s.me)) {
    const r = remoteStartedOn(s, a.name);
    if (r !== undefined) return { k: "already_started", node: r };
    return all.length > 0 ? { k: "not_started" } : { k: "no_permission" };
  }
  for (const spec of a.nodes) {
    if (spec instanceof Tuple) {
      const r = yield* findAnyNode(s, a, (spec as unknown as Atom[]).filter((n) => all.includes(n)), all);
      if (r !== undefined) return r;
    } else if (all.includes(spec)) {
      if (tag(a.id) === DISTRIBUTED && idNode(a.id) === spec) return { k: "already_started", node: spec };
      if (remoteStartedOn(s, a.name) === spec) return { k: "already_started", node: spec };
      return { k: "ok", node: spec };
    }
  }
  return { k: "not_started" };
}

/** Among equal-priority nodes: the one already running it, else the one with the smallest weight (then name). */
function* findAnyNode(s: State, a: Appl, any: Atom[], all: Atom[]): Generator<unknown, Found | undefined, unknown> {
  const r = remoteStartedOn(s, a.name);
  if (r !== undefined && any.includes(r)) return { k: "already_started", node: r };
  if (tag(a.id) === DISTRIBUTED && any.includes(idNode(a.id)!)) return { k: "already_started", node: idNode(a.id)! };
  if (any.length === 0) return undefined;
  const mine = myWeight(s, a.name);
  sendPeers(s, all, t(WEIGHT, a.name, mine, s.me));
  const answers: [number, Atom][] = [[mine, s.me]];
  for (const n of all) {
    if (n === s.me) continue;
    const kept = s.tmpLocals.find(([x, , from]) => x === a.name && from === n);
    if (kept !== undefined) {
      answers.push([kept[1], n]);
      continue;
    }
    const got = (yield* receive(
      on([WEIGHT, a.name, _, n], (m) => m[2] as number),
      on([NODEDOWN, n, _], () => null),
    )) as number | null;
    if (got === null) nodedown(s, n);
    else answers.push([got, n]);
  }
  answers.sort(([w1, n1], [w2, n2]) => w1 - w2 || nameCmp(n1, n2));
  const alive = any.filter((n) => s.known.includes(n));
  const win = answers.find(([, n]) => alive.includes(n));
  return win === undefined ? undefined : { k: "ok", node: win[1] };
}

// ---- the public API ----------------------------------------------------------------------------

/** What `distAc.info()` reports: where each application stands on this node. */
export interface DistAcInfo {
  known: Atom[];
  appls: { name: string; id: unknown; nodes: NodeSpec[]; run: [Atom, boolean | undefined][] }[];
}

function info(s: State): DistAcInfo {
  return { known: [...s.known], appls: [...s.appls.values()].map((a) => ({ name: a.name.name, id: a.id, nodes: a.nodes, run: [...a.run] })) };
}

/**
 * Starts distributed applications on this node (what kernel does with its
 * `distributed`, `sync_nodes_*` parameters): waits for the sync nodes
 * (rejecting with {@link SyncNodesError} if mandatory ones do not come),
 * starts the `dist_ac` process, and from then on `Application.start` of a
 * listed application goes through it. Call it after `startNode` (visible).
 */
async function start(config: DistAcConfig, rt: Runtime = runtime()): Promise<Pid> {
  const me = rt.nodeName;
  if (me.name === "nonode@nohost") throw new DistError("distAc.start: this node is not alive (startNode first)");
  if (rt.whereis(DIST_AC) !== undefined) throw new DistError("distAc.start: dist_ac already runs on this node");
  const appls = new Map<Atom, Appl>();
  for (const d of config.distributed ?? []) {
    const name = atom(d.app);
    const specs = nodeSpecs(d);
    appls.set(name, { name, id: UNDEFINED, restartTime: restartTime(d), nodes: specs, run: new Map([[me, true]]) });
  }
  const s: State = { rt, me, appls, known: [me], remoteStarted: [], started: new Set(), tmpLocals: [], tmpWeights: new Map(), waiters: new Map() };
  return new Promise<Pid>((resolve, reject) => {
    const p = rt.spawn(() =>
      distAcProc(
        s,
        config,
        () => {
          const pid = self();
          states.set(rt, s);
          applicationControl.setController(rt, controller(s, pid));
          resolve(pid);
        },
        reject,
      ),
    ) as Proc;
    (p.x().onExit ??= []).push(() => {
      if (states.get(rt) !== s) return;
      applicationControl.setController(rt, undefined);
      states.delete(rt);
    });
  });
}

const states = new WeakMap<Runtime, State>();

/** This node's dist_ac view (for tests and tools): a snapshot, read without a message. */
function getInfo(rt: Runtime = runtime()): DistAcInfo {
  const s = states.get(rt);
  if (s === undefined) throw new Error("dist_ac is not running");
  return info(s);
}

/** Distributed applications (OTP's `dist_ac` and kernel's `distributed` parameter). */
export const distAc = { start, info: getInfo };
