/**
 * Reports that a higher layer offers about itself to whoever inspects the
 * node (the web observer's KV page reads the KV server's this way): the
 * layer registers a reader under a name, the inspector asks for it by name.
 * Nothing is computed until someone asks, and the inspector never imports
 * the layer that answers, so the layers stay one-way (an application above
 * the public API can be read by an observer that imports only that API).
 *
 * The same report is answered over distribution as
 * `agner_introspection:report(Name)` (its JSON as a binary, `undefined`
 * when there is none), so an observer on another node reads it too.
 */
import { Atom, atom } from "../term/atom.js";
import { runtime } from "../runtime/erlang.js";
import type { Runtime } from "../runtime/runtime.js";
import { introspectionOn } from "./introspection.js";
import { defineBuiltinModule } from "./rex.js";

/** Reads a report now: plain JSON data, or undefined when there is nothing to report (the thing stopped). */
export type ReportReader = () => unknown;

const readers = new WeakMap<Runtime, Map<string, ReportReader>>();

/**
 * Registers `read` as the node's report `name` (replacing an earlier one
 * of that name); the returned function takes it back, if it is still the
 * registered one.
 *
 * @example
 * const stop = provideReport("jobs", () => ({ queued: queue.length }));
 * readReport("jobs"); // { queued: 3 }
 * stop();
 */
export function provideReport(name: string, read: ReportReader, rt: Runtime = runtime()): () => void {
  let m = readers.get(rt);
  if (m === undefined) readers.set(rt, (m = new Map()));
  m.set(name, read);
  return () => {
    if (m.get(name) === read) m.delete(name);
  };
}

/**
 * The node's report `name` as its reader gives it now, or undefined when
 * none is registered (or it has nothing to report).
 *
 * @example
 * const kv = readReport("kv"); // the KV server's, when this node runs one
 */
export function readReport(name: string, rt: Runtime = runtime()): unknown {
  return readers.get(rt)?.get(name)?.();
}

const UNDEFINED = atom("undefined");
/** A name a peer asks for is read as text, never made an atom (the atom table is not the peer's to fill). */
const NAME_MAX = 100;

function nameText(x: unknown): string | undefined {
  if (x instanceof Uint8Array && x.length <= NAME_MAX) return new TextDecoder().decode(x);
  if (x instanceof Atom) return x.name;
  return undefined;
}

// Read-only, and off with the rest of the introspection answers (`startNode({ introspection: false })`).
defineBuiltinModule("agner_introspection", (rt, fn, args) => {
  if (!introspectionOn(rt) || fn.name !== "report" || args.length !== 1) return undefined;
  return (name: unknown) => {
    const n = nameText(name);
    const r = n === undefined ? undefined : readReport(n, rt);
    return r === undefined ? UNDEFINED : new TextEncoder().encode(JSON.stringify(r));
  };
});
