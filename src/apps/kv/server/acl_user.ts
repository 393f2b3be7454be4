/**
 * Redis 7.0's ACL users (acl.c): a user's flags (on/off, nopass,
 * sanitize-payload), its password hashes (SHA-256, hex), and its selectors:
 * the root one, whose rules are written outside parentheses, then any
 * `(...)` selectors. A selector allows commands (as Redis' bitmap: a set of
 * full names, `get`, `config|get`, plus the reserved "future commands" bit
 * that `+@all` sets), first arguments of otherwise denied commands
 * (`+select|0`), key patterns with read/write permissions (`~p`, `%R~p`,
 * `%W~p`) and channel patterns (`&p`). A user may run a command when any of
 * its selectors allows it, its keys and its channels.
 *
 * The rules are applied and described as acl.c does them (ACLSetSelector,
 * ACLSetUser, ACLDescribeSelectorCommandRules), so ACL LIST and ACL GETUSER
 * print what redis-server prints; only the order of single-command rules
 * at the end of a description follows this server's command table where
 * Redis follows its hash table's order.
 */
import { CMD } from "../commands/command_table.js";
import { createHash } from "node:crypto";
import { ACL_ORDER, COMMANDS, type CommandEntry, lookupByFullname } from "../commands/command_table.js";
import { commandKeys } from "../commands/command_def.js";
import { stringMatch } from "../commands/glob.js";

export const KEY_READ = 1;
export const KEY_WRITE = 2;
export const KEY_ALL = 3;

/** acl.c's errno for a rule it refuses (see {@link ruleError}). */
export type RuleErrno = "ENOENT" | "EINVAL" | "EEXIST" | "EISDIR" | "ENODEV" | "EBADMSG" | "ECHILD" | "EALREADY";

/** ACLSetUserStringError: the text of a refused rule. */
export function ruleError(e: RuleErrno): string {
  switch (e) {
    case "ENOENT":
      return "Unknown command or category name in ACL";
    case "EINVAL":
      return "Syntax error";
    case "EEXIST":
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case "EISDIR":
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case "ENODEV":
      return "The password you are trying to remove from the user does not exist";
    case "EBADMSG":
      return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    case "EALREADY":
      return "Duplicate user found. A user can only be defined once in config files";
    case "ECHILD":
      return "Allowing first-arg of a subcommand is not supported";
  }
}

/** Every command, each container followed by its subcommands (the order rules are described in). */
let allCommands: CommandEntry[] | null = null;
export function everyCommand(): readonly CommandEntry[] {
  if (allCommands !== null) return allCommands;
  const out: CommandEntry[] = [];
  for (const c of COMMANDS.values()) {
    out.push(c);
    if (c.subcommands !== null) for (const s of c.subcommands.values()) out.push(s);
  }
  return (allCommands = out);
}

/** SHA-256 of a (latin1) password, in lower-case hex: what a user keeps. */
export function hashPassword(pass: string): string {
  return createHash("sha256").update(Buffer.from(pass, "latin1")).digest("hex");
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/** ACLStringHasSpaces: isspace or NUL anywhere. */
export function hasSpaces(s: string): boolean {
  return /[ \t\n\v\f\r\0]/.test(s);
}

/** Lower-case ASCII comparison (strcasecmp). */
function is(op: string, word: string): boolean {
  return op.length === word.length && op.toLowerCase() === word;
}

export interface KeyPattern {
  readonly pattern: string;
  flags: number;
}

export function patternString(p: KeyPattern): string {
  return (p.flags === KEY_ALL ? "~" : p.flags === KEY_READ ? "%R~" : "%W~") + p.pattern;
}

/** One selector: the commands, keys and channels it allows. */
export class Selector {
  allKeys = false;
  allChannels: boolean;
  /** SELECTOR_FLAG_ALLCOMMANDS: set by +@all, cleared by any command taken away. */
  allCommands = false;
  /** Redis' reserved bit: the rules began with +@all (future commands allowed): descriptions start `+@all`. */
  future = false;
  readonly allowed = new Set<string>();
  /** Allowed first arguments of commands otherwise denied, by full name. */
  firstArgs: Map<string, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly root: boolean,
    pubsubDefaultAll: boolean,
  ) {
    this.allChannels = pubsubDefaultAll;
  }

  copy(): Selector {
    const s = new Selector(this.root, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.future = this.future;
    for (const c of this.allowed) s.allowed.add(c);
    if (this.firstArgs !== null) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => ({ pattern: p.pattern, flags: p.flags }));
    s.channels = [...this.channels];
    return s;
  }

  private setBit(name: string, on: boolean): void {
    if (on) this.allowed.add(name);
    else {
      this.allowed.delete(name);
      this.allCommands = false;
    }
  }

  /** ACLChangeSelectorPerm: a command, and a container's subcommands with it. */
  changePerm(cmd: CommandEntry, on: boolean): void {
    this.setBit(cmd.fullname, on);
    this.firstArgs?.delete(cmd.fullname);
    if (cmd.subcommands !== null) for (const s of cmd.subcommands.values()) this.setBit(s.fullname, on);
  }

  /** ACLSetSelectorCommandBitsForCategory (the category known). */
  changeCategory(cat: string, on: boolean): void {
    for (const c of COMMANDS.values()) {
      if (c.acl.includes(cat)) this.changePerm(c, on);
      if (c.subcommands !== null) for (const s of c.subcommands.values()) if (s.acl.includes(cat)) this.changePerm(s, on);
    }
  }

  private setAll(on: boolean): void {
    this.allowed.clear();
    if (on) for (const c of everyCommand()) this.allowed.add(c.fullname);
    this.allCommands = on;
    this.future = on;
    this.firstArgs = null;
  }

  /** ACLSetSelector: one rule; null when applied, else why not. */
  apply(op: string): RuleErrno | null {
    if (is(op, "allkeys") || op === "~*") {
      this.allKeys = true;
      this.patterns = [];
    } else if (is(op, "resetkeys")) {
      this.allKeys = false;
      this.patterns = [];
    } else if (is(op, "allchannels") || op === "&*") {
      this.allChannels = true;
      this.channels = [];
    } else if (is(op, "resetchannels")) {
      this.allChannels = false;
      this.channels = [];
    } else if (is(op, "allcommands") || is(op, "+@all")) {
      this.setAll(true);
    } else if (is(op, "nocommands") || is(op, "-@all")) {
      this.setAll(false);
    } else if (op[0] === "~" || op[0] === "%") {
      if (this.allKeys) return "EEXIST";
      let flags = 0;
      let offset = 1;
      if (op[0] === "%") {
        for (; offset < op.length; offset++) {
          const ch = op[offset]!.toUpperCase();
          if (ch === "R" && !(flags & KEY_READ)) flags |= KEY_READ;
          else if (ch === "W" && !(flags & KEY_WRITE)) flags |= KEY_WRITE;
          else if (op[offset] === "~") {
            offset++;
            break;
          } else return "EINVAL";
        }
      } else flags = KEY_ALL;
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) return "EINVAL";
      const same = this.patterns.find((p) => p.pattern === pattern);
      if (same === undefined) this.patterns.push({ pattern, flags });
      else same.flags |= flags;
      this.allKeys = false;
    } else if (op[0] === "&") {
      if (this.allChannels) return "EISDIR";
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return "EINVAL";
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.allChannels = false;
    } else if (op[0] === "+" && op[1] !== "@") {
      const bar = op.lastIndexOf("|");
      if (bar < 0) {
        const cmd = lookupByFullname(op.slice(1));
        if (cmd === undefined) return "ENOENT";
        this.changePerm(cmd, true);
      } else {
        const cmd = lookupByFullname(op.slice(1, bar));
        const sub = op.slice(bar + 1);
        if (cmd === undefined) return "ENOENT";
        if (cmd.fullname.includes("|")) return "ECHILD";
        if (sub === "") return "EINVAL";
        if (cmd.subcommands !== null) {
          const s = lookupByFullname(op.slice(1));
          if (s === undefined) return "ENOENT";
          this.changePerm(s, true);
        } else {
          // SELECT|0, as Redis allows with a deprecation warning.
          const firstArgs = (this.firstArgs ??= new Map<string, string[]>());
          const args = firstArgs.get(cmd.fullname) ?? [];
          if (!args.some((a) => a.toLowerCase() === sub.toLowerCase())) args.push(sub);
          firstArgs.set(cmd.fullname, args);
        }
      }
    } else if (op[0] === "-" && op[1] !== "@") {
      const cmd = lookupByFullname(op.slice(1));
      if (cmd === undefined) return "ENOENT";
      this.changePerm(cmd, false);
    } else if ((op[0] === "+" || op[0] === "-") && op[1] === "@") {
      const cat = op.slice(2).toLowerCase();
      if (!ACL_ORDER.includes(cat)) return "ENOENT";
      this.changeCategory(cat, op[0] === "+");
    } else return "EINVAL";
    return null;
  }

  /** ACLDescribeSelectorCommandRules: `+@all`/`-@all`, the categories that fit best, then single commands. */
  describeCommands(): string {
    const additive = !this.future;
    const rules: string[] = [additive ? "-@all" : "+@all"];
    const fake = new Selector(false, false);
    fake.apply(rules[0]!);
    const temp = new Selector(false, false);
    for (const c of this.allowed) temp.allowed.add(c);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let mindiff = Number.MAX_SAFE_INTEGER;
      let maxsame = 0;
      for (const cat of ACL_ORDER) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const c of everyCommand()) {
          if (!c.acl.includes(cat)) continue;
          if (temp.allowed.has(c.fullname)) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = cat;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === null) break;
      fake.changeCategory(best, additive);
      temp.changeCategory(best, !additive);
      rules.push(`${additive ? "+" : "-"}@${best}`);
      applied.add(best);
    }
    for (const c of everyCommand()) {
      const mine = this.allowed.has(c.fullname);
      if (mine !== fake.allowed.has(c.fullname)) {
        rules.push(`${mine ? "+" : "-"}${c.fullname}`);
        fake.changePerm(c, mine);
      }
      const args = this.firstArgs?.get(c.fullname);
      if (!mine && args !== undefined) for (const a of args) rules.push(`+${c.fullname}|${a}`);
    }
    return rules.join(" ");
  }

  /** ACLDescribeSelector: keys, channels, commands, as in ACL LIST. */
  describe(): string {
    let res = "";
    if (this.allKeys) res += "~* ";
    else for (const p of this.patterns) res += patternString(p) + " ";
    if (this.allChannels) res += "&* ";
    else {
      res += "resetchannels ";
      for (const c of this.channels) res += `&${c} `;
    }
    return res + this.describeCommands();
  }
}

/** The order Redis prints user flags in. */
const USER_FLAGS = ["on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"] as const;

/** One ACL user. SETUSER changes it in place, so connections see the change at once. */
export class AclUser {
  readonly flags = new Set<string>(["off"]);
  passwords: string[] = [];
  selectors: Selector[];
  /** Deleted (DELUSER, ACL LOAD): its connections are being closed. */
  removed = false;
  /** The root selector allows every command, key and channel: no check needed (the default user's usual case). */
  free = false;

  constructor(
    readonly name: string,
    private readonly pubsubDefaultAll: () => boolean,
  ) {
    this.selectors = [new Selector(true, pubsubDefaultAll())];
  }

  get root(): Selector {
    return this.selectors[0]!;
  }

  get enabled(): boolean {
    return this.flags.has("on");
  }

  get nopass(): boolean {
    return this.flags.has("nopass");
  }

  /** A copy not in any table (ACLCreateUnlinkedUser + ACLCopyUser). */
  clone(name = this.name): AclUser {
    const u = new AclUser(name, this.pubsubDefaultAll);
    u.copyFrom(this);
    return u;
  }

  copyFrom(src: AclUser): void {
    this.flags.clear();
    for (const f of src.flags) this.flags.add(f);
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.copy());
    this.refresh();
  }

  private flag(on: string, off: string | null): void {
    this.flags.add(on);
    if (off !== null) this.flags.delete(off);
  }

  /** ACLSetUser: one rule; null when applied, else why not. */
  apply(op: string): RuleErrno | null {
    const r = this.applyOne(op);
    this.refresh();
    return r;
  }

  private applyOne(op: string): RuleErrno | null {
    if (op === "") return null;
    if (is(op, "on")) this.flag("on", "off");
    else if (is(op, "off")) this.flag("off", "on");
    else if (is(op, "skip-sanitize-payload")) this.flag("skip-sanitize-payload", "sanitize-payload");
    else if (is(op, "sanitize-payload")) this.flag("sanitize-payload", "skip-sanitize-payload");
    else if (is(op, "nopass")) {
      this.flags.add("nopass");
      this.passwords = [];
    } else if (is(op, "resetpass")) {
      this.flags.delete("nopass");
      this.passwords = [];
    } else if (op[0] === ">" || op[0] === "#") {
      let h: string;
      if (op[0] === ">") h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return "EBADMSG";
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.flags.delete("nopass");
    } else if (op[0] === "<" || op[0] === "!") {
      let h: string;
      if (op[0] === "<") h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return "EBADMSG";
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) return "ENODEV";
      this.passwords.splice(i, 1);
    } else if (op[0] === "(" && op[op.length - 1] === ")") {
      const s = new Selector(false, this.pubsubDefaultAll());
      for (const word of splitArgs(op.slice(1, -1))) {
        const e = s.apply(word);
        if (e !== null) return e;
      }
      this.selectors.push(s);
    } else if (is(op, "clearselectors")) {
      this.selectors.length = 1;
    } else if (is(op, "reset")) {
      this.applyOne("resetpass");
      this.applyOne("resetkeys");
      this.applyOne("resetchannels");
      if (this.pubsubDefaultAll()) this.applyOne("allchannels");
      this.applyOne("off");
      this.applyOne("sanitize-payload");
      this.applyOne("clearselectors");
      this.applyOne("-@all");
    } else return this.root.apply(op);
    return null;
  }

  private refresh(): void {
    const r = this.root;
    this.free = r.allCommands && r.allKeys && r.allChannels;
  }

  /** ACLCheckUserCredentials (the user known). */
  checkPassword(pass: string): boolean {
    if (!this.enabled) return false;
    if (this.nopass) return true;
    return this.passwords.includes(hashPassword(pass));
  }

  /** ACLDescribeUser: flags, `#hash`es, the root selector, then `(...)` selectors. */
  describe(): string {
    let res = "";
    for (const f of USER_FLAGS) if (this.flags.has(f)) res += f + " ";
    for (const p of this.passwords) res += `#${p} `;
    res += this.root.describe();
    for (let i = 1; i < this.selectors.length; i++) res += ` (${this.selectors[i]!.describe()})`;
    return res;
  }

  /** Flags in Redis' order (ACL GETUSER). */
  flagList(): string[] {
    return USER_FLAGS.filter((f) => this.flags.has(f));
  }
}

/**
 * sdssplitargs, as a selector's inside is split: words separated by
 * spaces, "double" (with escapes) and 'single' quotes. Good enough for
 * rules, which may not contain spaces anyway.
 */
const SPACE = /[ \t\n\v\f\r]/;
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && SPACE.test(s[i]!)) i++;
    if (i >= s.length) break;
    let word = "";
    while (i < s.length && !SPACE.test(s[i]!)) {
      const ch = s[i]!;
      if (ch === '"' || ch === "'") {
        const end = s.indexOf(ch, i + 1);
        if (end < 0) {
          word += s.slice(i + 1);
          i = s.length;
          break;
        }
        word += s.slice(i + 1, end);
        i = end + 1;
      } else {
        word += ch;
        i++;
      }
    }
    out.push(word);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Permission checks

export const ACL_OK = 0;
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

/** Channel arguments (Redis' commands_with_channels): from index 1, `count` of them (-1: all), and how they are used. */
const CHANNELS: Record<string, { count: number; pattern: boolean; checked: boolean }> = {
  subscribe: { count: -1, pattern: false, checked: true },
  ssubscribe: { count: -1, pattern: false, checked: true },
  psubscribe: { count: -1, pattern: true, checked: true },
  publish: { count: 1, pattern: false, checked: true },
  spublish: { count: 1, pattern: false, checked: true },
};

function keyFlags(specFlags: readonly string[]): number {
  let f = 0;
  for (const x of specFlags) {
    if (x === "access") f |= KEY_READ;
    else if (x === "insert" || x === "delete" || x === "update") f |= KEY_WRITE;
  }
  return f;
}

function checkKey(s: Selector, key: string, flags: number): boolean {
  if (s.allKeys) return true;
  for (const p of s.patterns) {
    if ((p.flags & flags) !== flags) continue;
    if (stringMatch(p.pattern, key)) return true;
  }
  return false;
}

/** ACLCheckChannelAgainstList: a pattern (PSUBSCRIBE's) matches only literally. */
export function channelAllowed(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : stringMatch(p, channel)) return true;
  return false;
}

/** ACLSelectorCheckCmd: ACL_OK or the denial, and the argument it is about. */
function selectorCheck(s: Selector, cmd: CommandEntry, argv: readonly string[]): [number, number] {
  if (!s.allCommands && (cmd.bits & CMD.no_auth) === 0 && !s.allowed.has(cmd.fullname)) {
    const args = s.firstArgs?.get(cmd.fullname);
    if (argv.length < 2 || args === undefined) return [DENIED_CMD, 0];
    const arg = argv[cmd.fullname.includes("|") ? 2 : 1]!.toLowerCase();
    if (!args.some((a) => a.toLowerCase() === arg)) return [DENIED_CMD, 0];
  }
  if (!s.allKeys && (cmd.keySpecs.length > 0 || cmd.getKeys !== undefined)) {
    for (const k of commandKeys(cmd, argv) ?? []) {
      if (!checkKey(s, argv[k.pos]!, keyFlags(k.flags))) return [DENIED_KEY, k.pos];
    }
  }
  const ch = CHANNELS[cmd.fullname];
  if (!s.allChannels && ch !== undefined) {
    const stop = ch.count < 0 ? argv.length : Math.min(argv.length, 1 + ch.count);
    for (let i = 1; i < stop; i++) if (!channelAllowed(s.channels, argv[i]!, ch.pattern)) return [DENIED_CHANNEL, i];
  }
  return [ACL_OK, 0];
}

/** ACLCheckAllUserCommandPerm: OK when a selector allows it; else the most relevant denial and its argument. */
export function checkCommandPerm(u: AclUser, cmd: CommandEntry, argv: readonly string[]): [number, number] {
  let relevant = DENIED_CMD;
  let lastIdx = 0;
  for (const s of u.selectors) {
    const [r, idx] = selectorCheck(s, cmd, argv);
    if (r === ACL_OK) return [ACL_OK, 0];
    if (r > relevant || (r === relevant && idx > lastIdx)) {
      relevant = r;
      lastIdx = idx;
    }
  }
  return [relevant, lastIdx];
}

/** ACLUserCheckChannelPerm. */
export function checkChannelPerm(u: AclUser, channel: string, isPattern: boolean): boolean {
  for (const s of u.selectors) if (s.allChannels || channelAllowed(s.channels, channel, isPattern)) return true;
  return false;
}
