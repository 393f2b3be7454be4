/**
 * What `npm start` listens on, checked by connecting (127.0.0.2 is another
 * loopback address of this machine: a socket bound to 127.0.0.1 refuses it,
 * one bound to every interface would accept it). By default RESP,
 * memcached, the distribution and the EPMD daemon it starts are on
 * loopback, and the banner says where each is; `--dist-bind`,
 * `--dist-listen-min/max` and `ERL_EPMD_ADDRESS` move them. The EPMD daemon
 * survives Ctrl-C of the server (SIGINT to its process group). Each daemon
 * started here is killed by its pid.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { epmdNames } from "../../../../src/distribution/epmd_client.js";
import { freePort, uniqueName, until } from "../../../support/dist.js";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../src/cli/kv.js");
const tmp = mkdtempSync(join(tmpdir(), "agner-kv-listen-"));
const started: ChildProcess[] = [];
const daemons: number[] = [];
after(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const pid of daemons) kill(pid);
  rmSync(tmp, { recursive: true, force: true });
});

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = tcpConnect({ host, port });
    s.once("connect", () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

interface Started {
  proc: ChildProcess;
  banner: string;
  exit: Promise<number | null>;
  dist: { host: string; port: number };
  epmd: { port: number; where: string; pid: number };
  memcachedPort: number;
}

/** Starts the entry in its own process group (as a shell runs a job), waits for the banner, reads the ports off it. */
async function startEntry(args: string[], env: Record<string, string>): Promise<Started> {
  const proc = spawn(process.execPath, [cli, "--dir", join(tmp, uniqueName("d")), "--node-name", `${uniqueName("agner")}@localhost`, "--cookie", "listen", ...args], {
    env: { ...process.env, AGNER_KV_MEMCACHED_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(proc);
  let text = "";
  const exit = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  proc.stderr!.on("data", (d) => (text += d));
  await new Promise<void>((ok, fail) => {
    proc.stdout!.on("data", (d) => {
      text += d;
      if (text.includes("stop:")) ok();
    });
    void exit.then((code) => fail(new Error(`the entry exited (${code}):\n${text}`)));
  });
  const d = /node: +\S+, distribution on (\S+) port (\d+)/.exec(text);
  const e = /EPMD: +port (\d+) on (.*?): the EPMD daemon started now \(pid (\d+)\)/.exec(text);
  const m = /memcached protocol on \S+ port (\d+)/.exec(text);
  assert.ok(d && e && m, text);
  daemons.push(Number(e[3]));
  return { proc, banner: text, exit, dist: { host: d[1]!, port: Number(d[2]) }, epmd: { port: Number(e[1]), where: e[2]!, pid: Number(e[3]) }, memcachedPort: Number(m[1]) };
}

test("npm start listens on loopback only, says where in its banner; its EPMD daemon survives Ctrl-C", async () => {
  const [port, epmdPort] = [await freePort(), await freePort()];
  const s = await startEntry(["--port", String(port)], { ERL_EPMD_PORT: String(epmdPort) });
  assert.equal(s.dist.host, "127.0.0.1");
  assert.equal(s.epmd.port, epmdPort);
  assert.match(s.epmd.where, /^127\.0\.0\.1(, ::1)?$/);
  for (const [what, p] of [["RESP", port], ["memcached", s.memcachedPort], ["distribution", s.dist.port], ["EPMD", epmdPort]] as const) {
    assert.equal(await accepts("127.0.0.1", p), true, `${what} on 127.0.0.1`);
    assert.equal(await accepts("127.0.0.2", p), false, `${what} not on the machine's other addresses`);
  }
  assert.deepEqual((await epmdNames({ host: "127.0.0.1", port: epmdPort })).map((n) => n.port), [s.dist.port]);
  // Ctrl-C reaches the terminal's foreground process group: the server stops, the daemon (its own session) does not.
  process.kill(-s.proc.pid!, "SIGINT");
  assert.equal(await s.exit, 0);
  assert.ok(alive(s.epmd.pid), "the EPMD daemon outlives the server");
  assert.deepEqual(await epmdNames({ host: "127.0.0.1", port: epmdPort }), [], "the server unregistered; the daemon answers");
});

test("--dist-bind, --dist-listen-min/max and ERL_EPMD_ADDRESS move the distribution and the EPMD daemon", async () => {
  const [port, epmdPort] = [await freePort(), await freePort()];
  // A range of 4 ports above a free one (taken ones are skipped).
  const base = await new Promise<number>((ok) => {
    const srv = createServer().listen(0, "127.0.0.2", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => ok(Math.min(p, 65532)));
    });
  });
  const s = await startEntry(["--port", String(port), "--dist-bind", "127.0.0.2", "--dist-listen-min", String(base), "--dist-listen-max", String(base + 3)], {
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: "127.0.0.2",
  });
  assert.equal(s.dist.host, "127.0.0.2");
  assert.ok(s.dist.port >= base && s.dist.port <= base + 3, `${s.dist.port} in ${base}..${base + 3}`);
  assert.equal(await accepts("127.0.0.2", s.dist.port), true);
  assert.equal(await accepts("127.0.0.1", s.dist.port), false);
  assert.match(s.epmd.where, /^127\.0\.0\.2, 127\.0\.0\.1/);
  assert.equal(await accepts("127.0.0.2", epmdPort), true);
  assert.equal(await accepts("127.0.0.1", epmdPort), true, "epmd adds loopback");
  assert.equal(await accepts("127.0.0.3", epmdPort), false);
  s.proc.kill("SIGTERM");
  assert.equal(await s.exit, 0);
  kill(s.epmd.pid);
  await until(() => !alive(s.epmd.pid), "the daemon to go");
});

test("a port range without its start, or upside down, is a bad configuration (exit 2)", async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((ok) => {
      execFile(process.execPath, [cli, "--port", "0", "--dir", join(tmp, "bad"), ...args], { env: { ...process.env, AGNER_KV_MEMCACHED_PORT: "0" } }, (e, _out, stderr) =>
        ok({ code: e ? ((e as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
  const a = await run(["--dist-listen-max", "5000"]);
  assert.equal(a.code, 2, a.stderr);
  assert.match(a.stderr, /setting 'dist-listen-max': needs dist-listen-min/);
  const b = await run(["--dist-listen-min", "5000", "--dist-listen-max", "4000"]);
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /must not be below dist-listen-min/);
});
