/**
 * Config files as redis-server reads them: include (globs), the directives
 * that are not settings, save lines adding up, aliases, the start report;
 * CONFIG SET's protected settings; CONFIG REWRITE's text.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Config, ConfigError, NOTIFY } from "../../../../src/apps/kv/server/config.js";
import { rewriteConfigText } from "../../../../src/apps/kv/server/config_rewrite.js";

const tmp = mkdtempSync(join(tmpdir(), "agner-conf-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("include (a glob: every match in order, none is fine), rename-command, user, loadmodule, module settings, deprecated lines", () => {
  mkdirSync(join(tmp, "conf.d"));
  writeFileSync(join(tmp, "conf.d", "a.conf"), "hz 20\nmaxmemory 1gb\n");
  writeFileSync(join(tmp, "conf.d", "b.conf"), "hz 30\n");
  writeFileSync(join(tmp, "one.conf"), "slaveof 10.0.0.1 6379\n");
  const c = Config.from({
    file: [
      `include ${join(tmp, "conf.d", "*.conf")}`,
      `include ${join(tmp, "empty.d", "*.conf")}`,
      `include ${join(tmp, "one.conf")}`,
      'rename-command FLUSHALL ""',
      "user alice on >pw ~* +@all",
      "loadmodule /usr/lib/redis/modules/x.so arg",
      "x.setting 5",
      "list-max-ziplist-entries 512",
      "lua-time-limit 100",
      "daemonize yes",
      "save 900 1",
      "save 300 10",
    ].join("\n"),
  });
  assert.equal(c.get("hz"), 30, "b.conf after a.conf");
  assert.equal(c.get("maxmemory"), 1024 ** 3);
  assert.deepEqual(c.get("replicaof"), { host: "10.0.0.1", port: 6379 });
  assert.equal(c.get("busy-reply-threshold"), 100, "alias");
  assert.deepEqual(c.get("save"), [{ seconds: 900, changes: 1 }, { seconds: 300, changes: 10 }], "save lines add up");
  assert.deepEqual(c.directives.renameCommand, [["FLUSHALL", ""]]);
  assert.deepEqual(c.directives.user, [["alice", "on", ">pw", "~*", "+@all"]]);
  assert.deepEqual(c.directives.include.length, 3);
  const ignored = c.notApplied();
  for (const d of ["daemonize", "rename-command", "loadmodule", "x.setting"]) assert.ok(ignored.includes(d), d);
  // RDB save points are applied (aof/rdb_bgsave.ts).
  assert.ok(!ignored.includes("save"), "save is applied");
  // ACL users are applied (acl.ts), and maxmemory (eviction.ts).
  assert.ok(!ignored.includes("user"));
  assert.ok(!ignored.includes("maxmemory"), "maxmemory is applied");
  assert.ok(!ignored.includes("hz"), "hz is applied");
  assert.ok(!ignored.includes("busy-reply-threshold"), "busy-reply-threshold (lua-time-limit) is applied: scripts");
  assert.throws(() => Config.from({ file: `include ${join(tmp, "nosuch.conf")}` }), /ENOENT/);
  assert.throws(() => Config.from({ file: "sentinel monitor m 127.0.0.1 6379 2" }), /sentinel directive while not in sentinel mode/);
  assert.throws(() => Config.from({ file: "hz 10\nnosuch 1" }), (e: unknown) => e instanceof ConfigError && /config file:2 'nosuch'/.test(e.message) && /Bad directive/.test(e.message));
  assert.throws(() => Config.from({ file: "hz 1 2" }), /wrong number of arguments/);
});

test("flags as config lines: multi-word settings from one word or several, save adds to the file's", () => {
  const c = Config.from({ file: "save 900 1\n", argv: ["--save", "60 100", "--client-output-buffer-limit", "pubsub", "1mb", "0", "0", "--notify-keyspace-events", "Kx", "--oom-score-adj", "relative"] });
  assert.equal(c.show("save"), "900 1 60 100");
  assert.equal(c.show("client-output-buffer-limit").split(" pubsub ")[1], "1048576 0 0");
  assert.equal(c.get("notify-keyspace-events"), NOTIFY.KEYSPACE | NOTIFY.EXPIRED);
  assert.equal(c.get("oom-score-adj"), "yes", "relative is yes, as Redis shows it");
  assert.equal(Config.from({ file: "save 900 1\n", argv: ["--save", ""] }).show("save"), "", '--save "" empties');
});

test("CONFIG SET of a protected setting: only with enable-protected-configs yes, or local from loopback", () => {
  const no = new Config();
  assert.throws(() => no.configSet([["dir", "/tmp"]], { local: true }), /can't set protected config/);
  const local = Config.from({ argv: ["--enable-protected-configs", "local"] });
  assert.throws(() => local.configSet([["dbfilename", "x.rdb"]], { local: false }), /can't set protected config/);
  assert.deepEqual(local.configSet([["dbfilename", "x.rdb"]], { local: true }), ["dbfilename"]);
  assert.throws(() => local.configSet([["enable-protected-configs", "yes"]]), /can't set immutable config/);
});

test("CONFIG REWRITE's text: comments and order kept, aliases renamed, defaults dropped, new lines under the signature, unknown lines commented", () => {
  const old = ["# top", "port 7000", "slaveof 1.2.3.4 5", "hz 15", "", "", "", "maxmemory 1mb", "save 60 1", "save 30 2", "nosuch 1", 'rename-command GET ""', ""].join("\n");
  const c = Config.from({ file: old.replace("nosuch 1\n", "") });
  c.configSet([["hz", "10"], ["maxmemory", "0"], ["timeout", "9"], ["save", "60 1"]]);
  const out = rewriteConfigText(old, c).split("\n");
  const sig = out.indexOf("# Generated by CONFIG REWRITE");
  assert.deepEqual(out.slice(0, sig), ["# top", "port 7000", "replicaof 1.2.3.4 5", "hz 10", "", "maxmemory 0", "save 60 1", "", "# ??? nosuch 1", 'rename-command GET ""', ""]);
  const appended = out.slice(sig + 1);
  assert.ok(appended.includes("timeout 9"));
  assert.ok(appended.some((l) => l.startsWith("dir ")));
  assert.ok(appended.includes("user default on nopass ~* &* +@all"));
  assert.ok(!appended.some((l) => l.startsWith("hz") || l.startsWith("loglevel")), "defaults not in the file are not written");
  // Rewriting again changes nothing but, as Redis, the file's last newline becoming an empty line.
  const again = rewriteConfigText(out.join("\n"), c);
  assert.equal(again, `${out.join("\n")}\n`);
  assert.equal(rewriteConfigText(again, c), again);
});
