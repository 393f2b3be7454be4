/**
 * Numbers as Redis reads and prints them: 64-bit integers with string2ll's
 * strict rules, and the x87 80-bit `long double` that INCRBYFLOAT computes
 * in (strtold to read, `%.17Lf` trimmed to print). JS has neither, so the
 * first is number-or-bigint and the second an exact binary emulation on
 * bigints: `INCRBYFLOAT k 0.1` on "10.5" must give Redis' "10.6", which a
 * JS double (10.5999999999999996) would not.
 *
 * @example
 * parseInt64("9223372036854775807"); // 9223372036854775807n
 * parseInt64("007");                 // null (string2ll refuses leading zeros)
 * formatLongDouble(addLongDouble(parseLongDouble("10.5")!, parseLongDouble("0.1")!)!); // "10.6"
 */

export type Int64 = number | bigint;

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);

/**
 * Redis' string2ll: optional `-`, digits without leading zeros (but "0"),
 * at most 20 chars, within int64. A safe integer as a number, beyond as a
 * bigint; null when invalid.
 */
export function parseInt64(s: string): Int64 | null {
  const n = s.length;
  if (n === 0 || n >= 21) return null;
  if (n === 1) {
    const d = s.charCodeAt(0) - 48;
    return d >= 0 && d <= 9 ? d : null;
  }
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (let j = i; j < n; j++) {
    const d = s.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (n - i <= 15) return i === 1 ? -v : v;
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return null;
  return norm(big);
}

/** A number when safe, else the bigint. */
export function norm(v: bigint): Int64 {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** a + b, or null on int64 overflow (Redis' "increment or decrement would overflow"). */
export function addInt64(a: Int64, b: Int64): Int64 | null {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  return r > INT64_MAX || r < INT64_MIN ? null : norm(r);
}

/** Decimal text of an Int64. */
export function int64String(v: Int64): string {
  return typeof v === "number" ? String(v) : v.toString();
}

// ---------------------------------------------------------------------------
// x87 extended precision: a value is (-1)^neg * m * 2^e, m < 2^64 (exact).

/** A finite long double, or an infinity (m < 0n). */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
}

const MANT_BITS = 64;
/** Exponent of the least significant bit of the smallest subnormal. */
const MIN_LSB = -16445;
/** Values at or above 2^MAX_EXP overflow to infinity. */
const MAX_EXP = 16384;
const INF: LongDouble = { neg: false, m: -1n, e: 0 };
const NEG_INF: LongDouble = { neg: true, m: -1n, e: 0 };

export function isInfinite(x: LongDouble): boolean {
  return x.m < 0n;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * Rounds the exact value (q + frac) * 2^e (q integer >= 0; `sticky` says
 * whether a non-zero fraction below q's last bit exists) to the nearest
 * long double, ties to even, with subnormals and overflow.
 */
function round(neg: boolean, q: bigint, e: number, sticky: boolean): LongDouble {
  if (q === 0n) return { neg, m: 0n, e: 0 };
  const len = bitLength(q);
  const lsb = Math.max(e + len - MANT_BITS, MIN_LSB);
  let shift = lsb - e;
  if (shift > 0) {
    if (shift > len + 1) shift = len + 1; // everything is below half: keep the sticky logic simple
    const mask = (1n << BigInt(shift)) - 1n;
    const rem = q & mask;
    const half = 1n << BigInt(shift - 1);
    q >>= BigInt(shift);
    if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q++;
    e += shift;
    if (bitLength(q) > MANT_BITS) {
      q >>= 1n;
      e++;
    }
  }
  if (q !== 0n && bitLength(q) + e > MAX_EXP) return neg ? NEG_INF : INF;
  return { neg, m: q, e };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * glibc's strtold on the whole string, as Redis' string2ld uses it: decimal
 * or hex (`0x1.8p3`) notation, `inf`/`infinity`; null for anything else,
 * a leading blank, NaN, trailing bytes, 5120+ chars, or a result out of
 * range (overflow, or underflow to zero).
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= 5 * 1024) return null;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  const rest = s.slice(i).toLowerCase();
  if (rest === "inf" || rest === "infinity") return neg ? NEG_INF : INF;
  if (rest.length >= 2 && rest.charCodeAt(0) === 48 && rest.charCodeAt(1) === 120) {
    const hex = parseHex(rest, neg);
    if (hex !== undefined) return hex;
    // "0x" with no hex digit: strtold reads "0" and stops at the x
    return null;
  }
  // decimal: digits [. digits] [e [sign] digits]
  let digits = "";
  let fracDigits = 0;
  let sawDigit = false;
  let j = i;
  for (; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    digits += s[j];
    sawDigit = true;
  }
  if (j < n && s.charCodeAt(j) === 46) {
    j++;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) break;
      digits += s[j];
      fracDigits++;
      sawDigit = true;
    }
  }
  if (!sawDigit) return null;
  let exp = 0;
  if (j < n && (s.charCodeAt(j) | 32) === 101) {
    let k = j + 1;
    let eneg = false;
    if (k < n && (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45)) {
      eneg = s.charCodeAt(k) === 45;
      k++;
    }
    const start = k;
    let ev = 0;
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) break;
      if (ev < 1e9) ev = ev * 10 + (c - 48);
    }
    if (k > start) {
      exp = eneg ? -ev : ev;
      j = k;
    }
  }
  if (j !== n) return null;
  const d = BigInt(digits);
  if (d === 0n) return { neg, m: 0n, e: 0 };
  const x = exp - fracDigits;
  const ndig = digits.replace(/^0+/, "").length;
  // Decided without arithmetic: far above the largest or below half the smallest value.
  if (x + ndig > 4934) return null;
  if (x + ndig < -4952) return null;
  const r = x >= 0 ? round(neg, d * pow10(x), 0, false) : roundQuotient(neg, d, pow10(-x), 0);
  if (isInfinite(r) || r.m === 0n) return null; // ERANGE: HUGE_VAL or zero
  return r;
}

/** Rounds num/den * 2^e. */
function roundQuotient(neg: boolean, num: bigint, den: bigint, e: number): LongDouble {
  const k = Math.max(0, MANT_BITS + 2 - (bitLength(num) - bitLength(den)));
  const scaled = num << BigInt(k);
  const q = scaled / den;
  const r = scaled % den;
  return round(neg, q, e - k, r !== 0n);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** "0x..." (lower-cased, sign removed); undefined when no hex digit follows the x. */
function parseHex(s: string, neg: boolean): LongDouble | null | undefined {
  let j = 2;
  let m = 0n;
  let frac = 0;
  let saw = false;
  for (; j < s.length && hexValue(s.charCodeAt(j)) >= 0; j++) {
    m = (m << 4n) | BigInt(hexValue(s.charCodeAt(j)));
    saw = true;
  }
  if (j < s.length && s.charCodeAt(j) === 46) {
    j++;
    for (; j < s.length && hexValue(s.charCodeAt(j)) >= 0; j++) {
      m = (m << 4n) | BigInt(hexValue(s.charCodeAt(j)));
      frac += 4;
      saw = true;
    }
  }
  if (!saw) return undefined;
  let exp = 0;
  if (j < s.length && s.charCodeAt(j) === 112) {
    let k = j + 1;
    let eneg = false;
    if (k < s.length && (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45)) {
      eneg = s.charCodeAt(k) === 45;
      k++;
    }
    const start = k;
    let ev = 0;
    for (; k < s.length && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57; k++) {
      if (ev < 1e9) ev = ev * 10 + (s.charCodeAt(k) - 48);
    }
    if (k > start) {
      exp = eneg ? -ev : ev;
      j = k;
    }
  }
  if (j !== s.length) return null;
  if (m === 0n) return { neg, m: 0n, e: 0 };
  const e = exp - frac;
  if (e + bitLength(m) > MAX_EXP + 1) return null;
  if (e + bitLength(m) < MIN_LSB - 1) return null;
  const r = round(neg, m, e, false);
  if (isInfinite(r) || r.m === 0n) return null;
  return r;
}

/** a + b rounded to long double; NaN (inf - inf) is null. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (isInfinite(a) || isInfinite(b)) {
    if (isInfinite(a) && isInfinite(b) && a.neg !== b.neg) return null;
    return isInfinite(a) ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return round(sum < 0n, sum < 0n ? -sum : sum, e, false);
}

/** A long double from an int64 (exact: 64 bits of mantissa). */
export function longDoubleFromInt(v: Int64): LongDouble {
  const b = BigInt(v);
  return { neg: b < 0n, m: b < 0n ? -b : b, e: 0 };
}

/**
 * Redis' ld2string in LD_STR_HUMAN mode: `%.17Lf` (round half to even on
 * the exact binary value, as glibc does), trailing zeros and a bare point
 * trimmed, "-0" printed as "0"; infinities as "inf"/"-inf".
 */
export function formatLongDouble(x: LongDouble): string {
  if (isInfinite(x)) return x.neg ? "-inf" : "inf";
  let n: bigint;
  const scaled = x.m * pow10(17);
  if (x.e >= 0) {
    n = scaled << BigInt(x.e);
  } else {
    const sh = BigInt(-x.e);
    n = scaled >> sh;
    const rem = scaled - (n << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (n & 1n) === 1n)) n++;
  }
  let digits = n.toString().padStart(18, "0");
  let text = `${digits.slice(0, -17)}.${digits.slice(-17)}`;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  text = text.slice(0, end);
  if (x.neg) text = "-" + text;
  digits = text;
  return digits === "-0" ? "0" : digits;
}
