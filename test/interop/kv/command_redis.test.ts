/**
 * COMMAND INFO and COMMAND DOCS of every command in the table, compared
 * with redis-server's answers for the same names (RESP2 and RESP3): arity,
 * flags, key positions, ACL categories, tips, key specs, argument docs.
 * Not compared: the summary and complexity texts (written for Agner), the
 * history, and which subcommands a container has (Agner has fewer; each of
 * its subcommands is compared on its own).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { commandCommand } from "../../../src/apps/kv/commands/command_info.js";
import { COMMANDS } from "../../../src/apps/kv/commands/command_table.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";

const names: string[] = [];
for (const e of COMMANDS.values()) {
  names.push(e.fullname);
  if (e.subcommands) for (const s of e.subcommands.values()) names.push(s.fullname);
}

function mine(argv: string[], resp: 2 | 3): Node {
  const w = new RespWriter(resp);
  w.write(commandCommand(argv));
  return decodeAll(w.take());
}

/** INFO entry without the subcommand list (10th element) when it is a container. */
function infoShape(n: Node): string {
  const items = n.items!.slice();
  if (items[9]!.items!.length > 0) items[9] = { type: "*", items: [] };
  return canonical({ type: n.type, items });
}

/** DOCS map without the texts written for Agner, the history and the subcommands. */
function docsShape(n: Node): string {
  const items: Node[] = [];
  for (let i = 0; i < n.items!.length; i += 2) {
    const k = n.items![i]!.text!;
    if (k === "summary" || k === "complexity" || k === "history" || k === "subcommands") continue;
    items.push(n.items![i]!, n.items![i + 1]!);
  }
  return canonical({ type: n.type, items });
}

describe("COMMAND INFO / DOCS as redis-server gives them", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const resp of [2, 3] as const) {
    test(`COMMAND INFO of every command, RESP${resp}`, async () => {
      const diffs: string[] = [];
      for (const name of names) {
        const real = decodeAll(await twin.redis(["COMMAND", "INFO", name], resp)).items![0]!;
        const ours = mine(["COMMAND", "INFO", name], resp).items![0]!;
        if (infoShape(real) !== infoShape(ours)) diffs.push(`${name}\n  redis: ${infoShape(real)}\n  agner: ${infoShape(ours)}`);
      }
      assert.deepEqual(diffs, []);
    });

    test(`COMMAND DOCS of every command, RESP${resp}`, async () => {
      const diffs: string[] = [];
      for (const name of names) {
        const real = decodeAll(await twin.redis(["COMMAND", "DOCS", name], resp));
        const ours = mine(["COMMAND", "DOCS", name], resp);
        assert.equal(ours.items!.length, 2, name);
        const r = docsShape(real.items![1]!);
        const o = docsShape(ours.items![1]!);
        if (r !== o) diffs.push(`${name}\n  redis: ${r}\n  agner: ${o}`);
      }
      assert.deepEqual(diffs, []);
    });
  }

  test("COMMAND GETKEYS / GETKEYSANDFLAGS, unknown names, errors", async () => {
    const cases = [
      ["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"],
      ["COMMAND", "GETKEYS", "GET", "k"],
      ["COMMAND", "GETKEYS", "RENAME", "a", "b"],
      ["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v"],
      ["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "get"],
      ["COMMAND", "GETKEYSANDFLAGS", "LPOP", "k"],
      ["COMMAND", "GETKEYS", "NOPE", "k"],
      ["COMMAND", "GETKEYS", "PING", "k"],
      ["COMMAND", "GETKEYS", "GET", "k", "x"],
      ["COMMAND", "GETKEYS", "MSET", "a", "1", "b"],
      ["COMMAND", "INFO", "nope", "get", "config|get", "GET", "config|nope", "a|b|c"],
      ["COMMAND", "DOCS", "nope"],
      ["COMMAND", "NOPE"],
      ["COMMAND", "LIST", "FILTERBY", "NOPE", "x"],
      ["COMMAND", "LIST", "x"],
      ["COMMAND", "HELP"],
    ];
    const diffs: string[] = [];
    for (const resp of [2, 3] as const) {
      for (const argv of cases) {
        const d = await twin.compare(argv, resp);
        if (d !== null) diffs.push(d);
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("COMMAND LIST FILTERBY ACLCAT and PATTERN name a subset of Redis' own", async () => {
    for (const filter of [["ACLCAT", "hash"], ["PATTERN", "h*"], ["ACLCAT", "keyspace"], ["PATTERN", "config|*"]]) {
      const real = new Set(decodeAll(await twin.redis(["COMMAND", "LIST", "FILTERBY", ...filter])).items!.map((n) => n.text));
      const ours = mine(["COMMAND", "LIST", "FILTERBY", ...filter], 2).items!.map((n) => n.text);
      assert.ok(ours.length > 0, filter.join(" "));
      for (const n of ours) assert.ok(real.has(n), `${n} for ${filter.join(" ")}`);
    }
  });
});
