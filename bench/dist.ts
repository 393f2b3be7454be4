/**
 * The `dist` workload (../shared/anchors/erlang/README.md, dist.erl) between
 * two nodes on loopback, four ways in one run:
 *
 * - Agner -> Agner: this process is node a, a child Node process
 *   (bench/dist_node.ts) is node b: `dist_msg_per_s`, `dist_call_per_s`,
 *   `dist_call_latency_us`, `dist_1kb_msg_per_s`, `dist_1kb_mib_per_s`;
 * - Agner -> BEAM: the same client against `erl -s dist serve`:
 *   `dist_msg_per_s_to_beam`;
 * - BEAM -> Agner: `erl -s dist main` against the Agner node b:
 *   `dist_msg_per_s_from_beam`;
 * - BEAM -> BEAM: dist.erl on both sides, the `.beam` line of every figure.
 *
 * Every node uses one private EPMD port: this process's node starts the
 * embedded EPMD there and the erl nodes use it (`-start_epmd false`), so
 * nothing is left running and other nodes on the machine are not touched.
 * Node b is always `b@<short host>`, as dist.erl expects. Erl runs with
 * `+S 1`, like every other anchor here.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Atom, atom, call, isPid, on, receive, rpc, run, runtime, self, send, silentLogger, sleep, startNode, stopNode, t } from "../src/index.js";
import { anchorDir, erlAvailable, figure, plain } from "./lib.js";
import { waitUp, waitGone } from "./node_wait.js";

// The anchor's sizes. AGNER_BENCH_DIST_SCALE=0.1 shrinks the Agner-side runs for a quick local check
// (the erl runs keep dist.erl's fixed sizes; do not compare figures taken that way).
const SCALE = Number(process.env.AGNER_BENCH_DIST_SCALE ?? "1");
const MSGS = Math.round(1_000_000 * SCALE / 1000) * 1000;
const BATCH = 1000;
const CALLS = Math.round(100_000 * SCALE);
const START = atom("start");
const ACK = atom("ack");
const MSG = atom("msg");
const PING = atom("ping");
const COOKIE = "bench";

const here = fileURLToPath(new URL(".", import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** A child process that prints a readiness line; stopped by its pid. */
export class Child {
  out = "";
  private readonly exited: Promise<void>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding("utf8").on("data", (s: string) => (this.out += s));
    proc.stderr!.setEncoding("utf8").on("data", (s: string) => (this.out += s));
    this.exited = new Promise((r) => proc.once("exit", () => r()));
  }
  async ready(re: RegExp, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!re.test(this.out)) {
      if (this.proc.exitCode !== null || Date.now() > end) throw new Error(`child did not get ready:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  async done(): Promise<string> {
    await this.exited;
    return this.out;
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGTERM");
    await this.exited;
  }
}

export function agnerNodeB(epmdPort: number): Child {
  const script = resolve(here, "dist_node.js");
  return new Child(spawn(process.execPath, [script, "b", COOKIE, String(epmdPort)], { stdio: ["pipe", "pipe", "pipe"] }));
}

function erl(build: string, epmdPort: number, args: string[]): Child {
  return new Child(
    spawn("erl", ["+S", "1", "-setcookie", COOKIE, "-noshell", "-start_epmd", "false", "-pa", build, ...args], {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
}

interface Figures {
  msgPerS: number;
  callPerS?: number;
  callLatencyUs?: number;
  kbMsgPerS?: number;
  kbMibPerS?: number;
}

/** dist.erl's `main/0`, as an Agner process: the three tests against `{sink, B}` and `{echo, B}`. */
function client(b: Atom, all: boolean): Promise<Figures> {
  return run(function* () {
    // dist.erl waits until b answers ping and runs echo.
    for (let i = 0; !isPid(yield* rpc.call(b, "erlang", "whereis", [atom("echo")])); i++) {
      if (i > 200) throw new Error(`${b.name} is not up`);
      yield* sleep(50);
    }
    const sink = t(atom("sink"), b);
    const stream = function* (make: (i: number) => unknown): Generator<unknown, number, unknown> {
      send(sink, t(START, self()));
      const t0 = performance.now();
      for (let sent = 0; sent < MSGS; sent += BATCH) {
        const last = sent + BATCH;
        for (let i = sent + 1; i <= last; i++) send(sink, make(i));
        yield* receive(on([ACK, last], () => undefined));
      }
      return (performance.now() - t0) / 1000;
    };
    const small = yield* stream((i) => t(MSG, i));
    const f: Figures = { msgPerS: MSGS / small };
    if (!all) return f;
    const echo = t(atom("echo"), b);
    const t0 = performance.now();
    for (let k = 0; k < CALLS; k++) yield* call(echo, PING);
    const calls = (performance.now() - t0) / 1000;
    f.callPerS = CALLS / calls;
    f.callLatencyUs = (calls * 1e6) / CALLS;
    const bin = new Uint8Array(1024).fill(0x78);
    const big = yield* stream((i) => t(MSG, i, bin));
    f.kbMsgPerS = MSGS / big;
    f.kbMibPerS = (MSGS * 1024) / big / (1024 * 1024);
    return f;
  });
}

function parseErl(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k?.startsWith("dist_") && v !== undefined && !Number.isNaN(Number(v))) m.set(k, Number(v));
  }
  return m;
}

export default async function main(): Promise<void> {
  runtime().logger = silentLogger;
  const epmdPort = await freePort();
  const me = await startNode({ name: "agner_bench_a", cookie: COOKIE, epmdPort, epmd: "embedded" });
  const host = me.name.slice(me.name.indexOf("@") + 1);
  const b = atom(`b@${host}`);

  // Agner -> Agner
  let child = agnerNodeB(epmdPort);
  await child.ready(/READY/);
  const aa = await client(b, true);
  await child.stop();
  await waitGone(b);

  const withErl = erlAvailable() && process.env.AGNER_BENCH_NO_ANCHOR !== "1";
  let toBeam: Figures | undefined;
  let fromBeam: Map<string, number> | undefined;
  let beam: Map<string, number> | undefined;
  if (withErl) {
    const build = mkdtempSync(join(tmpdir(), "agner-bench-dist-"));
    try {
      execFileSync("erlc", ["-o", build, join(anchorDir, "dist.erl")], { stdio: "inherit" });
      // Agner -> BEAM
      const eb = erl(build, epmdPort, ["-sname", "b", "-s", "dist", "serve"]);
      await waitUp(b);
      toBeam = await client(b, false);
      await eb.stop();
      await waitGone(b);
      // BEAM -> Agner
      child = agnerNodeB(epmdPort);
      await child.ready(/READY/);
      fromBeam = parseErl(await erl(build, epmdPort, ["-sname", "a", "-s", "dist", "main", "-s", "init", "stop"]).done());
      await child.stop();
      await waitGone(b);
      // BEAM -> BEAM
      const bb = erl(build, epmdPort, ["-sname", "b", "-s", "dist", "serve"]);
      await waitUp(b);
      beam = parseErl(await erl(build, epmdPort, ["-sname", "a", "-s", "dist", "main", "-s", "init", "stop"]).done());
      await bb.stop();
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  }

  figure("dist_msg_per_s", aa.msgPerS, beam?.get("dist_msg_per_s"), "higher");
  figure("dist_call_per_s", aa.callPerS!, beam?.get("dist_call_per_s"), "higher");
  figure("dist_call_latency_us", aa.callLatencyUs!, beam?.get("dist_call_latency_us"), "lower");
  figure("dist_1kb_msg_per_s", aa.kbMsgPerS!, beam?.get("dist_1kb_msg_per_s"), "higher");
  figure("dist_1kb_mib_per_s", aa.kbMibPerS!, beam?.get("dist_1kb_mib_per_s"), "higher");
  if (toBeam) figure("dist_msg_per_s_to_beam", toBeam.msgPerS, beam?.get("dist_msg_per_s"), "higher");
  const fb = fromBeam?.get("dist_msg_per_s");
  if (fb !== undefined) {
    figure("dist_msg_per_s_from_beam", fb, beam?.get("dist_msg_per_s"), "higher");
    for (const k of ["dist_call_per_s", "dist_call_latency_us", "dist_1kb_msg_per_s", "dist_1kb_mib_per_s"]) {
      const v = fromBeam!.get(k);
      if (v !== undefined) plain(`${k}_from_beam`, v);
    }
  }
  await stopNode();
}


