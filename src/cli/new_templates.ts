/**
 * The files `agner new` writes: a project with an application, a
 * supervisor and a GenServer (a counter), a test, and the scripts to build,
 * test and start it as an Erlang node that `iex` can call. `{{name}}` is
 * the project's name (also the application's and the node's), `{{agner}}`
 * the dependency's version or path.
 */

export const TEMPLATES: Readonly<Record<string, string>> = {
  "package.json": `{
  "name": "{{name}}",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "engines": { "node": ">=20" },
  "scripts": {
    "build": "tsc -p .",
    "start": "npm run build --silent && node dist/src/main.js",
    "test": "npm run build --silent && node --test dist/test/counter.test.js"
  },
  "dependencies": {
    "agner": "{{agner}}"
  },
  "devDependencies": {
    "@types/node": "^20.9.5",
    "typescript": "^5.9.3"
  }
}
`,
  "tsconfig.json": `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "outDir": "dist",
    "rootDir": ".",
    "sourceMap": true,
    "skipLibCheck": true
  },
  "include": ["src", "test"]
}
`,
  ".gitignore": `node_modules
dist
`,
  "src/counter.ts": `/**
 * A GenServer holding a number: \`get\` is a call (answered with the number),
 * \`{add, N}\` a cast. The messages are Erlang terms, so an Elixir node sends
 * the same ones: GenServer.cast({:counter, node}, {:add, 2}).
 */
import { type Atom, type CallSpec, type From, GenServer, type Tup, atom, call, cast, noreply, ok, reply, serverName, t } from "agner";

export const GET = atom("get");
export const ADD = atom("add");

type Calls = CallSpec<Atom<"get">, number>;
type Casts = Tup<[Atom<"add">, number]>;

export class Counter extends GenServer<number, Calls, Casts, unknown, number> {
  init(start: number) {
    return ok(start);
  }

  override handleCall(_request: Atom<"get">, _from: From, n: number) {
    return reply(n, n);
  }

  override handleCast([, by]: Casts, n: number) {
    return noreply(n + by);
  }
}

/** The registered counter, typed with its protocol. */
export const COUNTER = serverName<Calls, Casts>("counter");

/** The module API: \`await\` it from async code, \`yield*\` it in a process. */
export const counter = {
  get: () => call(COUNTER, GET),
  add(by: number): void {
    cast(COUNTER, t(ADD, by));
  },
};
`,
  "src/app.ts": `/**
 * The application: a supervisor that restarts the counter if it dies.
 */
import { Application, GenServer, Supervisor } from "agner";
import { Counter } from "./counter.js";

export const APP = "{{name}}";

export function defineApp(): void {
  Application.define({
    name: APP,
    start: () =>
      Supervisor.startLink([{ id: "counter", start: () => GenServer.startLink(new Counter(), 0, { name: "counter" }).result() }], {
        strategy: "one_for_one",
      }),
  });
}
`,
  "src/main.ts": `/**
 * \`npm start\`: this program as the Erlang node {{name}}@localhost (NODE_NAME
 * to change it), visible to the cluster, with the application running.
 * The cookie is Erlang's: AGNER_COOKIE, else ~/.erlang.cookie.
 */
import { Application, startNode } from "agner";
import { APP, defineApp } from "./app.js";

const name = process.env.NODE_NAME ?? "{{name}}@localhost";
await startNode({ name, hidden: false });
defineApp();
await Application.start(APP);
console.log(\`\${name} ready: from iex, GenServer.call({:counter, :"\${name}"}, :get)\`);
`,
  "test/counter.test.ts": `import assert from "node:assert/strict";
import { test } from "node:test";
import { Application } from "agner";
import { APP, defineApp } from "../src/app.js";
import { counter } from "../src/counter.js";

test("the counter adds what it is cast", async () => {
  defineApp();
  await Application.start(APP);
  try {
    counter.add(2);
    counter.add(3);
    assert.equal(await counter.get(), 5);
  } finally {
    await Application.stop(APP);
  }
});
`,
  "README.md": `# {{name}}

An [Agner](https://www.npmjs.com/package/agner) application: a supervisor
and a GenServer, \`src/counter.ts\`.

    npm install
    npm test     # builds, then runs test/counter.test.ts
    npm start    # the Erlang node {{name}}@localhost

From an Elixir shell on this machine (same cookie, ~/.erlang.cookie):

    iex --sname iex@localhost
    iex> GenServer.cast({:counter, :"{{name}}@localhost"}, {:add, 2})
    iex> GenServer.call({:counter, :"{{name}}@localhost"}, :get)
    2
`,
};
