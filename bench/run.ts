/**
 * `npm run bench -- NAME...`: runs the named workloads (default: all), each
 * in a fresh Node process (as each Erlang anchor runs in a fresh VM), each
 * followed by its Erlang anchor when `erl` is installed.
 * Run benchmarks alone on the machine: they measure ratios from one run.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ALL = ["ring", "spawn", "selective", "fairness", "gen_server", "supervisor", "etf"];

const args = process.argv.slice(2);
if (args[0] === "--one") {
  const mod = (await import(`./${args[1]}.js`)) as { default: () => Promise<void> };
  await mod.default();
  process.exit(0);
}

const names = args.filter((a) => !a.startsWith("-"));
for (const name of names.length > 0 ? names : ALL) {
  if (!ALL.includes(name)) {
    console.error(`unknown workload '${name}'; known: ${ALL.join(", ")}`);
    process.exit(2);
  }
  console.log(`# ${name} (${new Date().toISOString()})`);
  execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--one", name], { stdio: "inherit" });
}
