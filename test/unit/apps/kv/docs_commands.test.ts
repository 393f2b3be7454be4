/**
 * docs/kv_server.md's command list names every command of the command
 * table (a new command without its line in the docs fails here).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../../../../src/apps/kv/commands/command_table.js";

test("docs/kv_server.md names every command the server has", () => {
  const md = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../docs/kv_server.md"), "utf8");
  const missing = [...COMMANDS.keys()].filter((n) => !new RegExp("`" + n.toUpperCase() + "[`\\s|]").test(md));
  assert.deepEqual(missing, []);
});
