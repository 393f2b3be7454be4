/**
 * `agner remsh NODE`: a REPL (node:repl) whose inputs run inside a running
 * Agner node, through the node's `agner_shell` rpc module (shell_server.ts).
 *
 * Here: multi-line input (an incomplete input waits for more lines), a
 * history file (`~/.agner_remsh_history`, or AGNER_REMSH_HISTORY), tab
 * completion of the names the remote session knows, TypeScript types
 * stripped before sending when the `typescript` package can be loaded
 * (its `transpileModule`), and Ctrl-C: during an evaluation it kills the
 * evaluating process on the node (never the node); at the prompt it clears
 * the line, and twice on an empty line it leaves, as node's REPL.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import repl from "node:repl";
import { Script } from "node:vm";
import { createRequire } from "node:module";
import { type Atom, type Pid, Tuple, atom, format, on, receive, rpc, send, spawn } from "../index.js";

const OK = atom("ok");
const ERROR = atom("error");
const STOP = atom("stop");

type TS = typeof import("typescript");

/** The `typescript` package, if it can be loaded from here (a dev dependency, not a runtime one). */
function loadTypeScript(): TS | undefined {
  try {
    return createRequire(import.meta.url)("typescript") as TS;
  } catch {
    return undefined;
  }
}

/** An input that needs more lines (JavaScript: the parser ran out of text). */
function incompleteJs(code: string): boolean {
  try {
    // Inside an async generator's body: `await` and `yield` parse; the body never runs.
    new Script(`(async function* () {\n${code}\n})`);
    return false;
  } catch (e) {
    return e instanceof SyntaxError && /Unexpected end of input|Unterminated template literal|missing \) after argument list/.test(e.message);
  }
}

/** The JavaScript to send, or "incomplete". With TypeScript: its syntax errors at the very end mean more lines are coming. */
export function prepare(code: string, ts: TS | undefined): string | "incomplete" {
  if (ts === undefined) return incompleteJs(code) ? "incomplete" : code;
  const out = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
  });
  const end = code.trimEnd().length;
  if ((out.diagnostics ?? []).some((d) => (d.start ?? 0) >= end)) return "incomplete";
  return out.outputText;
}

const utf8 = new TextDecoder();
const str = (x: unknown): string => (x instanceof Uint8Array ? utf8.decode(x) : typeof x === "string" ? x : format(x));

/** Runs the shell until it is left (Ctrl-D, `.exit`, Ctrl-C twice); resolves with the exit status. */
export async function remsh(node: Atom): Promise<number> {
  // This session's process: the shell on the node lives as long as it does.
  const owner: Pid = spawn(function* () {
    yield* receive(on(STOP, () => undefined));
  });
  const started = await rpc.call(node, "agner_shell", "start", [owner]);
  if (!(started instanceof Tuple && started[0] === OK)) {
    process.stderr.write(`agner remsh: ${node.name} has no remote shell (an Agner node that called startRemoteShell(), as npm start does): ${format(started)}\n`);
    send(owner, STOP);
    return 1;
  }
  const shell = started[1] as Pid;
  const ts = loadTypeScript();
  let evaluating = false;

  const server = repl.start({
    prompt: `${node.name}> `,
    ignoreUndefined: true,
    writer: (s: unknown) => String(s),
    eval: (cmd, _ctx, _file, cb) => {
      if (cmd.trim() === "") return cb(null, undefined);
      let js: string;
      try {
        const p = prepare(cmd, ts);
        if (p === "incomplete") return cb(new repl.Recoverable(new SyntaxError("more input")), undefined);
        js = p;
      } catch (e) {
        return cb(null, `agner remsh: ${String(e)}`);
      }
      evaluating = true;
      rpc.call(node, "agner_shell", "eval", [shell, js]).then(
        (r) => {
          evaluating = false;
          if (r instanceof Tuple && r.length === 2 && (r[0] === OK || r[0] === ERROR)) return cb(null, str(r[1]));
          // The evaluating process was killed (Ctrl-C), or the node went away.
          cb(null, r instanceof Tuple && String(format(r)).includes("killed") ? "** interrupted" : `** ${format(r)}`);
        },
        (e: unknown) => {
          evaluating = false;
          cb(null, `** ${String(e)}`);
        },
      );
    },
    completer: (line: string, cb: (err: Error | null, r: [string[], string]) => void) => {
      const frag = /[\w$.]*$/.exec(line)![0];
      rpc.call(node, "agner_shell", "complete", [shell, frag]).then(
        (r) => cb(null, [Array.isArray(r) ? r.map(str) : [], frag]),
        () => cb(null, [[], frag]),
      );
    },
  });

  // Ctrl-C: interrupt the evaluation, never the node; at the prompt, node's REPL behaviour.
  let sawSigint = false;
  server.removeAllListeners("SIGINT");
  server.on("SIGINT", () => {
    if (evaluating) {
      void rpc.call(node, "agner_shell", "interrupt", [shell]);
      return;
    }
    const empty = server.line.length === 0;
    server.clearBufferedCommand();
    server.write("", { ctrl: true, name: "u" });
    if (empty) {
      if (sawSigint) return server.close();
      server.output.write("\n(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n");
      sawSigint = true;
    } else sawSigint = false;
    server.displayPrompt();
  });
  server.on("line", () => (sawSigint = false));

  const history = process.env.AGNER_REMSH_HISTORY ?? join(homedir(), ".agner_remsh_history");
  await new Promise<void>((resolve) => server.setupHistory(history, () => resolve()));

  await new Promise<void>((resolve) => server.once("exit", () => resolve()));
  send(owner, STOP);
  return 0;
}
