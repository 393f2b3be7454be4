/**
 * Distribution capability flags, exchanged in the handshake (erts
 * `dist.h`, kernel `dist.hrl`; values checked against OTP 25's headers).
 * They are 64 bits wide since handshake version 6, so they are `bigint`s.
 *
 * @example
 * import { DFLAG, hasFlags } from "./flags.js";
 * hasFlags(peerFlags, DFLAG.FRAGMENTS); // may the peer fragment its messages?
 */

/** A set of distribution flags (64 bits). */
export type DistFlags = bigint;

export const DFLAG = {
  PUBLISHED: 0x01n,
  ATOM_CACHE: 0x02n,
  EXTENDED_REFERENCES: 0x04n,
  DIST_MONITOR: 0x08n,
  FUN_TAGS: 0x10n,
  DIST_MONITOR_NAME: 0x20n,
  HIDDEN_ATOM_CACHE: 0x40n,
  NEW_FUN_TAGS: 0x80n,
  EXTENDED_PIDS_PORTS: 0x100n,
  EXPORT_PTR_TAG: 0x200n,
  BIT_BINARIES: 0x400n,
  NEW_FLOATS: 0x800n,
  UNICODE_IO: 0x1000n,
  DIST_HDR_ATOM_CACHE: 0x2000n,
  SMALL_ATOM_TAGS: 0x4000n,
  UTF8_ATOMS: 0x10000n,
  MAP_TAG: 0x20000n,
  BIG_CREATION: 0x40000n,
  SEND_SENDER: 0x80000n,
  BIG_SEQTRACE_LABELS: 0x100000n,
  EXIT_PAYLOAD: 0x400000n,
  FRAGMENTS: 0x800000n,
  HANDSHAKE_23: 0x1000000n,
  UNLINK_ID: 0x2000000n,
  /** Stands for every flag of {@link MANDATORY_25} (a peer may send just this bit). */
  MANDATORY_25_DIGEST: 0x4000000n,
  SPAWN: 1n << 32n,
  NAME_ME: 2n << 32n,
  V4_NC: 4n << 32n,
  ALIAS: 8n << 32n,
} as const;

export type DistFlagName = keyof typeof DFLAG;

/** What OTP 25 refuses to connect without (`MANDATORY_DFLAGS_25`). */
export const MANDATORY_25: DistFlags =
  DFLAG.EXTENDED_REFERENCES |
  DFLAG.FUN_TAGS |
  DFLAG.EXTENDED_PIDS_PORTS |
  DFLAG.NEW_FUN_TAGS |
  DFLAG.EXPORT_PTR_TAG |
  DFLAG.BIT_BINARIES |
  DFLAG.NEW_FLOATS |
  DFLAG.UTF8_ATOMS |
  DFLAG.MAP_TAG |
  DFLAG.BIG_CREATION |
  DFLAG.HANDSHAKE_23;

/** OTP 26 adds these to the mandatory set. */
export const MANDATORY_26: DistFlags = MANDATORY_25 | DFLAG.V4_NC | DFLAG.UNLINK_ID;

/**
 * What this node requires of a peer: the OTP 25 set. (Agner itself can
 * talk to a peer without V4_NC or UNLINK_ID: it decodes every pid and port
 * size, and the semantics side falls back to UNLINK when UNLINK_ID is off.)
 */
export const REQUIRED: DistFlags = MANDATORY_25;

/**
 * What this node offers. Not offered: ATOM_CACHE (pre-R6 only), SPAWN
 * (no remote spawn: `rpc` falls back to `rex`), NAME_ME (static names
 * only), PUBLISHED (added when the node is visible).
 */
export const OFFERED: DistFlags =
  MANDATORY_26 |
  DFLAG.DIST_MONITOR |
  DFLAG.DIST_MONITOR_NAME |
  DFLAG.HIDDEN_ATOM_CACHE |
  DFLAG.UNICODE_IO |
  DFLAG.DIST_HDR_ATOM_CACHE |
  DFLAG.SMALL_ATOM_TAGS |
  DFLAG.SEND_SENDER |
  DFLAG.BIG_SEQTRACE_LABELS |
  DFLAG.EXIT_PAYLOAD |
  DFLAG.FRAGMENTS |
  DFLAG.ALIAS;

/** True when every flag of `wanted` is in `flags`. */
export function hasFlags(flags: DistFlags, wanted: DistFlags): boolean {
  return (flags & wanted) === wanted;
}

/** A peer's flags with the MANDATORY_25_DIGEST shorthand expanded (as dist_util does). */
export function expandFlags(flags: DistFlags): DistFlags {
  return (flags & DFLAG.MANDATORY_25_DIGEST) !== 0n ? flags | MANDATORY_25 : flags;
}

/** Names of the flags in `flags` (unknown bits as hex), lowest bit first: for logs. */
export function flagNames(flags: DistFlags): string[] {
  const out: string[] = [];
  let rest = flags;
  for (const [name, bit] of Object.entries(DFLAG)) {
    if ((flags & bit) !== 0n) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** The mandatory flags missing from a peer's (expanded) flags, by name; empty when none. */
export function missingFlags(peer: DistFlags, required: DistFlags = REQUIRED): string[] {
  return flagNames(required & ~expandFlags(peer));
}
