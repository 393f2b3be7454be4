/**
 * math.random in scripts: Redis replaces Lua's (the C library's rand())
 * with its own drand48-style generator (rand.c), so every server gives a
 * script the same sequence: x' = (0x5DEECE66D * x + 0xB) mod 2^48,
 * lrand48 = x' >> 17, starting from 0x1234ABCD330E; math.randomseed(n)
 * sets x to n << 16 | 0x330E. The state is the server's, not the script's:
 * it goes on from one script to the next, as in Redis 7.0.
 *
 * @example
 * const r = new LuaRandom();
 * r.next(); // 0.17082803610628972, what math.random() gives first on a fresh redis-server
 */
const MASK48 = (1n << 48n) - 1n;
const A = 0x5deece66dn;
const C = 0xbn;
const INT32_MAX = 2147483647;

export class LuaRandom {
  private x = 0x1234abcd330en;

  /** redisSrand48. */
  seed(n: number): void {
    this.x = ((BigInt(n >>> 0) << 16n) | 0x330en) & MASK48;
  }

  /** redisLrand48: 31 random bits. */
  lrand48(): number {
    this.x = (A * this.x + C) & MASK48;
    return Number(this.x >> 17n);
  }

  /** What math.random() starts from: a number in [0, 1). */
  next(): number {
    return (this.lrand48() % INT32_MAX) / INT32_MAX;
  }
}
