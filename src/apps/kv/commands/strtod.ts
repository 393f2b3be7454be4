/**
 * C's strtod as glibc does it, for the sorted-set commands: Redis reads a
 * score with string2d (the whole argument must be a number; overflow and
 * underflow to zero refused) and a range bound with a bare strtod (leading
 * blanks allowed, stops at a NUL, "" reads as 0). JS's Number() rounds
 * decimal text correctly, as glibc does; the grammar and the hex form are
 * checked here.
 *
 * @example
 * parseScore("1.5");   // 1.5
 * parseScore(" 1");    // null (string2d refuses a leading blank)
 * strtod("(3x", 1);    // { value: 3, end: 2, range: false }
 */

export interface StrtodResult {
  readonly value: number;
  /** Index just past what was read; `start` when nothing was. */
  readonly end: number;
  /** ERANGE: overflow to ±inf or underflow to zero from non-zero digits. */
  readonly range: boolean;
}

const DECIMAL = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const HEX = /^0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?/;
const NONZERO = /[1-9a-fA-F]/;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** strtod(s + start): the value, where it stopped, and ERANGE. */
export function strtod(s: string, start = 0): StrtodResult {
  let i = start;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    neg = c === 45;
    i++;
  }
  const rest = s.slice(i, i + 400);
  const low = rest.slice(0, 8).toLowerCase();
  if (low.startsWith("inf")) {
    const n = low.startsWith("infinity") ? 8 : 3;
    return { value: neg ? -Infinity : Infinity, end: i + n, range: false };
  }
  if (low.startsWith("nan")) {
    let n = 3;
    const m = /^\([0-9A-Za-z_]*\)/.exec(s.slice(i + 3));
    if (m !== null) n += m[0].length;
    return { value: NaN, end: i + n, range: false };
  }
  const tail = s.length - i > 400 ? s.slice(i) : rest;
  const hex = HEX.exec(tail);
  if (hex !== null) {
    const v = hexValue(hex[0]);
    const value = neg ? -v : v;
    return { value, end: i + hex[0].length, range: rangeError(v, hex[0].replace(/[pP].*$/, "").slice(2)) };
  }
  const dec = DECIMAL.exec(tail);
  if (dec === null) return { value: 0, end: start, range: false };
  const v = Number(dec[0]);
  return { value: neg ? -v : v, end: i + dec[0].length, range: rangeError(v, dec[0].replace(/[eE].*$/, "")) };
}

function rangeError(v: number, mantissa: string): boolean {
  return v === Infinity || (v === 0 && NONZERO.test(mantissa));
}

/** A hex float's value (rounded once: mantissa to a double, then an exact power of two). */
function hexValue(text: string): number {
  const p = text.search(/[pP]/);
  const mant = p < 0 ? text.slice(2) : text.slice(2, p);
  let exp = p < 0 ? 0 : Number(text.slice(p + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  if (dot >= 0) exp -= 4 * (mant.length - dot - 1);
  if (!/[1-9a-fA-F]/.test(digits)) return 0;
  if (!Number.isFinite(exp)) return exp > 0 ? Infinity : 0;
  let m = Number(BigInt("0x" + digits));
  // scale in steps so no intermediate power of two overflows or underflows early
  while (exp > 0) {
    const step = Math.min(exp, 1000);
    m *= 2 ** step;
    exp -= step;
  }
  while (exp < 0) {
    const step = Math.max(exp, -1000);
    m *= 2 ** step;
    exp -= step;
  }
  return m;
}

/**
 * A plain decimal (an optional minus, digits, at most one dot; at most 20
 * characters): Number() reads it as strtod does, and it can neither
 * overflow nor underflow, so no regex is needed. Null for anything else.
 */
function plainDecimal(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let digits = 0;
  let dots = 0;
  for (let i = s.charCodeAt(0) === 45 ? 1 : 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && dots === 0) dots++;
    else return null;
  }
  return digits === 0 ? null : Number(s);
}

/** Redis' string2d: the whole string is one number, no leading blank, no NaN, no ERANGE to ±inf or zero. */
export function parseScore(s: string): number | null {
  const plain = plainDecimal(s);
  if (plain !== null) return plain;
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || r.range || Number.isNaN(r.value)) return null;
  return r.value;
}
