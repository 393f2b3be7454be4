/**
 * Shared bench plumbing: figure lines, the Erlang anchor runner.
 *
 * Output contract (one per line): `FIGURE VALUE`, `FIGURE.beam VALUE`,
 * `FIGURE.ratio VALUE`, where ratio > 1 means Agner is better (for a rate
 * Agner/BEAM, for a time or a size BEAM/Agner).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type Better = "higher" | "lower";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (bench/ compiles to dist/bench/). */
export const repoRoot = resolve(here, "..", "..");
/** The Erlang reference workloads shipped beside the project (AGNER_ANCHOR_DIR overrides, e.g. from a git worktree). */
export const anchorDir = process.env.AGNER_ANCHOR_DIR ?? resolve(repoRoot, "..", "shared", "anchors", "erlang");

export function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** Prints a figure, its BEAM twin and their ratio. */
export function figure(name: string, agner: number, beam: number | undefined, better: Better): void {
  console.log(`${name} ${fmt(agner)}`);
  if (beam === undefined || !Number.isFinite(beam)) return;
  console.log(`${name}.beam ${fmt(beam)}`);
  const ratio = better === "higher" ? agner / beam : beam / agner;
  console.log(`${name}.ratio ${ratio.toFixed(2)}`);
}

/** Prints a figure with no anchor. */
export function plain(name: string, value: number): void {
  console.log(`${name} ${fmt(value)}`);
}

// One detection of `erl` for tests and benches alike.
export { erlAvailable } from "../test/support/erl.js";
import { erlAvailable } from "../test/support/erl.js";

/**
 * Compiles `files` (paths) and runs `Module:main()` in a fresh `erl +S 1`
 * (plus `flags`), returning the `name value` lines it prints as a map.
 * Undefined when erl is not installed.
 */
export function runErlModule(files: string[], module: string, flags: string[] = []): Map<string, number> | undefined {
  // AGNER_BENCH_NO_ANCHOR=1 skips the Erlang side (quick local iterations).
  if (process.env.AGNER_BENCH_NO_ANCHOR === "1" || !erlAvailable()) return undefined;
  const build = mkdtempSync(join(tmpdir(), "agner-bench-"));
  try {
    execFileSync("erlc", ["-o", build, ...files], { stdio: "inherit" });
    const out = execFileSync(
      "erl",
      ["+S", "1", ...flags, "-noshell", "-pa", build, "-s", module, "main", "-s", "init", "stop"],
      { encoding: "utf8", timeout: 600_000, maxBuffer: 64 << 20 },
    );
    const figures = new Map<string, number>();
    for (const line of out.split("\n")) {
      const [k, v] = line.trim().split(/\s+/);
      if (k && v !== undefined && !Number.isNaN(Number(v))) figures.set(k, Number(v));
    }
    return figures;
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/** Runs a workload module from the shared anchors (`ring`, `spawn_many`, ...). */
export function runAnchor(module: string, flags: string[] = []): Map<string, number> | undefined {
  return runErlModule([join(anchorDir, `${module}.erl`)], module, flags);
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
