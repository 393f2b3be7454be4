/**
 * The seed's messages to the `kv` GenServer, on the same data Redis
 * clients see: `{get, Key}` call, `{set, Key, Value}` and `{delete, Key}`
 * casts, binaries both ways. (From a real Elixir node once distribution
 * lands; here from TypeScript processes, with the same terms.)
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { atom, call, cast, equals, t } from "../../../../src/index.js";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { RespClient, plain } from "../../../support/resp_client.js";

let srv: TestServer;
let c: RespClient;
before(async () => {
  srv = await startAgner([], { prefix: "kv" });
  c = await RespClient.connect(srv.port);
});
after(async () => {
  c.close();
  await srv.stop();
});

const GET = atom("get");
const SET = atom("set");
const DELETE = atom("delete");
const bin = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const kv = atom("kv");

test("registered as kv; a key set by a Redis client is seen as binaries, and the other way round", async () => {
  assert.deepEqual(plain(await c.cmd("SET", "foo", "bar")), "OK");
  const v = await call(kv, t(GET, bin("foo")));
  assert.ok(v instanceof Uint8Array);
  assert.ok(equals(v, bin("bar")));
  cast(kv, t(SET, bin("from-erlang"), bin("\x00\xff binary")));
  assert.ok(equals(await call(kv, t(GET, bin("from-erlang"))), bin("\x00\xff binary")), "a cast is ordered before the same client's later call");
  assert.deepEqual(plain(await c.cmd("GET", "from-erlang")), "\x00\xff binary");
  cast(kv, t(DELETE, bin("foo")));
  assert.equal(await call(kv, t(GET, bin("foo"))), null, "missing: nil");
  assert.deepEqual(plain(await c.cmd("EXISTS", "foo")), 0);
});

test("keys and values that are not binaries: strings as UTF-8, integers and atoms as their text, others refused", async () => {
  cast(kv, t(SET, "héllo", 42));
  assert.deepEqual(plain(await c.cmd("GET", Buffer.from("héllo", "utf8").toString("latin1"))), "42");
  cast(kv, t(SET, atom("colour"), atom("blue")));
  assert.ok(equals(await call(kv, t(GET, "colour")), bin("blue")));
  cast(kv, t(SET, 7n, "seven"));
  assert.ok(equals(await call(kv, t(GET, 7)), bin("seven")));
  assert.deepEqual(await call(kv, t(GET, t(1, 2))), t(atom("error"), atom("badarg")));
  const before = srv.logs.length;
  cast(kv, t(SET, [1, 2], "x"));
  cast(kv, t(atom("nonsense")));
  await call(kv, t(GET, "sync"));
  const warnings = srv.logs.slice(before).filter((e) => e.what === "kv_badarg");
  assert.equal(warnings.length, 2, "each refused cast is logged");
});

test("a key holding a hash: the call answers {error, wrongtype}", async () => {
  await c.cmd("HSET", "h", "f", "v");
  assert.deepEqual(await call(kv, t(GET, "h")), t(atom("error"), atom("wrongtype")));
});

test("SELECT does not matter: kv works on database 0", async () => {
  await c.cmd("SELECT", "3");
  await c.cmd("SET", "db3key", "x");
  assert.equal(await call(kv, t(GET, "db3key")), null);
  await c.cmd("SELECT", "0");
  await c.cmd("SET", "db0key", "y");
  assert.ok(equals(await call(kv, t(GET, "db0key")), bin("y")));
});
