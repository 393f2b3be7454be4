/**
 * Node names, checked as erl's `net_kernel:create_name/3` does: the part
 * before `@` is letters, digits, `_` and `-`; the host is printable Latin-1
 * without spaces; a short name's host has no dot (`-sname`), a long name's
 * is a fully qualified name or an IP address (`-name`).
 *
 * @example
 * nodeName("agner", { longNames: false }); // atom("agner@myhost")
 * nodeName("agner@127.0.0.1", { longNames: true }); // atom("agner@127.0.0.1")
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isIP } from "node:net";
import { Atom, atom } from "../term/atom.js";
import { DistError } from "./errors.js";

const HEAD = /^[0-9A-Za-z_-]+$/;
const HOST = /^[!-\u00ff]+$/;

/** The two parts of a node name. */
export interface NodeNameParts {
  /** The part before `@` (what EPMD registers). */
  alive: string;
  host: string;
}

/** Splits `name@host`; throws DistError when it is not a valid node name of either kind. */
export function splitNodeName(node: Atom | string): NodeNameParts {
  const s = typeof node === "string" ? node : node.name;
  const at = s.indexOf("@");
  if (at <= 0 || at === s.length - 1 || s.indexOf("@", at + 1) !== -1) {
    throw new DistError(`invalid node name '${s}': expected name@host`);
  }
  const alive = s.slice(0, at);
  const host = s.slice(at + 1);
  if (!HEAD.test(alive)) throw new DistError(`invalid node name '${s}': the name part may hold only letters, digits, _ and -`);
  if (!HOST.test(host)) throw new DistError(`invalid node name '${s}': bad characters in the host part`);
  return { alive, host };
}

/**
 * A peer's name, checked as dist_util:is_name_ok/2 checks what arrives in a
 * handshake: one `@` with something on both sides (C nodes and others may
 * use names erl would not give its own node).
 */
export function splitPeerName(node: Atom | string): NodeNameParts {
  const s = typeof node === "string" ? node : node.name;
  const at = s.indexOf("@");
  if (at <= 0 || at === s.length - 1 || s.indexOf("@", at + 1) !== -1) {
    throw new DistError(`invalid node name '${s.slice(0, 300)}': expected name@host`);
  }
  return { alive: s.slice(0, at), host: s.slice(at + 1) };
}

/** This machine's short host name (`inet_db:gethostname()`: the host name up to its first dot). */
export function shortHostname(): string {
  return hostname().split(".")[0]!;
}

/** This machine's fully qualified name: the host name if it has a dot, else with the resolver's domain. */
export function longHostname(): string | undefined {
  const h = hostname();
  if (h.includes(".")) return h;
  let conf = "";
  try {
    conf = readFileSync("/etc/resolv.conf", "utf8");
  } catch {
    return undefined;
  }
  for (const line of conf.split("\n")) {
    const m = /^\s*(domain|search)\s+(\S+)/.exec(line);
    if (m && m[2] !== ".") return `${h}.${m[2]}`;
  }
  return undefined;
}

/**
 * The full node name for `name` (`alive` or `alive@host`), as erl makes it
 * for `-sname` (short) or `-name` (long).
 *
 * @throws DistError with erl's explanation when the name does not fit the kind.
 */
export function nodeName(name: string, opts: { longNames?: boolean } = {}): Atom {
  const long = opts.longNames === true;
  let full = name;
  if (!name.includes("@")) {
    if (!HEAD.test(name)) throw new DistError(`invalid node name '${name}': the name part may hold only letters, digits, _ and -`);
    const host = long ? longHostname() : shortHostname();
    if (host === undefined || host === "") {
      throw new DistError(`can't set ${long ? "long" : "short"} node name: no ${long ? "fully qualified " : ""}host name (give name@host)`);
    }
    full = `${name}@${host}`;
  }
  const { host } = splitNodeName(full);
  if (!long && host.includes(".") && isIP(host) === 0) {
    throw new DistError(`can't set short node name '${full}': a short name's host has no dots (use longNames)`);
  }
  if (!long && isIP(host) !== 0) {
    throw new DistError(`can't set short node name '${full}': an IP address needs longNames`);
  }
  return atom(full);
}

/**
 * The loopback address a node named `…@host` can be reached at, when `host`
 * is `localhost` or a loopback IP literal; undefined for any other host.
 * Peers reach a node at the host part of its name, so a node named
 * `agner@localhost` is reachable from this machine only, and listening on
 * loopback loses nothing: startNode's default. `localhost` gives 127.0.0.1,
 * the address erl's IPv4 distribution (inet_tcp) resolves it to.
 *
 * @example
 * loopbackFor("localhost"); // "127.0.0.1"
 * loopbackFor("127.0.0.2"); // "127.0.0.2"
 * loopbackFor("myhost");    // undefined
 */
export function loopbackFor(host: string): string | undefined {
  if (host.toLowerCase() === "localhost") return "127.0.0.1";
  if (isIP(host) === 4 && host.startsWith("127.")) return host;
  if (host === "::1") return host;
  return undefined;
}
