/**
 * The layer rule (docs/architecture.md, "Layers"): a lower layer never imports a higher one.
 *   term <- etf <- runtime <- otp <- distribution <- apps/kv <- observer, cli
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../../../src");
const order = ["term", "etf", "runtime", "otp", "distribution", "apps", "observer", "cli"];
/** What each layer may import (besides itself). */
const allowed: Record<string, string[]> = {
  term: [],
  etf: ["term"],
  runtime: ["term"],
  otp: ["term", "runtime"],
  distribution: ["term", "etf", "runtime", "otp"],
  // and the public API (src/index.ts), its way to the cluster services (`global`).
  apps: ["term", "runtime", "otp", "index.js"],
  // The observer reads a node through the public API only (src/index.ts), as a user's program would.
  observer: ["index.js"],
  cli: [...order, "index.js", "kv.js", "etf.js"],
};

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

test("every import points to the same or a lower layer", () => {
  const bad: string[] = [];
  for (const file of files(root)) {
    const layer = relative(root, file).split("/")[0]!;
    if (!allowed[layer]) continue; // src/index.ts: the public API may import everything
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/from\s+"(\.[^"]+)"/g)) {
      const target = relative(root, resolve(file, "..", m[1]!)).split("/")[0]!;
      if (target !== layer && !allowed[layer]!.includes(target)) bad.push(`${relative(root, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(bad, []);
});
