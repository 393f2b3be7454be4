/** The name registry: register, unregister, whereis, registered, send by name. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import {
  BadArgError,
  exit,
  processInfo,
  receive,
  register,
  registered,
  send,
  spawn,
  unregister,
  whereis,
} from "../../../src/runtime/index.js";
import { fresh } from "./helpers.js";

const STOP = atom("stop");
const idle = () =>
  spawn(function* () {
    yield* receive(STOP);
  });

test("register / whereis / registered / unregister; a string and its atom are the same name", async () => {
  const rt = fresh();
  const a = idle();
  const b = idle();
  assert.equal(whereis("alpha"), undefined);
  register("alpha", a);
  register(atom("beta"), b);
  assert.equal(whereis(atom("alpha")), a);
  assert.equal(whereis("beta"), b);
  assert.deepEqual(new Set(registered()), new Set([atom("alpha"), atom("beta")]));
  assert.equal(processInfo(a, "registered_name"), atom("alpha"));
  unregister(atom("alpha"));
  assert.equal(whereis("alpha"), undefined);
  assert.equal(processInfo(a, "registered_name"), undefined);
  assert.deepEqual(registered(), [atom("beta")]);
  // an unregistered process may take a new name
  register("gamma", a);
  assert.equal(whereis("gamma"), a);
  await rt.settle();
});

test("send by name, as a string or an atom, reaches the process", async () => {
  const rt = fresh();
  const got: unknown[] = [];
  const pid = spawn({ handle: (m: unknown) => void got.push(m) });
  register("sink", pid);
  send("sink", 1);
  send(atom("sink"), 2);
  await rt.settle();
  assert.deepEqual(got, [1, 2]);
});

test("errors: a taken name, a dead pid, an already-registered pid, the name undefined, unregistering an unknown name", async () => {
  const rt = fresh();
  const a = idle();
  const b = idle();
  const dead = spawn(() => {});
  await rt.settle();
  register("taken", a);
  assert.throws(() => register("taken", b), (e: unknown) => e instanceof BadArgError && /taken/.test(e.message));
  assert.throws(() => register("other", a), (e: unknown) => e instanceof BadArgError && /already registered/.test(e.message));
  assert.throws(() => register("ghost", dead), (e: unknown) => e instanceof BadArgError && /not alive/.test(e.message));
  assert.throws(() => register("undefined", b), BadArgError);
  assert.throws(() => unregister("never_registered"), (e: unknown) => e instanceof BadArgError && /never_registered/.test(e.message));
  // nothing above changed the table
  assert.deepEqual(registered(), [atom("taken")]);
  assert.equal(whereis("taken"), a);
});

test("the name is released when the process dies (normally or not), and can be taken again", async () => {
  const rt = fresh();
  const a = idle();
  register("svc", a);
  send("svc", STOP);
  await rt.settle();
  assert.equal(whereis("svc"), undefined);
  assert.deepEqual(registered(), []);
  assert.throws(() => send("svc", 1), BadArgError);

  const b = idle();
  register("svc", b);
  exit(b, atom("kill"));
  assert.equal(whereis("svc"), undefined, "released at once");
  const c = idle();
  register("svc", c);
  assert.equal(whereis("svc"), c);
  await rt.settle();
});
