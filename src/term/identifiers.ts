/**
 * Node-local identifiers: pids, references and ports.
 *
 * Each is an abstract base so that the runtime can make its local ones cheap
 * (a live process *is* its pid; a local reference is one counter) while the
 * codec builds `External*` values for identifiers that come off the wire.
 * Every bit of OTP 26's sizes is kept: 32-bit pid id and serial, 32-bit
 * creation, up to 5 reference words, 64-bit port ids.
 */
import { type Atom } from "./atom.js";

export abstract class Pid {
  abstract get node(): Atom;
  abstract get id(): number;
  abstract get serial(): number;
  abstract get creation(): number;
}

/** A pid decoded from the wire or built for a remote node. */
export class ExternalPid extends Pid {
  constructor(
    readonly node: Atom,
    readonly id: number,
    readonly serial: number,
    readonly creation: number,
  ) {
    super();
  }
}

export abstract class Ref {
  abstract get node(): Atom;
  abstract get creation(): number;
  /** 1 to 5 32-bit words, least significant first, as in NEWER_REFERENCE_EXT. */
  abstract get ids(): readonly number[];
}

export class ExternalRef extends Ref {
  constructor(
    readonly node: Atom,
    readonly creation: number,
    readonly ids: readonly number[],
  ) {
    super();
  }
}

export abstract class Port {
  abstract get node(): Atom;
  /** Up to 64 bits: a bigint when beyond 2^53. */
  abstract get id(): number | bigint;
  abstract get creation(): number;
}

export class ExternalPort extends Port {
  constructor(
    readonly node: Atom,
    readonly id: number | bigint,
    readonly creation: number,
  ) {
    super();
  }
}

export function isPid(x: unknown): x is Pid {
  return x instanceof Pid;
}
export function isRef(x: unknown): x is Ref {
  return x instanceof Ref;
}
export function isPort(x: unknown): x is Port {
  return x instanceof Port;
}

export function pidEquals(a: Pid, b: Pid): boolean {
  return a === b || (a.id === b.id && a.serial === b.serial && a.node === b.node && a.creation === b.creation);
}

export function refEquals(a: Ref, b: Ref): boolean {
  if (a === b) return true;
  if (a.node !== b.node || a.creation !== b.creation) return false;
  const x = a.ids;
  const y = b.ids;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function portEquals(a: Port, b: Port): boolean {
  return a === b || (a.id === b.id && a.node === b.node && a.creation === b.creation);
}
