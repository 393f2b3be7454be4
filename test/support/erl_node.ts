/**
 * A real `erl` node for interop tests: started with a name, a cookie and a
 * private EPMD port, waited for until distribution is up, driven by Erlang
 * expressions over stdin (each answer comes back as ETF and is decoded),
 * stopped by its pid. Its evaluator process is registered as `probe`, so
 * `{probe, Node} ! Msg` reaches it and `node.eval("receive M -> M end.")`
 * reads what came.
 *
 * @example
 * const erl = await startErl({ sname: "e1", cookie: "c", epmdPort });
 * await erl.eval(`net_adm:ping('${agner}').`); // atom("pong")
 * await erl.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { decode } from "../../src/etf/index.js";
import { startNode, stopNode } from "../../src/distribution/node.js";
import { freePort, uniqueName } from "./dist.js";

export interface ErlOptions {
  /** Short name (`-sname`), host part optional (default `@localhost`). */
  sname: string;
  cookie: string;
  /** ERL_EPMD_PORT for the node. erl never starts an epmd of its own (`-start_epmd false`). */
  epmdPort: number;
  /** Extra command-line arguments (e.g. `-hidden`, `-proto_dist inet_tls`). */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Milliseconds to wait for the node to come up (default 30 s). */
  readyMs?: number;
}

export interface ErlNode {
  /** The full node name, e.g. `e1@localhost`. */
  readonly node: string;
  readonly pid: number;
  /** Everything erl printed (stdout and stderr) so far, answers excluded. */
  output(): string;
  /** Evaluates one Erlang expression sequence (ending in `.`) in the node's `probe` process; resolves with its value. Rejects on an exception. */
  eval(expr: string, timeoutMs?: number): Promise<unknown>;
  /** Waits until the output matches. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Kills the node (SIGKILL when `hard`), waits for it to exit. */
  stop(hard?: boolean): Promise<void>;
}

const PROGRAM = [
  "register(probe, self()),",
  "io:format(\"=READY=~n\"),",
  "Loop = fun L() ->",
  "  case io:get_line(\"\") of",
  "    eof -> halt();",
  "    Line ->",
  "      R = try",
  "        {ok, Ts, _} = erl_scan:string(Line),",
  "        {ok, Es} = erl_parse:parse_exprs(Ts),",
  "        {value, V, _} = erl_eval:exprs(Es, []),",
  "        {ok, V}",
  "      catch C:E -> {error, {C, E}} end,",
  "      io:format(\"=R=~s~n\", [base64:encode(term_to_binary(R))]),",
  "      L()",
  "  end",
  "end,",
  "Loop().",
].join(" ");

export async function startErl(o: ErlOptions): Promise<ErlNode> {
  const sname = o.sname.includes("@") ? o.sname : `${o.sname}@localhost`;
  const child: ChildProcess = spawn(
    "erl",
    ["-sname", sname, "-setcookie", o.cookie, "-noshell", "-start_epmd", "false", ...(o.args ?? []), "-eval", PROGRAM],
    { env: { ...process.env, ERL_EPMD_PORT: String(o.epmdPort), ...o.env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  let pendingLine = "";
  const answers: string[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once("exit", () => {
      exited = true;
      wake?.();
      r();
    }),
  );
  const onText = (s: string): void => {
    pendingLine += s;
    const lines = pendingLine.split("\n");
    pendingLine = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith("=R=")) answers.push(l.slice(3));
      else out += `${l}\n`;
    }
    wake?.();
  };
  child.stdout!.setEncoding("utf8").on("data", onText);
  child.stderr!.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    wake?.();
  });
  const waitUntil = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (exited) throw new Error(`erl ${sname} exited while waiting for ${what}; output:\n${out}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} from erl ${sname}; output:\n${out}`);
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
  await waitUntil(() => out.includes("=READY="), o.readyMs ?? 30_000, "readiness");
  let queue: Promise<unknown> = Promise.resolve();
  const node: ErlNode = {
    node: sname,
    pid: child.pid!,
    output: () => out,
    eval(expr, timeoutMs = 20_000) {
      const run = async (): Promise<unknown> => {
        const line = expr.replace(/\n/g, " ");
        child.stdin!.write(`${line}\n`);
        await waitUntil(() => answers.length > 0, timeoutMs, `the answer to ${line.slice(0, 80)}`);
        const r = decode(new Uint8Array(Buffer.from(answers.shift()!, "base64"))) as unknown[];
        const [tag, value] = r as [{ name: string }, unknown];
        if (tag.name !== "ok") throw new Error(`erl ${sname} raised evaluating ${line.slice(0, 80)}: ${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
        return value;
      };
      const p = queue.then(run, run);
      queue = p.catch(() => {});
      return p;
    },
    async waitForOutput(re, timeoutMs = 10_000) {
      await waitUntil(() => re.test(out), timeoutMs, `output matching ${re}`);
      return out;
    },
    async stop(hard = false) {
      if (!exited) child.kill(hard ? "SIGKILL" : "SIGTERM");
      await exit;
    },
  };
  return node;
}

/** This process's node (the default runtime's, with an embedded EPMD) and a real `erl` node beside it, connected by the cookie. */
export interface NodeAndErl {
  /** This node's name. */
  me: string;
  erl: ErlNode;
  epmdPort: number;
  /** Stops erl, then this node. */
  stop(): Promise<void>;
}

export async function startNodeAndErl(prefix: string, cookie: string): Promise<NodeAndErl> {
  const epmdPort = await freePort();
  const me = (await startNode({ name: `${uniqueName(prefix)}@localhost`, cookie, epmdPort, epmd: "embedded", hidden: false })).name;
  const erl = await startErl({ sname: uniqueName(`${prefix}_erl`), cookie, epmdPort });
  return {
    me,
    erl,
    epmdPort,
    async stop() {
      await erl.stop();
      await stopNode();
    },
  };
}
