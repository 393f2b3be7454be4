/**
 * Numbers as memcached reads them: C's strtol/strtoul/strtoull in base 10
 * with memcached's safe_strto* checks (util.c), truncated to 32 bits where
 * memcached stores them in 32-bit fields.
 */

/** C's isspace (C locale). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const U64 = 2n ** 64n;
const I64_MAX = 2n ** 63n - 1n;

/**
 * C's strtol (signed) or strtoul/strtoull (unsigned) in base 10 on 64 bits,
 * with memcached's safe_strto* checks: leading whitespace and a sign are
 * accepted, at least one digit, then the end or a whitespace character;
 * out of range (ERANGE) is invalid; an unsigned reading that is negative
 * as a signed number is invalid when the token has a `-` anywhere.
 * Null when invalid.
 */
export function cNumber(t: string, unsigned: boolean): bigint | null {
  const n = t.length;
  let i = 0;
  while (i < n && isSpace(t.charCodeAt(i))) i++;
  let neg = false;
  const sign = t.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  const start = i;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start) return null;
  if (i < n && !isSpace(t.charCodeAt(i))) return null;
  const mag = i - start <= 15 ? BigInt(Number(t.slice(start, i))) : BigInt(t.slice(start, i));
  if (unsigned) {
    if (mag >= U64) return null;
    const v = neg ? (U64 - mag) % U64 : mag;
    if (v > I64_MAX && t.includes("-")) return null;
    return v;
  }
  if (neg ? mag > I64_MAX + 1n : mag > I64_MAX) return null;
  return neg ? -mag : mag;
}

/** safe_strtoul into a uint32: a 64-bit reading, truncated. */
export function u32(t: string): number | null {
  if (t.length <= 9 && /^[0-9]+$/.test(t)) return Number(t);
  const v = cNumber(t, true);
  return v === null ? null : Number(v & 0xffffffffn);
}

/** safe_strtol into an int32: a 64-bit reading, truncated. */
export function i32(t: string): number | null {
  if (t.length <= 9 && /^[0-9]+$/.test(t)) return Number(t);
  const v = cNumber(t, false);
  return v === null ? null : Number(BigInt.asIntN(32, v));
}

/** safe_strtoull. */
export function u64(t: string): bigint | null {
  return cNumber(t, true);
}
