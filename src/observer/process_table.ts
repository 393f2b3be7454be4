/**
 * One page of a sorted, filtered process table without sorting the whole
 * table: a bounded buffer keeps the best `offset + limit` keys seen so far,
 * and a key worse than the buffer's worst is dropped in O(1). With a page
 * near the top (what a user looks at) a million processes cost one key read
 * each and a handful of insertions, not a million rows and an n log n sort.
 */
import type { TableQuery } from "./types.js";

export type Key = number | string;

/** Orders two keys as the query asks (`desc`: largest first); ties keep arrival order. */
function before(a: Key, b: Key, desc: boolean): boolean {
  return desc ? a > b : a < b;
}

/**
 * Picks the page `q` asks for from `items`: `key` reads the sort key,
 * `keep` filters. Returns the page's items in order, and how many passed the filter.
 *
 * @example
 * topPage([5, 1, 9], (x) => x, () => true, { desc: true, offset: 0, limit: 2 }); // { rows: [9, 5], matched: 3 }
 */
export function topPage<T>(
  items: Iterable<T>,
  key: (x: T) => Key,
  keep: ((x: T) => boolean) | null,
  q: Pick<TableQuery, "desc" | "offset" | "limit">,
): { rows: T[]; matched: number } {
  const want = Math.max(0, q.offset) + Math.max(0, q.limit);
  const keys: Key[] = [];
  const vals: T[] = [];
  let matched = 0;
  if (want === 0) {
    for (const x of items) if (keep === null || keep(x)) matched++;
    return { rows: [], matched };
  }
  for (const x of items) {
    if (keep !== null && !keep(x)) continue;
    matched++;
    const k = key(x);
    if (keys.length === want && !before(k, keys[want - 1]!, q.desc)) continue;
    // Binary search for the first slot whose key k goes before (after equal keys: stable).
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(k, keys[mid]!, q.desc)) hi = mid;
      else lo = mid + 1;
    }
    keys.splice(lo, 0, k);
    vals.splice(lo, 0, x);
    if (keys.length > want) {
      keys.pop();
      vals.pop();
    }
  }
  return { rows: vals.slice(Math.max(0, q.offset)), matched };
}
