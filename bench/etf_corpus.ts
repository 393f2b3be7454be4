/**
 * The ETF bench's corpus (bench/etf.ts, bench/etf_callgrind.ts): the same
 * terms as its Erlang twin, bench/anchors/etf_bench.erl.
 */
import { ImproperList, TermMap, atom, t } from "../src/term/index.js";
import { makeRef, run, self } from "../src/runtime/index.js";

export interface Case {
  name: string;
  term: unknown;
  n: number;
  /** The nearest value erlpack can encode (it has no tuples, atoms or pids), if any. */
  plain?: unknown;
}

export async function corpus(): Promise<Case[]> {
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
