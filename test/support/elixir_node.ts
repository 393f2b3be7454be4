/**
 * A real Elixir node for interop tests, the twin of erl_node.ts: started
 * with a short name, a cookie and a private EPMD port (it never starts an
 * epmd of its own), driven by Elixir code sent over stdin and evaluated in
 * its `probe` process with the bindings of the previous evaluations kept (as
 * an iex session keeps them), stopped by its pid.
 *
 * @example
 * const ex = await startElixir({ sname: "ex1", cookie: "c", epmdPort });
 * await ex.eval(`Node.ping(:"agner@localhost")`); // atom("pong")
 * await ex.stop();
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { decode } from "../../src/etf/index.js";

let cached: boolean | undefined;

/** Whether `elixir` runs here. */
export function elixirAvailable(): boolean {
  if (cached === undefined) {
    try {
      execFileSync("elixir", ["-e", ":ok"], { stdio: "ignore", timeout: 30_000 });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/** Options for `describe()`/`test()`: skip without elixir locally; fail in CI (AGNER_REQUIRE_ERL=1 installs elixir too). */
export function needsElixir(): { skip?: string } {
  if (elixirAvailable()) return {};
  if (process.env.AGNER_REQUIRE_ERL === "1") throw new Error("AGNER_REQUIRE_ERL=1 but `elixir` is not installed (apt-get install elixir)");
  return { skip: "elixir not installed: real-Elixir check skipped (apt-get install elixir to run it)" };
}

export interface ElixirOptions {
  sname: string;
  cookie: string;
  epmdPort: number;
  /** Extra arguments for the Erlang VM (`--erl`), e.g. `-kernel net_ticktime 4`. */
  erlArgs?: string[];
  readyMs?: number;
}

export interface ElixirNode {
  readonly node: string;
  readonly pid: number;
  output(): string;
  /** Evaluates Elixir code in the `probe` process (bindings carry over); resolves with its value. */
  eval(code: string, timeoutMs?: number): Promise<unknown>;
  /** As `eval`, also giving `inspect(value)` as iex prints it. */
  evalInspect(code: string, timeoutMs?: number): Promise<{ value: unknown; inspected: string }>;
  stop(hard?: boolean): Promise<void>;
}

const PROGRAM = `
Process.register(self(), :probe)
IO.puts("=READY=")
loop = fn loop, binding ->
  case IO.gets("") do
    :eof -> System.halt()
    line ->
      code = line |> String.trim() |> Base.decode64!()
      {r, binding} =
        try do
          {v, b} = Code.eval_string(code, binding)
          {{:ok, v, inspect(v)}, b}
        catch
          k, e -> {{:error, inspect({k, e}), ""}, binding}
        end
      IO.puts("=R=" <> Base.encode64(:erlang.term_to_binary(r)))
      loop.(loop, binding)
  end
end
loop.(loop, [])
`;

/** Children still running when the test process exits are killed, whatever the tests did. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

export async function startElixir(o: ElixirOptions): Promise<ElixirNode> {
  const sname = o.sname.includes("@") ? o.sname : `${o.sname}@localhost`;
  const erlArgs = ["-start_epmd false", ...(o.erlArgs ?? [])].join(" ");
  const child: ChildProcess = spawn("elixir", ["--sname", sname, "--cookie", o.cookie, "--erl", erlArgs, "-e", PROGRAM], {
    env: { ...process.env, ERL_EPMD_PORT: String(o.epmdPort) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let pending = "";
  const answers: string[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  running.add(child);
  const exit = new Promise<void>((r) =>
    child.once("exit", () => {
      running.delete(child);
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
      if (exited) throw new Error(`elixir ${sname} exited while waiting for ${what}; output:\n${out}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} from elixir ${sname}; output:\n${out}`);
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
  await waitUntil(() => out.includes("=READY="), o.readyMs ?? 60_000, "readiness");
  let queue: Promise<unknown> = Promise.resolve();
  const evalInspect = (code: string, timeoutMs = 20_000): Promise<{ value: unknown; inspected: string }> => {
    const run = async () => {
      child.stdin!.write(`${Buffer.from(code).toString("base64")}\n`);
      await waitUntil(() => answers.length > 0, timeoutMs, `the answer to ${code.slice(0, 80)}`);
      const r = decode(new Uint8Array(Buffer.from(answers.shift()!, "base64"))) as unknown[];
      const tag = (r[0] as { name: string }).name;
      const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v));
      if (tag !== "ok") throw new Error(`elixir ${sname} raised evaluating ${code.slice(0, 80)}: ${text(r[1])}`);
      return { value: r[1], inspected: text(r[2]) };
    };
    const p = queue.then(run, run);
    queue = p.catch(() => {});
    return p;
  };
  return {
    node: sname,
    pid: child.pid!,
    output: () => out,
    evalInspect,
    eval: async (code, timeoutMs) => (await evalInspect(code, timeoutMs)).value,
    async stop(hard = false) {
      if (!exited) child.kill(hard ? "SIGKILL" : "SIGTERM");
      await exit;
    },
  };
}
