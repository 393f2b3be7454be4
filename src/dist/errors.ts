/**
 * Errors of the distribution layer. Bad input from a peer is a
 * {@link DistProtocolError} (it closes that one connection, with the reason
 * logged); misuse of the API is a {@link DistError}; a connection that could
 * not be made is a {@link DistConnectError} carrying the reason as a term.
 */

/** Misuse of the distribution API (a bad node name, a bad option, a stopped transport). */
export class DistError extends Error {
  override name = "DistError";
}

/** A peer broke the protocol: a malformed frame, handshake message or control message. */
export class DistProtocolError extends Error {
  override name = "DistProtocolError";
  constructor(
    /** What was wrong, for the log line that closes the connection. */
    readonly what: string,
    options?: { cause?: unknown },
  ) {
    super(what, options);
  }
}

/** A connection attempt failed; `reason` is the Erlang-style term (e.g. `{recv_challenge_ack_failed, bad_cookie}`). */
export class DistConnectError extends Error {
  override name = "DistConnectError";
  constructor(
    message: string,
    /** Why, as a term (what `net_kernel` would log or exit with). */
    readonly reason: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
