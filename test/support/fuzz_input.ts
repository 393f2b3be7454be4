/**
 * What the byte-level fuzzers share: a seeded PRNG (so a failure replays
 * from its seed), random chunking of an input (a parser must give the same
 * result however the bytes arrive), and mutation of a valid input towards
 * the bytes a parser decides on.
 */

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `buf` in random chunks: half of the time 1-8 bytes, else up to 4 KB. */
export function split(buf: Buffer, rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = 1 + Math.floor(rand() * Math.min(buf.length - at, rand() < 0.5 ? 8 : 4096));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * A copy of `base` with 1-4 bytes changed (mostly to one of `special`, the
 * bytes the protocol's syntax turns on), at positions `where` draws (any
 * byte by default), and a third of the time cut short.
 */
export function mutate(base: Buffer, rand: () => number, special: readonly number[], where: (length: number) => number = (n) => Math.floor(rand() * n)): Buffer {
  const b = Buffer.from(base);
  const flips = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < flips; k++) {
    const at = where(b.length);
    b[at] = rand() < 0.7 ? special[Math.floor(rand() * special.length)]! : Math.floor(rand() * 256);
  }
  const cut = rand() < 0.3 ? Math.floor(rand() * b.length) : b.length;
  return b.subarray(0, cut);
}
