/**
 * Starts an Agner node in its own OS process (agner_node_main.ts), waits
 * until it is up, sends it commands (terms) and reads the answers; stops it
 * by its pid (SIGKILL for a crash).
 *
 * @example
 * const n1 = await startAgnerNode({ name: "n1@localhost", cookie: "c", epmdPort });
 * await n1.command(t(atom("kv_get"), atom("n2@localhost"), atom("foo")));
 * await n1.stop(true);
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decode, encode } from "../../src/etf/index.js";

const main = join(fileURLToPath(new URL(".", import.meta.url)), "agner_node_main.js");

export interface AgnerNodeOptions {
  name: string;
  cookie: string;
  epmdPort: number;
  /** net_ticktime in seconds (default 60). */
  ticktime?: number;
  /** Another program with the same command-line and stdin protocol (e.g. pg_node_main.js). */
  main?: string;
}

export interface AgnerNode {
  readonly node: string;
  readonly pid: number;
  output(): string;
  command(term: unknown, timeoutMs?: number): Promise<unknown>;
  stop(hard?: boolean): Promise<void>;
}

/** Children still running when the test process exits are killed, whatever the tests did. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

export async function startAgnerNode(o: AgnerNodeOptions): Promise<AgnerNode> {
  const child: ChildProcess = spawn(process.execPath, [o.main ?? main, o.name, o.cookie, String(o.epmdPort), String(o.ticktime ?? 60)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let pending = "";
  const answers: string[] = [];
  let node = "";
  let exited = false;
  let wake: (() => void) | undefined;
  const exit = new Promise<void>((r) =>
    child.once("exit", () => {
      exited = true;
      wake?.();
      r();
    }),
  );
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    pending += s;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith("=R=")) answers.push(l.slice(3));
      else if (l.startsWith("=READY= ")) node = l.slice(8);
      else out += `${l}\n`;
    }
    wake?.();
  });
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    wake?.();
  });
  const waitUntil = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (exited) throw new Error(`agner node ${o.name} exited while waiting for ${what}; output:\n${out}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} from ${o.name}; output:\n${out}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 200));
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      wake = undefined;
    }
  };
  await waitUntil(() => node !== "", 30_000, "readiness");
  let queue: Promise<unknown> = Promise.resolve();
  return {
    get node() {
      return node;
    },
    pid: child.pid!,
    output: () => out,
    command(term, timeoutMs = 20_000) {
      const run = async () => {
        child.stdin!.write(`${Buffer.from(encode(term)).toString("base64")}\n`);
        await waitUntil(() => answers.length > 0, timeoutMs, "an answer");
        return decode(new Uint8Array(Buffer.from(answers.shift()!, "base64")));
      };
      const p = queue.then(run, run);
      queue = p.catch(() => {});
      return p;
    },
    async stop(hard = false) {
      if (!exited) {
        if (hard) child.kill("SIGKILL");
        else child.stdin!.end();
      }
      await exit;
    },
  };
}
