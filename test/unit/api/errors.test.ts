/**
 * The error hierarchy as a user sees it through the entry points: every
 * exported error class is an `AgnerError` under its layer's base, names
 * itself, and keeps an ES2022 `cause`. Classes are looked up by name on the
 * imported modules, so a missing base fails an assertion, not the build.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

type Ctor = new (...args: never[]) => Error;
type Module = Record<string, unknown>;
/** How to build one instance with `options` (which may hold a `cause`). */
type Make = (C: Ctor, options?: ErrorOptions) => Error;

const msg: Make = (C, o) => new (C as unknown as new (m: string, o?: ErrorOptions) => Error)("boom", o);
const exit: Make = (C, o) => new (C as unknown as new (r: unknown, m?: string, o?: ErrorOptions) => Error)("bad", "failed", o);

/** Every error class an entry point exports: its layer base and how to build one. */
const classes: Record<string, Record<string, { base: string; make: Make }>> = {
  agner: {
    AgnerError: { base: "AgnerError", make: msg },
    TermError: { base: "TermError", make: msg },
    AtomError: { base: "TermError", make: msg },
    AtomTableFullError: { base: "TermError", make: (C, o) => new (C as unknown as new (n: number, o?: ErrorOptions) => Error)(8, o) },
    EtfError: { base: "EtfError", make: msg },
    EtfDecodeError: { base: "EtfError", make: (C, o) => new (C as unknown as new (n: number, e: string, o?: ErrorOptions) => Error)(3, "a tag", o) },
    EtfEncodeError: { base: "EtfError", make: msg },
    RuntimeError: { base: "RuntimeError", make: msg },
    BadArgError: { base: "RuntimeError", make: msg },
    NotInProcessError: { base: "RuntimeError", make: msg },
    ExitError: { base: "RuntimeError", make: exit },
    ProcessExitError: { base: "RuntimeError", make: exit },
    CallError: { base: "ExitError", make: exit },
    StartError: { base: "ExitError", make: exit },
    ChildSpecError: { base: "AgnerError", make: msg },
    DistError: { base: "DistError", make: msg },
    DistConnectError: { base: "DistError", make: (C, o) => new (C as unknown as new (m: string, r: unknown, o?: ErrorOptions) => Error)("no", "why", o) },
    EpmdError: { base: "DistError", make: (C, o) => new (C as unknown as new (m: string, c?: string, o?: ErrorOptions) => Error)("no", "ECONNREFUSED", o) },
    SyncNodesError: { base: "DistError", make: (C, o) => new (C as unknown as new (n: unknown[], o?: ErrorOptions) => Error)([], o) },
  },
  "agner/etf": {
    AgnerError: { base: "AgnerError", make: msg },
    EtfError: { base: "EtfError", make: msg },
    EtfDecodeError: { base: "EtfError", make: (C, o) => new (C as unknown as new (n: number, e: string, o?: ErrorOptions) => Error)(3, "a tag", o) },
    EtfEncodeError: { base: "EtfError", make: msg },
  },
  "agner/kv": {
    AgnerError: { base: "AgnerError", make: msg },
    KvError: { base: "KvError", make: msg },
    ConfigError: { base: "KvError", make: (C, o) => new (C as unknown as new (s: string, d: string, o?: ErrorOptions) => Error)("port", "bad", o) },
    DataDirError: { base: "KvError", make: (C, o) => new (C as unknown as new (d: string, w: string, o?: ErrorOptions) => Error)("/d", "locked", o) },
    AofLoadError: {
      base: "KvError",
      make: (C, o) => new (C as unknown as new (k: string, f: string, n: number, m: string, o?: ErrorOptions) => Error)("format", "f.aof", 0, "bad", o),
    },
  },
};

const load = async (entry: string): Promise<Module> => (await import(entry)) as Module;
/** The name a class reports: the deprecated alias is the class it aliases. */
const ownName = (exported: string): string => (exported === "ProcessExitError" ? "ExitError" : exported);

for (const [entry, table] of Object.entries(classes)) {
  test(`${entry}: every exported error class is listed here`, async () => {
    const m = await load(entry);
    const exported = Object.keys(m).filter((k) => typeof m[k] === "function" && (m[k] as Ctor).prototype instanceof Error);
    assert.deepEqual(exported.sort(), Object.keys(table).sort());
  });

  test(`${entry}: every error is an AgnerError under its layer base, with its name and cause`, async () => {
    const m = await load(entry);
    const root = m.AgnerError as Ctor;
    assert.equal(typeof root, "function", `${entry} exports AgnerError`);
    const baseModule = await load("agner");
    for (const [name, { base, make }] of Object.entries(table)) {
      const C = m[name] as Ctor;
      const Base = (m[base] ?? baseModule[base]) as Ctor;
      assert.equal(typeof Base, "function", `${base} is exported`);
      const cause = new Error("underneath");
      const e = make(C, { cause });
      assert.ok(e instanceof Error && e instanceof root && e instanceof Base, `${name} is an AgnerError and a ${base}`);
      assert.equal(e.name, ownName(name));
      assert.equal(e.cause, cause, `${name} keeps its cause`);
      assert.ok(!("cause" in make(C)), `${name} has no cause unless given one`);
      assert.match(String(e.stack), new RegExp(`^${ownName(name)}: `));
    }
  });
}

test("one exit error: ProcessExitError is ExitError, and run() rejects with it", async () => {
  const m = await load("agner");
  const { ExitError, run, atom } = m as { ExitError: Ctor; run: (f: () => unknown) => Promise<unknown>; atom: (s: string) => unknown };
  assert.equal(m.ProcessExitError, ExitError);
  await assert.rejects(
    run(() => {
      throw new TypeError("crash");
    }),
    (e: unknown) => e instanceof ExitError && e.name === "ExitError" && e.cause instanceof TypeError && (e as unknown as { reason: unknown }).reason === e.cause,
  );
  await assert.rejects(
    run(function* () {
      (m.exit as (r: unknown) => never)(atom("bad"));
    }),
    (e: unknown) => e instanceof ExitError && (e as unknown as { reason: unknown }).reason === atom("bad") && !("cause" in e),
  );
});

test("catching by layer base: a failed call is an ExitError and a RuntimeError, a bad atom a TermError", async () => {
  const m = await load("agner");
  const { ExitError, RuntimeError, TermError, CallError } = m as Record<string, Ctor>;
  const { call, atom } = m as Record<string, (...a: unknown[]) => unknown>;
  await assert.rejects(Promise.resolve(call!("no_such_server", atom!("hello"))), (e: unknown) => e instanceof CallError && e instanceof ExitError && e instanceof RuntimeError);
  assert.throws(() => atom!("x".repeat(300)), (e: unknown) => e instanceof TermError && (e as Error).name === "AtomError");
});
