/**
 * `agner new DIR`: a new project that depends on Agner — package.json,
 * tsconfig.json, an application whose supervisor runs a GenServer, a test,
 * and `npm start` (a node an iex shell can call) / `npm test`. The files
 * are written only into a directory that does not exist or is empty.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";

/** Agner's own version (its package.json), which the new project depends on. */
function agnerVersion(): string {
  try {
    return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
  } catch {
    return "0.1.0";
  }
}

/** npm's package name rules, roughly: lower case, no spaces; the node name's alive part the same with underscores. */
function packageName(dir: string): string {
  return basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "my-agner-app";
}

const COUNTER = `/**
 * A GenServer: a counter other processes (and Erlang or Elixir nodes) call.
 *
 *   from iex:  GenServer.call({:counter, :"NODE"}, :get)
 *              GenServer.call({:counter, :"NODE"}, {:add, 5})
 */
import { type Atom, type CallSpec, type From, type Tup, GenServer, atom, call, ok, reply, t } from "agner";

type Calls = CallSpec<Atom<"get">, number> | CallSpec<Tup<[Atom<"add">, number]>, number>;

const GET = atom("get");
const ADD = atom("add");

export class Counter extends GenServer<number, Calls> {
  init(start: number) {
    return ok(start);
  }

  override handleCall(req: Calls["req"], _from: From, n: number) {
    if (req === GET) return reply(n, n);
    const next = n + (req as Tup<[Atom<"add">, number]>)[1];
    return reply(next, next);
  }
}

/** The counter's API, by its registered name. */
export const counter = {
  get: () => call<Calls, Atom<"get">>("counter", GET),
  add: (k: number) => call<Calls, Tup<[Atom<"add">, number]>>("counter", t(ADD, k)),
};
`;

const APP = `/**
 * The application: a supervisor (one_for_one) that starts the counter and
 * restarts it if it crashes.
 */
import { Application, GenServer, Supervisor } from "agner";
import { Counter } from "./counter.js";

export function defineApp(): void {
  Application.define({
    name: "APP",
    description: "APP, an Agner application",
    vsn: "0.1.0",
    start: () =>
      Supervisor.startLink(
        [{ id: "counter", start: () => GenServer.startLink(new Counter(), 0, { name: "counter" }).result() }],
        { strategy: "one_for_one", name: "APP_sup" },
      ),
  });
}
`;

const MAIN = `/**
 * npm start: this program as a node of its own (NODE_NAME, default
 * APP@localhost; the cookie from AGNER_COOKIE or ~/.erlang.cookie), running
 * the application until Ctrl-C.
 */
import { Application, startNode, stopNode } from "agner";
import { defineApp } from "./app.js";

const name = await startNode({ name: process.env.NODE_NAME ?? "APP@localhost" });
defineApp();
await Application.start("APP");
console.log(\`APP running on \${name.name}\`);
console.log(\`  agner rpc \${name.name} sys get_state counter\`);
console.log(\`  iex --sname shell --cookie "$(cat ~/.erlang.cookie)"  then  GenServer.call({:counter, :"\${name.name}"}, :get)\`);

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, async () => {
    await Application.stop("APP");
    await stopNode();
    process.exit(0);
  });
}
`;

const TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { Application, atom, exit, whereis } from "agner";
import { defineApp } from '../src/app.js';
import { counter } from '../src/counter.js';

test("the counter counts, and its supervisor restarts it", async () => {
  defineApp();
  await Application.start("APP");
  assert.equal(await counter.add(2), 2);
  assert.equal(await counter.get(), 2);
  const first = whereis("counter")!;
  exit(first, atom("kill"));
  while (whereis("counter") === undefined || whereis("counter") === first) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await counter.get(), 0, "the restarted counter starts from 0");
  await Application.stop("APP");
});
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    outDir: "dist",
    rootDir: ".",
    declaration: false,
    skipLibCheck: true,
    types: ["node"],
  },
  include: ["src", "test"],
};

const README = `# APP

An [Agner](https://www.npmjs.com/package/agner) application: a supervisor and a GenServer.

    npm install
    npm test
    npm start

\`npm start\` runs the node \`APP@localhost\`: \`agner rpc APP@localhost sys get_state counter\`, or from iex
\`GenServer.call({:counter, :"APP@localhost"}, :get)\`.
`;

/** The files of a new project named `app` (its package name). */
export function projectFiles(app: string): Record<string, string> {
  const alive = app.replace(/[^A-Za-z0-9_]/g, "_");
  const fill = (s: string) => s.replaceAll("APP", alive);
  const pkg = {
    name: app,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      build: "tsc -p .",
      start: "npm run build --silent && node dist/src/main.js",
      test: "npm run build --silent && node --test dist/test/",
    },
    dependencies: { agner: `^${agnerVersion()}` },
    devDependencies: { typescript: "^5.4.0", "@types/node": "^20.9.0" },
  };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    ".gitignore": "node_modules\ndist\n",
    "README.md": fill(README),
    "src/counter.ts": COUNTER,
    "src/app.ts": fill(APP),
    "src/main.ts": fill(MAIN),
    "test/counter.test.ts": fill(TEST),
  };
}

/** Writes a new project into `dir` (which must not exist or be empty); resolves with the files written. */
export function newProject(dir: string): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  const files = projectFiles(packageName(dir));
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return Object.keys(files);
}
