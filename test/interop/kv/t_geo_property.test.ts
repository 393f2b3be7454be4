/**
 * GEO commands, property test against a real redis-server: random points
 * (spread over the world and clustered around a few centres, poles and the
 * antimeridian among them) and random searches (by radius and by box, from
 * a point or a member, every unit, ASC/DESC, COUNT [ANY], WITH* options,
 * STORE/STOREDIST) give byte-identical replies in RESP2 and RESP3. The
 * engine visits the cells in Redis' order, so even unsorted results are
 * compared in order. Fixed seed; AGNER_PROPERTY_RUNS raises the count.
 */
import fc from "fast-check";
import { twinProperty } from "./twin_property.js";

const LAT = 85.05112878;
const CENTRES: [number, number][] = [[0, 0], [13.36, 38.11], [179.9, 10], [-179.9, -10], [45, 84.9], [-120, -84.9], [180, 0], [-180, LAT]];

const key = fc.constantFrom("g", "h", "s", "none");
const srcKey = fc.constantFrom("g", "g", "h", "s", "none");
const member = fc.oneof(fc.constantFrom("a", "b", "c", "d", "e", "f"), fc.integer({ min: 0, max: 40 }).map((i) => `m${i}`));
const text = (d: number) => String(d);

/** Into [-m, m] by reflection at the edges (clamping would pile points up at one place). */
function fold(v: number, m: number): number {
  return v > m ? 2 * m - v : v < -m ? -2 * m - v : v;
}

/**
 * A point anywhere, or near a centre (within about a degree), or an invalid
 * one. Points never repeat (but by chance): equal distances would make
 * Redis' partial sort for COUNT (pqsort, not stable) pick among ties in an
 * order of its own. The exact limits are in t_geo_diff.test.ts.
 */
const point: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -LAT, max: LAT, noNaN: true })).map(([x, y]) => [text(x), text(y)] as [string, string]),
  fc.tuple(fc.constantFrom(...CENTRES), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })).map(([[cx, cy], dx, dy]) => {
    return [text(fold(cx + dx, 180)), text(fold(cy + dy, LAT))] as [string, string];
  }),
  fc.constantFrom<[string, string]>(["181", "0"], ["0", "86"], ["x", "0"], ["0", "-85.06"]),
);
const unit = fc.constantFrom("m", "km", "mi", "ft", "KM", "yd");
const radius = fc.oneof(
  fc.constantFrom("0", "1", "10", "100", "500", "1000", "5000", "-1", "x"),
  fc.double({ min: 0, max: 3000, noNaN: true }).map(text),
);
const count = fc.oneof(fc.integer({ min: 1, max: 6 }).map(String), fc.constantFrom("0", "100"));
const opts = fc
  .tuple(fc.constantFrom([], ["ASC"], ["DESC"]), fc.option(fc.tuple(count, fc.boolean())), fc.subarray(["WITHDIST", "WITHCOORD", "WITHHASH"]))
  .map(([o, c, w]) => [...o, ...(c === null ? [] : ["COUNT", c[0], ...(c[1] ? ["ANY"] : [])]), ...w]);
const from = fc.oneof(point.map((p) => ["FROMLONLAT", ...p]), member.map((m) => ["FROMMEMBER", m]));
const by = fc.oneof(
  fc.tuple(radius, unit).map(([r, u]) => ["BYRADIUS", r, u]),
  fc.tuple(radius, radius, unit).map(([w, h, u]) => ["BYBOX", w, h, u]),
);
const adds = fc.array(fc.tuple(point, member), { minLength: 1, maxLength: 6 }).map((ps) => ps.flatMap(([p, m]) => [...p, m]));

/** Many members around a centre: a skiplist, and searches that find many. */
const bulk = fc.tuple(fc.constantFrom("g", "h"), fc.constantFrom(...CENTRES), fc.integer({ min: 100, max: 160 }), fc.integer({ min: 1, max: 1000 })).map(([k, [cx, cy], n, seed]) => {
  const argv = ["GEOADD", k];
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (let i = 0; i < n; i++) {
    argv.push(String(fold(cx + rnd() * 2, 180)), String(fold(cy + rnd() * 2, LAT)), `m${i}`);
  }
  return argv;
});

const command: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(key, fc.subarray(["NX", "XX", "CH"]), adds).map(([k, f, a]) => ["GEOADD", k, ...f, ...a]) },
  { weight: 1, arbitrary: bulk },
  { weight: 1, arbitrary: fc.tuple(key, member).map(([k, m]) => ["SET", k === "s" ? "s" : "s", m]) },
  { weight: 1, arbitrary: fc.tuple(key, member).map(([k, m]) => ["ZREM", k, m]) },
  { weight: 2, arbitrary: fc.tuple(srcKey, member, member, fc.option(unit)).map(([k, a, b, u]) => ["GEODIST", k, a, b, ...(u === null ? [] : [u])]) },
  { weight: 1, arbitrary: fc.tuple(srcKey, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ["GEOPOS", k, ...ms]) },
  { weight: 1, arbitrary: fc.tuple(srcKey, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ["GEOHASH", k, ...ms]) },
  { weight: 8, arbitrary: fc.tuple(srcKey, from, by, opts).map(([k, f, b, o]) => ["GEOSEARCH", k, ...f, ...b, ...o]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(key, srcKey, from, by, opts, fc.boolean())
      .map(([d, k, f, b, o, sd]) => ["GEOSEARCHSTORE", d, k, ...f, ...b, ...o.filter((x) => !x.startsWith("WITH")), ...(sd ? ["STOREDIST"] : [])]),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("GEORADIUS", "GEORADIUS_RO"), srcKey, point, radius, unit, opts).map(([c, k, p, r, u, o]) => [c, k, ...p, r, u, ...o]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"), srcKey, member, radius, unit, opts).map(([c, k, m, r, u, o]) => [c, k, m, r, u, ...o]) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(srcKey, point, radius, unit, opts, fc.constantFrom("STORE", "STOREDIST"), key)
      .map(([k, p, r, u, o, st, d]) => ["GEORADIUS", k, ...p, r, u, ...o.filter((x) => !x.startsWith("WITH")), st, d]),
  },
);

twinProperty("random GEO command sequences answer as redis-server 7 does", {
  command,
  maxLength: 25,
  runs: 150,
  seed: 4242,
  finalChecks: ["g", "h"].map((k) => ["ZRANGE", k, "0", "-1", "WITHSCORES"]),
});
