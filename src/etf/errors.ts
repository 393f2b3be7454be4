/** Bad ETF input: where it went wrong and what was expected there. */
export class EtfDecodeError extends Error {
  override name = "EtfDecodeError";
  constructor(
    /** Byte offset in the input where decoding failed. */
    readonly offset: number,
    /** What the decoder expected at that offset. */
    readonly expected: string,
  ) {
    super(`ETF decode error at byte ${offset}: expected ${expected}`);
  }
}

/** A value that has no External Term Format encoding (a JS function, a symbol, ...). */
export class EtfEncodeError extends Error {
  override name = "EtfEncodeError";
}
