/**
 * Errors of the distribution layer, all {@link DistError}s. Bad input from a
 * peer is a {@link DistProtocolError} (it closes that one connection, with
 * the reason logged); a connection that could not be made is a
 * {@link DistConnectError} carrying the reason as a term; EPMD that cannot be
 * reached is an `EpmdError`; a plain `DistError` is misuse of the API.
 */
import { AgnerError } from "../term/errors.js";

/**
 * The base of the distribution layer's errors; thrown as itself for misuse
 * of the API (a bad node name, a bad option, a stopped transport).
 *
 * @example
 * try { await startNode("app@localhost"); }
 * catch (e) { if (e instanceof DistError) console.error(`no distribution: ${e.message}`); else throw e; }
 */
export class DistError extends AgnerError {}

/** A peer broke the protocol: a malformed frame, handshake message or control message. */
export class DistProtocolError extends DistError {
  constructor(
    /** What was wrong, for the log line that closes the connection. */
    readonly what: string,
    options?: ErrorOptions,
  ) {
    super(what, options);
  }
}

/** A connection attempt failed; `reason` is the Erlang-style term (e.g. `{recv_challenge_ack_failed, bad_cookie}`). */
export class DistConnectError extends DistError {
  constructor(
    message: string,
    /** Why, as a term (what `net_kernel` would log or exit with). */
    readonly reason: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
