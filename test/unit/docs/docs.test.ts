/**
 * Every ```ts block of docs/*.md must appear verbatim in a file under
 * examples/, which is compiled with the project and run by the tests, or
 * in the project `agner new` writes (templates/new/, built and tested by
 * test/interop/agner_new.test.ts), so the guides cannot drift
 * from code that works. Blocks fenced as
 * ```ts nocheck are exempt (for sketches of API not yet built).
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repo = resolve(fileURLToPath(import.meta.url), "../../../../..");

function examplesText(dir = join(repo, "examples")): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? examplesText(join(dir, e.name)) : e.name.endsWith(".ts") ? readFileSync(join(dir, e.name), "utf8") : ""))
    .join("\n");
}

test("every TypeScript block of the guides is code from examples/", () => {
  const code = examplesText() + readFileSync(join(repo, "templates/new/src/counter.ts.tpl"), "utf8");
  const docs = join(repo, "docs");
  const missing: string[] = [];
  let blocks = 0;
  for (const f of readdirSync(docs).filter((n) => n.endsWith(".md"))) {
    const md = readFileSync(join(docs, f), "utf8");
    for (const m of md.matchAll(/```ts\n([\s\S]*?)```/g)) {
      blocks++;
      if (!code.includes(m[1]!.trimEnd())) missing.push(`${f}: ${m[1]!.split("\n")[0]}`);
    }
  }
  assert.ok(blocks > 0);
  assert.deepEqual(missing, []);
});
