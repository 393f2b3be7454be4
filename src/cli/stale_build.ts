/**
 * `npm start` runs the build in dist/ without rebuilding (the build is made
 * once, by `npm ci` / `npm install` through the `prepare` script, or by
 * `npm run build`). Started from a source checkout whose src/ changed since,
 * it says so, once, on stderr: the server runs, but not the code being edited.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The .ts files under `src` whose .js in `out` is missing or older (checks stop after `limit`). */
export function staleSources(src: string, out: string, limit = 20): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (stale.length >= limit) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        const js = join(out, relative(src, p)).replace(/\.ts$/, ".js");
        let built = 0;
        try {
          built = statSync(js).mtimeMs;
        } catch {
          /* never built */
        }
        if (statSync(p).mtimeMs > built) stale.push(relative(resolve(src, ".."), p));
      }
    }
  };
  walk(src);
  return stale;
}

/** Warns when this build (dist/src) is older than the sources beside it; silent for an installed package (no src/). */
export function warnIfStale(): void {
  const distSrc = resolve(fileURLToPath(import.meta.url), "../..");
  const src = resolve(distSrc, "../../src");
  try {
    if (!statSync(src).isDirectory()) return;
  } catch {
    return;
  }
  const stale = staleSources(src, distSrc);
  if (stale.length === 0) return;
  const n = stale.length - 1;
  const more = n === 0 ? "" : ` and ${stale.length >= 20 ? "at least " : ""}${n} other file${n === 1 ? "" : "s"}`;
  console.error(`agner kv: warning: the build in dist/ is older than ${stale[0]}${more}; this runs the old build (npm run build rebuilds)`);
}
