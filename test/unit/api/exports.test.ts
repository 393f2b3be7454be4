/**
 * The package's entry points, imported by name as a user would (Node
 * resolves a package's own name through its `exports`): `agner`,
 * `agner/etf`, `agner/kv`; internals are not importable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

test("agner exports the term types the docs name, and the codec", async () => {
  const m = await import("agner");
  for (const name of ["TermMap", "ImproperList", "Float", "BitString", "Fun", "Export", "compare", "hash", "encode", "decode", "Decoder", "EtfDecodeError", "GenServer", "startNode", "AgnerError", "TermError", "EtfError", "RuntimeError", "ExitError", "DistError", "startObserver", "runtimeStatistics"]) {
    assert.ok(name in m, `agner exports ${name}`);
  }
  const bytes = m.encode(m.t(m.atom("ok"), 42));
  assert.ok(m.equals(m.decode(bytes), m.t(m.atom("ok"), 42)));
});

test("agner/etf is the codec with its term types", async () => {
  const etf = await import("agner/etf");
  const term = etf.t(etf.atom("ok"), new etf.TermMap([[1, etf.float(1)]]));
  assert.ok(etf.equals(etf.decode(etf.encode(term)), term));
  assert.throws(() => etf.decode(Uint8Array.of(131, 104)), etf.EtfDecodeError);
  assert.throws(() => etf.decode(Uint8Array.of(131, 104)), etf.EtfError);
  assert.throws(() => etf.decode(Uint8Array.of(131, 104)), etf.AgnerError);
});

test("agner/kv starts a KV server from a program", async () => {
  const kv = await import("agner/kv");
  const inst = new kv.KvInstance({ config: kv.Config.from({ argv: ["--port", "0", "--appendonly", "no", "--memcached", "no"] }) });
  await kv.startKvServer(inst);
  try {
    assert.ok(inst.port > 0);
  } finally {
    await kv.shutdown(inst);
  }
  assert.throws(() => kv.Config.from({ argv: ["--port", "x"] }), kv.ConfigError);
  assert.throws(() => kv.Config.from({ argv: ["--port", "x"] }), kv.KvError);
});

test("internals are not importable", async () => {
  await assert.rejects(import("agner/internal/runtime/process.js" as string), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
  await assert.rejects(import("agner/dist/src/runtime/process.js" as string), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});
