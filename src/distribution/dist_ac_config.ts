/**
 * The kernel parameters of distributed applications, as OTP's kernel
 * reads them: `distributed` (each application's node priority list),
 * `sync_nodes_mandatory`, `sync_nodes_optional`, `sync_nodes_timeout`; and
 * the node-list arithmetic dist_ac does on them.
 */
import { Atom, atom } from "../term/atom.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { NODEUP } from "../runtime/atoms.js";
import { after, on, receive } from "../runtime/receive.js";
import { _ } from "../runtime/pattern.js";
import { self, send } from "../runtime/erlang.js";
import { DistError } from "./errors.js";
import { connect, monitorNodes } from "./node.js";

type NodeName = string | Atom;

/**
 * One entry of kernel's `distributed`: `{App, [Time,] Nodes}`. `nodes` is in
 * priority order; an array inside it (Erlang: a tuple) is a group of nodes
 * of equal priority, among which the one running fewest applications is
 * chosen.
 */
export interface DistributedApp {
  app: string;
  nodes: readonly (NodeName | readonly NodeName[])[];
  /** Milliseconds to wait after the node running it went down before failing it over (default 0; Infinity: never). */
  restartTime?: number;
}

/** The kernel configuration of distributed applications and of node synchronisation at start. */
export interface DistAcConfig {
  distributed?: readonly DistributedApp[];
  /** Nodes that must be up at start (within `syncNodesTimeout`), or the start fails. */
  syncNodesMandatory?: readonly NodeName[];
  /** Nodes waited for at start (within `syncNodesTimeout`), not required. */
  syncNodesOptional?: readonly NodeName[];
  /** Milliseconds to wait for them (or Infinity). Without it, no synchronisation (as OTP). */
  syncNodesTimeout?: number;
}

/** A priority list as dist_ac keeps it: atoms, and tuples of equal-priority atoms. */
export type NodeSpec = Atom | Tuple;

function nodeAtom(n: unknown): Atom {
  if (n instanceof Atom) return n;
  if (typeof n === "string" && n.includes("@")) return atom(n);
  throw new TypeError(`distributed: ${inspect(n)} is not a node name`);
}

/** The priority list of one entry, as Erlang terms (`[a, {b, c}]`). */
export function nodeSpecs(d: DistributedApp): NodeSpec[] {
  if (!Array.isArray(d.nodes)) throw new TypeError(`distributed: the nodes of ${d.app} must be a list`);
  return d.nodes.map((n) => (Array.isArray(n) ? t(...n.map(nodeAtom)) : nodeAtom(n)));
}

export function restartTime(d: DistributedApp): number {
  const r = d.restartTime ?? 0;
  if (!(r >= 0)) throw new TypeError(`distributed: bad restart time ${r} for ${d.app}`);
  return r;
}

/** Every node of a priority list (OTP's `flat_nodes`). */
export function flatNodes(specs: readonly unknown[]): Atom[] {
  const out: Atom[] = [];
  for (const s of specs) {
    if (s instanceof Atom) out.push(s);
    else if (s instanceof Tuple) for (const n of s) if (n instanceof Atom) out.push(n);
  }
  return out;
}

/** A well-formed priority list from a peer (`[atom | {atom, ...}]`), or undefined. */
export function isNodeSpecs(x: unknown): x is NodeSpec[] {
  return Array.isArray(x) && !(x instanceof Tuple) && x.every((s) => s instanceof Atom || (s instanceof Tuple && [...s].every((n) => n instanceof Atom)));
}

/**
 * kernel_config's `sync_nodes`: pings the mandatory and optional nodes once
 * and waits until each is up (a node may also come up by connecting to us),
 * or until the timeout; then, if a mandatory node is missing, fails with
 * `{mandatory_nodes_down, Nodes}`. Runs in a process.
 */
export function* syncNodes(c: DistAcConfig): Generator<unknown, void, unknown> {
  if (c.syncNodesTimeout === undefined) return;
  const timeout = c.syncNodesTimeout;
  if (!(timeout > 0)) throw new TypeError(`sync_nodes_timeout: ${timeout} is not a positive number of milliseconds`);
  const mandatory = new Set((c.syncNodesMandatory ?? []).map(nodeAtom));
  const optional = new Set((c.syncNodesOptional ?? []).map(nodeAtom));
  monitorNodes(true);
  try {
    const me = self();
    for (const n of [...mandatory, ...optional]) {
      // Each ping runs on its own: one unreachable node does not hold up the others.
      void connect(n).then((up) => up && send(me, t(NODEUP, n)), () => {});
    }
    const deadline = Date.now() + timeout;
    while (mandatory.size + optional.size > 0) {
      const left = timeout === Infinity ? Infinity : Math.max(0, deadline - Date.now());
      const up = yield* receive(on([NODEUP, _], (m) => m[1]), after(left, () => null));
      if (up === null) break;
      if (up instanceof Atom) {
        mandatory.delete(up);
        optional.delete(up);
      }
    }
  } finally {
    monitorNodes(false);
  }
  if (mandatory.size > 0) throw new SyncNodesError([...mandatory]);
}

/** The start failed: mandatory nodes did not come up in time (Erlang's `{mandatory_nodes_down, Nodes}`). */
export class SyncNodesError extends DistError {
  override readonly name = "SyncNodesError";
  /** `{mandatory_nodes_down, Nodes}`, the term OTP's kernel fails with. */
  readonly reason: Tuple;
  constructor(
    readonly nodes: Atom[],
    options?: ErrorOptions,
  ) {
    super(`mandatory nodes down: ${nodes.map((n) => n.name).join(", ")}`, options);
    this.reason = t(atom("mandatory_nodes_down"), nodes);
  }
}
