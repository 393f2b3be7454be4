/**
 * Redis' glob matching (util.c stringmatchlen), for KEYS, SCAN MATCH and
 * CONFIG GET: `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` (either order), `\x`
 * escapes, with Redis' edge cases: an unclosed `[` matches what it holds,
 * a pattern's last `\` is literal, `*` never matches an empty remainder
 * after other characters ran out (so `a**` does match "a", `**` does not
 * match "").
 *
 * Redis recurses once per `*`; this runs the same algorithm with only the
 * last star remembered (Redis' skipLongerMatches makes the earlier ones
 * dead), so a pattern of 100,000 stars costs no stack.
 *
 * Ranges compare bytes as C's signed char, as Redis on x86 does: `[a-\xff]`
 * is the range -1..97.
 *
 * @example
 * stringMatch("h?llo*", "hello world"); // true
 * stringMatch("[^a]x", "ax");          // false
 */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = str.length;
  /** The pattern byte at i, 0 past the end (C's NUL terminator). */
  const pc = (i: number): number => (i < plen ? pattern.charCodeAt(i) : 0);
  const lower = (c: number): number => (nocase && c >= 65 && c <= 90 ? c + 32 : c);

  let p = 0;
  let s = 0;
  // The star Redis would be looping in: its pattern index and the string index tried last.
  let starP = -1;
  let starS = 0;

  for (;;) {
    let failed = false;
    // One call of stringmatchlen_impl's loop, from (p, s).
    while (plen - p > 0 && slen - s > 0) {
      const c = pattern.charCodeAt(p);
      if (c === 42 /* * */) {
        while (pc(p + 1) === 42) p++;
        if (plen - p === 1) return true;
        starP = p;
        starS = s;
        p++;
        continue; // the recursive call on (p + 1, s)
      }
      if (c === 63 /* ? */) {
        s++;
      } else if (c === 91 /* [ */) {
        p++;
        const not = pc(p) === 94; /* ^ */
        if (not) p++;
        let match = false;
        const sc = str.charCodeAt(s);
        for (;;) {
          if (pc(p) === 92 && plen - p >= 2) {
            p++;
            if (pc(p) === sc) match = true;
          } else if (pc(p) === 93 /* ] */) {
            break;
          } else if (plen - p === 0) {
            p--;
            break;
          } else if (plen - p >= 3 && pc(p + 1) === 45 /* - */) {
            // C's char is signed here: bytes >= 0x80 sort below NUL in a range.
            let start = signed(pc(p));
            let end = signed(pc(p + 2));
            let ch = signed(sc);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            p += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (lower(pc(p)) === lower(sc)) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) {
          failed = true;
          break;
        }
        s++;
      } else {
        if (c === 92 /* \ */ && plen - p >= 2) p++;
        if (lower(pc(p)) !== lower(str.charCodeAt(s))) {
          failed = true;
          break;
        }
        s++;
      }
      p++;
      if (slen - s === 0) {
        while (pc(p) === 42) p++;
        break;
      }
    }
    if (!failed && plen - p === 0 && slen - s === 0) return true;
    // This attempt failed: the innermost star tries one character more, until the string ends.
    if (starP < 0) return false;
    starS++;
    if (starS >= slen) return false;
    p = starP + 1;
    s = starS;
  }
}

function signed(c: number): number {
  return c >= 128 ? c - 256 : c;
}
