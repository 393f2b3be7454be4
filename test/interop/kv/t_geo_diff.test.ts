/**
 * GEO commands against a real redis-server: hand-picked edge cases (poles,
 * the antimeridian, the limits of longitude and latitude, invalid
 * coordinates and their error text, units, COUNT and ANY, ASC/DESC,
 * WITH* options, BYBOX, STORE/STOREDIST, empty results, wrong types,
 * missing keys and members, sorted sets whose scores are not geohashes),
 * byte for byte in RESP2 and RESP3, plus INFO's hit and miss counters.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

const SICILY = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 Agrigento 13.583333 37.316667 Trapani";

/** Commands separated by " | ", words by spaces; `{empty}` is "". */
const CASES: Record<string, string[]> = {
  geoadd: [
    `${SICILY} | GEOPOS Sicily Palermo Catania | ZRANGE Sicily 0 -1 WITHSCORES | GEOADD Sicily 13.361389 38.115556 Palermo`,
    "GEOADD g 1 2 a | GEOADD g NX 5 5 a 6 6 b | GEOADD g XX 7 7 a 8 8 c | GEOADD g XX CH 7 7 a 9 9 b | GEOADD g CH 7 7 a 1 1 b 2 2 d | ZRANGE g 0 -1 WITHSCORES",
    "GEOADD g XX 1 2 a | EXISTS g | GEOADD g NX XX 1 2 a | GEOADD g 1 2 | GEOADD g 1 2 a 3 | GEOADD g NX | GEOADD g CH CH CH | GEOADD g ch nx 1 2 a",
    "GEOADD g 181 0 a | GEOADD g -180.000001 0 a | GEOADD g 0 85.05112879 a | GEOADD g 0 -85.06 a | GEOADD g 0 90 a | GEOADD g x 0 a | GEOADD g 0 x a | GEOADD g 1e300 0 a | GEOADD g inf 0 a | GEOADD g 0 -inf a | GEOADD g nan 0 a | GEOADD g {empty} 0 a | EXISTS g",
    "GEOADD g 0 0 a 200 0 b | EXISTS g | GEOADD g 0 0 a x 0 b | EXISTS g | GEOADD g 1234567.123456789 0 a",
    "GEOADD g 180 85.05112878 ne -180 -85.05112878 sw 180 -85.05112878 se -180 85.05112878 nw 0 0 o 179.9999999 0 e 180 0 e2 0 85.05112878 n | ZRANGE g 0 -1 WITHSCORES | GEOPOS g ne sw se nw o e e2 n | GEOHASH g ne sw se nw o e e2 n",
    "GEOADD g -0 -0 z 0.000001 0.000001 t -0.000001 -0.000001 u 1e-300 0 v | GEOPOS g z t u v | ZRANGE g 0 -1 WITHSCORES",
    "SET s x | GEOADD s 1 2 a | GEOADD s 200 2 a | GEOADD s NX XX 1 2 a",
  ],
  geopos_geohash: [
    `${SICILY} | GEOPOS Sicily Palermo nope Catania | GEOPOS Sicily nope | GEOPOS nokey a b | GEOHASH Sicily Palermo Catania nope | GEOHASH nokey a`,
    "GEOADD g 0.5 0.5 a -122.27652 37.805186 b 139.6917 35.6895 c -58.3816 -34.6037 d | GEOPOS g a b c d | GEOHASH g a b c d",
    "ZADD z 0 a -1 b 1.5 c inf d -inf e 4503599627370496 f 9007199254740992 g 18014398509481984 h 1e30 i -9.3e18 j 3e19 k | GEOPOS z a b c d e f g h i j k | GEOHASH z a b c d e f g h i j k | GEODIST z a b | GEODIST z f g km",
    "SET s x | GEOPOS s a | GEOHASH s a | GEODIST s a b | GEOPOS s | GEOHASH s",
  ],
  geodist: [
    `${SICILY} | GEODIST Sicily Palermo Catania | GEODIST Sicily Palermo Catania km | GEODIST Sicily Palermo Catania KM | GEODIST Sicily Palermo Catania mi | GEODIST Sicily Palermo Catania ft | GEODIST Sicily Palermo Catania M`,
    `${SICILY} | GEODIST Sicily Palermo nope | GEODIST Sicily nope Palermo | GEODIST nokey a b | GEODIST nokey a b furlong | GEODIST Sicily Palermo Catania yd | GEODIST Sicily Palermo Catania km x | GEODIST Sicily Palermo Palermo`,
    "GEOADD g 0 0 a 180 0 b -180 0 c 0 85.05112878 n 0 -85.05112878 s 179.99 10 e -179.99 10 w | GEODIST g a b | GEODIST g b c | GEODIST g n s | GEODIST g e w | GEODIST g a n km | GEODIST g e w mi",
    "GEOADD g 10 20 a 10 20.0001 b 10.0001 20 c | GEODIST g a b | GEODIST g a c | GEODIST g a c km | GEODIST g b c ft",
  ],
  georadius: [
    `${SICILY} | GEORADIUS Sicily 15 37 200 km | GEORADIUS Sicily 15 37 200 km WITHDIST | GEORADIUS Sicily 15 37 200 km WITHCOORD | GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC | GEORADIUS Sicily 15 37 200 km DESC WITHDIST`,
    `${SICILY} | GEORADIUS Sicily 15 37 200 km COUNT 1 | GEORADIUS Sicily 15 37 200 km COUNT 2 DESC | GEORADIUS Sicily 15 37 200 km COUNT 10 | GEORADIUS Sicily 15 37 500 km COUNT 1 ANY | GEORADIUS Sicily 15 37 500 km ANY | GEORADIUS Sicily 15 37 200 km COUNT 0 | GEORADIUS Sicily 15 37 200 km COUNT -1 | GEORADIUS Sicily 15 37 200 km COUNT x | GEORADIUS Sicily 15 37 200 km COUNT`,
    `${SICILY} | GEORADIUS Sicily 15 37 100 MI | GEORADIUS Sicily 15 37 300000 ft WITHDIST | GEORADIUS Sicily 15 37 200000 M WITHDIST | GEORADIUS Sicily 15 37 200 yards | GEORADIUS Sicily 15 37 -1 km | GEORADIUS Sicily 15 37 x km | GEORADIUS Sicily 200 37 1 km | GEORADIUS Sicily 15 x 1 km | GEORADIUS Sicily 15 37 0 km | GEORADIUS Sicily 15 37 1 km FOO`,
    `${SICILY} | GEORADIUS Sicily 15 37 200 km STORE dst | ZRANGE dst 0 -1 WITHSCORES | GEORADIUS Sicily 15 37 200 km STOREDIST dst2 | ZRANGE dst2 0 -1 | GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST | GEORADIUS Sicily 15 37 1 km STORE dst | EXISTS dst | GEORADIUS Sicily 15 37 200 km COUNT 1 STORE dst | ZRANGE dst 0 -1`,
    "GEORADIUS nokey 15 37 200 km | GEORADIUS nokey 15 37 200 km STORE dst | SET dst x | GEORADIUS nokey 15 37 200 km STORE dst | EXISTS dst | GEORADIUS nokey 200 37 1 km | GEORADIUS nokey 15 37 1 km ANY | GEORADIUS nokey 15 37 1 km STORE d WITHDIST",
    "SET s x | GEORADIUS s 15 37 200 km | GEORADIUS s 200 37 200 km | GEORADIUSBYMEMBER s a 1 km | GEOSEARCH s FROMLONLAT 0 0 BYRADIUS 1 km | GEOSEARCHSTORE d s FROMLONLAT 0 0 BYRADIUS 1 km",
    `${SICILY} | GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC | GEORADIUS_RO Sicily 15 37 200 km STORE dst | GEORADIUS_RO Sicily 15 37 200 km STOREDIST dst | GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE dst | GEORADIUS Sicily 15 37 200 km STORE | GEORADIUS Sicily 15 37 200 km STOREDIST`,
  ],
  georadiusbymember: [
    `${SICILY} | GEORADIUSBYMEMBER Sicily Palermo 200 km | GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD COUNT 2 | GEORADIUSBYMEMBER Sicily Agrigento 100 km DESC | GEORADIUSBYMEMBER_RO Sicily Palermo 0 m WITHDIST | GEORADIUSBYMEMBER Sicily nope 200 km | GEORADIUSBYMEMBER Sicily nope x km`,
    `${SICILY} | GEORADIUSBYMEMBER Sicily Palermo x km | GEORADIUSBYMEMBER Sicily Palermo -5 km | GEORADIUSBYMEMBER Sicily Palermo 5 furlong | GEORADIUSBYMEMBER nokey a x km | GEORADIUSBYMEMBER nokey a 1 km FOO | GEORADIUSBYMEMBER nokey a 1 km STORE d | GEORADIUSBYMEMBER nokey a 1 km ANY`,
    `${SICILY} | GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST d | ZRANGE d 0 -1 | ZSCORE d Palermo | GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d COUNT 2 DESC | ZRANGE d 0 -1 WITHSCORES`,
  ],
  geosearch: [
    `${SICILY} | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC | GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km DESC WITHDIST WITHHASH WITHCOORD | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST | GEOSEARCH Sicily FROMMEMBER Catania BYBOX 100 500 km`,
    `${SICILY} | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 2 ANY | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 3 ANY DESC | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 m | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 0 0 m`,
    `${SICILY} | GEOSEARCH Sicily BYRADIUS 200 km | GEOSEARCH Sicily FROMLONLAT 15 37 | geosearch Sicily FROMLONLAT 15 37 | GeoSearch Sicily ASC | GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km | GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 1 km`,
    `${SICILY} | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 kb | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 | GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km | GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST`,
    "GEOSEARCH nokey FROMMEMBER a BYRADIUS 1 km | GEOSEARCH nokey FROMLONLAT 0 0 BYBOX 1 1 km | GEOSEARCH nokey FROMMEMBER a BYRADIUS x km | GEOSEARCH nokey FROMLONLAT 0 0 BYRADIUS 1 km ANY | GEOSEARCH nokey FROMLONLAT 0 0 BYRADIUS 1 km WITHDIST | GEOSEARCH nokey FROMMEMBER a",
    `${SICILY} | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 9223372036854775807 | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 9223372036854775808 | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS inf km | GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1e300 km | GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX inf inf km WITHDIST`,
  ],
  geosearchstore: [
    `${SICILY} | GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3 | ZRANGE dst 0 -1 WITHSCORES | GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3 STOREDIST | ZRANGE dst 0 -1 | GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 1 m | ZRANGE dst 0 -1 WITHSCORES`,
    `${SICILY} | GEOSEARCHSTORE dst Sicily FROMLONLAT 0 0 BYRADIUS 1 km | EXISTS dst | SET dst x | GEOSEARCHSTORE dst Sicily FROMLONLAT 0 0 BYRADIUS 1 km | EXISTS dst | GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST | GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x | GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 200 km`,
    `${SICILY} | SET dst x | GEOSEARCHSTORE dst nokey FROMMEMBER a BYRADIUS 1 km | EXISTS dst | GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 1 km | TYPE dst | GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km | ZRANGE Sicily 0 -1`,
  ],
  edges: [
    // the antimeridian: cells wrap from east to west
    "GEOADD g 179.99 0 e1 -179.99 0 w1 179.5 0.5 e2 -179.5 -0.5 w2 0 0 far | GEORADIUS g 180 0 100 km ASC WITHDIST | GEORADIUS g -180 0 100 km ASC WITHDIST | GEOSEARCH g FROMMEMBER e1 BYBOX 300 300 km DESC WITHCOORD | GEOSEARCH g FROMMEMBER w2 BYRADIUS 200 km ASC",
    // the poles (as far as Web Mercator goes)
    "GEOADD g 0 85 a 90 85 b 180 85 c -90 85 d 0 -85 s1 180 -85 s2 0 85.05112878 top | GEORADIUS g 0 85.05112878 1000 km ASC WITHDIST | GEOSEARCH g FROMLONLAT 45 85 BYBOX 5000 5000 km ASC WITHDIST | GEORADIUS g 0 -85.05112878 100 km WITHCOORD | GEOSEARCH g FROMMEMBER top BYRADIUS 0 m WITHCOORD",
    // huge radiuses: whole-world searches, repeated neighbour cells
    "GEOADD g 0 0 a 100 50 b -100 -50 c 179 84 d -179 -84 e 45 -45 f | GEORADIUS g 0 0 5000 km ASC | GEORADIUS g 0 0 10000 km ASC WITHDIST | GEORADIUS g 0 0 20000 km DESC | GEOSEARCH g FROMLONLAT 0 0 BYBOX 40000 40000 km ASC | GEORADIUS g 0 0 30000 km COUNT 3 ANY | GEOSEARCH g FROMLONLAT 180 85.05112878 BYRADIUS 20000 km ASC",
    // many members near each other: a skiplist, COUNT ANY stops early in cell order
    "GEOADD g 1 1 m0 1.001 1 m1 1.002 1 m2 1.003 1 m3 1.004 1 m4 1 1.001 m5 1 1.002 m6 1 1.003 m7 0.999 1 m8 0.998 1 m9 1 0.999 m10 1 0.998 m11 | GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km | GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 1 km COUNT 3 ANY | GEOSEARCH g FROMLONLAT 1.0005 1.0005 BYRADIUS 300 m COUNT 2 ANY WITHDIST | GEOSEARCH g FROMLONLAT 1 1 BYBOX 300 200 m DESC WITHDIST",
    // equal distances with a full sort (glibc's qsort is a stable merge sort here; COUNT below the number found is not)
    "GEOADD g 1 1 c 1 1 a 1 1 b 2 2 d 0 0 e | GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 500 km ASC | GEOSEARCH g FROMLONLAT 1 1 BYRADIUS 500 km DESC WITHDIST | GEORADIUS g 1 1 500 km COUNT 10",
    // scores that are not geohashes still decode
    "ZADD z 0 a -1 b 3 c 9007199254740992 d | GEOSEARCH z FROMLONLAT -180 -85.05112878 BYRADIUS 100 km WITHCOORD WITHHASH | GEORADIUSBYMEMBER z b 100 km WITHCOORD | GEOSEARCH z FROMMEMBER d BYRADIUS 1 km WITHHASH",
  ],
};


describe("GEO commands answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      assert.deepEqual(await runCases(twin, cases), []);
    });
  }

  test("GEOADD propagates as the ZADD Redis runs", async () => {
    await twin.reset();
    twin.ours(["GEOADD", "g", "CH", "13.361389", "38.115556", "Palermo", "180", "0", "e"], 2);
    // longitude 180 sets bit 53: 2^53 + 2^50 (latitude 0 is the middle cell)
    assert.deepEqual(twin.propagated, [["zadd", "g", "CH", "3479099956230698", "Palermo", "10133099161583616", "e"]]);
  });
});
