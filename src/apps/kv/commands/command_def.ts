/**
 * How a command is declared: the shape of one entry of the command table
 * (command_table.ts builds the {@link CommandEntry} COMMAND INFO/DOCS
 * print from it). A type's file (`t_set.ts`, ...) exports its commands'
 * definitions as a `Record<string, Def>`, which the table merges in.
 *
 * @example
 * export const SET_DEFS: Record<string, Def> = {
 *   scard: { arity: 2, flags: "readonly fast", acl: "set", keys: [ks("RO", 1)], exec: scardCommand,
 *     group: "set", since: "1.0.0", complexity: "O(1)", summary: "Returns the number of members in a set.", args: "key:key" },
 * };
 */
import { type ExecContext, type Route } from "./command.js";
import { type Reply } from "../resp/reply.js";

/**
 * One key spec (Redis 7 key specifications). Where the search begins: at
 * `index`, or (`keyword`) after a word found from `startfrom` (negative:
 * counted from the end, searching backwards), or `unknown`. How keys are
 * found from there: a range (`lastkey`, `keystep`, `limit`, the common
 * case), `keynum` (a count at `keynumidx`, the first key at `firstkey`, as
 * ZUNIONSTORE's numkeys), or `unknown`.
 */
export interface KeySpec {
  readonly flags: readonly string[];
  readonly index: number;
  readonly lastkey: number;
  readonly keystep: number;
  readonly limit: number;
  readonly notes?: string;
  readonly keyword?: { readonly keyword: string; readonly startfrom: number };
  readonly keynum?: { readonly keynumidx: number; readonly firstkey: number; readonly keystep: number };
  /** begin_search and find_keys both `unknown` (SORT's BY/GET keys). */
  readonly unknown?: true;
}

/** A documented argument, as COMMAND DOCS prints it. */
export interface ArgDoc {
  readonly name: string;
  readonly type: string;
  readonly keySpecIndex?: number;
  readonly token?: string;
  readonly since?: string;
  readonly deprecatedSince?: string;
  readonly flags: readonly string[];
  readonly args?: readonly ArgDoc[];
}

export type Exec = (ctx: ExecContext, argv: readonly string[]) => Reply;

export interface Def {
  arity: number;
  flags?: string;
  acl?: string;
  tips?: string;
  keys?: KeySpec[];
  route?: Route;
  exec?: Exec;
  /** Where the keys are when the key specs cannot say (Redis' getkeys_proc: SORT's STORE); the specs otherwise. */
  getKeys?: (argv: readonly string[]) => KeyPosition[];
  /** This command line reads keys no key spec names (SORT ... BY/GET with patterns): the server then holds every shard while it runs. */
  readsUnknownKeys?: (argv: readonly string[]) => boolean;
  /** A blocking command (it calls `block`, blocking.ts): what to run again when `key`, one of those it waits on, is ready. */
  serveOn?: (argv: readonly string[], key: string) => string[];
  /** Whether this line of a blocking command may block (absent: always); the server holds the client's later commands only then. */
  blocks?: (argv: readonly string[]) => boolean;
  /** Run again (`serveOn`) also when its key is deleted or changes type, to report it (XREADGROUP); else such a waiter just waits on. */
  servedWhenGone?: true;
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  args?: string;
  deprecated?: [since: string, replacedBy: string];
  /** COMMAND DOCS' `syscmd` doc flag (internal commands such as PFDEBUG). */
  syscmd?: boolean;
  subcommands?: Record<string, Def>;
}

/** A key spec: flags "RW access update", begin index, range lastkey/step/limit. */
export function ks(flags: string, index = 1, lastkey = 0, keystep = 1, limit = 0, notes?: string): KeySpec {
  return notes === undefined
    ? { flags: flags.split(" "), index, lastkey, keystep, limit }
    : { flags: flags.split(" "), index, lastkey, keystep, limit, notes };
}

/** A key spec whose keys are counted: `ksKeynum("RO access", 2)` is ZUNIONSTORE's `numkeys key...` from index 2. */
export function ksKeynum(flags: string, index: number, keynumidx = 0, firstkey = 1, keystep = 1, notes?: string): KeySpec {
  return { ...ks(flags, index, 0, 1, 0, notes), keynum: { keynumidx, firstkey, keystep } };
}

/** A key spec that begins after a keyword: `ksKeyword("RO access", "STREAMS", 1, -1, 1, 2)` is XREAD's. */
export function ksKeyword(flags: string, keyword: string, startfrom: number, lastkey = 0, keystep = 1, limit = 0, notes?: string): KeySpec {
  return { ...ks(flags, 0, lastkey, keystep, limit, notes), keyword: { keyword, startfrom } };
}

/** A key spec Redis cannot describe (begin_search and find_keys `unknown`). */
export function ksUnknown(flags: string, notes?: string): KeySpec {
  return { ...ks(flags, 0, 0, 0, 0, notes), unknown: true };
}

/** Whether a spec is the plain index + range kind (the only kind the legacy first/last/step triple covers). */
export function isRangeSpec(spec: KeySpec): boolean {
  return spec.keyword === undefined && spec.keynum === undefined && spec.unknown !== true;
}

/**
 * The positions in `argv` (the command name at 0) of the keys the specs
 * name, with each spec's flags, as Redis' getKeysUsingKeySpecs: null when
 * argv does not fit them (a count beyond the arguments); `unknown` specs
 * and keywords not found give no keys.
 */
export function keyPositions(specs: readonly KeySpec[], argv: readonly string[]): { pos: number; flags: readonly string[] }[] | null {
  const argc = argv.length;
  const out: { pos: number; flags: readonly string[] }[] = [];
  for (const spec of specs) {
    if (spec.unknown === true) continue;
    let first = spec.index;
    if (spec.keyword !== undefined) {
      const { keyword, startfrom } = spec.keyword;
      const kw = keyword.toLowerCase();
      first = -1;
      if (startfrom >= 0) {
        for (let i = startfrom; i < argc; i++) if (argv[i]!.toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      } else {
        for (let i = argc + startfrom; i > 0; i--) if (argv[i]!.toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      }
      if (first < 0) continue;
    }
    if (spec.keynum !== undefined) {
      const { keynumidx, firstkey, keystep } = spec.keynum;
      const at = first + keynumidx;
      if (at >= argc) return null;
      const n = /^(0|[1-9][0-9]{0,9})$/.test(argv[at]!) ? Number(argv[at]) : -1;
      if (n <= 0) return null;
      const start = first + firstkey;
      const last = start + (n - 1) * keystep;
      if (last >= argc) return null;
      for (let i = 0; i < n; i++) out.push({ pos: start + i * keystep, flags: spec.flags });
      continue;
    }
    const last = spec.lastkey >= 0 ? first + spec.lastkey : spec.limit === 0 ? argc + spec.lastkey : first + Math.floor((argc - first) / spec.limit) + spec.lastkey;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += spec.keystep) out.push({ pos: i, flags: spec.flags });
  }
  return out;
}

/** A key's position in a command line and its key spec's flags. */
export interface KeyPosition {
  pos: number;
  flags: readonly string[];
}

/** Where a command line's keys are: its getKeys, else its key specs ({@link keyPositions}). */
export function commandKeys(cmd: KeyedCommand, argv: readonly string[]): KeyPosition[] | null {
  return cmd.getKeys !== undefined ? cmd.getKeys(argv) : keyPositions(cmd.keySpecs, argv);
}

/** What {@link commandKeys} needs of a command. */
export interface KeyedCommand {
  readonly keySpecs: readonly KeySpec[];
  readonly getKeys?: (argv: readonly string[]) => KeyPosition[];
}

/** The distinct keys a command line names, or null when argv does not fit its key specs. */
export function keysOf(cmd: KeyedCommand, argv: readonly string[]): string[] | null {
  const pos = commandKeys(cmd, argv);
  return pos === null ? null : [...new Set(pos.map((p) => argv[p.pos]!))];
}
