/**
 * Topic publish/subscribe over a cluster, the way Phoenix.PubSub's default
 * adapter (`Phoenix.PubSub.PG2`) does it, and on the same wire: Agner and
 * Elixir nodes running the same PubSub name share subscribers.
 *
 * Each node runs one forwarder process, registered as the adapter name
 * (`<Name>.Adapter`) and joined to the pg group of that name in the scope
 * `Elixir.Phoenix.PubSub`. A broadcast delivers to this node's subscribers
 * directly and sends one `{forward_to_local, Topic, Message, Dispatcher}`
 * to each other node's forwarder, which delivers to its node's
 * subscribers: one message per node, however many subscribers there are.
 * Subscribers receive the message itself.
 *
 * An Elixir dispatcher other than `Phoenix.PubSub` (a module's
 * `dispatch/3`) cannot run here: Agner delivers as the default one does.
 *
 * @example
 * await pubsub.start("Elixir.MyApp.PubSub");  // the PubSub name iex uses as MyApp.PubSub
 * // in a process:
 * pubsub.subscribe("Elixir.MyApp.PubSub", "room:1");
 * pubsub.broadcast("Elixir.MyApp.PubSub", "room:1", t(atom("new_msg"), "hi"));
 * // iex> Phoenix.PubSub.broadcast(MyApp.PubSub, "room:1", {:new_msg, "hi"})  # reaches the same subscribers
 */
import { Atom, atom } from "../term/atom.js";
import { type Pid, type Ref, pidEquals } from "../term/identifiers.js";
import { TermMap } from "../term/term_map.js";
import { equals } from "../term/equals.js";
import { Tuple, t } from "../term/tuple.js";
import { current } from "../runtime/current.js";
import { BadArgError, NotInProcessError } from "../runtime/errors.js";
import { monitor, run, runtime } from "../runtime/erlang.js";
import type { Proc } from "../runtime/process.js";
import type { Runtime } from "../runtime/runtime.js";
import { GenServer, noreply, ok } from "../otp/gen_server.js";
import { pg } from "./pg.js";

/** The pg scope Phoenix.PubSub uses. */
export const PUBSUB_SCOPE = atom("Elixir.Phoenix.PubSub");
/** The dispatcher Phoenix.PubSub names in forwarded broadcasts (its default). */
const DISPATCHER = atom("Elixir.Phoenix.PubSub");
const FORWARD = atom("forward_to_local");
const WATCH = atom("$agner_pubsub_watch");
const DOWN = atom("DOWN");

/** Options of {@link pubsub}.start. */
export interface PubSubOptions {
  /** The pg scope (default `Elixir.Phoenix.PubSub`, Phoenix's). */
  scope?: Atom | string;
  /** The Elixir side's `pool_size` (default 1): this node's forwarder joins each of its groups, so it gets broadcasts whichever group a sender picks. */
  poolSize?: number;
}

/** This node's subscribers of one PubSub, by topic (arrays are replaced, never changed: a dispatch may hold one). */
interface Local {
  name: Atom;
  adapter: Atom;
  scope: Atom;
  topics: TermMap<unknown, readonly Pid[]>;
  /** The topics each subscriber is in (to clean up when it dies). */
  byPid: Map<Pid, unknown[]>;
  forwarder: Pid | null;
}

const systems = new WeakMap<Runtime, Map<Atom, Local>>();

function nameAtom(x: Atom | string): Atom {
  if (x instanceof Atom) return x;
  if (typeof x === "string") return atom(x);
  throw new BadArgError(`pubsub: ${String(x)} is not a name`);
}

function local(rt: Runtime, name: Atom | string): Local {
  const l = systems.get(rt)?.get(nameAtom(name));
  if (l === undefined) throw new BadArgError(`pubsub: ${nameAtom(name).name} is not started on this node (pubsub.start first)`);
  return l;
}

/** Sends `message` to this node's subscribers of `topic`, but `except`. */
function dispatch(l: Local, rt: Runtime, topic: unknown, message: unknown, except: Pid | null): void {
  const subs = l.topics.get(topic);
  if (subs === undefined) return;
  for (const p of subs) if (except === null || !pidEquals(p, except)) rt.send(p, message);
}

function unsubscribeAll(l: Local, pid: Pid): void {
  const topics = l.byPid.get(pid);
  if (topics === undefined) return;
  l.byPid.delete(pid);
  for (const topic of topics) removeSub(l, topic, pid);
}

function removeSub(l: Local, topic: unknown, pid: Pid): void {
  const subs = l.topics.get(topic);
  if (subs === undefined) return;
  const rest = subs.filter((p) => p !== pid);
  if (rest.length === 0) l.topics.delete(topic);
  else l.topics.set(topic, rest);
}

/** The forwarder: delivers other nodes' broadcasts here, and watches subscribers. */
class Forwarder extends GenServer<{ l: Local; watched: Map<Pid, Ref> }, { req: never; reply: never }, unknown, unknown, Local> {
  init(l: Local) {
    l.forwarder = current;
    return ok({ l, watched: new Map<Pid, Ref>() });
  }

  override handleInfo(msg: unknown, s: { l: Local; watched: Map<Pid, Ref> }) {
    if (msg instanceof Tuple) {
      if (msg[0] === FORWARD && msg.length === 4) {
        dispatch(s.l, current!.rt, msg[1], msg[2], null);
        return noreply(s);
      }
      if (msg[0] === WATCH && msg.length === 2) {
        const pid = msg[1] as Pid;
        if (!s.watched.has(pid) && s.l.byPid.has(pid)) s.watched.set(pid, monitor(pid));
        return noreply(s);
      }
      if (msg[0] === DOWN && msg.length === 5) {
        const pid = msg[3] as Pid;
        if (s.watched.get(pid) === msg[1]) {
          s.watched.delete(pid);
          unsubscribeAll(s.l, pid);
        }
        return noreply(s);
      }
    }
    return noreply(s); // whatever else, dropped quietly (as Phoenix's worker does)
  }

  override terminate(): void {
    // A restarted forwarder knows no subscriber's monitor: they stay subscribed, unwatched, until they unsubscribe.
  }
}

/**
 * Starts the PubSub `name` on this node (once per node): its pg scope if
 * not running, the forwarder, registered as `<name>.Adapter` and joined to
 * that group. Resolves with the forwarder's pid.
 */
async function start(name: Atom | string, opts: PubSubOptions = {}): Promise<Pid> {
  const rt = runtime();
  const n = nameAtom(name);
  const scope = nameAtom(opts.scope ?? PUBSUB_SCOPE);
  const adapter = atom(`${n.name}.Adapter`);
  let m = systems.get(rt);
  if (m === undefined) systems.set(rt, (m = new Map()));
  if (m.has(n)) throw new BadArgError(`pubsub: ${n.name} is already started`);
  if (rt.whereis(scope) === undefined) await pg.start(scope);
  const l: Local = { name: n, adapter, scope, topics: new TermMap(), byPid: new Map(), forwarder: null };
  m.set(n, l);
  const pid = await GenServer.start(new Forwarder(), l, { name: adapter });
  const groups: Atom[] = [adapter];
  for (let i = 2; i <= (opts.poolSize ?? 1); i++) groups.push(atom(`${adapter.name}_${i}`));
  await run(function* () {
    for (const g of groups) yield* pg.join(scope, g, pid);
  });
  return pid;
}

function me(what: string): Proc {
  if (current === null) throw new NotInProcessError(what);
  return current;
}

/**
 * Subscribes the calling process to `topic` (any term; Phoenix's are
 * strings): it receives every message broadcast to it, from any node,
 * until it unsubscribes or dies. Subscribing twice delivers twice, as
 * Phoenix.PubSub does.
 */
function subscribe(name: Atom | string, topic: unknown): void {
  const p = me("pubsub.subscribe()");
  const l = local(p.rt, name);
  l.topics.set(topic, [...(l.topics.get(topic) ?? []), p]);
  const topics = l.byPid.get(p);
  if (topics === undefined) l.byPid.set(p, [topic]);
  else topics.push(topic);
  if (l.forwarder !== null) p.rt.send(l.forwarder, t(WATCH, p));
}

/** Unsubscribes the calling process from `topic`. */
function unsubscribe(name: Atom | string, topic: unknown): void {
  const p = me("pubsub.unsubscribe()");
  const l = local(p.rt, name);
  removeSub(l, topic, p);
  const topics = l.byPid.get(p);
  if (topics === undefined) return;
  const rest = topics.filter((x) => !equals(x, topic)); // Registry.unregister: every subscription to it
  if (rest.length === 0) l.byPid.delete(p);
  else l.byPid.set(p, rest);
}

/** To every other node's forwarder: one message each. */
function forward(l: Local, rt: Runtime, topic: unknown, message: unknown): void {
  const here = rt.nodeName;
  const msg = t(FORWARD, topic, message, DISPATCHER);
  for (const p of pg.getMembers(l.scope, l.adapter)) if (p.node !== here) rt.send(p, msg);
}

/**
 * Sends `message` to every subscriber of `topic` on every node running the
 * PubSub (Phoenix.PubSub's `broadcast/3`).
 */
function broadcast(name: Atom | string, topic: unknown, message: unknown): void {
  const rt = runtime();
  const l = local(rt, name);
  forward(l, rt, topic, message);
  dispatch(l, rt, topic, message, null);
}

/** As {@link broadcast}, except to `from` (`broadcast_from/4`: a sender that is also a subscriber). */
function broadcastFrom(name: Atom | string, from: Pid, topic: unknown, message: unknown): void {
  const rt = runtime();
  const l = local(rt, name);
  forward(l, rt, topic, message);
  dispatch(l, rt, topic, message, from);
}

/** To this node's subscribers only (`local_broadcast/3`). */
function localBroadcast(name: Atom | string, topic: unknown, message: unknown): void {
  const rt = runtime();
  dispatch(local(rt, name), rt, topic, message, null);
}

/** This node's subscribers of `topic`. */
function subscribers(name: Atom | string, topic: unknown): readonly Pid[] {
  return local(runtime(), name).topics.get(topic) ?? [];
}

/**
 * Cluster-wide publish/subscribe on pg, compatible with Phoenix.PubSub (see
 * pg_pubsub.ts's module comment).
 */
export const pubsub = { start, subscribe, unsubscribe, broadcast, broadcastFrom, localBroadcast, subscribers };
