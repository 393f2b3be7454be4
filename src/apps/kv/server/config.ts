/**
 * The server's settings: one table (config_table.ts) of every Redis 7.0
 * directive and Agner's own. The same table parses config files (redis.conf
 * syntax, `include` too), environment variables (`AGNER_KV_PORT`),
 * command-line flags (`--port 6380`) and CONFIG GET / SET / REWRITE, so they
 * can never disagree on a name, a check or a format.
 *
 * @example
 * const c = Config.from({ file: "port 7000\nrequirepass s3cret\n", env: process.env, argv: ["--hz", "20"] });
 * c.get("port"); // 7000
 * c.configGet(["port", "h?"]); // [["port", "7000"], ["hz", "20"]]
 */
import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { KvError } from "../errors.js";
import { stringMatch } from "../commands/glob.js";
import { type Def } from "./config_defs.js";
import { splitConfigLine } from "./config_parse.js";
import { SETTINGS, type SettingName, type Settings } from "./config_table.js";

export { SETTINGS, AGNER_SETTINGS, type Settings, type SettingName, type Fsync } from "./config_table.js";
export type { OutputLimit, OutputLimits, SavePoint, ReplicaOf } from "./config_special.js";
export { NOTIFY, notifyFlags, notifyText } from "./config_special.js";
export type { Effect } from "./config_defs.js";
export { parseMemory, splitConfigLine } from "./config_parse.js";

/** A value that a setting refused; `detail` is Redis' text. */
export class ConfigError extends KvError {
  constructor(
    readonly setting: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`setting '${setting}': ${detail}`, options);
  }
}

const NAMES = Object.keys(SETTINGS) as SettingName[];
const def = (n: SettingName): Def<unknown> => SETTINGS[n] as Def<unknown>;
/** Every name CONFIG knows (aliases too), lower case, to its setting. */
const LOOKUP = new Map<string, SettingName>();
for (const n of NAMES) {
  LOOKUP.set(n, n);
  const a = def(n).alias;
  if (a !== undefined) LOOKUP.set(a, n);
}

/** The setting a (case-insensitive) name or alias refers to, or undefined. */
export function settingName(name: string): SettingName | undefined {
  return LOOKUP.get(name.toLowerCase());
}

/** Directives Redis 7.0 reads and ignores (deprecated), with their word counts. */
const DEPRECATED: Record<string, number> = { "list-max-ziplist-entries": 2, "list-max-ziplist-value": 2, "lua-replicate-commands": 2 };

/** Where a value came from, for the startup report and error messages. */
export type Source = "default" | "file" | "env" | "flag" | "runtime";

/** Config-file directives that are not settings: kept as read (CONFIG REWRITE leaves their lines). */
export interface FileDirectives {
  /** `rename-command NAME NEW` pairs. */
  renameCommand: [string, string][];
  /** `user ...` lines (ACL users), as words. */
  user: string[][];
  /** `loadmodule PATH ARGS...`. */
  loadmodule: string[][];
  /** `module.setting value` lines. */
  moduleConfig: string[][];
  /** `sentinel ...` lines. */
  sentinel: string[][];
  /** The files read through `include`. */
  include: string[];
}

/**
 * The live settings of one server. CONFIG SET goes through {@link configSet},
 * which calls the listeners registered with {@link onChange} (e.g. the
 * listener supervisor rebinds on `port`).
 */
export class Config {
  private readonly values: Settings;
  private readonly sources = new Map<SettingName, Source>();
  private readonly watchers: ((name: SettingName) => void)[] = [];
  private loading = false;
  readonly directives: FileDirectives = { renameCommand: [], user: [], loadmodule: [], moduleConfig: [], sentinel: [], include: [] };

  constructor(initial: Partial<Settings> = {}) {
    const v: Record<string, unknown> = {};
    for (const n of NAMES) v[n] = structuredClone(def(n).default);
    this.values = Object.assign(v, initial) as unknown as Settings;
  }

  /**
   * Reads the sources in increasing precedence: defaults, then the config
   * file, then environment variables, then command-line flags.
   */
  static from(opts: { file?: string; fileName?: string; env?: Record<string, string | undefined>; argv?: string[] } = {}): Config {
    const c = new Config();
    c.load(() => {
      if (opts.file !== undefined) c.loadFile(opts.file, opts.fileName ?? "config file");
      if (opts.env !== undefined) c.loadEnv(opts.env);
      if (opts.argv !== undefined) c.loadArgs(opts.argv);
    });
    return c;
  }

  /** Runs the loading of files, environment and flags: save lines add up while it runs, as in Redis. */
  load(f: () => void): void {
    this.loading = true;
    try {
      f();
    } finally {
      this.loading = false;
    }
  }

  get<K extends SettingName>(name: K): Settings[K] {
    return this.values[name];
  }

  source(name: SettingName): Source {
    return this.sources.get(name) ?? "default";
  }

  /**
   * Parses and sets one setting from the words after its name, as a
   * redis.conf line does (one word each, except multi-word settings, whose
   * one word is split as a line); throws ConfigError.
   */
  setWords(name: string, words: string[], source: Source): SettingName {
    const n = settingName(name);
    if (n === undefined) throw new ConfigError(name, "Bad directive or wrong number of arguments");
    const d = def(n);
    let w = words;
    if (!d.multiArg && w.length !== 1) throw new ConfigError(n, "wrong number of arguments");
    if (d.multiArg && w.length === 1 && w[0] !== "") {
      const split = splitConfigLine(w[0]!);
      if (split === undefined) throw new ConfigError(n, "Unbalanced quotes in configuration line");
      w = split;
    }
    // While loading, save lines add up, but the first one drops the default save points (Redis' save_loaded).
    const fresh = n === "save" && (this.sources.get(n) ?? "default") === "default";
    this.assign(n, this.parse(n, w, fresh ? [] : this.values[n]), source);
    return n;
  }

  private parse(n: SettingName, words: string[], prev: unknown): unknown {
    try {
      return def(n).parse(words, prev as never, this.loading);
    } catch (e) {
      if (typeof e === "string") throw new ConfigError(n, e);
      throw e;
    }
  }

  private assign(n: SettingName, value: unknown, source: Source): void {
    (this.values as Record<string, unknown>)[n] = value;
    this.sources.set(n, source);
  }

  /**
   * redis.conf syntax: `name value...` per line, `#` comments, quoted words;
   * `include FILE` (a glob: every match, none is fine), and the directives
   * that are not settings (rename-command, user, loadmodule, sentinel,
   * module settings), kept in {@link directives}.
   */
  loadFile(textIn: string, fileName = "config file"): void {
    textIn.split("\n").forEach((raw, i) => {
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
      if (line === "" || line.startsWith("#")) return;
      const where = `${fileName}:${i + 1}`;
      const words = splitConfigLine(line);
      if (words === undefined) throw new ConfigError(where, "Unbalanced quotes in configuration line");
      if (words.length === 0) return;
      const [name, ...args] = words as [string, ...string[]];
      try {
        if (!this.fileDirective(name.toLowerCase(), args, fileName)) this.setWords(name, args, "file");
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(`${where} '${name}'`, e.detail);
        throw e;
      }
    });
  }

  /** A directive of config files only; false when `name` is a setting (or unknown). */
  private fileDirective(name: string, args: string[], fileName: string): boolean {
    if (LOOKUP.has(name)) return false;
    const d = this.directives;
    if (DEPRECATED[name] === args.length + 1) return true;
    if (name === "include" && args.length === 1) {
      for (const f of expandInclude(args[0]!, fileName)) {
        d.include.push(f);
        this.loadFile(readFileSync(f, "utf8"), f);
      }
    } else if (name === "rename-command" && args.length === 2) d.renameCommand.push([args[0]!, args[1]!]);
    else if (name === "user" && args.length >= 1) d.user.push(args);
    else if (name === "loadmodule" && args.length >= 1) d.loadmodule.push(args);
    else if (name.includes(".")) {
      if (args.length < 1) throw new ConfigError(name, "Module config specified without value");
      d.moduleConfig.push([name, ...args]);
    } else if (name === "sentinel") {
      if (args.length > 0) throw new ConfigError(name, "sentinel directive while not in sentinel mode");
      d.sentinel.push(args);
    } else return false;
    return true;
  }

  /** `AGNER_KV_PORT=7000`, `AGNER_KV_CLIENT_OUTPUT_BUFFER_LIMIT="normal 0 0 0"` (a config-file value). */
  loadEnv(env: Record<string, string | undefined>): void {
    for (const n of NAMES) {
      const v = env[envName(n)];
      if (v !== undefined) this.setWords(n, [v], "env");
    }
  }

  /**
   * `--port 7000 --requirepass x --bind 127.0.0.1 ::1` (redis-server's
   * style: a flag takes the words up to the next `--`, as a config-file
   * line). Unknown flags throw.
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
      if (!this.fileDirective(name.toLowerCase(), words, "command line")) this.setWords(name, words, "flag");
    }
  }

  /**
   * CONFIG GET: the settings matching each pattern (glob, case-insensitive;
   * aliases are listed under their own names; hidden settings only by exact
   * name), once each. An exact name is answered under the name as asked.
   */
  configGet(patterns: string[]): [string, string][] {
    const out = new Map<string, string>();
    for (const pattern of patterns) {
      if (!/[[*?]/.test(pattern)) {
        const n = settingName(pattern);
        if (n !== undefined && !out.has(pattern)) out.set(pattern, this.show(n));
        continue;
      }
      for (const [name, n] of LOOKUP) {
        if (def(n).hidden || out.has(name)) continue;
        if (stringMatch(pattern, name, true)) out.set(name, this.show(n));
      }
    }
    return [...out];
  }

  /** The CONFIG GET text of a setting. */
  show(n: SettingName): string {
    return def(n).show(this.values[n]);
  }

  /**
   * CONFIG SET of name/value pairs, all or nothing, with Redis' checks in
   * Redis' order: unknown names, fixed or protected settings, duplicates,
   * then each value. On an error nothing changes and Redis' error text is
   * thrown as a string. `local`: the client is on loopback (for
   * `enable-protected-configs local`).
   */
  configSet(pairs: [string, string][], opts: { local?: boolean } = {}): SettingName[] {
    const fail = (arg: string, why: string) => `ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}`;
    let early: string | undefined;
    const seen = new Set<string>();
    for (const [name] of pairs) {
      const n = settingName(name);
      if (n === undefined) {
        early ??= `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
        continue;
      }
      if (early !== undefined) continue;
      const d = def(n);
      const prot = this.values["enable-protected-configs"];
      if (!d.mutable) early = fail(name, "can't set immutable config");
      else if (d.protected && !(prot === "yes" || (prot === "local" && opts.local === true))) early = fail(name, "can't set protected config");
      else if (seen.has(name.toLowerCase())) early = fail(name, "duplicate parameter");
      seen.add(name.toLowerCase());
    }
    if (early !== undefined) throw early;
    const staged = new Map<SettingName, unknown>();
    for (const [name, value] of pairs) {
      const n = settingName(name)!;
      // A multi-word value is split on single spaces, as Redis' sdssplitlen (an empty value: no words).
      const words = def(n).multiArg ? (value === "" ? [] : value.split(" ")) : [value];
      try {
        staged.set(n, def(n).parse(words, (staged.has(n) ? staged.get(n) : this.values[n]) as never, false));
      } catch (e) {
        if (typeof e === "string") throw fail(name.toLowerCase(), e);
        throw e;
      }
    }
    for (const [n, v] of staged) this.assign(n, v, "runtime");
    for (const n of staged.keys()) for (const w of this.watchers) w(n);
    return [...staged.keys()];
  }

  /** Calls `f` after CONFIG SET changed a setting. */
  onChange(f: (name: SettingName) => void): void {
    this.watchers.push(f);
  }

  /**
   * What was given (file, environment, flags) that has no effect here: the
   * settings whose effect is not `applied`, and the config-file directives
   * that are not applied (rename-command, loadmodule, module settings,
   * sentinel). For the one line the server prints at start.
   */
  notApplied(): string[] {
    const out: string[] = NAMES.filter((n) => this.sources.has(n) && def(n).effect !== "applied");
    const d = this.directives;
    for (const [k, v] of [["rename-command", d.renameCommand], ["loadmodule", d.loadmodule], ["sentinel", d.sentinel]] as const) if (v.length > 0) out.push(k);
    for (const m of d.moduleConfig) out.push(m[0]!);
    return out;
  }

  /** The settings as a redis.conf text (every setting, for docs and tests; CONFIG REWRITE is config_rewrite.ts). */
  toFile(): string {
    return NAMES.filter((n) => def(n).rewrite(n, this.values[n] as never) !== null)
      .flatMap((n) => def(n).rewrite(n, this.values[n] as never)!.map((l) => l.line))
      .join("\n") + "\n";
  }
}

/** `include` of a glob pattern (`*`, `?`, `[...]` in the file name): every match, sorted; none is fine. A relative path is from the working directory, as Redis'. */
function expandInclude(pattern: string, _from: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const base = basename(pattern);
  return names
    .filter((f) => !f.startsWith(".") && stringMatch(base, f, false))
    .sort()
    .map((f) => resolve(join(dir, f)));
}

/** The environment variable of a setting: `AGNER_KV_` + upper case, dashes as underscores. */
export function envName(n: SettingName): string {
  return `AGNER_KV_${n.toUpperCase().replace(/-/g, "_")}`;
}

/** Every setting name, in table order. */
export const SETTING_NAMES: readonly SettingName[] = NAMES;
