/** Big-endian 32-bit fields by hand: cheaper than a DataView call for the codec's short writes. */

/** Writes `x`'s low 32 bits big-endian at `at`; returns the position after. */
export function putU32(buf: Uint8Array, at: number, x: number): number {
  buf[at] = x >>> 24;
  buf[at + 1] = x >>> 16;
  buf[at + 2] = x >>> 8;
  buf[at + 3] = x;
  return at + 4;
}
