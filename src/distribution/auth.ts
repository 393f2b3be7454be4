/**
 * The magic cookie, found as erl's `auth` module finds it: an explicit one,
 * else `AGNER_COOKIE`, else `~/.erlang.cookie` (or the XDG
 * `~/.config/erlang/.erlang.cookie`), created with 20 random capital
 * letters and mode 0400 when neither exists. A cookie file readable by
 * others is refused, as erl refuses it.
 *
 * @example
 * const cookie = resolveCookie({}); // what `erl -sname x` would use on this machine
 */
import { randomInt } from "node:crypto";
import { closeSync, constants, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DistError } from "./errors.js";

/** A cookie Erlang accepts: printable ASCII (space to `~`), not empty. */
export function checkCookie(cookie: string): string {
  if (cookie.length === 0) throw new DistError("empty cookie");
  for (let i = 0; i < cookie.length; i++) {
    const c = cookie.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new DistError("bad characters in cookie (printable ASCII only)");
  }
  return cookie;
}

/** Parses a cookie file's content: printable characters, then only spaces and line ends. */
export function parseCookieFile(text: string, file: string): string {
  let end = 0;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c < 0x20 || c > 0x7e) break;
    end++;
  }
  if (!/^[\n\r ]*$/.test(text.slice(end))) throw new DistError(`bad characters in cookie file ${file}`);
  // Trailing spaces are dropped too (check_cookie1 skips them after the last printable run).
  const cookie = text.slice(0, end).replace(/ +$/, "");
  if (cookie.length === 0) throw new DistError(`too short cookie string in ${file}`);
  return cookie;
}

function readCookieFile(file: string): string | undefined {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DistError(`error when reading ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!st.isFile()) throw new DistError(`cookie file ${file} is not a regular file`);
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
    throw new DistError(`cookie file ${file} must be accessible by owner only`);
  }
  return parseCookieFile(readFileSync(file, "latin1"), file);
}

/** Twenty random capital letters, as erl writes into a new cookie file. */
export function randomCookie(): string {
  let s = "";
  for (let i = 0; i < 20; i++) s += String.fromCharCode(65 + randomInt(26));
  return s;
}

function createCookieFile(file: string): string {
  const cookie = randomCookie();
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o400);
  } catch (e) {
    // Another node created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return readCookieFile(file)!;
    throw new DistError(`failed to create cookie file ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, cookie);
  } finally {
    closeSync(fd);
  }
  return cookie;
}

export interface CookieSource {
  cookie?: string;
  /** Environment (default `process.env`): `AGNER_COOKIE`. */
  env?: Record<string, string | undefined>;
  /** Home directory (default the user's). */
  home?: string;
}

/** The cookie this node uses (see the module comment). */
export function resolveCookie(src: CookieSource = {}): string {
  if (src.cookie !== undefined) return checkCookie(src.cookie);
  const env = src.env ?? process.env;
  const fromEnv = env.AGNER_COOKIE;
  if (fromEnv !== undefined && fromEnv !== "") return checkCookie(fromEnv);
  const home = src.home ?? homedir();
  const homeFile = join(home, ".erlang.cookie");
  const xdgFile = join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "erlang", ".erlang.cookie");
  return readCookieFile(homeFile) ?? readCookieFile(xdgFile) ?? createCookieFile(homeFile);
}
