/**
 * The runtime's errors (JS `Error`s): misuse of the runtime API, and
 * {@link ExitError}, the one error that carries an exit reason (a term)
 * into code that catches errors.
 */
import { AgnerError } from "../term/errors.js";
import { inspect } from "../term/inspect.js";

/**
 * Errors of the runtime layer: its misuse, and exits seen as errors.
 *
 * @example
 * try { register("worker", pid); }
 * catch (e) { if (e instanceof RuntimeError) console.error(`${e.name}: ${e.message}`); else throw e; }
 */
export class RuntimeError extends AgnerError {}

/** Erlang's `badarg`: an argument the BIF refuses (a taken name, a dead pid, ...). */
export class BadArgError extends RuntimeError {}

/** A process-context function (`self()`, `receive`, `link`, ...) called outside any process. */
export class NotInProcessError extends RuntimeError {
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} must be called from inside a process`, options);
  }
}

/**
 * An exit with a reason term that is also a JS `Error` (with a stack): a
 * failed `call` ({@link CallError}) or start, a task that died, a process
 * started by `run()` that ended abnormally. `reason` is the Erlang exit
 * reason; `cause` defaults to it when it is itself an `Error` (a crash).
 * Uncaught in a process, the process exits with `reason`.
 *
 * @example
 * try { await run(worker); }
 * catch (e) { if (e instanceof ExitError) console.log(inspect(e.reason)); else throw e; }
 */
export class ExitError extends RuntimeError {
  constructor(
    /** The exit reason term, e.g. `{timeout, {gen_server, call, [Server, Req]}}`. */
    readonly reason: unknown,
    message = `process exited: ${inspect(reason)}`,
    options: ErrorOptions | undefined = reason instanceof Error ? { cause: reason } : undefined,
  ) {
    super(message, options);
  }
}
