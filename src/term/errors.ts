/**
 * The root of Agner's errors. It lives in the lowest layer so that every
 * layer can extend it; each layer has its own base below it:
 *
 *   AgnerError
 *   ├─ TermError          (term)     AtomError ─ AtomTableFullError
 *   ├─ EtfError           (etf)      EtfDecodeError, EtfEncodeError
 *   ├─ RuntimeError       (runtime)  BadArgError, NotInProcessError,
 *   │                                ExitError ─ CallError, StartError (otp)
 *   ├─ ChildSpecError     (otp)
 *   ├─ DistError          (dist)     DistProtocolError, DistConnectError, EpmdError
 *   └─ KvError            (kv)       ConfigError, DataDirError, AofLoadError, ...
 *
 * Exit reasons are terms, not errors (DESIGN.md §2); `ExitError` is the one
 * error that carries an exit reason across to plain JS code.
 */

/**
 * The base of every error Agner throws or rejects with. `name` is the
 * concrete class's name (`err.name === "CallError"`), and `cause` is kept as
 * ES2022 defines it (set only when given).
 *
 * @example
 * try {
 *   await run(function* () { return yield* call(server, "get"); });
 * } catch (e) {
 *   if (e instanceof DistError) reconnect();        // a layer's base
 *   else if (e instanceof AgnerError) log(e.name);  // anything from Agner
 *   else throw e;
 * }
 */
export class AgnerError extends Error {
  /** `options.cause`: the error (or value) behind this one. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // The concrete class, so subclasses need not repeat their own name.
    this.name = new.target.name;
  }
}

/**
 * Errors of the term layer (misuse of the term constructors).
 *
 * @example
 * try { atom(name); } catch (e) { if (e instanceof TermError) console.error(e.message); else throw e; }
 */
export class TermError extends AgnerError {}
