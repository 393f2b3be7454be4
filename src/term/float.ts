/**
 * Floats whose value is an integer. JS has one number type, so `1` and `1.0`
 * are the same value; Erlang keeps them apart (`1 =:= 1.0` is false). A
 * decoded float like `1.0` becomes a `Float`, so it re-encodes as a float;
 * a non-integer JS number is always a float.
 *
 * @example
 * float(1);        // encodes as 1.0 (NEW_FLOAT_EXT)
 * 1;               // encodes as the integer 1
 * 2.5;             // encodes as the float 2.5
 */
export class Float {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

/** A float term: a plain number when it has a fraction, else a {@link Float}. */
export function float(x: number): number | Float {
  return Number.isInteger(x) ? new Float(x) : x;
}

export function isFloat(x: unknown): boolean {
  return x instanceof Float || (typeof x === "number" && !Number.isInteger(x));
}
