import { TermError } from "./errors.js";

/**
 * Atoms: interned names, compared by identity.
 *
 * `atom("ok") === atom("ok")` always holds, so matching an atom is one pointer
 * comparison. The literal type parameter lets patterns narrow on the name.
 *
 * @example
 * const ok = atom("ok");
 * ok.name; // "ok" (typed as the literal "ok")
 */
export class Atom<N extends string = string> {
  private bytes: Uint8Array | undefined;
  /**
   * @internal The ETF encoder's cache (src/etf/encode.ts): this atom as SMALL_ATOM_UTF8_EXT,
   * packed in big-endian 32-bit words, so it is written a word at a time, not a byte.
   */
  wire: Int32Array | undefined = undefined;
  /** @internal use {@link atom}: atoms must be interned. */
  constructor(readonly name: N) {}
  /** The name as UTF-8 (computed once: the codec writes it on every send). */
  get utf8(): Uint8Array {
    return (this.bytes ??= new TextEncoder().encode(this.name));
  }
  toString(): string {
    return this.name;
  }
}

/** Longest atom Erlang accepts, in characters. */
export const MAX_ATOM_CHARS = 255;

const table = new Map<string, Atom>();

/** Misuse of the atom API (a name Erlang would refuse), or a full atom table. */
export class AtomError extends TermError {}

/**
 * A new atom past the atom limit (Erlang's `system_limit` when the atom
 * table is full). Atoms are never freed, so the limit is what keeps a peer
 * sending ever new names from using up the heap.
 */
export class AtomTableFullError extends AtomError {
  constructor(
    /** The limit in effect when the atom was refused. */
    readonly limit: number,
    options?: ErrorOptions,
  ) {
    super(`atom table full: ${limit} atoms (system_limit)`, options);
  }
}

/** The BEAM's default atom table size (`erl +t`). */
export const DEFAULT_ATOM_LIMIT = 1_048_576;
/** Highest limit accepted (the BEAM's `+t` maximum). */
const MAX_ATOM_LIMIT = 2 ** 31 - 1;

function checkLimit(n: unknown, where: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_ATOM_LIMIT) {
    throw new AtomError(`${where}: atom limit ${String(n)} is not an integer in 1..${MAX_ATOM_LIMIT}`);
  }
  return n;
}

/** The limit from `AGNER_ATOM_LIMIT` if set (read once, when the module loads), else the default. */
function initialLimit(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.AGNER_ATOM_LIMIT;
  if (env === undefined || env === "") return DEFAULT_ATOM_LIMIT;
  return checkLimit(/^[0-9]+$/.test(env) ? Number(env) : NaN, "AGNER_ATOM_LIMIT");
}

let limit = initialLimit();

/**
 * The atom with this name, created on first use.
 *
 * @throws AtomError when the name is longer than 255 characters (Erlang's limit);
 *   AtomTableFullError when the atom is new and {@link atomLimit} atoms exist.
 */
export function atom<N extends string>(name: N): Atom<N> {
  let a = table.get(name);
  if (a === undefined) {
    if (table.size >= limit) throw new AtomTableFullError(limit);
    if (name.length > MAX_ATOM_CHARS && [...name].length > MAX_ATOM_CHARS) {
      throw new AtomError(`atom too long (${[...name].length} > ${MAX_ATOM_CHARS} characters)`);
    }
    a = new Atom(name);
    table.set(name, a);
  }
  return a as Atom<N>;
}

/** The atom if it already exists (Erlang's `binary_to_existing_atom`), else undefined. */
export function existingAtom(name: string): Atom | undefined {
  return table.get(name);
}

/**
 * How many atoms exist (Erlang's `erlang:system_info(atom_count)`). Atoms
 * are never freed, so this only grows.
 *
 * @example
 * atomCount() < atomLimit(); // true while new atoms can still be made
 */
export function atomCount(): number {
  return table.size;
}

/**
 * The most atoms this process may hold (Erlang's
 * `erlang:system_info(atom_limit)`): 1,048,576 (the BEAM's `+t` default)
 * unless `AGNER_ATOM_LIMIT` or {@link setAtomLimit} says otherwise. Past it
 * {@link atom} throws {@link AtomTableFullError} for a new name; existing
 * atoms are still found. A peer whose message would pass it loses its
 * connection (docs/distribution.md).
 */
export function atomLimit(): number {
  return limit;
}

/**
 * Sets the atom limit for the whole process (every runtime and node in it),
 * like `erl +t`. A limit below {@link atomCount} is allowed: then no new
 * atom can be made, and the atoms that exist stay.
 *
 * @returns the previous limit (so a caller can restore it).
 * @throws AtomError when `n` is not an integer in 1..2^31-1.
 *
 * @example
 * const before = setAtomLimit(2_000_000);
 */
export function setAtomLimit(n: number): number {
  const prev = limit;
  limit = checkLimit(n, "setAtomLimit");
  return prev;
}

export function isAtom(x: unknown): x is Atom {
  return x instanceof Atom;
}
