/**
 * The server's ACL state (acl.c's globals): the users by name, the
 * `default` user every connection starts as, the ACL LOG, and the ACL
 * file's load and save. It is a table of the instance, as the client table
 * is: connections read their user's rules from it at each command, and
 * ACL SETUSER changes a user in place, so a change applies at once.
 *
 * What is done to connections (killing those of a deleted user, or the
 * pub/sub clients whose channels a user lost) goes through {@link AclClient},
 * the client table's rows, so this file knows no process.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { AclUser, type RuleErrno, channelAllowed, hasSpaces, ruleError } from "./acl_user.js";

/** What the ACL needs of a client: its user, and how to close it. */
export interface AclClient {
  user: AclUser;
  authenticated: boolean;
  /** Its pub/sub channels and patterns, while it has any. */
  readonly subs: { readonly channels: ReadonlySet<string>; readonly patterns: ReadonlySet<string> } | null;
  kill(why: string): void;
}

/** One ACL LOG entry (acl.c's ACLLogEntry). */
export interface AclLogEntry {
  count: number;
  reason: number;
  context: "toplevel" | "multi" | "lua" | "module";
  object: string;
  username: string;
  /** Unix ms of the last occurrence. */
  ctime: number;
  cinfo: string;
}

const LOG_GROUPING_MS = 60_000;

export class Acl {
  readonly users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  /** Newest first. */
  readonly log: AclLogEntry[] = [];

  constructor(
    /** acl-pubsub-default is allchannels. */
    readonly pubsubDefaultAll: () => boolean,
    /** acllog-max-len. */
    private readonly logMax: () => number,
  ) {
    this.defaultUser = this.createDefault();
    this.users.set("default", this.defaultUser);
  }

  /** ACLCreateDefaultUser. */
  private createDefault(): AclUser {
    const u = new AclUser("default", this.pubsubDefaultAll);
    for (const op of ["+@all", "~*", "&*", "on", "nopass"]) u.apply(op);
    return u;
  }

  /** Users by name in byte order (Redis' radix tree order). */
  sorted(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A new connection's state (clientSetDefaultAuth): the default user, authenticated when it needs no password. */
  get defaultAuthenticated(): boolean {
    const d = this.defaultUser;
    return d.nopass && d.enabled;
  }

  /** authRequired: an unauthenticated client must AUTH first unless the default user is on and nopass. */
  authRequired(authenticated: boolean): boolean {
    if (authenticated) return false;
    const d = this.defaultUser;
    return !d.nopass || !d.enabled;
  }

  /** requirepass: the default user's password (ACLUpdateDefaultUserPassword); "" is nopass. */
  setDefaultPassword(pass: string): void {
    this.defaultUser.apply("resetpass");
    this.defaultUser.apply(pass === "" ? "nopass" : `>${pass}`);
  }

  /** The user whose name and password these are, or null (no such user, off, or a wrong password). */
  authenticate(name: string, pass: string): AclUser | null {
    const u = this.users.get(name);
    return u !== undefined && u.checkPassword(pass) ? u : null;
  }

  /**
   * ACLStringSetUser: applies every rule to a copy, and only when all are
   * valid to the user (created if new); the error text otherwise. Pub/sub
   * clients of the user that lost a channel are killed.
   */
  setUser(name: string, rules: readonly string[], clients: Iterable<AclClient>): string | null {
    const merged = mergeSelectorArgs(rules);
    if (typeof merged === "number") return `Unmatched parenthesis in acl selector starting at '${rules[merged]}'.`;
    const existing = this.users.get(name);
    const temp = existing !== undefined ? existing.clone() : new AclUser(name, this.pubsubDefaultAll);
    for (const op of merged) {
      const e = temp.apply(op);
      if (e !== null) return `Error in ACL SETUSER modifier '${op}': ${ruleError(e)}`;
    }
    if (existing !== undefined) {
      killPubsubIfNeeded(temp, existing, clients);
      existing.copyFrom(temp);
    } else this.users.set(name, temp);
    return null;
  }

  /** ACL DELUSER (the names checked): how many there were; their clients are killed. */
  delUsers(names: readonly string[], clients: Iterable<AclClient>): number {
    let n = 0;
    const gone = new Set<AclUser>();
    for (const name of names) {
      const u = this.users.get(name);
      if (u === undefined) continue;
      this.users.delete(name);
      u.removed = true;
      gone.add(u);
      n++;
    }
    this.killClientsOf(gone, clients);
    return n;
  }

  /** ACLFreeUserAndKillClients: back to the default user, unauthenticated, and closed. */
  private killClientsOf(gone: ReadonlySet<AclUser>, clients: Iterable<AclClient>): void {
    if (gone.size === 0) return;
    for (const c of clients) {
      if (!gone.has(c.user)) continue;
      c.user = this.defaultUser;
      c.authenticated = false;
      c.kill("ACL user deleted");
    }
  }

  /** addACLLogEntry: a similar entry of the last minute (among the newest 10) is bumped instead. */
  addLog(e: Omit<AclLogEntry, "count">): void {
    const log = this.log;
    for (let i = 0; i < Math.min(10, log.length); i++) {
      const m = log[i]!;
      if (m.reason === e.reason && m.context === e.context && Math.abs(m.ctime - e.ctime) <= LOG_GROUPING_MS && m.object === e.object && m.username === e.username) {
        log.splice(i, 1);
        m.cinfo = e.cinfo;
        m.ctime = e.ctime;
        m.count++;
        log.unshift(m);
        return;
      }
    }
    log.unshift({ ...e, count: 1 });
    const max = this.logMax();
    if (log.length > max) log.length = max;
  }

  /**
   * `user` lines of the config file, at start (ACLLoadConfiguredUsers): an
   * error text when one cannot be applied (the server then does not start).
   */
  loadConfigured(lines: readonly (readonly string[])[]): string | null {
    const seen = new Set<string>();
    for (const words of lines) {
      const name = words[0]!;
      if (seen.has(name)) return `Error in user declaration '${name}': ${ruleError("EALREADY")}`;
      seen.add(name);
      if (hasSpaces(name)) return "Spaces not allowed in ACL usernames";
      const merged = mergeSelectorArgs(words.slice(1));
      if (typeof merged === "number") return `Unmatched parenthesis in acl selector starting at '${words[1 + merged]}'.`;
      let u = this.users.get(name);
      if (u === undefined) this.users.set(name, (u = new AclUser(name, this.pubsubDefaultAll)));
      else u.apply("reset");
      for (const op of merged) {
        const e = u.apply(op);
        if (e !== null) return `Error loading ACL rule '${op}' for the user named '${name}': ${ruleError(e)}`;
      }
    }
    return null;
  }

  /**
   * ACLLoadFromFile: every line `user name rules...` (blank lines
   * allowed); any error leaves the users as they were and is returned as
   * Redis words it. Users replaced are killed off as deleted ones, but the
   * default user's connections keep it (its rules are copied in place).
   */
  loadFile(file: string, clients: Iterable<AclClient>): string | null {
    let text: string;
    try {
      text = readFileSync(file, "latin1");
    } catch (e) {
      return `Error loading ACLs, opening file '${file}': ${errnoText(e)}`;
    }
    const users = new Map<string, AclUser>();
    let errors = "";
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
      const linenum = i + 1;
      if (line === "") continue;
      const argv = line.split(" ").filter((w) => w !== "");
      if (argv.length === 0) continue;
      if (argv[0] !== "user" || argv.length < 2) {
        errors += `${file}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1]!;
      if (hasSpaces(name)) {
        errors += `'${file}:${linenum}: username '${name}' contains invalid characters. `;
        continue;
      }
      if (users.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${linenum}. `;
        continue;
      }
      const u = new AclUser(name, this.pubsubDefaultAll);
      users.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (typeof merged === "number") {
        errors += `${file}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntax = false;
      for (const raw of merged) {
        const op = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, "");
        const e: RuleErrno | null = u.apply(op);
        if (e === null) continue;
        if (e === "ENOENT") errors += `${file}:${linenum}: Error in applying operation '${op}': ${ruleError(e)}. `;
        else if (!syntax) {
          errors += `${file}:${linenum}: ${ruleError(e)}. `;
          syntax = true;
        }
      }
    }
    if (errors !== "") return errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
    const def = users.get("default") ?? this.createDefault();
    const gone = new Set<AclUser>();
    for (const u of this.users.values()) if (u !== this.defaultUser) {
      u.removed = true;
      gone.add(u);
    }
    this.users.clear();
    this.defaultUser.copyFrom(def);
    users.set("default", this.defaultUser);
    for (const [n, u] of users) this.users.set(n, u);
    this.killClientsOf(gone, clients);
    return null;
  }

  /** The ACL file's text: one `user` line per user, in name order (ACL SAVE, ACL LIST). */
  listLines(): string[] {
    return this.sorted().map((u) => `user ${u.name} ${u.describe()}`);
  }

  /** ACLSaveToFile: through a temporary file renamed over the old one; false when it could not be written. */
  saveFile(file: string): boolean {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(tmp, this.listLines().map((l) => l + "\n").join(""), { encoding: "latin1", mode: 0o644 });
      renameSync(tmp, file);
      return true;
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
      return false;
    }
  }
}

/** strerror's words for the errors a read can give. */
function errnoText(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "No such file or directory";
  if (code === "EACCES") return "Permission denied";
  if (code === "EISDIR") return "Is a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * ACLMergeSelectorArguments: a selector spread over several arguments
 * (`(+get` `~k)`) is joined into one; the index of an unclosed `(` is returned instead.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let sel = "";
  for (let j = 0; j < args.length; j++) {
    const op = args[j]!;
    if (open < 0 && op[0] === "(" && op[op.length - 1] !== ")") {
      sel = op;
      open = j;
      continue;
    }
    if (open >= 0) {
      sel += " " + op;
      if (op[op.length - 1] === ")") {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  return open >= 0 ? open : out;
}

/** ACLKillPubsubClientsIfNeeded: the user's pub/sub clients subscribed to what `next` no longer allows are killed. */
function killPubsubIfNeeded(next: AclUser, original: AclUser, clients: Iterable<AclClient>): void {
  if (next.selectors.some((s) => s.allChannels)) return;
  const upcoming = next.selectors.flatMap((s) => s.channels);
  let match = true;
  for (const s of original.selectors) {
    if (s.allChannels || s.channels.some((c) => !upcoming.includes(c))) {
      match = false;
      break;
    }
  }
  if (match) return;
  for (const c of clients) {
    if (c.user !== original || c.subs === null) continue;
    let kill = false;
    for (const p of c.subs.patterns) if (!channelAllowed(upcoming, p, true)) kill = true;
    for (const ch of c.subs.channels) if (!channelAllowed(upcoming, ch, false)) kill = true;
    if (kill) c.kill("ACL channel permissions revoked");
  }
}
