/**
 * Each key's access word (its LRU clock or LFU word, as the `lru` field of
 * a Redis object) in a table with random access, so eviction can sample
 * keys at random in O(1): a JS Map cannot be indexed, and walking its
 * iterator to random positions cost ~6 k instructions per eviction.
 *
 * A slot is two adjacent elements of one array, the key then its word, so
 * a sample costs one cache miss, not one per parallel array (under
 * eviction every SET samples five random slots, and those misses were
 * most of the sampling's time). A deleted key's slot is emptied and
 * reused by the next insertion instead of filled by moving the last key
 * there, which would cost a third Map operation per delete; an eviction
 * frees the slot its own SET then takes. Empty slots are skipped by the
 * sampling and squeezed out when they outnumber the keys.
 */
export class AccessTable {
  private readonly slots = new Map<string, number>();
  /** Slot i: the key (null when empty) at 2i, its word at 2i + 1. */
  private entries: (string | number | null)[] = [];
  private readonly empty: number[] = [];
  /**
   * xorshift32 state for the sampling (as Redis samples with its own
   * random()): Math.random costs ~115 instructions a call, refilling its
   * cache through the runtime every 64 calls, and eviction draws five per SET.
   */
  private seed = (Math.random() * 0xffffffff) | 1;
  /** {@link sample}'s slots, reused. */
  private readonly picked: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  /** Slots, empty ones included: {@link keyAt} of each is its key or null. */
  get slotCount(): number {
    return this.entries.length >> 1;
  }

  get(key: string): number | undefined {
    const i = this.slots.get(key);
    return i === undefined ? undefined : (this.entries[2 * i + 1] as number);
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  set(key: string, word: number): void {
    const i = this.slots.get(key);
    if (i !== undefined) this.entries[2 * i + 1] = word;
    else this.add(key, word);
  }

  /** {@link set} of a key known not to be in the table (a new key): one Map operation instead of two. */
  add(key: string, word: number): void {
    const e = this.entries;
    const i = this.empty.pop();
    if (i === undefined) {
      this.slots.set(key, e.length >> 1);
      e.push(key, word);
    } else {
      this.slots.set(key, i);
      e[2 * i] = key;
      e[2 * i + 1] = word;
    }
  }

  delete(key: string): boolean {
    const i = this.slots.get(key);
    if (i === undefined) return false;
    this.slots.delete(key);
    this.entries[2 * i] = null;
    this.empty.push(i);
    if (this.empty.length > 64 && this.empty.length > this.slots.size) this.squeeze();
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.entries = [];
    this.empty.length = 0;
  }

  /**
   * Appends `min(n, size)` distinct keys drawn uniformly at random to `out`:
   * as Redis' dictGetSomeKeys, which evictionPoolPopulate samples with, a
   * sampling never repeats a key, so a database of two keys with 5 samples
   * always sees both (drawing with replacement missed one in 1 of 32).
   */
  sample(n: number, out: string[]): void {
    const slots = this.picked;
    this.sampleSlots(n, slots);
    for (const i of slots) out.push(this.keyAt(i) as string);
  }

  /**
   * Sets `out` to `min(n, size)` distinct slots holding keys, at random; read
   * them with keyAt and wordAt. When the sample is the whole table, every key.
   */
  sampleSlots(n: number, out: number[]): void {
    out.length = 0;
    const size = this.slots.size;
    if (n >= size) {
      const e = this.entries;
      for (let i = 0; i < e.length; i += 2) if (e[i] !== null) out.push(i >> 1);
      return;
    }
    // Rejection of repeats: n is maxmemory-samples (5 by default, 64 at most) and
    // smaller than the table here, so a draw repeats rarely and the scan is short.
    draw: while (out.length < n) {
      const i = this.randomSlot();
      for (let k = 0; k < out.length; k++) if (out[k] === i) continue draw;
      out.push(i);
    }
  }

  /** A key's slot drawn uniformly at random (the table must not be empty); read it with keyAt and wordAt. */
  randomSlot(): number {
    const e = this.entries;
    const n = e.length >> 1;
    // At least half the slots hold a key (squeeze), so this takes two draws at most on average.
    for (;;) {
      let x = this.seed;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.seed = x;
      // x / 2^32 scaled to n by a float multiply: a uint32 modulo would be a float modulo in V8.
      const i = ((x >>> 0) * 2.3283064365386963e-10 * n) | 0;
      if (e[2 * i] !== null) return i;
    }
  }

  keyAt(slot: number): string | null {
    return this.entries[2 * slot] as string | null;
  }

  wordAt(slot: number): number {
    return this.entries[2 * slot + 1] as number;
  }

  /** Moves the keys into the first slots, dropping the empty ones. */
  private squeeze(): void {
    const e = this.entries;
    const packed: (string | number | null)[] = [];
    for (let i = 0; i < e.length; i += 2) {
      const key = e[i];
      if (key === null) continue;
      this.slots.set(key as string, packed.length >> 1);
      packed.push(key!, e[i + 1]!);
    }
    this.entries = packed;
    this.empty.length = 0;
  }
}
