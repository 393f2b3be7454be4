/**
 * The KV page's reading of a KV server's report (src/observer/kv_view.ts):
 * INFO's sections become the page's rows and calls per second between two
 * reports; and, since a report may come from another node, any value and
 * any mangled INFO text give a page or null, never an exception, with
 * every list capped. Bounded to a few seconds; AGNER_FUZZ_ITERATIONS=N runs
 * a long campaign, AGNER_FUZZ_SEED replays one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { KvView, parseInfo } from "../../../src/observer/kv_view.js";

const INFO = (setCalls: number) =>
  [
    "# Server", "redis_version:7.0.15", "",
    "# Clients", "connected_clients:2", "maxclients:10000", "",
    "# Persistence", "loading:0", "rdb_last_save_time:1700000000", "aof_enabled:1", "",
    "# Stats", "instantaneous_ops_per_sec:42", "",
    "# Replication", "role:master", "connected_slaves:1", "slave0:ip=127.0.0.1,port=7001,state=online,offset=99,lag=0", "master_repl_offset:99", "",
    "# Commandstats", `cmdstat_set:calls=${setCalls},usec=30,usec_per_call=3.00,rejected_calls=0,failed_calls=0`,
    "cmdstat_get:calls=5,usec=5,usec_per_call=1.00,rejected_calls=0,failed_calls=0", "",
    "# Keyspace", "db0:keys=3,expires=1,avg_ttl=0", "db2:keys=7,expires=0,avg_ttl=0",
  ].join("\r\n");

const runs = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 300);
const seed = process.env.AGNER_FUZZ_SEED === undefined ? undefined : Number(process.env.AGNER_FUZZ_SEED);

test("INFO's sections become the page, and calls per second come from two reports", () => {
  const v = new KvView();
  const first = v.page({ info: INFO(10), slowlog: [{ id: 4, time: 1700000001, usec: 250, argv: ["SET", "k", "v"], addr: "127.0.0.1:5000", name: "app" }] }, 1_000)!;
  assert.equal(first.opsPerSec, 42);
  assert.deepEqual(first.keyspace, [{ db: "db0", keys: 3, expires: 1 }, { db: "db2", keys: 7, expires: 0 }]);
  assert.deepEqual(first.commands.map((c) => [c.name, c.calls, c.rate]), [["set", 10, 0], ["get", 5, 0]]);
  assert.deepEqual(first.slowlog, [{ id: 4, at: "2023-11-14T22:13:21.000Z", usec: 250, command: "SET k v", client: "127.0.0.1:5000 app" }]);
  assert.deepEqual(first.replication.slice(0, 2), [["role", "master"], ["connected_slaves", "1"]]);
  assert.match(new Map(first.persistence).get("rdb_last_save_time")!, /2023-11-14T22:13:20\.000Z/);
  assert.equal(new Map(first.clients).get("connected_clients"), "2");
  // Two seconds later SET has 30 more calls: 15 per second, and it sorts first.
  const second = v.page({ info: INFO(40), slowlog: [] }, 3_000)!;
  assert.deepEqual(second.commands.map((c) => [c.name, c.calls, c.rate]), [["set", 40, 15], ["get", 5, 0]]);
});

test("what is not a KV server's report is no page", () => {
  const v = new KvView();
  for (const r of [undefined, null, 3, "info", [], { info: 3 }, { slowlog: [] }]) assert.equal(v.page(r), null);
});

test("any report, and any mangling of INFO's text, gives a page or null with capped lists", () => {
  const v = new KvView();
  const check = (r: unknown) => {
    const p = v.page(r);
    if (p === null) return;
    assert.ok(p.slowlog.length <= 50);
    for (const s of p.slowlog) assert.ok(s.command.length <= 200 && s.client.length <= 401);
    for (const [, val] of [...p.clients, ...p.memory, ...p.persistence, ...p.replication]) assert.ok(val.length <= 600);
    JSON.stringify(p); // what the server sends must serialise
  };
  fc.assert(fc.property(fc.anything(), check), { numRuns: runs, seed });
  fc.assert(fc.property(fc.record({ info: fc.string({ maxLength: 400 }), slowlog: fc.anything() }), check), { numRuns: runs, seed });
  // A date past what Date holds is shown as the number it is.
  check({ info: "# Persistence\r\nrdb_last_save_time:99999999999999999999", slowlog: [{ time: 1e300 }] });
  const parts = fc.constantFrom("rdb_last_save_time:9999999999999999", "# Keyspace", "# Commandstats", "# Replication", "db0:", "cmdstat_x:", "calls=", "keys=", ",", "=", ":", "\r\n", "\n", "NaN", "1e999", "-1", "");
  fc.assert(fc.property(fc.array(fc.oneof(parts, fc.string({ maxLength: 8 })), { maxLength: 60 }), (xs) => check({ info: INFO(1) + xs.join("") })), { numRuns: runs, seed });
  // A huge line is cut, not kept whole.
  assert.equal(parseInfo(`# Clients\r\nx:${"a".repeat(100_000)}`).get("clients")!.get("x")!.length, 500);
});
