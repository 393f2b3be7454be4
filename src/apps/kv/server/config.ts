/**
 * The server's settings: one table of every setting with its redis.conf
 * name, type, default and whether CONFIG SET may change it at run time.
 * The same table parses config files (redis.conf syntax), environment
 * variables (`AGNER_KV_PORT`), command-line flags (`--port 6380`) and
 * CONFIG GET / CONFIG SET, so the four can never disagree on a name or a
 * format. Values are kept in Redis' CONFIG GET text form's parsed shape
 * (numbers in bytes, booleans as `yes`/`no` on the way out).
 *
 * @example
 * const c = Config.from({ file: "port 7000\nrequirepass s3cret\n", env: process.env, argv: ["--hz", "20"] });
 * c.get("port"); // 7000
 * c.configGet(["port", "h*"]); // [["port", "7000"], ["hz", "20"]]
 */
import { KvError } from "../errors.js";

/** How the output of one client class is bounded (Redis' `client-output-buffer-limit`). */
export interface OutputLimit {
  /** Bytes; 0 = none. Over it the client is closed at once. */
  hard: number;
  /** Bytes; 0 = none. Over it for `softSeconds` the client is closed. */
  soft: number;
  softSeconds: number;
}

export type Fsync = "always" | "everysec" | "no";

/** Every setting, by its redis.conf name, with its parsed type. */
export interface Settings {
  port: number;
  bind: string[];
  "protected-mode": boolean;
  requirepass: string;
  maxclients: number;
  timeout: number;
  "tcp-keepalive": number;
  "tcp-backlog": number;
  databases: number;
  hz: number;
  appendonly: boolean;
  appendfsync: Fsync;
  appendfilename: string;
  appenddirname: string;
  dir: string;
  /** Redis': a torn last record of the append-only file is cut off at start (no: refuse to start). */
  "aof-load-truncated": boolean;
  /** Redis': rewrite the append-only file once it grew by this many percent over its size after the last rewrite (0: never). */
  "auto-aof-rewrite-percentage": number;
  /** Redis': ... and is at least this big (bytes). */
  "auto-aof-rewrite-min-size": number;
  save: string;
  "proto-max-bulk-len": number;
  "client-query-buffer-limit": number;
  "client-output-buffer-limit": Record<"normal" | "replica" | "pubsub", OutputLimit>;
  loglevel: "debug" | "verbose" | "notice" | "warning";
  /** Agner: how many shard processes hold the keys (a power of two). */
  shards: number;
  /** Agner: the Erlang node name the server runs as. */
  "node-name": string;
  /** Agner: make the server an Erlang node at start (so `iex` can call `kv`). */
  distribution: boolean;
  /** Agner: the node's magic cookie; empty = Erlang's lookup (AGNER_COOKIE, then ~/.erlang.cookie). */
  cookie: string;
  /** Agner: connect to other nodes as a hidden node (not in their `Node.list()`; no `global` sync). */
  "node-hidden": boolean;
  /** Agner: the distribution listen address (erl's inet_dist_use_interface; `0.0.0.0` or `::`: every interface). */
  "dist-bind": string;
  /** Agner: the distribution listen port range (erl's inet_dist_listen_min/max): 0 = any free port. */
  "dist-listen-min": number;
  /** Agner: ... its last port (0 = dist-listen-min). */
  "dist-listen-max": number;
  /** Agner: serve the memcached text protocol too (on the same data, database 0). */
  memcached: boolean;
  /** Agner: the memcached port (0 picks a free one). */
  "memcached-port": number;
  /** Agner: the memcached listen addresses. */
  "memcached-bind": string[];
  /** Agner: memcached's item_size_max (`-I`): key + value + 59 bytes at most. */
  "memcached-item-size-max": number;
}

export type SettingName = keyof Settings;

/** A value that a setting refused; `message` is Redis' text after "argument". */
export class ConfigError extends KvError {
  constructor(
    readonly setting: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`setting '${setting}': ${detail}`, options);
  }
}

interface Def<K extends SettingName> {
  readonly default: Settings[K];
  /** False: CONFIG SET answers "can't set immutable config" (file, env and flags still set it). */
  readonly mutable: boolean;
  /** Parses the words after the name; throws ConfigError's detail text as a string. */
  parse(words: string[]): Settings[K];
  /** The CONFIG GET text. */
  show(v: Settings[K]): string;
  /** Other names accepted for it (Redis' aliases). */
  readonly alias?: string;
}

function one(words: string[]): string {
  if (words.length !== 1) throw "wrong number of arguments";
  return words[0]!;
}

const INT64_MAX = "9223372036854775807";

function int(min: number, max: number, maxText = String(max)): (w: string[]) => number {
  return (words) => {
    const s = one(words);
    if (!/^-?\d+$/.test(s)) throw "argument couldn't be parsed into an integer";
    const n = Number(s);
    if (n < min || n > max) throw `argument must be between ${min} and ${maxText} inclusive`;
    return n;
  };
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/** Redis' memtoull: `512mb`, `1gb`, `100k` (case-insensitive). */
export function parseMemory(s: string): number | undefined {
  const m = /^(\d+)([a-z]*)$/i.exec(s);
  if (m === null) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

function memory(min: number): (w: string[]) => number {
  return (words) => {
    const n = parseMemory(one(words));
    if (n === undefined) throw "argument must be a memory value";
    if (n < min) throw `argument must be between ${min} and ${INT64_MAX} inclusive`;
    return n;
  };
}

function memoryRange(min: number, max: number): (w: string[]) => number {
  return (words) => {
    const n = memory(min)(words);
    if (n > max) throw `argument must be between ${min} and ${max} inclusive`;
    return n;
  };
}

/** One string with spaces (CONFIG SET "a b") or the words themselves (redis.conf, flags). */
function addresses(words: string[]): string[] {
  const addrs = (words.length === 1 ? words[0]!.trim().split(/\s+/) : words).filter((a) => a !== "");
  if (addrs.length === 0) throw "Too many bind addresses specified.";
  return addrs;
}

function bool(words: string[]): boolean {
  const s = one(words).toLowerCase();
  if (s === "yes") return true;
  if (s === "no") return false;
  throw "argument must be 'yes' or 'no'";
}

function oneOf<T extends string>(...values: T[]): (w: string[]) => T {
  return (words) => {
    const s = one(words).toLowerCase() as T;
    if (!values.includes(s)) throw `argument(s) must be one of the following: ${values.join(", ")}`;
    return s;
  };
}

const text = (words: string[]): string => one(words);
const showBool = (b: boolean): string => (b ? "yes" : "no");
const showNum = (n: number): string => String(n);
const showText = (s: string): string => s;

const CLASSES = ["normal", "replica", "pubsub"] as const;

function parseOutputLimits(words: string[], base: Settings["client-output-buffer-limit"]): Settings["client-output-buffer-limit"] {
  // One string with spaces (CONFIG SET "normal 0 0 0") or the words themselves (redis.conf).
  const w = words.length === 1 ? words[0]!.trim().split(/\s+/) : words;
  if (w.length === 0 || w.length % 4 !== 0) throw "Wrong number of arguments in buffer limit configuration.";
  const out = { ...base };
  for (let i = 0; i < w.length; i += 4) {
    let cls = w[i]!.toLowerCase();
    if (cls === "slave") cls = "replica";
    if (!(CLASSES as readonly string[]).includes(cls)) throw "Invalid client class specified in buffer limit configuration.";
    const hard = parseMemory(w[i + 1]!);
    const soft = parseMemory(w[i + 2]!);
    const secs = /^\d+$/.test(w[i + 3]!) ? Number(w[i + 3]) : undefined;
    if (hard === undefined || soft === undefined || secs === undefined) throw "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    out[cls as (typeof CLASSES)[number]] = { hard, soft, softSeconds: secs };
  }
  return out;
}

const DEFAULT_OUTPUT: Settings["client-output-buffer-limit"] = {
  // Redis leaves normal clients unbounded; a client that never reads must not take the node's memory.
  normal: { hard: 256 * 1024 ** 2, soft: 64 * 1024 ** 2, softSeconds: 60 },
  replica: { hard: 256 * 1024 ** 2, soft: 64 * 1024 ** 2, softSeconds: 60 },
  pubsub: { hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, softSeconds: 60 },
};

type Defs = { [K in SettingName]: Def<K> };

/** The settings table, in CONFIG GET's order of listing. */
export const SETTINGS: Defs = {
  port: { default: 6380, mutable: true, parse: int(0, 65535), show: showNum },
  bind: { default: ["127.0.0.1"], mutable: true, parse: addresses, show: (a) => a.join(" ") },
  "protected-mode": { default: true, mutable: true, parse: bool, show: showBool },
  requirepass: { default: "", mutable: true, parse: text, show: showText },
  maxclients: { default: 10000, mutable: true, parse: int(1, 2 ** 31 - 1), show: showNum },
  timeout: { default: 0, mutable: true, parse: int(0, 2 ** 31 - 1), show: showNum },
  "tcp-keepalive": { default: 300, mutable: true, parse: int(0, 2 ** 31 - 1), show: showNum },
  "tcp-backlog": { default: 511, mutable: false, parse: int(0, 2 ** 31 - 1), show: showNum },
  databases: { default: 16, mutable: false, parse: int(16, 16), show: showNum },
  hz: {
    default: 10,
    mutable: true,
    // Redis clamps to 1..500 instead of refusing.
    parse: (w) => Math.min(500, Math.max(1, int(-(2 ** 31), 2 ** 31 - 1)(w))),
    show: showNum,
  },
  appendonly: { default: false, mutable: true, parse: bool, show: showBool },
  appendfsync: { default: "everysec", mutable: true, parse: oneOf<Fsync>("everysec", "always", "no"), show: showText },
  appendfilename: { default: "appendonly.aof", mutable: false, parse: text, show: showText },
  appenddirname: { default: "appendonlydir", mutable: false, parse: text, show: showText },
  dir: { default: "./data", mutable: true, parse: text, show: showText },
  "aof-load-truncated": { default: true, mutable: true, parse: bool, show: showBool },
  "auto-aof-rewrite-percentage": { default: 100, mutable: true, parse: int(0, 2 ** 31 - 1), show: showNum },
  "auto-aof-rewrite-min-size": { default: 64 * 1024 ** 2, mutable: true, parse: memory(0), show: showNum },
  save: {
    default: "",
    mutable: true,
    // There are no RDB snapshots: only "" (no save points) is accepted, so `--save ''` works.
    parse: (w) => {
      if (w.length === 1 && w[0] === "") return "";
      throw "RDB snapshots are not supported (use appendonly)";
    },
    show: showText,
  },
  "proto-max-bulk-len": { default: 512 * 1024 ** 2, mutable: true, parse: memory(1024 * 1024), show: showNum },
  "client-query-buffer-limit": { default: 1024 ** 3, mutable: true, parse: memory(1024 * 1024), show: showNum },
  "client-output-buffer-limit": {
    default: DEFAULT_OUTPUT,
    mutable: true,
    parse: (w) => parseOutputLimits(w, DEFAULT_OUTPUT),
    show: (l) => CLASSES.map((c) => `${c === "replica" ? "slave" : c} ${l[c].hard} ${l[c].soft} ${l[c].softSeconds}`).join(" "),
  },
  loglevel: { default: "notice", mutable: true, parse: oneOf("debug", "verbose", "notice", "warning"), show: showText },
  shards: {
    // 2: measured (docs/kv_server.md, "Shards"): nearly one shard's cost per request, twice the keys per database.
    default: 2,
    mutable: false,
    parse: (w) => {
      const n = int(1, 1024)(w);
      if ((n & (n - 1)) !== 0) throw "argument must be a power of two";
      return n;
    },
    show: showNum,
  },
  "node-name": { default: "agner@localhost", mutable: false, parse: text, show: showText },
  distribution: { default: true, mutable: false, parse: bool, show: showBool },
  cookie: { default: "", mutable: false, parse: text, show: showText },
  "node-hidden": { default: true, mutable: false, parse: bool, show: showBool },
  "dist-bind": { default: "127.0.0.1", mutable: false, parse: text, show: showText },
  "dist-listen-min": { default: 0, mutable: false, parse: int(0, 65535), show: showNum },
  "dist-listen-max": { default: 0, mutable: false, parse: int(0, 65535), show: showNum },
  memcached: { default: true, mutable: false, parse: bool, show: showBool },
  "memcached-port": { default: 11212, mutable: false, parse: int(0, 65535), show: showNum },
  "memcached-bind": { default: ["127.0.0.1"], mutable: false, parse: addresses, show: (a) => a.join(" ") },
  // memcached's -I range (1k..1024m), capped at the longest JS string.
  "memcached-item-size-max": { default: 1024 * 1024, mutable: true, parse: memoryRange(1024, 2 ** 29 - 24), show: showNum },
};

const NAMES = Object.keys(SETTINGS) as SettingName[];
const ALIASES: Record<string, SettingName> = {};
for (const n of NAMES) {
  const a = (SETTINGS[n] as Def<SettingName>).alias;
  if (a) ALIASES[a] = n;
}

/** The setting a (case-insensitive) name refers to, or undefined. */
export function settingName(name: string): SettingName | undefined {
  const n = name.toLowerCase();
  return (SETTINGS as Record<string, unknown>)[n] !== undefined ? (n as SettingName) : ALIASES[n];
}

/** Splits a redis.conf line into words, with its quoting rules ("a b", 'c', \n escapes). */
export function splitConfigLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    let cur = "";
    const q = line[i];
    if (q === '"' || q === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (q === '"' && c === "\\" && i + 1 < n) {
          const e = line[i + 1]!;
          const hex = /^x[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 4));
          if (hex) {
            cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          cur += ({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" } as Record<string, string>)[e] ?? e;
          i += 2;
          continue;
        }
        if (c === q) {
          closed = true;
          i++;
          break;
        }
        cur += c;
        i++;
      }
      // A closing quote must be followed by a space or the end (as sdssplitargs requires).
      if (!closed || (i < n && !/\s/.test(line[i]!))) return undefined;
    } else {
      while (i < n && !/\s/.test(line[i]!)) cur += line[i++];
    }
    out.push(cur);
  }
}

/** Where a value came from, for the startup banner and error messages. */
export type Source = "default" | "file" | "env" | "flag" | "runtime";

/**
 * The live settings of one server. CONFIG SET goes through {@link set}, which
 * calls the listeners registered with {@link onChange} (e.g. the listener
 * supervisor rebinds on `port`).
 */
export class Config {
  private readonly values: Settings;
  private readonly sources = new Map<SettingName, Source>();
  private readonly watchers: ((name: SettingName) => void)[] = [];

  constructor(initial: Partial<Settings> = {}) {
    const v: Record<string, unknown> = {};
    for (const n of NAMES) v[n] = structuredClone(SETTINGS[n].default);
    this.values = Object.assign(v, initial) as unknown as Settings;
  }

  /**
   * Reads the sources in increasing precedence: defaults, then the config
   * file, then environment variables, then command-line flags.
   */
  static from(opts: { file?: string; fileName?: string; env?: Record<string, string | undefined>; argv?: string[] } = {}): Config {
    const c = new Config();
    if (opts.file !== undefined) c.loadFile(opts.file, opts.fileName ?? "config file");
    if (opts.env !== undefined) c.loadEnv(opts.env);
    if (opts.argv !== undefined) c.loadArgs(opts.argv);
    return c;
  }

  get<K extends SettingName>(name: K): Settings[K] {
    return this.values[name];
  }

  source(name: SettingName): Source {
    return this.sources.get(name) ?? "default";
  }

  /** Parses and sets one setting from its words; throws ConfigError. */
  setWords(name: string, words: string[], source: Source): SettingName {
    const n = settingName(name);
    if (n === undefined) throw new ConfigError(name, "unknown setting");
    const value = this.parse(n, words);
    this.assign(n, value, source);
    return n;
  }

  private parse<K extends SettingName>(n: K, words: string[]): Settings[K] {
    try {
      return (SETTINGS[n] as Def<K>).parse(words);
    } catch (e) {
      if (typeof e === "string") throw new ConfigError(n, e);
      throw e;
    }
  }

  private assign<K extends SettingName>(n: K, value: Settings[K], source: Source): void {
    this.values[n] = value;
    this.sources.set(n, source);
  }

  /** redis.conf syntax: `name value...` per line, `#` comments, quoted words. */
  loadFile(textIn: string, fileName = "config file"): void {
    const lines = textIn.split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const words = splitConfigLine(line);
      const where = `${fileName}:${i + 1}`;
      if (words === undefined) throw new ConfigError(where, "unbalanced quotes in configuration line");
      const [name, ...args] = words;
      try {
        this.setWords(name!, args, "file");
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`${where} '${name}'`, e.detail);
        throw e;
      }
    });
  }

  /** `AGNER_KV_PORT=7000`, `AGNER_KV_CLIENT_OUTPUT_BUFFER_LIMIT="normal 0 0 0"`. */
  loadEnv(env: Record<string, string | undefined>): void {
    for (const n of NAMES) {
      const v = env[envName(n)];
      if (v !== undefined) this.setWords(n, [v], "env");
    }
  }

  /**
   * `--port 7000 --requirepass x --bind 127.0.0.1 ::1` (redis-server's
   * style: a flag takes the words up to the next `--`). Unknown flags throw.
   */
  loadArgs(argv: string[]): void {
    for (let i = 0; i < argv.length; ) {
      const a = argv[i]!;
      if (!a.startsWith("--")) throw new ConfigError(a, "expected a --flag");
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const words: string[] = eq > 0 ? [a.slice(eq + 1)] : [];
      i++;
      if (eq < 0) while (i < argv.length && !argv[i]!.startsWith("--")) words.push(argv[i++]!);
      if (words.length === 0) words.push(""); // `--save` with nothing: the empty value
      this.setWords(name, words, "flag");
    }
  }

  /** CONFIG GET: every setting matching one of the glob patterns, once each, in table order. */
  configGet(patterns: string[], match: (pattern: string, name: string) => boolean): [string, string][] {
    const out: [string, string][] = [];
    for (const n of NAMES) {
      if (patterns.some((p) => match(p.toLowerCase(), n))) out.push([n, this.show(n)]);
    }
    return out;
  }

  show(n: SettingName): string {
    return (SETTINGS[n] as Def<SettingName>).show(this.values[n] as never);
  }

  /**
   * CONFIG SET of name/value pairs, all or nothing: on an error nothing
   * changes and the Redis error text is thrown as a string.
   */
  configSet(pairs: [string, string][]): SettingName[] {
    const staged = new Map<SettingName, unknown>();
    for (const [name, value] of pairs) {
      const n = settingName(name);
      if (n === undefined) throw `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      const fail = (why: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`;
      if (staged.has(n)) throw fail("duplicate parameter");
      if (!SETTINGS[n].mutable) throw fail("can't set immutable config");
      try {
        staged.set(n, this.parse(n, [value]));
      } catch (e) {
        if (e instanceof ConfigError) throw fail(e.detail);
        throw e;
      }
    }
    for (const [n, v] of staged) this.assign(n, v as never, "runtime");
    for (const n of staged.keys()) for (const w of this.watchers) w(n);
    return [...staged.keys()];
  }

  /** Calls `f` after CONFIG SET changed a setting. */
  onChange(f: (name: SettingName) => void): void {
    this.watchers.push(f);
  }

  /** The settings as a redis.conf text (CONFIG REWRITE's idea; used in docs and tests). */
  toFile(): string {
    return NAMES.map((n) => `${n} ${quoteWord(this.show(n))}`).join("\n") + "\n";
  }
}

/** The environment variable of a setting: `AGNER_KV_` + upper case, dashes as underscores. */
export function envName(n: SettingName): string {
  return `AGNER_KV_${n.toUpperCase().replace(/-/g, "_")}`;
}

function quoteWord(s: string): string {
  return s === "" || /[\s"'\\]/.test(s) ? `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : s;
}

/** Every setting name, in table order. */
export const SETTING_NAMES: readonly SettingName[] = NAMES;
