/**
 * The iex sessions of a guide, to play against a real Elixir node: each
 * ```elixir block's `iex>` commands (continuations `...>` joined) with the
 * output the guide shows after each (null when it shows none).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Step {
  code: string;
  expected: string | null;
}

export const repoRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");

export function transcript(md: string): Step[][] {
  const blocks: Step[][] = [];
  for (const m of md.matchAll(/```elixir\n([\s\S]*?)```/g)) {
    const steps: Step[] = [];
    let out: string[] = [];
    const flush = () => {
      const last = steps[steps.length - 1];
      if (last !== undefined) last.expected = out.length > 0 ? out.join("\n") : null;
      out = [];
    };
    for (const line of m[1]!.trimEnd().split("\n")) {
      if (line.startsWith("iex> ")) {
        flush();
        steps.push({ code: line.slice(5), expected: null });
      } else if (line.startsWith("...> ")) steps[steps.length - 1]!.code += `\n${line.slice(5)}`;
      else out.push(line);
    }
    flush();
    blocks.push(steps);
  }
  return blocks;
}

/** The `## heading` sections of a guide in docs/, by heading (each from its heading to the next `## `). */
export function guideSections(file: string): Map<string, string> {
  const md = readFileSync(join(repoRoot, "docs", file), "utf8");
  const out = new Map<string, string>();
  const parts = md.split(/^(?=## )/m);
  for (const p of parts) {
    const m = /^## (.*)$/m.exec(p);
    if (m !== null && p.startsWith("## ")) out.set(m[1]!, p);
  }
  return out;
}
