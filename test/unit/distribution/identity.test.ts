/**
 * Node identity: names as erl's net_kernel checks them, and the cookie as
 * erl's auth module finds or creates it.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { DistError } from "../../../src/distribution/index.js";
import { nodeName, shortHostname, splitNodeName, splitPeerName } from "../../../src/distribution/node_name.js";
import { parseCookieFile, resolveCookie } from "../../../src/distribution/auth.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempHome = (): string => {
  const d = mkdtempSync(join(tmpdir(), "agner-home-"));
  dirs.push(d);
  return d;
};

test("short names: the host's short name is added; a dotted host or an IP is refused", () => {
  assert.equal(nodeName("agner"), atom(`agner@${shortHostname()}`));
  assert.equal(shortHostname(), hostname().split(".")[0]);
  assert.equal(nodeName("a_b-1@localhost"), atom("a_b-1@localhost"));
  assert.throws(() => nodeName("a@host.example.com"), /short name's host has no dots/);
  assert.throws(() => nodeName("a@127.0.0.1"), /IP address needs longNames/);
});

test("long names: a FQDN or an IP host", () => {
  assert.equal(nodeName("a@host.example.com", { longNames: true }), atom("a@host.example.com"));
  assert.equal(nodeName("a@127.0.0.1", { longNames: true }), atom("a@127.0.0.1"));
});

test("invalid names are refused as erl refuses them", () => {
  for (const bad of ["", "a b", "a@", "@h", "a@b@c", "ä@h", "a@h st"]) {
    assert.throws(() => nodeName(bad.includes("@") ? bad : `${bad}`), DistError, bad);
  }
  assert.deepEqual(splitNodeName("x@y"), { alive: "x", host: "y" });
  assert.throws(() => splitNodeName("noat"), DistError);
  // A peer may carry a name erl would not give its own node (a C node's, say): only name@host is checked.
  assert.deepEqual(splitPeerName("c.node+1@host"), { alive: "c.node+1", host: "host" });
  for (const bad of ["noat", "@h", "a@", "a@b@c"]) assert.throws(() => splitPeerName(bad), DistError);
});

test("cookie: explicit, else AGNER_COOKIE, else ~/.erlang.cookie", () => {
  const home = tempHome();
  writeFileSync(join(home, ".erlang.cookie"), "FROMFILE\n", { mode: 0o400 });
  assert.equal(resolveCookie({ cookie: "explicit", env: { AGNER_COOKIE: "env" }, home }), "explicit");
  assert.equal(resolveCookie({ env: { AGNER_COOKIE: "env" }, home }), "env");
  assert.equal(resolveCookie({ env: {}, home }), "FROMFILE");
  assert.throws(() => resolveCookie({ cookie: "bad\ncookie" }), /bad characters/);
});

test("a missing cookie file is created with 20 capital letters, mode 0400; the XDG file is read first", () => {
  const home = tempHome();
  const c = resolveCookie({ env: {}, home });
  assert.match(c, /^[A-Z]{20}$/);
  const file = join(home, ".erlang.cookie");
  assert.equal(readFileSync(file, "latin1"), c);
  assert.equal(statSync(file).mode & 0o777, 0o400);
  assert.equal(resolveCookie({ env: {}, home }), c, "the same cookie next time");
  const home2 = tempHome();
  mkdirSync(join(home2, ".config", "erlang"), { recursive: true });
  writeFileSync(join(home2, ".config", "erlang", ".erlang.cookie"), "XDGCOOKIE", { mode: 0o400 });
  assert.equal(resolveCookie({ env: {}, home: home2 }), "XDGCOOKIE");
});

test("a cookie file readable by others is refused, as erl refuses it", () => {
  const home = tempHome();
  const file = join(home, ".erlang.cookie");
  writeFileSync(file, "OPEN");
  chmodSync(file, 0o644);
  assert.throws(() => resolveCookie({ env: {}, home }), /accessible by owner only/);
});

test("cookie file content: printable characters, trailing spaces and line ends dropped", () => {
  assert.equal(parseCookieFile("ABC \r\n", "f"), "ABC");
  assert.equal(parseCookieFile("A B", "f"), "A B");
  assert.throws(() => parseCookieFile("AB\nCD", "f"), /bad characters/);
  assert.throws(() => parseCookieFile("\n", "f"), /too short/);
});
