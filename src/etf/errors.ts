import { AgnerError } from "../term/errors.js";

/**
 * Errors of the codec: bad input to decode, or a value with no term to encode.
 *
 * @example
 * try { term = decode(bytes); }
 * catch (e) { if (e instanceof EtfError) return reject(e.message); throw e; }
 */
export class EtfError extends AgnerError {}

/** Bad ETF input: where it went wrong and what was expected there. */
export class EtfDecodeError extends EtfError {
  constructor(
    /** Byte offset in the input where decoding failed. */
    readonly offset: number,
    /** What the decoder expected at that offset. */
    readonly expected: string,
    options?: ErrorOptions,
  ) {
    super(`ETF decode error at byte ${offset}: expected ${expected}`, options);
  }
}

/** A value that has no External Term Format encoding (a JS function, a symbol, ...). */
export class EtfEncodeError extends EtfError {}
