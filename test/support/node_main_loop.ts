/**
 * The command loop of an Agner node run as a child process by the tests
 * (agner_node.ts drives it): `=READY= name` once up, then one command per
 * stdin line (an ETF term, base64) answered in order by one `=R=` line
 * (the answer's ETF, base64); a command that throws answers
 * `{error, Message}`. The process exits when stdin closes.
 */
import { decode, encode } from "../../src/etf/index.js";
import { atom } from "../../src/term/atom.js";
import { t } from "../../src/term/tuple.js";

export function serveCommands(name: string, command: (cmd: unknown) => unknown): void {
  process.stdout.write(`=READY= ${name}\n`);
  let buffered = "";
  let queue: Promise<void> = Promise.resolve();
  process.stdin.setEncoding("utf8").on("data", (s: string) => {
    buffered += s;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === "") continue;
      queue = queue.then(async () => {
        let r: unknown;
        try {
          r = await command(decode(new Uint8Array(Buffer.from(line, "base64"))));
        } catch (e) {
          r = t(atom("error"), e instanceof Error ? e.message : String(e));
        }
        process.stdout.write(`=R=${Buffer.from(encode(r)).toString("base64")}\n`);
      });
    }
  });
  process.stdin.on("end", () => process.exit(0));
}
