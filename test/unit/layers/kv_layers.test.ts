/**
 * The KV app's own layers (src/apps/kv/README.md, "Which folder owns
 * what"): no import circle among its files (`import type` included: a
 * type circle is still two files that cannot be read one without the
 * other), the parsers, protocols and commands import no server code, and
 * nothing imports a connection but what starts it.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const app = resolve(fileURLToPath(import.meta.url), "../../../../../src/apps/kv");

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

/** The app's files (relative to src/apps/kv) and the app files each imports. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of files(app)) {
    const deps: string[] = [];
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)) {
      const target = relative(app, resolve(file, "..", m[1]!)).replace(/\.js$/, ".ts");
      if (!target.startsWith("..")) deps.push(target);
    }
    g.set(relative(app, file), deps);
  }
  return g;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
export function circles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || g.get(v)!.includes(v)) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

test("the circle check finds a circle", () => {
  const g = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(circles(g), [["a.ts", "b.ts", "c.ts"]]);
});

test("no import circle among the KV app's files", () => {
  const g = importGraph();
  assert.ok(g.size > 40, "the app's files are found");
  assert.deepEqual(circles(g), []);
});

/** Files that must not import server code: protocol parsing and the commands on the data. */
const NO_SERVER = [/^resp\//, /^commands\//, /^scripting\//, /^memcached\/memcached_(parser|protocol|commands)\.ts$/];
/** The connection processes, and the only files that may import each: the ones that start it. */
const CONNECTIONS: Record<string, string[]> = {
  "server/connection.ts": ["server/app.ts", "replication/replica.ts"],
  "memcached/memcached_connection.ts": ["memcached/memcached_server.ts"],
};

test("parsers, protocols, commands and the Lua scripting engine import no server code", () => {
  const bad: string[] = [];
  for (const [file, deps] of importGraph()) {
    if (!NO_SERVER.some((r) => r.test(file))) continue;
    for (const d of deps) if (d.startsWith("server/")) bad.push(`${file} imports ${d}`);
  }
  assert.deepEqual(bad, []);
});

test("nothing imports a connection but what starts it", () => {
  const bad: string[] = [];
  for (const [file, deps] of importGraph()) {
    for (const d of deps) {
      const allowed = CONNECTIONS[d];
      if (allowed !== undefined && !allowed.includes(file)) bad.push(`${file} imports ${d}`);
    }
  }
  assert.deepEqual(bad, []);
});

/** Who may speak the shard protocol: the shard client sends batches and finds shards, the holder answers. */
const SHARD_PROTOCOL = new Set(["server/shard_client.ts", "server/holder.ts", "server/messages.ts"]);

test("only the shard client sends batches and looks for shards (one copy of that machinery)", () => {
  const bad: string[] = [];
  for (const file of files(app)) {
    const rel = relative(app, file);
    if (SHARD_PROTOCOL.has(rel)) continue;
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/new Batch\(|\b(AwaitShard|ShardUp|RetryShard)\b/g)) bad.push(`${rel}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});
