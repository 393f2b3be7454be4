/**
 * Redis 7.0's special settings, each with its own syntax: save points,
 * client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events,
 * bind, replicaof, latency-tracking-info-percentiles (config.c's
 * setConfig*Option / getConfig*Option / rewriteConfig*Option).
 */
import { resolve } from "node:path";
import { type Def, type Opts, special } from "./config_defs.js";
import { NOTIFY } from "../commands/notify.js";
import { formatMemory, memtoull, repr, showPercentile, string2d, strtoll } from "./config_parse.js";

/** One save point: snapshot after `seconds` if at least `changes` writes happened. */
export interface SavePoint {
  seconds: number;
  changes: number;
}

/** `save 3600 1 300 100`: pairs; `save ""` none. In a config file the lines add up (the first one drops the defaults). */
export function savePoints(def: SavePoint[], o: Opts): Def<SavePoint[]> {
  return special(def, { ...o, multiArg: true }, {
    parse(w, prev, loading) {
      const words = w.length === 1 && w[0] === "" ? [] : w;
      if (words.length % 2 !== 0) throw "Invalid save parameters";
      const nums = words.map((x, j) => {
        const v = strtoll(x);
        if (v === undefined || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) throw "Invalid save parameters";
        return v;
      });
      const pts: SavePoint[] = [];
      for (let j = 0; j < nums.length; j += 2) pts.push({ seconds: Number(nums[j]), changes: Number(BigInt.asIntN(32, nums[j + 1]!)) });
      // While loading, `save ""` empties and other lines add to the ones read before (see Config.loadFile).
      return loading && words.length > 0 ? [...prev, ...pts] : pts;
    },
    show: (v) => v.map((p) => `${p.seconds} ${p.changes}`).join(" "),
    rewrite: (n, v) => (v.length === 0 ? [`${n} ""`] : v.map((p) => `${n} ${p.seconds} ${p.changes}`)).map((line) => ({ line, force: true })),
  });
}

/** How the output of one client class is bounded (Redis' `client-output-buffer-limit`). */
export interface OutputLimit {
  /** Bytes; 0 = none. Over it the client is closed at once. */
  hard: number;
  /** Bytes; 0 = none. Over it for `softSeconds` the client is closed. */
  soft: number;
  softSeconds: number;
}

export type OutputLimits = Record<"normal" | "replica" | "pubsub", OutputLimit>;
const CLASSES = ["normal", "replica", "pubsub"] as const;

export function outputLimits(def: OutputLimits, o: Opts): Def<OutputLimits> {
  const same = (a: OutputLimit, b: OutputLimit) => a.hard === b.hard && a.soft === b.soft && a.softSeconds === b.softSeconds;
  return special(def, { ...o, multiArg: true }, {
    parse(w, prev) {
      if (w.length % 4 !== 0) throw "Wrong number of arguments in buffer limit configuration.";
      const out = { ...prev };
      for (let i = 0; i < w.length; i += 4) {
        let cls = w[i]!.toLowerCase();
        if (cls === "slave") cls = "replica";
        if (!(CLASSES as readonly string[]).includes(cls)) throw "Invalid client class specified in buffer limit configuration.";
        const hard = memtoull(w[i + 1]!);
        const soft = memtoull(w[i + 2]!);
        const secs = strtoll(w[i + 3]!);
        if (hard === undefined || soft === undefined || secs === undefined || BigInt.asIntN(32, secs) < 0n) throw "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        out[cls as (typeof CLASSES)[number]] = { hard: Number(hard), soft: Number(soft), softSeconds: Number(BigInt.asIntN(32, secs)) };
      }
      return out;
    },
    show: (l) => CLASSES.map((c) => `${c === "replica" ? "slave" : c} ${l[c].hard} ${l[c].soft} ${l[c].softSeconds}`).join(" "),
    rewrite(n, l) {
      // One line per class, written when it is not the default (Redis' rule, with Agner's defaults).
      return CLASSES.map((c) => ({ line: `${n} ${c} ${formatMemory(l[c].hard)} ${formatMemory(l[c].soft)} ${l[c].softSeconds}`, force: !same(l[c], def[c]) }));
    },
  });
}

export function oomScoreAdjValues(o: Opts): Def<number[]> {
  const def = [0, 200, 800];
  return special(def, { ...o, multiArg: true }, {
    parse(w) {
      if (w.length !== 3) throw "wrong number of arguments";
      return w.map((x) => {
        const v = strtoll(x);
        if (v === undefined || v < -2000n || v > 2000n) throw "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
        return Number(v);
      });
    },
    show: (v) => v.join(" "),
    rewrite: (n, v) => [{ line: `${n} ${v.join(" ")}`, force: v.some((x, i) => x !== def[i]) }],
  });
}

/** Keyspace notification classes: the commands' (commands/notify.ts), re-exported for settings code. */
export { NOTIFY };

const CLASS_CHARS: [string, number][] = [
  ["g", NOTIFY.GENERIC],
  ["$", NOTIFY.STRING],
  ["l", NOTIFY.LIST],
  ["s", NOTIFY.SET],
  ["h", NOTIFY.HASH],
  ["z", NOTIFY.ZSET],
  ["x", NOTIFY.EXPIRED],
  ["e", NOTIFY.EVICTED],
  ["t", NOTIFY.STREAM],
  ["d", NOTIFY.MODULE],
  ["n", NOTIFY.NEW],
];
const OTHER_CHARS: [string, number][] = [
  ["K", NOTIFY.KEYSPACE],
  ["E", NOTIFY.KEYEVENT],
  ["m", NOTIFY.KEY_MISS],
];

/** `KEA` to the NOTIFY bits; undefined on a character that names no class. */
export function notifyFlags(s: string): number | undefined {
  let f = 0;
  for (const ch of s) {
    if (ch === "A") f |= NOTIFY.ALL;
    else {
      const hit = CLASS_CHARS.find(([c]) => c === ch) ?? OTHER_CHARS.find(([c]) => c === ch);
      if (hit === undefined) return undefined;
      f |= hit[1];
    }
  }
  return f;
}

/** The NOTIFY bits as Redis writes them (`AKE`). */
export function notifyText(f: number): string {
  let s = (f & NOTIFY.ALL) === NOTIFY.ALL ? "A" : CLASS_CHARS.filter(([, b]) => f & b).map(([c]) => c).join("");
  for (const [c, b] of OTHER_CHARS) if (f & b) s += c;
  return s;
}

export function notifyKeyspaceEvents(o: Opts): Def<number> {
  return special(0, o, {
    parse(w) {
      if (w.length !== 1) throw "wrong number of arguments";
      const f = notifyFlags(w[0]!);
      if (f === undefined) throw "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      return f;
    },
    show: notifyText,
    rewrite: (n, v) => [{ line: `${n} ${repr(notifyText(v))}`, force: v !== 0 }],
  });
}

/** `bind 127.0.0.1 -::1`: up to 16 addresses; `bind ""` none. */
export function bindAddresses(def: string[], o: Opts): Def<string[]> {
  return special(def, { ...o, multiArg: true }, {
    parse(w) {
      if (w.length > 16) throw "Too many bind addresses specified.";
      return w.length === 1 && w[0] === "" ? [] : [...w];
    },
    show: (v) => v.join(" "),
    rewrite(n, v) {
      if (v.length === def.length && v.every((a, i) => a === def[i])) return null;
      return [{ line: `${n} ${v.length > 0 ? v.join(" ") : '""'}`, force: true }];
    },
  });
}

/** Where this server replicates from (`replicaof host port`), or null (`replicaof no one`). */
export interface ReplicaOf {
  host: string;
  port: number;
}

export function replicaOf(o: Opts): Def<ReplicaOf | null> {
  return special<ReplicaOf | null>(null, { ...o, multiArg: true }, {
    parse(w) {
      if (w.length !== 2) throw "wrong number of arguments";
      if (w[0]!.toLowerCase() === "no" && w[1]!.toLowerCase() === "one") return null;
      const p = /^[ \t]*[+-]?\d+$/.test(w[1]!) ? Number(w[1]) : w[1] === "" ? 0 : NaN;
      if (!(p >= 0 && p <= 65535)) throw "Invalid master port";
      return { host: w[0]!, port: p };
    },
    show: (v) => (v === null ? "" : `${v.host} ${v.port}`),
    rewrite: (n, v) => (v === null ? null : [{ line: `${n} ${v.host} ${v.port}`, force: true }]),
  });
}

export function percentiles(o: Opts): Def<number[]> {
  return special([50, 99, 99.9], { ...o, multiArg: true }, {
    parse(w) {
      if (w.length === 1 && w[0] === "") return [];
      return w.map((x) => {
        const v = string2d(x);
        if (v === undefined) throw "Invalid latency-tracking-info-percentiles parameters";
        if (v > 100 || v < 0) throw "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        return v;
      });
    },
    show: (v) => v.map(showPercentile).join(" "),
    rewrite: (n, v) => [{ line: v.length === 0 ? `${n} ""` : `${n} ${v.map(showPercentile).join(" ")}`, force: true }],
  });
}

/** `dir`: kept as given (made at start if missing); CONFIG GET shows it absolute, as Redis' getcwd. */
export function dataDir(def: string, o: Opts): Def<string> {
  return special(def, o, {
    parse(w) {
      if (w.length !== 1) throw "wrong number of arguments";
      return w[0]!;
    },
    show: (v) => resolve(v),
    rewrite: (n, v) => [{ line: `${n} ${repr(resolve(v))}`, force: true }],
  });
}
