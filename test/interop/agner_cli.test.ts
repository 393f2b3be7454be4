/**
 * The `agner` command (dist/src/cli/agner.js, run as a program) against a
 * real erl node and an Agner node: ping, rpc with Erlang terms as
 * arguments and erl's printing of the result, nodes (EPMD's names), top,
 * once and refreshing in a real pseudo-terminal, and observer, serving the
 * web observer of a BEAM node.
 */
import assert from "node:assert/strict";
import { execFile, spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, type Pid, atom, register, rpc, send, spawn, t, receive, on } from "../../src/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { type LocalNode, startLocalNode, uniqueName } from "../support/dist.js";
import { needsPty, spawnPty } from "../support/pty.js";

const CLI = fileURLToPath(new URL("../../src/cli/agner.js", import.meta.url));

describe("the agner command", needsErl(), () => {
  const cookie = "agner_cli_cookie";
  let local: LocalNode;
  let me: Atom;
  let erl: ErlNode;
  let epmdPort: number;
  let hog: Pid;

  before(async () => {
    local = await startLocalNode("agnercli", cookie);
    ({ name: me, epmdPort } = local);
    rpc.export("calc", "add", (x: number, y: number) => x + y);
    rpc.export("calc", "echo", (x: unknown) => x);
    hog = spawn(function* () {
      yield* receive(on(atom("stop"), () => undefined));
    });
    register("cli_hog", hog);
    for (let i = 0; i < 3000; i++) send(hog, t(atom("queued"), i));
    erl = await startErl({ sname: uniqueName("clierl"), cookie, epmdPort });
  });

  afterAll(async () => {
    await erl?.stop(true);
    await local.stop();
  });

  /** Runs `agner ARGS...`: its exit status, stdout and stderr. */
  const agner = (...args: string[]): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: cookie }, timeout: 60_000 }, (e, out, err) => {
        resolve({ code: e === null ? 0 : typeof e.code === "number" ? e.code : -1, out, err });
      });
    });

  test("observer: serves the web observer of the erl node on loopback, its token required", async () => {
    const child = spawnProcess(process.execPath, [CLI, "observer", erl.node], { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: cookie } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /observer of (\S+): (http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+)/.exec(out);
          if (m !== null) resolve(m[2]!);
        });
        child.once("exit", (code) => reject(new Error(`agner observer exited (${code}): ${out}`)));
      });
      assert.equal((await fetch(url)).status, 200);
      assert.equal((await fetch(new URL("/", url))).status, 401);
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("ping: pong for erl and Agner nodes, pang (status 1) for a wrong cookie or no node", async () => {
    assert.deepEqual(await agner("ping", erl.node), { code: 0, out: "pong\n", err: "" });
    assert.deepEqual(await agner("ping", me.name), { code: 0, out: "pong\n", err: "" });
    assert.equal((await agner("ping", erl.node, "--cookie", "wrong")).out, "pang\n");
    assert.equal((await agner("ping", erl.node, "--sname", "chosen_cli_name")).out, "pong\n");
    const none = await agner("ping", "nobody_here@localhost");
    assert.deepEqual([none.code, none.out], [1, "pang\n"]);
  });

  test("rpc: Erlang terms in, erl's printing out, to erl and to Agner", async () => {
    assert.deepEqual(await agner("rpc", erl.node, "lists", "reverse", `[1, "ab", {ok, <<"bin">>}, #{k => 2.5}]`), { code: 0, out: `[#{k => 2.5},{ok,<<"bin">>},"ab",1]\n`, err: "" });
    assert.equal((await agner("rpc", erl.node, "erlang", "system_info", "otp_release")).out, `"25"\n`);
    assert.equal((await agner("rpc", me.name, "calc", "add", "2", "40")).out, "42\n");
    assert.equal((await agner("rpc", me.name, "calc", "echo", `{'Quoted', [a|b], $x, 16#ff, -7}`)).out, `{'Quoted',[a|b],120,255,-7}\n`);
    assert.equal((await agner("rpc", me.name, "erlang", "system_info", "otp_release")).out, `"25"\n`);
    const undef = await agner("rpc", erl.node, "no_such_module", "f", "1");
    assert.deepEqual([undef.code, undef.out], [1, `{badrpc,{'EXIT',{undef,[{no_such_module,f,[1],[]}]}}}\n`]);
    const bad = await agner("rpc", erl.node, "lists", "reverse", "[1,");
    assert.equal(bad.code, 1);
    assert.match(bad.err, /cannot read a term: .* at position 4/);
    const usage = await agner("rpc", erl.node);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /rpc needs NODE MOD FUN/);
  });

  test("nodes: the names EPMD knows", async () => {
    const r = await agner("nodes");
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^name ${erl.node.split("@")[0]} at port \\d+$`, "m"));
    assert.match(r.out, new RegExp(`^name ${me.name.split("@")[0]} at port \\d+$`, "m"));
    assert.doesNotMatch(r.out, /agner_cli_/, "the command's own node is not registered");
  });

  test("top --once: erl's code_server, and the Agner process with the longest queue first by memory", async () => {
    const e = await agner("top", erl.node, "--once", "--lines", "40");
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /^<0\.\d+\.0>\s+code_server\s+\d+\s+\d+\s+0 code_server:loop\/1$/m);
    assert.match(e.out, /Load:  procs\s+\d+/);
    // A proc_lib process shows its real initial function ($initial_call), as etop shows it.
    assert.match(e.out, /^<0\.\d+\.0>\s+application_master:init\/4 /m);
    const a = await agner("top", me.name, "--once", "--sort", "msg_q");
    const first = a.out.split("\n").find((l) => l.startsWith("<0."));
    assert.match(first ?? "", /^<0\.\d+\.\d+>\s+cli_hog\s+\d+\s+\d+\s+3000 /, a.out);
  });

  test("top in a terminal: refreshes, shows the busiest process, q quits", needsPty(), async () => {
    const term = spawnPty(process.execPath, [CLI, "top", me.name, "--sort", "memory", "--interval", "0.5"], { ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: cookie });
    try {
      await term.waitFor(/q quits/);
      const firstFrame = term.output().length;
      // The screen is cleared and drawn again.
      await term.waitFor(/\x1b\[H\x1b\[2J[\s\S]*q quits/, 20_000, firstFrame);
      const screens = term.output().split("\x1b[H\x1b[2J");
      const last = screens[screens.length - 1]!;
      assert.match(last.split("\n").find((l) => l.startsWith("<0.")) ?? "", /cli_hog/, last);
      term.write("q");
      assert.equal(await term.exit, 0);
    } finally {
      term.kill();
    }
    // Ctrl-C quits too.
    const again = spawnPty(process.execPath, [CLI, "top", erl.node], { ...process.env, ERL_EPMD_PORT: String(epmdPort), AGNER_COOKIE: cookie });
    try {
      await again.waitFor(/q quits/);
      again.write("\x03");
      assert.equal(await again.exit, 0);
    } finally {
      again.kill();
    }
  });
});
