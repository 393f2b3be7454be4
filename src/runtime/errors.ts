/**
 * Errors for misuse of the runtime API (JS `Error`s), as opposed to exit
 * reasons, which are terms.
 */

/** Erlang's `badarg`: an argument the BIF refuses (a taken name, a dead pid, ...). */
export class BadArgError extends Error {
  override name = "BadArgError";
}

/** A process-context function (`self()`, `receive`, `link`, ...) called outside any process. */
export class NotInProcessError extends Error {
  override name = "NotInProcessError";
  constructor(what: string) {
    super(`${what} must be called from inside a process`);
  }
}
