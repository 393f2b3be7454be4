/**
 * The number conversions of Redis' cjson (deps/lua/src/fpconv.c), which are
 * glibc's: `%.<prec>g` printing and `strtod` parsing. JS has neither: its
 * toPrecision breaks exact ties upwards where glibc rounds them to even
 * (123456789012345 is 1.2345678901234e+14 at 14 digits), and Number()
 * knows no hex floats, "inf"/"nan" or a number followed by other text.
 */

/** The exact decimal digits of a finite x > 0, and the exponent of the first one (x = 0.d1d2... * 10^(exp+1)). */
function exactDigits(x: number): { digits: string; exp: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  let e = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) m |= 1n << 52n;
  let digits: string;
  let pointAt: number; // digits before the decimal point
  if (e >= 0) {
    digits = (m << BigInt(e)).toString();
    pointAt = digits.length;
  } else {
    digits = (m * 5n ** BigInt(-e)).toString();
    pointAt = digits.length + e;
  }
  const lead = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(lead).replace(/0+$/, "");
  return { digits, exp: pointAt - lead - 1 };
}

/** x rounded to prec significant digits, half to even on the exact value: digits and decimal exponent. */
function roundDigits(x: number, prec: number): { digits: string; exp: number } {
  const s = x.toExponential(prec - 1);
  const tie = x.toExponential(prec);
  // toExponential is exact except that it breaks ties away from zero: a tie shows as a final 5.
  if (tie[prec + 1] === "5") {
    const ex = exactDigits(x);
    if (ex.digits.length === prec + 1 && ex.digits.endsWith("5")) {
      const kept = ex.digits.slice(0, prec);
      if ((kept.charCodeAt(prec - 1) - 48) % 2 === 0) return { digits: kept, exp: ex.exp };
    }
  }
  const [mant, e] = s.split("e") as [string, string];
  return { digits: mant.replace(".", ""), exp: Number(e) };
}

/** C's printf("%.<prec>g", x) as glibc prints it (inf, -inf, nan, -nan; "-0" for negative zero). */
export function formatG(x: number, prec: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  const a = Math.abs(x);
  if (Number.isInteger(a) && a < 1e15 && String(a).length <= prec) return sign + String(a);
  const { digits, exp } = roundDigits(a, prec);
  let out: string;
  if (exp < -4 || exp >= prec) {
    let frac = digits.slice(1).replace(/0+$/, "");
    out = digits[0]! + (frac.length > 0 ? "." + frac : "");
    out += "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  } else if (exp >= 0) {
    const int = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, "");
    out = int + (frac.length > 0 ? "." + frac : "");
  } else {
    out = "0." + "0".repeat(-exp - 1) + digits.replace(/0+$/, "");
  }
  return sign + out;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const hexVal = (c: number) => (isDigit(c) ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1);
const lowerAt = (s: string, i: number, word: string) => s.slice(i, i + word.length).toLowerCase() === word;

/** m * 2^e rounded to a double, half to even (subnormals and overflow too). */
function scaleBinary(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  let shift = bits - 53;
  if (e + shift < -1074) shift = -1074 - e;
  if (shift > 0) {
    const rem = m & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    m >>= BigInt(shift);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
    e += shift;
  }
  // m now has at most 54 bits and e >= -1074: the product is exact or overflows.
  let v = Number(m);
  while (e > 0) {
    const k = Math.min(e, 1000);
    v *= 2 ** k;
    e -= k;
  }
  while (e < 0) {
    const k = Math.max(e, -1000);
    v *= 2 ** k;
    e -= k;
  }
  return v;
}

/**
 * glibc's strtod on s from index i (C locale, no leading white space here):
 * the value and the index after the number, or end === i when there is none.
 */
export function strtod(s: string, i: number): { value: number; end: number } {
  let p = i;
  let neg = false;
  const c0 = s.charCodeAt(p);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    p++;
  }
  const signed = (v: number) => (neg ? -v : v);
  if (lowerAt(s, p, "inf")) {
    const end = lowerAt(s, p, "infinity") ? p + 8 : p + 3;
    return { value: signed(Infinity), end };
  }
  if (lowerAt(s, p, "nan")) {
    let end = p + 3;
    if (s[end] === "(") {
      let q = end + 1;
      while (q < s.length && /[0-9A-Za-z_]/.test(s[q]!)) q++;
      if (s[q] === ")") end = q + 1;
    }
    return { value: NaN, end };
  }
  if (s[p] === "0" && (s.charCodeAt(p + 1) | 0x20) === 120) {
    // Hex: needs a digit after "0x" (before or after the point), else it is just "0".
    let q = p + 2;
    let m = 0n;
    let e = 0;
    let any = false;
    while (hexVal(s.charCodeAt(q)) >= 0) {
      m = m * 16n + BigInt(hexVal(s.charCodeAt(q++)));
      any = true;
    }
    if (s[q] === ".") {
      q++;
      while (hexVal(s.charCodeAt(q)) >= 0) {
        m = m * 16n + BigInt(hexVal(s.charCodeAt(q++)));
        e -= 4;
        any = true;
      }
    }
    if (!any) return { value: signed(0), end: p + 1 };
    if ((s.charCodeAt(q) | 0x20) === 112) {
      let r = q + 1;
      let eneg = false;
      if (s[r] === "+" || s[r] === "-") eneg = s[r++] === "-";
      if (isDigit(s.charCodeAt(r))) {
        let x = 0;
        while (isDigit(s.charCodeAt(r))) x = Math.min(x * 10 + s.charCodeAt(r++) - 48, 1e7);
        e += eneg ? -x : x;
        q = r;
      }
    }
    return { value: signed(scaleBinary(m, e)), end: q };
  }
  let q = p;
  let digits = 0;
  while (isDigit(s.charCodeAt(q))) q++, digits++;
  if (s[q] === ".") {
    q++;
    while (isDigit(s.charCodeAt(q))) q++, digits++;
  }
  if (digits === 0) return { value: 0, end: i };
  if ((s.charCodeAt(q) | 0x20) === 101) {
    let r = q + 1;
    if (s[r] === "+" || s[r] === "-") r++;
    if (isDigit(s.charCodeAt(r))) {
      while (isDigit(s.charCodeAt(r))) r++;
      q = r;
    }
  }
  let text = s.slice(p, q);
  if (text.startsWith(".")) text = "0" + text;
  return { value: signed(Number(text)), end: q };
}
