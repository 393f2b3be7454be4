/**
 * Funs and external funs travel between nodes but cannot be called in JS:
 * they are kept with every field, so they re-encode byte for byte.
 */
import { type Atom } from "./atom.js";
import { type Pid } from "./identifiers.js";

/** `fun M:F/A` (EXPORT_EXT). */
export class Export {
  constructor(
    readonly module: Atom,
    readonly fn: Atom,
    readonly arity: number,
  ) {}
}

/** A local fun from another node (NEW_FUN_EXT), opaque here. */
export class Fun {
  constructor(
    readonly arity: number,
    /** MD5 of the module's code, 16 bytes. */
    readonly uniq: Uint8Array,
    readonly index: number,
    readonly module: Atom,
    readonly oldIndex: number,
    readonly oldUniq: number,
    readonly pid: Pid,
    readonly freeVars: readonly unknown[],
  ) {}
}

/** A LOCAL_EXT term: node-local encoding only its node understands; kept as raw bytes. */
export class LocalTerm {
  constructor(readonly bytes: Uint8Array) {}
}
