/**
 * Each key's access word (its LRU clock or LFU word, as the `lru` field of
 * a Redis object) in a table with random access, so eviction can sample
 * keys at random in O(1): a JS Map cannot be indexed, and walking its
 * iterator to random positions cost ~6 k instructions per eviction.
 *
 * Keys sit in a dense array (deletion moves the last one into the hole) and
 * their words in a parallel one; a Map finds a key's slot.
 */
export class AccessTable {
  private readonly slots = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly words: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  get(key: string): number | undefined {
    const i = this.slots.get(key);
    return i === undefined ? undefined : this.words[i];
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  set(key: string, word: number): void {
    const i = this.slots.get(key);
    if (i !== undefined) {
      this.words[i] = word;
      return;
    }
    this.slots.set(key, this.keys.length);
    this.keys.push(key);
    this.words.push(word);
  }

  delete(key: string): boolean {
    const i = this.slots.get(key);
    if (i === undefined) return false;
    this.slots.delete(key);
    const last = this.keys.length - 1;
    if (i !== last) {
      const moved = this.keys[last]!;
      this.keys[i] = moved;
      this.words[i] = this.words[last]!;
      this.slots.set(moved, i);
    }
    this.keys.pop();
    this.words.pop();
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.keys.length = 0;
    this.words.length = 0;
  }

  /** Appends `n` keys drawn uniformly at random (with replacement, as Redis' samples may repeat) to `out`. */
  sample(n: number, out: string[]): void {
    if (this.keys.length === 0) return;
    for (let k = 0; k < n; k++) out.push(this.keys[this.randomSlot()]!);
  }

  /** A slot drawn uniformly at random (the table must not be empty); read it with keyAt and wordAt. */
  randomSlot(): number {
    return Math.floor(Math.random() * this.keys.length);
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  wordAt(slot: number): number {
    return this.words[slot]!;
  }
}
