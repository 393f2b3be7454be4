/**
 * Runs differential cases written as text (t_bitops_diff and t_hll_diff):
 * commands separated by " | ", words by spaces; `\xHH` is a byte,
 * `{empty}` the empty word, `{sp}1` " 1", `{x*n}` n copies of x.
 */
import { Twin } from "./twin.js";

export function expandBits(s: string): string {
  return s.replace(/\{([^{}*]+)\*(\d+)\}/g, (_, c, n) => c.repeat(Number(n)));
}

export function bitWords(cmd: string): string[] {
  return cmd
    .trim()
    .split(/ +/)
    .map((w) => (w === "{empty}" ? "" : w === "{sp}1" ? " 1" : w.replace(/\\x([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))));
}

/** Each case on a reset pair, RESP2 then RESP3; the differences, and INFO counters that differ after a case. */
export async function runCases(twin: Twin, cases: readonly string[]): Promise<string[]> {
  const diffs: string[] = [];
  for (const c of cases) {
    for (const resp of [2, 3] as const) {
      await twin.reset();
      for (const cmd of c.split(" | ")) {
        const d = await twin.compare(bitWords(expandBits(cmd)), resp);
        if (d !== null) diffs.push(d.slice(0, 3000));
      }
      const st = await twin.compareStats();
      if (st !== null) diffs.push(`${st} after ${c}`);
    }
  }
  return diffs;
}
