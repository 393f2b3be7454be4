import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Config, ConfigError, SETTINGS, SETTING_NAMES, envName, parseMemory, splitConfigLine } from "../../../../src/apps/kv/server/config.js";

test("defaults: the documented ones (RESP on 127.0.0.1:6380, data in ./data, 2 shards)", () => {
  const c = new Config();
  assert.equal(c.get("port"), 6380);
  assert.deepEqual(c.get("bind"), ["127.0.0.1"]);
  assert.equal(c.get("dir"), "./data");
  assert.equal(c.get("requirepass"), "");
  assert.equal(c.get("protected-mode"), true);
  assert.equal(c.get("appendfsync"), "everysec");
  assert.equal(c.get("shards"), 2);
  assert.equal(c.get("node-name"), "agner@localhost");
  assert.equal(c.show("client-output-buffer-limit"), "normal 268435456 67108864 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
});

test("precedence: flag > environment > config file > default", () => {
  const c = Config.from({
    file: "port 7000\nhz 20\nrequirepass fromfile\n# a comment\n\nmaxclients 50\n",
    env: { AGNER_KV_PORT: "7001", AGNER_KV_HZ: "30", OTHER: "x" },
    argv: ["--port", "7002"],
  });
  assert.equal(c.get("port"), 7002);
  assert.equal(c.source("port"), "flag");
  assert.equal(c.get("hz"), 30);
  assert.equal(c.source("hz"), "env");
  assert.equal(c.get("requirepass"), "fromfile");
  assert.equal(c.source("requirepass"), "file");
  assert.equal(c.get("maxclients"), 50);
  assert.equal(c.get("timeout"), 0);
  assert.equal(c.source("timeout"), "default");
});

test("redis.conf syntax: quotes, escapes, several words, units, yes/no", () => {
  const c = Config.from({
    file: [
      'requirepass "pass with \\"quotes\\" and \\x41"',
      "bind 127.0.0.1 ::1",
      "client-output-buffer-limit normal 10mb 5mb 30",
      "proto-max-bulk-len 2gb",
      "appendonly YES",
      "save ''",
    ].join("\n"),
  });
  assert.equal(c.get("requirepass"), 'pass with "quotes" and A');
  assert.deepEqual(c.get("bind"), ["127.0.0.1", "::1"]);
  assert.deepEqual(c.get("client-output-buffer-limit").normal, { hard: 10 * 1024 ** 2, soft: 5 * 1024 ** 2, softSeconds: 30 });
  assert.equal(c.get("proto-max-bulk-len"), 2 * 1024 ** 3);
  assert.equal(c.get("appendonly"), true);
  assert.deepEqual(splitConfigLine(`a "b c" 'd'`), ["a", "b c", "d"]);
  assert.equal(splitConfigLine(`a "unclosed`), undefined);
  assert.equal(parseMemory("100k"), 100_000);
  assert.equal(parseMemory("1KB"), 1024);
  assert.equal(parseMemory("x"), undefined);
});

test("flags: --name value..., --name=value, --save ''", () => {
  const c = Config.from({ argv: ["--bind", "127.0.0.1", "::1", "--requirepass=x y", "--save", "", "--shards", "8"] });
  assert.deepEqual(c.get("bind"), ["127.0.0.1", "::1"]);
  assert.equal(c.get("requirepass"), "x y");
  assert.deepEqual(c.get("save"), []);
  assert.equal(c.get("shards"), 8);
});

test("bad values name the setting and where it came from", () => {
  assert.throws(() => Config.from({ file: "port 7000\nport abc\n", fileName: "my.conf" }), (e: unknown) => e instanceof ConfigError && /my\.conf:2 'port'/.test(e.message));
  assert.throws(() => Config.from({ argv: ["--shards", "3"] }), /power of two/);
  assert.throws(() => Config.from({ argv: ["--nosuch", "1"] }), /Bad directive or wrong number of arguments/);
  assert.throws(() => Config.from({ env: { AGNER_KV_APPENDFSYNC: "sometimes" } }), /everysec, always, no/);
  assert.throws(() => Config.from({ argv: ["port", "1"] }), /expected a --flag/);
});

test("CONFIG SET is all or nothing, refuses fixed settings, tells watchers", () => {
  const c = new Config();
  const seen: string[] = [];
  c.onChange((n) => seen.push(n));
  assert.throws(() => c.configSet([["hz", "20"], ["maxclients", "abc"]]), /maxclients/);
  assert.equal(c.get("hz"), 10, "nothing changed");
  assert.throws(() => c.configSet([["shards", "8"]]), /can't set immutable config/);
  assert.deepEqual(c.configSet([["HZ", "20"], ["timeout", "5"]]), ["hz", "timeout"]);
  assert.deepEqual(seen, ["hz", "timeout"]);
  assert.equal(c.source("hz"), "runtime");
});

test("every setting round-trips through its file form; env names", () => {
  const c = Config.from({ argv: ["--requirepass", 'a "b" c', "--bind", "127.0.0.1", "::1", "--client-output-buffer-limit", "normal 1 2 3"] });
  const again = Config.from({ file: c.toFile() });
  for (const n of SETTING_NAMES) assert.equal(again.show(n), c.show(n), n);
  assert.equal(envName("client-output-buffer-limit"), "AGNER_KV_CLIENT_OUTPUT_BUFFER_LIMIT");
});

test("docs/kv_server.md: every applied (or hook) setting has a row with its default; every other one is listed with why", () => {
  const md = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../docs/kv_server.md"), "utf8");
  const settings = md.slice(md.indexOf("## Settings\n"), md.indexOf("## Commands\n"));
  const without = settings.slice(settings.indexOf("### Accepted without effect"));
  const c = new Config();
  for (const n of SETTING_NAMES) {
    if (SETTINGS[n].effect === "none") {
      assert.ok(without.includes(`\`${n}\``), `${n} listed as accepted without effect`);
      continue;
    }
    const row = md.split("\n").find((l) => l.startsWith(`| \`${n}\` |`));
    assert.ok(row, `a row for ${n}`);
    const shown = c.show(n);
    if (shown !== "" && !/^(client-output|proto|client-query|dir)/.test(n)) assert.ok(row!.includes(`\`${shown}\``), `${n}'s default ${shown} in its row`);
  }
});
