/**
 * Hand-written cases for the {@link Twin}: commands separated by " | ",
 * words by spaces. In a word: `{x*n}` is n copies of x, `{empty}` the empty
 * word, `{NUL}` "a\0b", `{sp}1` " 1" (`{sp}0` " 0"), `\xHH` the byte HH,
 * `{NOW+n}` now + n ms and `{NOWS+n}` now + n seconds. Each case runs on
 * a fresh Twin in RESP2 and RESP3, every reply compared byte for byte (and
 * the hit/miss counters after it).
 */
import { type Twin } from "./twin.js";

export function expand(s: string): string {
  return s
    .replace(/\{NOW([+-]\d+)\}/g, (_, d: string) => String(Date.now() + Number(d)))
    .replace(/\{NOWS([+-]\d+)\}/g, (_, d: string) => String(Math.floor(Date.now() / 1000) + Number(d)))
    .replace(/\{([^{}*]+)\*(\d+)\}/g, (_, c: string, n: string) => c.repeat(Number(n)));
}

export function words(cmd: string): string[] {
  return cmd
    .trim()
    .split(/ +/)
    .map((w) => {
      if (w === "{empty}") return "";
      if (w === "{NUL}") return "a\0b";
      if (w === "{sp}1") return " 1";
      if (w === "{sp}0") return " 0";
      return w.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    });
}

/** Runs the cases; returns the differences found (empty when Redis and the engine agree). */
export async function runCases(twin: Twin, cases: readonly string[]): Promise<string[]> {
  const diffs: string[] = [];
  for (const c of cases) {
    for (const resp of [2, 3] as const) {
      await twin.reset();
      for (const cmd of c.split(" | ")) {
        const d = await twin.compare(words(expand(cmd)), resp);
        if (d !== null) diffs.push(d.slice(0, 3000));
      }
      const st = await twin.compareStats();
      if (st !== null) diffs.push(`${st} after ${c}`);
    }
  }
  return diffs;
}
