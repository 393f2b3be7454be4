import assert from "node:assert/strict";
import { test } from "node:test";
import { type Atom, type CallSpec, type From, Application, GenServer, Supervisor, atom, call, isAlive, ok, reply } from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

testRuntime();
const log: string[] = [];

class Service extends GenServer<string, CallSpec<Atom<"env">, string>, unknown, unknown, string> {
  init(v: string) {
    log.push(`start ${v}`);
    return ok(v);
  }
  override handleCall(_r: Atom<"env">, _f: From, v: string) {
    return reply(v, v);
  }
  override terminate() {
    log.push(`stop ${this.constructor.name}`);
  }
}

function app(name: string, deps: string[] = []) {
  Application.define({
    name,
    env: { greeting: `hello from ${name}` },
    applications: deps,
    start: (env) =>
      Supervisor.startLink([{ id: name, start: () => GenServer.startLink(new Service(), env.greeting as string, { name: `svc_${name}` }).result() }]),
    stop: () => log.push(`stopped ${name}`),
  });
}

test("applications start after their dependencies, with merged env, and stop in reverse order", async () => {
  app("db");
  app("web", ["db"]);
  const root = (await Application.start("web", { greeting: "overridden" }))!;
  assert.ok(isAlive(root));
  assert.deepEqual(Application.startedApplications(), ["db", "web"]);
  assert.equal(Application.getEnv("web", "greeting"), "overridden");
  assert.equal(await call("svc_web", atom("env")), "overridden");
  assert.equal(await call("svc_db", atom("env")), "hello from db");
  assert.equal(await Application.start("web"), root, "starting a running application leaves it as it is");
  await Application.stopAll();
  assert.deepEqual(Application.startedApplications(), []);
  assert.ok(!isAlive(root));
  assert.deepEqual(log.filter((l) => l.startsWith("stopped")), ["stopped web", "stopped db"]);
});

test("putEnv / getEnv; unknown application", async () => {
  Application.putEnv("db", "pool", 10);
  assert.equal(Application.getEnv("db", "pool"), 10);
  await assert.rejects(Application.start("nope"), /unknown application 'nope'/);
});
