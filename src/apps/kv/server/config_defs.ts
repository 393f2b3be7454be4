/**
 * The kinds of setting Redis 7.0's config.c knows (bool, string, enum,
 * numeric with its C type's bounds and memory/percent/octal forms) as
 * definitions: how the words of a directive are parsed and checked (with
 * Redis' error texts), how CONFIG GET shows a value and how CONFIG REWRITE
 * writes it. The table of every setting is config_table.ts.
 */
import { formatMemory, memtoull, repr, strtoll, string2ll, toInt64, toUint64 } from "./config_parse.js";

/**
 * What a setting does in Agner: `applied` (it works as in Redis), `none`
 * (accepted, stored and shown, without effect: docs/kv_server.md says why),
 * `hook` (stored with Redis' checks for code that applies it; no effect yet).
 */
export type Effect = "applied" | "none" | "hook";

/** A line CONFIG REWRITE writes for a setting; `force`: even when the file does not have the setting. */
export interface RewriteLine {
  line: string;
  force: boolean;
}

export interface Def<T> {
  readonly default: T;
  /** False: CONFIG SET answers "can't set immutable config" (file, env and flags still set it). */
  readonly mutable: boolean;
  /** Redis' MULTI_ARG_CONFIG: several words (a CONFIG SET value is split on spaces). */
  readonly multiArg: boolean;
  /** Only CONFIG GET of its exact name shows it (Redis' HIDDEN_CONFIG). */
  readonly hidden: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows (Redis' PROTECTED_CONFIG). */
  readonly protected: boolean;
  /** Another name for it (Redis' aliases: slaveof for replicaof, ...). */
  readonly alias?: string;
  readonly effect: Effect;
  /**
   * Parses the words after the name; throws Redis' error text as a string.
   * `prev` is the current value; `loading` is true while the config file
   * and flags are read (save lines add up then).
   */
  parse(words: string[], prev: T, loading: boolean): T;
  /** The CONFIG GET text. */
  show(v: T): string;
  /** CONFIG REWRITE's lines, or null: none, and the file's lines of it go. */
  rewrite(name: string, v: T): RewriteLine[] | null;
}

export interface Opts {
  /** Fixed after start (Redis' IMMUTABLE_CONFIG). */
  fixed?: boolean;
  alias?: string;
  hidden?: boolean;
  protected?: boolean;
  /** `none` unless given. */
  effect?: Effect;
}

function common(o: Opts): Pick<Def<unknown>, "mutable" | "hidden" | "protected" | "effect" | "multiArg"> & { alias?: string } {
  return { mutable: o.fixed !== true, hidden: o.hidden === true, protected: o.protected === true, effect: o.effect ?? "none", multiArg: false, ...(o.alias !== undefined ? { alias: o.alias } : {}) };
}

/** A yes/no setting. */
export function bool(def: boolean, o: Opts = {}, valid?: (v: boolean) => string | undefined): Def<boolean> {
  return {
    ...common(o),
    default: def,
    parse(w) {
      const s = w[0]!.toLowerCase();
      const v = s === "yes" ? true : s === "no" ? false : undefined;
      if (v === undefined) throw "argument must be 'yes' or 'no'";
      const bad = valid?.(v);
      if (bad !== undefined) throw bad;
      return v;
    },
    show: (v) => (v ? "yes" : "no"),
    rewrite: (n, v) => [{ line: `${n} ${v ? "yes" : "no"}`, force: v !== def }],
  };
}

/**
 * A string setting. `emptyIsNull`: Redis keeps "" as no value, which
 * CONFIG REWRITE leaves out of the file (EMPTY_STRING_IS_NULL).
 */
export function str(def: string, o: Opts & { emptyIsNull?: boolean } = {}, valid?: (v: string) => string | undefined): Def<string> {
  return {
    ...common(o),
    default: def,
    parse(w) {
      const bad = valid?.(w[0]!);
      if (bad !== undefined) throw bad;
      return w[0]!;
    },
    show: (v) => v,
    rewrite(n, v) {
      if (o.emptyIsNull === true && v === "") return null;
      return [{ line: `${n} ${repr(v)}`, force: o.emptyIsNull === true || v !== def }];
    },
  };
}

function enumError(names: readonly string[]): string {
  return `argument(s) must be one of the following: ${names.join(", ")}`.slice(0, 255);
}

/**
 * An enum setting; the value is the first name of its enum value (Redis
 * shows `oom-score-adj relative` as `yes`, both being the same value).
 */
export function oneOf<N extends string>(def: N, names: readonly N[], o: Opts & { same?: Partial<Record<N, N>> } = {}): Def<N> {
  const canon = (s: N): N => o.same?.[s] ?? s;
  const show = (v: N): string => v;
  return {
    ...common(o),
    default: def,
    parse(w) {
      const s = w[0]!.toLowerCase() as N;
      if (w.length !== 1 || !names.includes(s)) throw enumError(names);
      return canon(s);
    },
    show,
    rewrite: (n, v) => [{ line: `${n} ${show(v)}`, force: v !== def }],
  };
}

/** A set of flags (shutdown-on-sigint's `save now`): names in table order, "default" for none. */
export function flagSet(names: readonly string[], o: Opts, valid: (v: Set<string>) => string | undefined): Def<string[]> {
  const show = (v: string[]): string => (v.length === 0 ? names[0]! : names.filter((x) => v.includes(x)).join(" "));
  return {
    ...common(o),
    multiArg: true,
    default: [],
    parse(w) {
      if (w.length === 0 || w.some((x) => !names.includes(x.toLowerCase()))) throw enumError(names);
      const set = new Set(w.map((x) => x.toLowerCase()).filter((x) => x !== names[0]));
      const bad = valid(set);
      if (bad !== undefined) throw bad;
      return names.filter((x) => set.has(x));
    },
    show,
    rewrite: (n, v) => [{ line: `${n} ${show(v)}`, force: v.length !== 0 }],
  };
}

export interface NumOpts extends Opts {
  /** Redis' unsigned C types (unsigned int, unsigned long long, size_t): bounds are compared unsigned. */
  unsigned?: boolean;
  /** MEMORY_CONFIG: `100mb`-style units (and only those). */
  memory?: boolean;
  /** PERCENT_CONFIG: `10%` too, kept as -10. */
  percent?: boolean;
  /** OCTAL_CONFIG: read and shown in base 8. */
  octal?: boolean;
  /** Applied after the checks (hz is clamped to 1..500). */
  clamp?: (v: number) => number;
  /** A further check after the bounds; returns the error text. */
  valid?: (v: number) => string | undefined;
}

/** A numeric setting with Redis' C-type bounds (given as decimal strings, as they may pass 2^53). */
export function num(def: number, lo: string, hi: string, o: NumOpts = {}): Def<number> {
  const [min, max] = [BigInt(lo), BigInt(hi)];
  const flagged = o.memory === true || o.percent === true || o.octal === true;
  const parseText = (s: string): bigint => {
    if (o.memory === true) {
      const m = memtoull(s);
      if (m !== undefined) return toInt64(m);
    }
    if (o.percent === true && s.length > 1 && s.endsWith("%")) {
      const p = string2ll(s.slice(0, -1));
      if (p !== undefined && p >= 0n) return -p;
    }
    if (o.octal === true) {
      const v = strtoll(s, 8, true);
      if (v !== undefined) return v;
    }
    if (!flagged) {
      const v = string2ll(s);
      if (v !== undefined) return v;
    }
    if (o.memory === true && o.percent === true) throw "argument must be a memory or percent value";
    if (o.memory === true) throw "argument must be a memory value";
    if (o.octal === true) throw "argument couldn't be parsed as an octal number";
    throw "argument couldn't be parsed into an integer";
  };
  const show = (v: number): string => {
    if (o.percent === true && v < 0) return `${-v}%`;
    if (o.octal === true) return v.toString(8);
    return BigInt(v).toString();
  };
  return {
    ...common(o),
    default: def,
    parse(w) {
      let v = parseText(w[0]!);
      if (o.unsigned === true) {
        const u = toUint64(v);
        if (u > toUint64(max) || u < toUint64(min)) {
          const f = (x: bigint) => toUint64(x).toString(o.octal === true ? 8 : 10);
          throw `argument must be between ${f(min)} and ${f(max)} inclusive`;
        }
        v = u;
      } else if (o.percent === true && v < 0n) {
        if (v < min) throw `percentage argument must be less or equal to ${-min}`;
      } else if (v > max || v < min) {
        throw `argument must be between ${min} and ${max} inclusive`;
      }
      const n = Number(v);
      const bad = o.valid?.(n);
      if (bad !== undefined) throw bad;
      return o.clamp !== undefined ? o.clamp(n) : n;
    },
    show,
    rewrite(n, v) {
      const force = v !== def;
      if (o.percent === true && v < 0) return [{ line: `${n} ${-v}%`, force }];
      if (o.memory === true) return [{ line: `${n} ${formatMemory(v)}`, force }];
      return [{ line: `${n} ${show(v)}`, force }];
    },
  };
}

/** A setting with its own parse, show and rewrite (Redis' special configs: save, bind, ...). */
export function special<T>(def: T, o: Opts & { multiArg?: boolean }, f: Pick<Def<T>, "parse" | "show" | "rewrite">): Def<T> {
  return { ...common(o), multiArg: o.multiArg === true, default: def, ...f };
}

/** C's limits, as the table gives bounds. */
export const INT_MIN = "-2147483648";
export const INT_MAX = "2147483647";
export const UINT_MAX = "4294967295";
export const LONG_MAX = "9223372036854775807";
export const ULLONG_MAX = "18446744073709551615";
