/**
 * `npm run bench -- NAME...`: runs the named workloads (default: all) in this
 * process, each followed by its Erlang anchor when `erl` is installed.
 * Run benchmarks alone on the machine: they measure ratios from one run.
 */
const ALL = ["ring", "spawn", "selective", "fairness", "gen_server", "etf"];

const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const name of names.length > 0 ? names : ALL) {
  if (!ALL.includes(name)) {
    console.error(`unknown workload '${name}'; known: ${ALL.join(", ")}`);
    process.exit(2);
  }
  console.log(`# ${name} (${new Date().toISOString()})`);
  const mod = (await import(`./${name}.js`)) as { default: () => Promise<void> };
  await mod.default();
}
