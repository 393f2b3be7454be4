/**
 * ETF encode/decode on a fixed corpus, against BEAM's term_to_binary /
 * binary_to_term on the identical terms (bench/anchors/etf_bench.erl), and
 * against erlpack (the npm ETF codec used by Discord clients) where it can
 * represent the term. ns per operation; lower is better.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { decode, encode } from "../src/etf/index.js";
import { ImproperList, TermMap, atom, t } from "../src/term/index.js";
import { makeRef, run, self } from "../src/runtime/index.js";
import { figure, plain, repoRoot, runErlModule } from "./lib.js";

interface Case {
  name: string;
  term: unknown;
  n: number;
  /** The nearest value erlpack can encode (it has no tuples, atoms or pids), if any. */
  plain?: unknown;
}

async function corpus(): Promise<Case[]> {
  const [pid, ref] = await run(function* () {
    return [self(), makeRef()] as const;
  });
  const payload = new Uint8Array(1024).map((_, i) => "0123456789abcdef".charCodeAt(i % 16));
  const list = Array.from({ length: 200 }, (_, i) => t(i + 1, (i + 1) * 2));
  const map = new TermMap(Array.from({ length: 1000 }, (_, i) => [i + 1, "v"] as [number, string]));
  return [
    { name: "small", term: t(atom("$gen_call"), t(pid, new ImproperList([atom("alias")], ref)), t(atom("get"), "key")), n: 200_000 },
    { name: "bin1k", term: t(atom("msg"), 1, payload), n: 100_000, plain: ["msg", 1, Buffer.from(payload)] },
    { name: "list200", term: list, n: 20_000, plain: list.map((x) => [x[0], x[1]]) },
    { name: "map1000", term: map, n: 2_000 },
  ];
}

function time(n: number, f: () => unknown): number {
  for (let i = 0; i < n / 10; i++) f(); // warm-up, as the Erlang twin does
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t0) * 1e6) / n;
}

export default async function main(): Promise<void> {
  const cases = await corpus();
  const beam = runErlModule([join(repoRoot, "bench", "anchors", "etf_bench.erl")], "etf_bench");
  let erlpack: { pack(x: unknown): Buffer; unpack(b: Uint8Array): unknown } | undefined;
  try {
    erlpack = createRequire(import.meta.url)("erlpack");
  } catch {
    console.log("# erlpack not installed: its figures are skipped");
  }
  for (const c of cases) {
    const bytes = encode(c.term);
    const enc = time(c.n, () => encode(c.term));
    const dec = time(c.n, () => decode(bytes));
    figure(`etf_encode_${c.name}_ns`, enc, beam?.get(`etf_encode_${c.name}_ns`), "lower");
    figure(`etf_decode_${c.name}_ns`, dec, beam?.get(`etf_decode_${c.name}_ns`), "lower");
    if (erlpack) {
      try {
        const b = new Uint8Array(erlpack.pack(c.plain ?? c.term));
        if (c.plain !== undefined) plain(`etf_encode_${c.name}_ns.erlpack`, time(c.n, () => erlpack!.pack(c.plain)));
        plain(`etf_decode_${c.name}_ns.erlpack`, time(c.n, () => erlpack!.unpack(c.plain !== undefined ? b : bytes)));
      } catch (e) {
        console.log(`# erlpack cannot handle ${c.name}: ${(e as Error).message}`);
      }
    }
  }
}
