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

/** Misuse of the atom API (a name Erlang would refuse). */
export class AtomError extends TermError {}

/**
 * The atom with this name, created on first use.
 *
 * @throws AtomError when the name is longer than 255 characters (Erlang's limit).
 */
export function atom<N extends string>(name: N): Atom<N> {
  let a = table.get(name);
  if (a === undefined) {
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

/** Number of atoms interned so far (Erlang's `erlang:system_info(atom_count)`). */
export function atomCount(): number {
  return table.size;
}

export function isAtom(x: unknown): x is Atom {
  return x instanceof Atom;
}
