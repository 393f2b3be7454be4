/**
 * `npm run bench -- NAME...`: runs the named workloads (default: all), each
 * in a fresh Node process (as each Erlang anchor runs in a fresh VM), each
 * followed by its Erlang anchor when `erl` is installed.
 * Run benchmarks alone on the machine: they measure ratios from one run.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ALL = ["ring", "spawn", "selective", "fairness", "gen_server", "supervisor", "etf", "kv_engine", "dist", "kv_server", "cluster_pg", "cluster_global", "cluster_distac"];
/** Diagnostics that run only when named (no anchor, no ratio). */
const EXTRA = ["dist_cpu"];
/** Other spellings of module names (`npm run bench -- kv-server`). */
const ALIASES: Record<string, string> = { "kv-server": "kv_server" };
/** Names of single anchor workloads that live in a module with others: gs_call, gs_cast and kv are in gen_server. */
const PART_OF: Record<string, string> = { gs_call: "gen_server", gs_cast: "gen_server", kv: "gen_server" };

const args = process.argv.slice(2);
if (args[0] === "--one") {
  const mod = (await import(`./${args[1]}.js`)) as { default: (parts?: string[]) => Promise<void> };
  await mod.default(args.slice(2));
  process.exit(0);
}

const names = args.filter((a) => !a.startsWith("-"));
// Group parts by module, keeping the order asked for.
const runs = new Map<string, string[]>();
for (const name of (names.length > 0 ? names : ALL).map((n) => ALIASES[n] ?? n)) {
  const mod = PART_OF[name] ?? name;
  if (!ALL.includes(mod) && !EXTRA.includes(mod)) {
    console.error(`unknown workload '${name}'; known: ${[...ALL, ...EXTRA, ...Object.keys(PART_OF), ...Object.keys(ALIASES)].join(", ")}`);
    process.exit(2);
  }
  const parts = runs.get(mod) ?? [];
  if (PART_OF[name]) parts.push(name);
  runs.set(mod, parts);
}
for (const [mod, parts] of runs) {
  console.log(`# ${[mod, ...parts].join(" ")} (${new Date().toISOString()})`);
  execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--one", mod, ...parts], { stdio: "inherit" });
}
