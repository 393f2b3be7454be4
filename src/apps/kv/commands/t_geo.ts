/**
 * GEO commands (Redis' geo.c): a geo set is a sorted set whose scores are
 * 52-bit geohashes (geohash.ts), so GEOADD is a ZADD of encoded scores
 * and the searches walk score ranges of the sorted set, one per cell
 * around the centre, in Redis' order. GEOADD, GEODIST, GEOHASH, GEOPOS,
 * GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[BYMEMBER][_RO]; their definitions
 * for the command table are {@link GEO_DEFS}, below.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks, ksKeyword } from "./command_def.js";
import {
  type Shape,
  LAT_MAX,
  LAT_MIN,
  LON_MAX,
  LON_MIN,
  cellScores,
  decodeScore,
  distanceIfInside,
  distance,
  encodeScoreText,
  formatFixed,
  formatHuman,
  searchCells,
  standardGeohash,
} from "./geohash.js";
import { DoubleReply, ErrorReply, NULL_ARRAY, type Reply } from "../resp/reply.js";
import { NOT_A_FLOAT, SYNTAX_ERROR, intArg, option } from "./shared.js";
import { parseScore } from "./strtod.js";
import { zaddCommand } from "./t_zset.js";
import { readZset, storeResult } from "./t_zset_range.js";
import { posNext } from "./zset_tree.js";
import { ZSetValue } from "./zset_value.js";

const UNIT_ERROR = new ErrorReply("ERR unsupported unit provided. please use M, KM, FT, MI");
const COULD_NOT_DECODE = new ErrorReply("ERR could not decode requested zset member");
const COUNT_POSITIVE = new ErrorReply("ERR COUNT must be > 0");
const ANY_NEEDS_COUNT = new ErrorReply("ERR the ANY argument requires COUNT argument");
const RADIUS_NEGATIVE = new ErrorReply("ERR radius cannot be negative");
const BOX_NEGATIVE = new ErrorReply("ERR height or width cannot be negative");

/** extractUnitOrReply: meters per unit, or the error. */
function unitArg(u: string): number | ErrorReply {
  switch (u.toLowerCase()) {
    case "m":
      return 1;
    case "km":
      return 1000;
    case "ft":
      return 0.3048;
    case "mi":
      return 1609.34;
    default:
      return UNIT_ERROR;
  }
}

function doubleArg(s: string, err: ErrorReply = NOT_A_FLOAT): number | ErrorReply {
  const v = parseScore(s);
  return v === null ? err : v;
}

/** extractLongLatOrReply: [lon, lat] from argv[i], argv[i+1]. */
function lonLatArg(argv: readonly string[], i: number): [number, number] | ErrorReply {
  const lon = doubleArg(argv[i]!);
  if (lon instanceof ErrorReply) return lon;
  const lat = doubleArg(argv[i + 1]!);
  if (lat instanceof ErrorReply) return lat;
  if (lon < LON_MIN || lon > LON_MAX || lat < LAT_MIN || lat > LAT_MAX) {
    return new ErrorReply(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
  }
  return [lon, lat];
}

/** A distance as addReplyDoubleDistance sends it: `%.4f`, a bulk string in RESP2 and RESP3. */
function distanceReply(d: number): string {
  return formatFixed(d, 4);
}

/** A coordinate as addReplyHumanLongDouble sends it (bulk in RESP2, double in RESP3). */
function coordReply(x: number): DoubleReply {
  return new DoubleReply(x, formatHuman(x));
}

export function geoaddCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let nx = false;
  let xx = false;
  let at = 2;
  for (; at < argv.length; at++) {
    const o = option(argv[at]!);
    if (o === "nx") nx = true;
    else if (o === "xx") xx = true;
    else if (o !== "ch") break;
  }
  if ((argv.length - at) % 3 !== 0 || (xx && nx)) return SYNTAX_ERROR;
  // ZADD key [options] score member ..., as Redis rewrites the command (and so propagates it)
  const zargv: string[] = ["zadd", ...argv.slice(1, at)];
  for (let i = at; i < argv.length; i += 3) {
    const xy = lonLatArg(argv, i);
    if (xy instanceof ErrorReply) return xy;
    zargv.push(encodeScoreText(xy[0], xy[1]), argv[i + 2]!);
  }
  return zaddCommand(ctx, zargv);
}

export function geodistCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let toMeter = 1;
  if (argv.length === 5) {
    const u = unitArg(argv[4]!);
    if (u instanceof ErrorReply) return u;
    toMeter = u;
  } else if (argv.length > 5) return SYNTAX_ERROR;
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  const s1 = z.dict.get(argv[2]!);
  const s2 = z.dict.get(argv[3]!);
  if (s1 === undefined || s2 === undefined) return null;
  const a = decodeScore(s1);
  const b = decodeScore(s2);
  return distanceReply(distance(a[0], a[1], b[0], b[1]) / toMeter);
}

export function geohashCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z instanceof ErrorReply) return z;
  const out: Reply[] = new Array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.dict.get(argv[j]!);
    out[j - 2] = s === undefined ? null : standardGeohash(s);
  }
  return out;
}

export function geoposCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z instanceof ErrorReply) return z;
  const out: Reply[] = new Array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.dict.get(argv[j]!);
    if (s === undefined) out[j - 2] = NULL_ARRAY;
    else {
      const [lon, lat] = decodeScore(s);
      out[j - 2] = [coordReply(lon), coordReply(lat)];
    }
  }
  return out;
}

/** One member found by a search. */
interface Found {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/** membersOfAllNeighbors: the members inside the shape, cell after cell as Redis visits them; `limit` 0 for all. */
function searchMembers(z: ZSetValue, shape: Shape, limit: number): Found[] {
  const found: Found[] = [];
  const cells = searchCells(shape);
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c === null || c === undefined) continue;
    // Redis skips a cell equal to the previous one searched (not compared with the centre)
    const prev = cells[last];
    if (last !== 0 && prev && c.ilat === prev.ilat && c.ilon === prev.ilon) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    const [min, max] = cellScores(c);
    const p = z.tree.seek((s) => s >= min).pos;
    while (p.leaf !== null) {
      const score = p.leaf.scores[p.i]!;
      if (!(score < max)) break;
      const [lon, lat] = decodeScore(score);
      const d = distanceIfInside(shape, lon, lat);
      if (d >= 0) found.push({ member: p.leaf.members[p.i]!, score, lon, lat, dist: d });
      if (found.length > 0 && limit > 0 && found.length >= limit) break;
      posNext(p);
    }
    last = i;
  }
  return found;
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

/** georadiusGeneric: every search command, with Redis' order of checks. */
function georadiusGeneric(ctx: ExecContext, argv: readonly string[], srcIdx: number, flags: number): Reply {
  let storeKey: string | null = null;
  let storedist = false;
  const z = readZset(ctx, argv[srcIdx]!);
  if (z instanceof ErrorReply) return z;
  const shape: Shape = { lon: 0, lat: 0, conversion: 0, radius: NaN, width: 0, height: 0 };
  const radiusArgs = (i: number): ErrorReply | null => {
    const r = doubleArg(argv[i]!, NEED_RADIUS);
    if (r instanceof ErrorReply) return r;
    if (r < 0) return RADIUS_NEGATIVE;
    const u = unitArg(argv[i + 1]!);
    if (u instanceof ErrorReply) return u;
    shape.radius = r;
    shape.conversion = u;
    return null;
  };
  const memberCentre = (m: string): ErrorReply | null => {
    const s = z!.dict.get(m);
    if (s === undefined) return COULD_NOT_DECODE;
    [shape.lon, shape.lat] = decodeScore(s);
    return null;
  };
  let base: number;
  if (flags & RADIUS_COORDS) {
    base = 6;
    const xy = lonLatArg(argv, 2);
    if (xy instanceof ErrorReply) return xy;
    [shape.lon, shape.lat] = xy;
    const e = radiusArgs(4);
    if (e !== null) return e;
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    if (z !== undefined) {
      const e = memberCentre(argv[2]!) ?? radiusArgs(3);
      if (e !== null) return e;
    }
  } else {
    base = 2;
    if (flags & GEOSEARCHSTORE) {
      base = 3;
      storeKey = argv[1]!;
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoord = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort: "none" | "asc" | "desc" = "none";
  let any = false;
  let count = 0;
  const search = (flags & GEOSEARCH) !== 0;
  const canStore = !(flags & NOSTORE) && !search;
  for (let i = base; i < argv.length; i++) {
    const arg = option(argv[i]!);
    const left = argv.length - i - 1;
    if (arg === "withdist") withdist = true;
    else if (arg === "withhash") withhash = true;
    else if (arg === "withcoord") withcoord = true;
    else if (arg === "any") any = true;
    else if (arg === "asc") sort = "asc";
    else if (arg === "desc") sort = "desc";
    else if (arg === "count" && left >= 1) {
      const c = intArg(argv[++i]!);
      if (c instanceof ErrorReply) return c;
      if (c <= 0) return COUNT_POSITIVE;
      count = typeof c === "number" ? c : Number.MAX_SAFE_INTEGER;
    } else if ((arg === "store" || arg === "storedist") && left >= 1 && canStore) {
      storeKey = argv[++i]!;
      storedist = arg === "storedist";
    } else if (arg === "storedist" && search && (flags & GEOSEARCHSTORE) !== 0) storedist = true;
    else if (arg === "frommember" && left >= 1 && search && !fromloc) {
      i++;
      if (z !== undefined) {
        const e = memberCentre(argv[i]!);
        if (e !== null) return e;
      }
      frommember = true;
    } else if (arg === "fromlonlat" && left >= 2 && search && !frommember) {
      const xy = lonLatArg(argv, i + 1);
      if (xy instanceof ErrorReply) return xy;
      [shape.lon, shape.lat] = xy;
      fromloc = true;
      i += 2;
    } else if (arg === "byradius" && left >= 2 && search && !bybox) {
      const e = radiusArgs(i + 1);
      if (e !== null) return e;
      byradius = true;
      i += 2;
    } else if (arg === "bybox" && left >= 3 && search && !byradius) {
      const w = doubleArg(argv[i + 1]!, NEED_WIDTH);
      if (w instanceof ErrorReply) return w;
      const h = doubleArg(argv[i + 2]!, NEED_HEIGHT);
      if (h instanceof ErrorReply) return h;
      if (h < 0 || w < 0) return BOX_NEGATIVE;
      const u = unitArg(argv[i + 3]!);
      if (u instanceof ErrorReply) return u;
      shape.width = w;
      shape.height = h;
      shape.radius = NaN;
      shape.conversion = u;
      bybox = true;
      i += 3;
    } else return SYNTAX_ERROR;
  }

  if (storeKey !== null && (withdist || withhash || withcoord)) {
    const who = flags & GEOSEARCHSTORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS";
    return new ErrorReply(`ERR ${who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (search && !(frommember || fromloc)) return new ErrorReply(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]!}`);
  if (search && !(byradius || bybox)) return new ErrorReply(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]!}`);
  if (any && count === 0) return ANY_NEEDS_COUNT;

  if (z === undefined) {
    if (storeKey === null) return [];
    if (ctx.db.deleteKey(storeKey)) {
      notify(ctx.db, NOTIFY.GENERIC, "del", storeKey);
      ctx.propagate(argv);
    }
    return 0;
  }
  if (count !== 0 && sort === "none" && !any) sort = "asc";

  const found = searchMembers(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return [];
  const n = count === 0 || found.length < count ? found.length : count;
  if (sort === "asc") found.sort((a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1));
  else if (sort === "desc") found.sort((a, b) => (a.dist < b.dist ? 1 : a.dist === b.dist ? 0 : -1));

  if (storeKey === null) {
    const options = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoord ? 1 : 0);
    const out: Reply[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const f = found[i]!;
      if (options === 0) {
        out[i] = f.member;
        continue;
      }
      const item: Reply[] = [f.member];
      if (withdist) item.push(distanceReply(f.dist / shape.conversion));
      if (withhash) item.push(hashReply(f.score));
      if (withcoord) item.push([coordReply(f.lon), coordReply(f.lat)]);
      out[i] = item;
    }
    return out;
  }
  // a new set starts as a skiplist and goes back to a listpack when small (zsetConvertToListpackIfNeeded)
  const dst = new ZSetValue(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < n; i++) {
    const f = found[i]!;
    dst.set(f.member, storedist ? f.dist / shape.conversion : f.score);
  }
  dst.shrinkEncoding();
  return storeResult(ctx, argv, storeKey, dst, flags & GEOSEARCH ? "geosearchstore" : "georadiusstore");
}

const NEED_RADIUS = new ErrorReply("ERR need numeric radius");
const NEED_WIDTH = new ErrorReply("ERR need numeric width");
const NEED_HEIGHT = new ErrorReply("ERR need numeric height");

/** WITHHASH: the score as a C long long (addReplyLongLong of a double). */
function hashReply(score: number): Reply {
  const t = Math.trunc(score);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

export const georadiusCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 1, RADIUS_COORDS);
export const georadiusbymemberCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 1, RADIUS_MEMBER);
export const georadiusroCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 1, RADIUS_COORDS | NOSTORE);
export const georadiusbymemberroCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 1, RADIUS_MEMBER | NOSTORE);
export const geosearchCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 1, GEOSEARCH);
export const geosearchstoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => georadiusGeneric(ctx, argv, 2, GEOSEARCH | GEOSEARCHSTORE);

const UNIT = "unit:oneof(m:pure-token=M km:pure-token=KM ft:pure-token=FT mi:pure-token=MI)";
const RADIUS_OPTS =
  "withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? withhash:pure-token=WITHHASH? count:block?(count:integer=COUNT any:pure-token=ANY@6.2.0?) order:oneof?(asc:pure-token=ASC desc:pure-token=DESC)";
const RADIUS_OPTS_NOSINCE = RADIUS_OPTS.replace("ANY@6.2.0", "ANY");
const STORE_KEYS = "key:key=STORE#1? key:key=STOREDIST#2?";
const FROM_BY =
  `from:oneof(member:string=FROMMEMBER longitude_latitude:block=FROMLONLAT(longitude:double latitude:double)) by:oneof(circle:block(radius:double=BYRADIUS ${UNIT}) box:block(width:double=BYBOX height:double ${UNIT})) order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) count:block?(count:integer=COUNT any:pure-token=ANY?)`;
const SEARCH_COMPLEXITY = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";
const RADIUS_COMPLEXITY = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";

/** The geo commands for the command table (Redis 7.0's COMMAND INFO and DOCS). */
export const GEO_DEFS: Record<string, Def> = {
  geoadd: { arity: -5, flags: "write denyoom", acl: "geo", keys: [ks("RW update")], exec: geoaddCommand, group: "geo", since: "3.2.0", complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", summary: "Add one or more geospatial items in the geospatial index represented using a sorted set", args: "key:key condition:oneof@6.2.0?(nx:pure-token=NX xx:pure-token=XX) change:pure-token=CH@6.2.0? longitude_latitude_member:block+(longitude:double latitude:double member:string)" },
  geodist: { arity: -4, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: geodistCommand, group: "geo", since: "3.2.0", complexity: "O(log(N))", summary: "Returns the distance between two members of a geospatial index", args: "key:key member1:string member2:string unit:oneof?(m:pure-token=M km:pure-token=KM ft:pure-token=FT mi:pure-token=MI)" },
  geohash: { arity: -2, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: geohashCommand, group: "geo", since: "3.2.0", complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set.", summary: "Returns members of a geospatial index as standard geohash strings", args: "key:key member:string+" },
  geopos: { arity: -2, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: geoposCommand, group: "geo", since: "3.2.0", complexity: "O(N) where N is the number of members requested.", summary: "Returns longitude and latitude of members of a geospatial index", args: "key:key member:string+" },
  georadius: { arity: -6, flags: "write denyoom movablekeys", acl: "geo", keys: [ks("RO access"), ksKeyword("OW update", "STORE", 6), ksKeyword("OW update", "STOREDIST", 6)], route: "multi", exec: georadiusCommand, group: "geo", since: "3.2.0", complexity: RADIUS_COMPLEXITY, summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", deprecated: ["6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument"], args: `key:key longitude:double latitude:double radius:double ${UNIT} ${RADIUS_OPTS} ${STORE_KEYS}` },
  georadius_ro: { arity: -6, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: georadiusroCommand, group: "geo", since: "3.2.10", complexity: RADIUS_COMPLEXITY, summary: "A read-only variant for GEORADIUS", deprecated: ["6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument"], args: `key:key longitude:double latitude:double radius:double ${UNIT} ${RADIUS_OPTS}` },
  georadiusbymember: { arity: -5, flags: "write denyoom movablekeys", acl: "geo", keys: [ks("RO access"), ksKeyword("OW update", "STORE", 5), ksKeyword("OW update", "STOREDIST", 5)], route: "multi", exec: georadiusbymemberCommand, group: "geo", since: "3.2.0", complexity: RADIUS_COMPLEXITY, summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", deprecated: ["6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments"], args: `key:key member:string radius:double ${UNIT} ${RADIUS_OPTS_NOSINCE} ${STORE_KEYS}` },
  georadiusbymember_ro: { arity: -5, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: georadiusbymemberroCommand, group: "geo", since: "3.2.10", complexity: RADIUS_COMPLEXITY, summary: "A read-only variant for GEORADIUSBYMEMBER", deprecated: ["6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"], args: `key:key member:string radius:double ${UNIT} ${RADIUS_OPTS_NOSINCE}` },
  geosearch: { arity: -7, flags: "readonly", acl: "geo", keys: [ks("RO access")], exec: geosearchCommand, group: "geo", since: "6.2.0", complexity: SEARCH_COMPLEXITY, summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", args: `key:key ${FROM_BY} withcoord:pure-token=WITHCOORD? withdist:pure-token=WITHDIST? withhash:pure-token=WITHHASH?` },
  geosearchstore: { arity: -8, flags: "write denyoom", acl: "geo", keys: [ks("OW update"), ks("RO access", 2)], route: "multi", exec: geosearchstoreCommand, group: "geo", since: "6.2.0", complexity: SEARCH_COMPLEXITY, summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", args: `destination:key source:key#1 ${FROM_BY} storedist:pure-token=STOREDIST?` },
};
