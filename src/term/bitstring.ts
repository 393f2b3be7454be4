/**
 * Bitstrings: binaries whose length is not a whole number of bytes
 * (`<<1:3>>`). Whole binaries are plain `Uint8Array`s.
 */
export class BitString {
  constructor(
    /** The bytes; the last holds `lastBits` significant bits in its high end. */
    readonly bytes: Uint8Array,
    /** Significant bits in the last byte, 1..8. */
    readonly lastBits: number,
  ) {
    if (!(lastBits >= 1 && lastBits <= 8) || bytes.length === 0) throw new RangeError("a bitstring needs at least one byte and 1..8 bits in its last");
  }
  get bitLength(): number {
    return (this.bytes.length - 1) * 8 + this.lastBits;
  }
}
