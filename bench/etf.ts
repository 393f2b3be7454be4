/**
 * ETF encode/decode on a fixed corpus, against BEAM's term_to_binary /
 * binary_to_term on the identical terms (bench/anchors/etf_bench.erl), and
 * against erlpack (the npm ETF codec used by Discord clients) where it can
 * represent the term. ns per operation; lower is better. Each figure's
 * `.floor` is the same work by a hand-written codec for that one term
 * (bench/etf_floors.ts): how far the codec is from what JS allows.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { decode, encode } from "../src/etf/index.js";
import { corpus } from "./etf_corpus.js";
import { checkedFloor } from "./etf_floors.js";
import { figure, plain, repoRoot, runErlModule } from "./lib.js";

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
    // After Agner's figures, so that the floors' code does not share their warm-up.
    const floor = checkedFloor(c.name, c.term, bytes);
    plain(`etf_encode_${c.name}_ns.floor`, time(c.n, () => floor.encode(c.term)));
    plain(`etf_decode_${c.name}_ns.floor`, time(c.n, () => floor.decode(bytes)));
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
