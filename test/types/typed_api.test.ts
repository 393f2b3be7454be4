/**
 * Type tests: what the compiler accepts and infers for the typed API. The
 * checks run when `tsc` builds this file (part of `npm test`'s build): a
 * wrong inference or an accepted misuse fails the build. `expectTypeOf`
 * does nothing at run time, so `checks` is compiled, never called.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectTypeOf } from "expect-type";
import {
  type Atom,
  type CallSpec,
  type From,
  type Pid,
  type ServerPid,
  type Tup,
  GenServer,
  _,
  atom,
  call,
  cast,
  isPid,
  isString,
  noreply,
  ok,
  on,
  receive,
  reply,
  t,
} from "../../src/index.js";

type Calls = CallSpec<Tup<[Atom<"get">, string]>, number | undefined> | CallSpec<Atom<"size">, number>;
type Casts = Tup<[Atom<"put">, string, number]>;

class Counters extends GenServer<Map<string, number>, Calls, Casts> {
  init() {
    return ok(new Map<string, number>());
  }
  override handleCall(req: Calls["req"], _from: From, s: Map<string, number>) {
    return req === atom("size") ? reply(s.size, s) : reply(s.get((req as Tup<[Atom<"get">, string]>)[1]), s);
  }
  override handleCast([, k, v]: Casts, s: Map<string, number>) {
    return noreply(s.set(k, v));
  }
}

async function checks(): Promise<void> {
  const pid = await GenServer.start(new Counters(), undefined);
  expectTypeOf(pid).toEqualTypeOf<ServerPid<Calls, Casts>>();
  expectTypeOf(pid).toMatchTypeOf<Pid>();

  // Each request's reply type, from the server's protocol.
  expectTypeOf(await call(pid, t(atom("get"), "a"))).toEqualTypeOf<number | undefined>();
  expectTypeOf(await call(pid, atom("size"))).toEqualTypeOf<number>();
  // @ts-expect-error: not a request of this server
  void call(pid, atom("nope"));
  // @ts-expect-error: the key is a string
  void call(pid, t(atom("get"), 1));

  cast(pid, t(atom("put"), "a", 1));
  // @ts-expect-error: a cast's value is a number
  cast(pid, t(atom("put"), "a", "1"));

  // Patterns narrow what the clause body sees.
  await receive(
    on([atom("ok"), isPid], ([tag, p]) => {
      expectTypeOf(tag).toEqualTypeOf<Atom<"ok">>();
      expectTypeOf(p).toEqualTypeOf<Pid>();
    }),
    on([atom("text"), isString], ([, s]) => expectTypeOf(s).toEqualTypeOf<string>()),
    on(_, (m) => expectTypeOf(m).toEqualTypeOf<unknown>()),
  );
}

test("the typed API's inference is checked by the build (tsc)", () => {
  assert.equal(typeof checks, "function");
});
