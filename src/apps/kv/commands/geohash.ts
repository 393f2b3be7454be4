/**
 * The geohash arithmetic of Redis' GEO commands (geohash.c,
 * geohash_helper.c): a point is a 52-bit score, its latitude and longitude
 * cells (26 bits each) interleaved, latitude on the even bits; a search
 * covers the shape with a cell of a coarser step and its eight neighbours.
 * Every operation follows Redis' double arithmetic step by step, so the
 * decoded coordinates, the boxes searched and hence the members found are
 * Redis' to the bit. Distances use JS' Math.sin/cos/asin, which may differ
 * from glibc's in the last bit.
 *
 * @example
 * const s = encodeScore(13.361389, 38.115556); // 3479099956230698
 * decodeScore(s); // [13.361389338970184, 38.1155563954963]
 */

export const STEP_MAX = 26;
export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
export const LON_MIN = -180;
export const LON_MAX = 180;
const LAT_SCALE = LAT_MAX - LAT_MIN;
const TWO32 = 4294967296;

const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

/** A cell: latitude and longitude indexes at `step` bits each (an index may reach 2^step at the top edge, as in Redis). */
export interface Cell {
  ilat: number;
  ilon: number;
  step: number;
}

/** The 16 low bits of v spread to the even bits of a 32-bit word. */
function spread16(v: number): number {
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  return (v | (v << 1)) & 0x55555555;
}

/** The even bits of a 32-bit word, packed into 16 bits. */
function squash32(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  return (v | (v >>> 8)) & 0x0000ffff;
}

/** interleave64(ilat, ilon) as the high and low 32-bit words. */
function interleave(ilat: number, ilon: number): [hi: number, lo: number] {
  const lo = (spread16(ilat & 0xffff) | (spread16(ilon & 0xffff) << 1)) >>> 0;
  const hi = (spread16(ilat >>> 16) | (spread16(ilon >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

/** The interleaved bits of a cell as a number (exact below 2^53, else rounded as strtod would the integer). */
function cellBits(c: Cell): number {
  const [hi, lo] = interleave(c.ilat, c.ilon);
  return hi * TWO32 + lo;
}

/** C's (uint64_t) conversion of a score (x86-64 gcc semantics for out-of-range values), as two 32-bit words. */
function toUint64(s: number): [hi: number, lo: number] {
  if (s >= 0 && s < 18446744073709551616) {
    const t = Math.trunc(s);
    const hi = Math.floor(t / TWO32);
    return [hi, t - hi * TWO32];
  }
  if (s >= 18446744073709551616) return [0, 0];
  if (s <= -9223372036854775808) return [0x80000000, 0];
  const u = BigInt.asUintN(64, BigInt(Math.trunc(s)));
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

/**
 * geohashEncode: the cell of (lon, lat) at `step` in the given latitude
 * range (Redis' -85..85 or the standard -90..90); null outside the limits.
 */
export function encodeCell(lon: number, lat: number, step: number, latMin = LAT_MIN, latMax = LAT_MAX): Cell | null {
  if (lon > LON_MAX || lon < LON_MIN || lat > LAT_MAX || lat < LAT_MIN) return null;
  if (lat < latMin || lat > latMax) return null;
  const scale = 2 ** step;
  const latOffset = ((lat - latMin) / (latMax - latMin)) * scale;
  const lonOffset = ((lon - LON_MIN) / (LON_MAX - LON_MIN)) * scale;
  return { ilat: Math.trunc(latOffset) >>> 0, ilon: Math.trunc(lonOffset) >>> 0, step };
}

/** The score GEOADD stores for a valid (lon, lat), and its decimal text as GEOADD passes it to ZADD. */
export function encodeScoreText(lon: number, lat: number): string {
  const c = encodeCell(lon, lat, STEP_MAX)!;
  const [hi, lo] = interleave(c.ilat, c.ilon);
  if (hi < 0x200000) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The score of a valid (lon, lat). */
export function encodeScore(lon: number, lat: number): number {
  return cellBits(encodeCell(lon, lat, STEP_MAX)!);
}

/** A cell's area: [lonMin, lonMax, latMin, latMax] (geohashDecode over Redis' ranges). */
export function cellArea(c: Cell): [number, number, number, number] {
  const div = 2 ** c.step;
  return [
    LON_MIN + (c.ilon * 1.0 / div) * 360,
    LON_MIN + (((c.ilon + 1) >>> 0) * 1.0 / div) * 360,
    LAT_MIN + (c.ilat * 1.0 / div) * LAT_SCALE,
    LAT_MIN + (((c.ilat + 1) >>> 0) * 1.0 / div) * LAT_SCALE,
  ];
}

/** The step-26 cell a score stands for (whatever the score: Redis decodes any). */
export function scoreCell(score: number): Cell {
  const [hi, lo] = toUint64(score);
  return {
    ilat: (squash32(lo) | (squash32(hi) << 16)) >>> 0,
    ilon: (squash32(lo >>> 1) | (squash32(hi >>> 1) << 16)) >>> 0,
    step: STEP_MAX,
  };
}

/** decodeGeohash: the [lon, lat] centre of a score's cell, clamped to the limits. */
export function decodeScore(score: number): [number, number] {
  const a = cellArea(scoreCell(score));
  let lon = (a[0] + a[1]) / 2;
  if (lon > LON_MAX) lon = LON_MAX;
  if (lon < LON_MIN) lon = LON_MIN;
  let lat = (a[2] + a[3]) / 2;
  if (lat > LAT_MAX) lat = LAT_MAX;
  if (lat < LAT_MIN) lat = LAT_MIN;
  return [lon, lat];
}

const GEOALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

/** GEOHASH's 11-character standard geohash of a score (re-encoded over -90..90; the last character always '0'). */
export function standardGeohash(score: number): string {
  const [lon, lat] = decodeScore(score);
  const c = encodeCell(lon, lat, STEP_MAX, -90, 90)!;
  const [hi, lo] = interleave(c.ilat, c.ilon);
  const v = (hi & 0xfffff) * TWO32 + lo; // bits 0..51
  let out = "";
  for (let i = 0; i < 10; i++) out += GEOALPHABET[Math.floor(v / 2 ** (52 - (i + 1) * 5)) % 32];
  return out + "0";
}

function degRad(a: number): number {
  return a * D_R;
}

function radDeg(a: number): number {
  return a / D_R;
}

/** geohashGetLatDistance. */
function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance: haversine, in meters. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const v = Math.sin((degRad(lon2) - degRad(lon1)) / 2);
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** The search shape: centre, and a radius or a box, in the unit `conversion` meters. */
export interface Shape {
  lon: number;
  lat: number;
  conversion: number;
  /** Radius (circle), or NaN for a box. */
  radius: number;
  width: number;
  height: number;
}

/** geoWithinShape's test once decoded: the distance when (lon, lat) is inside, else -1. */
export function distanceIfInside(s: Shape, lon: number, lat: number): number {
  if (!Number.isNaN(s.radius)) {
    const d = distance(s.lon, s.lat, lon, lat);
    return d > s.radius * s.conversion ? -1 : d;
  }
  if (latDistance(lat, s.lat) > (s.height * s.conversion) / 2) return -1;
  if (distance(lon, lat, s.lon, lat) > (s.width * s.conversion) / 2) return -1;
  return distance(s.lon, s.lat, lon, lat);
}

/** geohashEstimateStepsByRadius. */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** The nine cells to search (centre, N, S, E, W, NE, NW, SE, SW; null where Redis zeroes one). */
function neighbours(c: Cell): Cell[] {
  const m = 2 ** c.step;
  const n = (c.ilat + 1) % m;
  const s = (c.ilat + m - 1) % m;
  const e = (c.ilon + 1) % m;
  const w = (c.ilon + m - 1) % m;
  const at = (ilat: number, ilon: number): Cell => ({ ilat, ilon, step: c.step });
  return [c, at(n, c.ilon), at(s, c.ilon), at(c.ilat, e), at(c.ilat, w), at(n, e), at(n, w), at(s, e), at(s, w)];
}

/** geohashCalculateAreasByShapeWGS84: the cells (in Redis' order, null for excluded ones) covering the shape. */
export function searchCells(s: Shape): (Cell | null)[] {
  const isCircle = !Number.isNaN(s.radius);
  // geohashBoundingBox
  const height = s.conversion * (isCircle ? s.radius : s.height / 2);
  const width = s.conversion * (isCircle ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  const minLon = south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop;
  const maxLon = south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop;
  const minLat = s.lat - latDelta;
  const maxLat = s.lat + latDelta;

  let radiusMeters = isCircle ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateSteps(radiusMeters, s.lat);
  let cells = neighbours(encodeCell(s.lon, s.lat, steps)!);
  const nArea = cellArea(cells[1]!);
  const sArea = cellArea(cells[2]!);
  const eArea = cellArea(cells[3]!);
  const wArea = cellArea(cells[4]!);
  const decrease = nArea[3] < maxLat || sArea[2] > minLat || eArea[1] < maxLon || wArea[0] > minLon;
  if (steps > 1 && decrease) {
    steps--;
    cells = neighbours(encodeCell(s.lon, s.lat, steps)!);
  }
  const out: (Cell | null)[] = cells;
  if (steps >= 2) {
    const area = cellArea(cells[0]!);
    const zero = (...idx: number[]) => {
      for (const i of idx) out[i] = null;
    };
    if (area[2] < minLat) zero(2, 8, 7);
    if (area[3] > maxLat) zero(1, 5, 6);
    if (area[0] < minLon) zero(4, 8, 6);
    if (area[1] > maxLon) zero(3, 7, 5);
  }
  return out;
}

/** scoresOfGeoHashBox: the scores [min, max) of the members inside a cell. */
export function cellScores(c: Cell): [number, number] {
  const shift = 2 ** (52 - c.step * 2);
  const [hi, lo] = interleave(c.ilat, c.ilon);
  if (hi < 0x1fffff) {
    const bits = hi * TWO32 + lo;
    return [bits * shift, (bits + 1) * shift];
  }
  // beyond 2^53 (a cell at longitude 180): the uint64 values, then rounded to doubles as C converts them
  const bits = (BigInt(hi) << 32n) | BigInt(lo);
  return [Number(bits) * shift, Number(bits + 1n) * shift];
}

/**
 * C's `%.<digits>f` of x: the exact binary value rounded, ties to even as
 * glibc (JS' toFixed breaks ties away from zero).
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) s = BigInt(a).toString() + (digits > 0 ? "." + "0".repeat(digits) : "");
  else {
    // a tie needs exactly digits+1 fractional bits: a = k / 2^(digits+1), k odd
    const k = a * 2 ** (digits + 1);
    if (Number.isInteger(k) && k % 2 === 1) {
      let q = (BigInt(k) * 5n ** BigInt(digits)) / 2n;
      if (q % 2n === 1n) q += 1n;
      const t = q.toString().padStart(digits + 1, "0");
      s = digits > 0 ? `${t.slice(0, t.length - digits)}.${t.slice(t.length - digits)}` : t;
    } else s = a.toFixed(digits);
  }
  return neg ? "-" + s : s;
}

/** ld2string's LD_STR_HUMAN of a double: `%.17Lf` without trailing zeros (GEOPOS, WITHCOORD). */
export function formatHuman(x: number): string {
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  let s = formatFixed(x, 17);
  if (s.indexOf(".") >= 0) {
    let l = s.length;
    while (s.charCodeAt(l - 1) === 48) l--;
    if (s.charCodeAt(l - 1) === 46) l--;
    s = s.slice(0, l);
  }
  return s === "-0" ? "0" : s;
}
