/**
 * Redis' partial quicksort (pqsort.c, a Bentley-McIlroy quicksort that
 * skips the partitions outside the wanted range), which SORT ... BY ...
 * LIMIT uses. Not stable: when the comparator calls two elements equal
 * (SORT ... BY ... ALPHA with equal or missing weights), their order is
 * the one this algorithm leaves, so it is reproduced step for step, not
 * replaced by another sort.
 *
 * @example
 * const a = [3, 1, 2, 5, 4, 0, 9, 8];
 * pqsort(a, (x, y) => x - y, 0, 2); // a[0..2] are 0, 1, 2; the rest in some order
 */

/**
 * Sorts `a` enough that positions `lo..hi` (inclusive) hold what a full
 * sort would put there, exactly as Redis' pqsort(a, n, es, cmp, lo, hi).
 */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lo: number, hi: number): void {
  part(a, 0, a.length, cmp, lo, hi);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: (x: T, y: T) => number): number {
  return cmp(a[i]!, a[j]!) < 0
    ? cmp(a[j]!, a[k]!) < 0 ? j : cmp(a[i]!, a[k]!) < 0 ? k : i
    : cmp(a[j]!, a[k]!) > 0 ? j : cmp(a[i]!, a[k]!) < 0 ? i : k;
}

function insertion<T>(a: T[], base: number, n: number, cmp: (x: T, y: T) => number): void {
  for (let m = base + 1; m < base + n; m++) {
    for (let l = m; l > base && cmp(a[l - 1]!, a[l]!) > 0; l--) swap(a, l, l - 1);
  }
}

/** Whether the block [base, base + n) holds any of lo..hi (pqsort.c's pointer test, in elements). */
function overlaps(base: number, n: number, lo: number, hi: number): boolean {
  return !((lo < base && hi < base) || (lo >= base + n && hi >= base + n));
}

/** _pqsort on a[base, base + n). */
function part<T>(a: T[], base: number, n: number, cmp: (x: T, y: T) => number, lo: number, hi: number): void {
  for (;;) {
    if (n < 7) {
      insertion(a, base, n, cmp);
      return;
    }
    let pm = base + (n >>> 1);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = n >>> 3;
        pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(a, pm - d, pm, pm + d, cmp);
        pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(a, pl, pm, pn, cmp);
    }
    swap(a, base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    let swapped = false;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(a[pb]!, a[base]!)) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(a[pc]!, a[base]!)) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(a, pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(a, pb, pc);
      swapped = true;
      pb++;
      pc--;
    }
    if (!swapped) {
      insertion(a, base, n, cmp);
      return;
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    for (let i = 0; i < r; i++) swap(a, base + i, pb - r + i);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let i = 0; i < r; i++) swap(a, pb + i, pn - r + i);
    r = pb - pa;
    if (r > 1 && overlaps(base, r, lo, hi)) part(a, base, r, cmp, lo, hi);
    r = pd - pc;
    if (r <= 1) return;
    base = pn - r;
    n = r;
    if (!overlaps(base, n, lo, hi)) return;
  }
}
