/**
 * Crash tests' write load and checks (issue 11, finding 4): clients that
 * each INCR a key of their own over RESP (one at a time, pipelined, or in
 * MULTI/EXEC; or SET it to the count of its requests) or memcached
 * (`incr`, one at a time or pipelined), keeping
 * what the server acknowledged. After a crash, a key's value `v` must be
 * `lastAck <= v <= lastAck + unknown`, where `lastAck` is the value the last
 * acknowledged INCR returned and `unknown` the INCRs sent after it whose
 * outcome the client never learned (no reply, or an error reply: "it may
 * or may not be applied"). Below: an acknowledged write was lost; above:
 * a write was applied twice.
 *
 * Also: the server process to crash (the real entry, or the entry with a
 * control channel for `exit(P, kill)`, test/support/kv_crash_child.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { RespClient, plain } from "./resp_client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** No reply this long means the server left a request unanswered: counted as an anomaly. */
const REPLY_TIMEOUT_MS = 15_000;

/** Lines from a socket, read one at a time; rejects once the socket is gone. */
class LineReader {
  private buf = "";
  private waiting: { res: (l: string) => void; rej: (e: Error) => void }[] = [];
  private closed = false;
  constructor(readonly sock: net.Socket) {
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      this.buf += d;
      this.drain();
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.rej(new Error("closed"));
    };
    sock.on("close", end);
    sock.on("error", end);
  }
  private drain(): void {
    while (this.waiting.length > 0) {
      const i = this.buf.indexOf("\r\n");
      if (i < 0) return;
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      this.waiting.shift()!.res(line);
    }
  }
  line(): Promise<string> {
    if (this.closed) return Promise.reject(new Error("closed"));
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error("timeout")), REPLY_TIMEOUT_MS);
      this.waiting.push({
        res: (l) => {
          clearTimeout(timer);
          res(l);
        },
        rej: (e) => {
          clearTimeout(timer);
          rej(e);
        },
      });
      this.drain();
    });
  }
  /** One RESP value: a number, `{ err }`, a simple string, or an array of them. */
  async resp(): Promise<unknown> {
    const l = await this.line();
    switch (l[0]) {
      case ":":
        return Number(l.slice(1));
      case "-":
        return { err: l.slice(1) };
      case "+":
        return l.slice(1);
      case "*": {
        const n = Number(l.slice(1));
        if (n < 0) return null;
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(await this.resp());
        return out;
      }
      default:
        throw new Error(`unexpected reply line ${JSON.stringify(l)}`);
    }
  }
}

export type Proto = "resp" | "mc";
/** `set` (RESP only): `SET key n` for the n-th request, so the value is the count of requests applied, as with INCR, through SET records. */
export type Mode = "single" | "pipeline" | "multi" | "set";

export class LoadClient {
  readonly key: string;
  /** INCRs (transactions, for `multi`) sent. */
  sent = 0;
  /** Acknowledgements received. */
  acks = 0;
  /** The value the last acknowledged INCR returned (0: none yet), and that INCR's index. */
  lastAck = 0;
  lastAckIdx = -1;
  errors = 0;
  disconnects = 0;
  readonly anomalies: string[] = [];
  private initialized = false;
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(
    readonly id: number,
    readonly proto: Proto,
    readonly mode: Mode,
    readonly depth = 1,
  ) {
    this.key = `crash:${proto}:${mode}:${id}`;
  }

  /** INCRs sent after the last acknowledged one: applied or not, the client cannot know. */
  get unknown(): number {
    return this.sent - 1 - this.lastAckIdx;
  }

  start(port: () => number): void {
    this.stopping = false;
    this.loop = this.run(port);
  }

  /** Stops sending; resolves once the requests in flight are answered (or their connection is gone). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private ack(idx: number, v: number): void {
    if (v <= this.lastAck) this.anomalies.push(`${this.key}: INCR acknowledged ${v} after ${this.lastAck}`);
    this.lastAck = v;
    this.lastAckIdx = idx;
    this.acks++;
  }

  private async run(port: () => number): Promise<void> {
    while (!this.stopping) {
      const sock = net.connect(port(), "127.0.0.1");
      const ok = await new Promise<boolean>((r) => {
        sock.once("connect", () => r(true));
        sock.once("error", () => r(false));
      });
      if (!ok) {
        sock.destroy();
        await sleep(20);
        continue;
      }
      sock.setNoDelay(true);
      const rd = new LineReader(sock);
      try {
        if (this.proto === "mc" && !this.initialized) {
          sock.write(`set ${this.key} 0 0 1\r\n0\r\n`);
          if ((await rd.line()) !== "STORED") throw new Error("set refused");
          this.initialized = true;
        }
        while (!this.stopping) await this.round(sock, rd);
      } catch (e) {
        if ((e as Error).message === "timeout") this.anomalies.push(`${this.key}: no reply within ${REPLY_TIMEOUT_MS} ms`);
        this.disconnects++;
      } finally {
        sock.destroy();
      }
    }
  }

  /** One request (or pipeline of `depth`) and its replies. */
  private async round(sock: net.Socket, rd: LineReader): Promise<void> {
    const n = this.mode === "pipeline" ? this.depth : 1;
    const base = this.sent;
    let out = "";
    for (let i = 0; i < n; i++) {
      if (this.proto === "mc") out += `incr ${this.key} 1\r\n`;
      else if (this.mode === "multi") out += `MULTI\r\nINCR ${this.key}\r\nEXEC\r\n`;
      else if (this.mode === "set") out += `SET ${this.key} ${base + i + 1}\r\n`;
      else out += `*2\r\n$4\r\nINCR\r\n$${this.key.length}\r\n${this.key}\r\n`;
    }
    this.sent += n;
    sock.write(out);
    for (let i = 0; i < n; i++) {
      if (this.proto === "mc") {
        const l = await rd.line();
        if (/^\d+$/.test(l)) this.ack(base + i, Number(l));
        else if (l === "NOT_FOUND") this.anomalies.push(`${this.key}: NOT_FOUND (the key was lost)`);
        else this.errors++;
      } else if (this.mode === "multi") {
        await rd.resp(); // +OK
        await rd.resp(); // +QUEUED (or an error, which dooms the EXEC)
        const r = await rd.resp();
        if (Array.isArray(r) && typeof r[0] === "number") this.ack(base + i, r[0]);
        else this.errors++;
      } else if (this.mode === "set") {
        const r = await rd.resp();
        if (r === "OK") this.ack(base + i, base + i + 1);
        else this.errors++;
      } else {
        const r = await rd.resp();
        if (typeof r === "number") this.ack(base + i, r);
        else this.errors++;
      }
    }
  }
}

/** The usual mix: RESP INCR one at a time, pipelined, in MULTI, and SET; memcached one at a time and pipelined. */
export function clientMix(): LoadClient[] {
  let id = 0;
  return [
    new LoadClient(++id, "resp", "single"),
    new LoadClient(++id, "resp", "single"),
    new LoadClient(++id, "resp", "pipeline", 8),
    new LoadClient(++id, "resp", "multi"),
    new LoadClient(++id, "resp", "set"),
    new LoadClient(++id, "mc", "single"),
    new LoadClient(++id, "mc", "pipeline", 8),
  ];
}

export interface Verdict {
  acked: number;
  lost: string[];
  doubled: string[];
}

/**
 * Checks every client's key against what it was told (see the header).
 * Safe while the clients still write: the lower bound (`lastAck`) is taken
 * before the read and the upper one (`lastAck + unknown`) after its reply,
 * so writes acknowledged or sent meanwhile only widen the window.
 */
export async function verify(port: number, clients: readonly LoadClient[]): Promise<{ verdict: Verdict; values: Map<string, number> }> {
  const lower = clients.map((x) => x.lastAck);
  const c = await RespClient.connect(port);
  let vals: (string | null)[];
  try {
    const r = await c.cmd("MGET", ...clients.map((x) => x.key));
    if (r.t !== "array") throw new Error(`MGET answered ${JSON.stringify(plain(r))}`);
    vals = plain(r) as (string | null)[];
  } finally {
    c.close();
  }
  const values = new Map<string, number>();
  const verdict: Verdict = { acked: 0, lost: [], doubled: [] };
  clients.forEach((x, i) => {
    const v = Number(vals[i] ?? 0);
    values.set(x.key, v);
    verdict.acked += x.acks;
    if (v < lower[i]!) verdict.lost.push(`${x.key}: ${v} < last acknowledged ${lower[i]}`);
    if (v > x.lastAck + x.unknown) verdict.doubled.push(`${x.key}: ${v} > last acknowledged ${x.lastAck} + ${x.unknown} unanswered`);
  });
  return { verdict, values };
}

/**
 * {@link verify} on a server whose processes are being killed: a check whose
 * connection is refused or closed (the listener or the connection was just
 * killed) is made again, up to `attempts` times.
 */
export async function verifyLive(port: number, clients: readonly LoadClient[], attempts = 200): Promise<Verdict> {
  for (let i = 0; ; i++) {
    try {
      return (await verify(port, clients)).verdict;
    } catch (e) {
      if (i >= attempts) throw e;
      await sleep(20);
    }
  }
}

const cliPath = fileURLToPath(new URL("../../src/cli/kv.js", import.meta.url));
const controlPath = fileURLToPath(new URL("./kv_crash_child.js", import.meta.url));

/** A server child process: the real entry, or the entry with the kill channel. */
export class ServerChild {
  private text = "";
  private lines: ((l: string) => void)[] = [];
  private constructor(readonly proc: ChildProcess) {}

  static async start(kind: "cli" | "control", args: string[]): Promise<ServerChild> {
    const proc = spawn(process.execPath, [kind === "cli" ? cliPath : controlPath, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const s = new ServerChild(proc);
    let partial = "";
    proc.stdout!.setEncoding("utf8");
    proc.stdout!.on("data", (d: string) => {
      s.text += d;
      partial += d;
      let i;
      while ((i = partial.indexOf("\n")) >= 0) {
        const l = partial.slice(0, i);
        partial = partial.slice(i + 1);
        for (const f of s.lines.splice(0)) f(l);
      }
    });
    proc.stderr!.on("data", (d) => (s.text += d));
    await new Promise<void>((res, rej) => {
      const ready = kind === "cli" ? "stop:" : "ready";
      const check = () => s.text.includes(ready) && res();
      proc.stdout!.on("data", check);
      proc.once("exit", (code) => rej(new Error(`the server exited (${code}) before it was ready:\n${s.text}`)));
    });
    return s;
  }

  get output(): string {
    return this.text;
  }

  /** A control command (kv_crash_child.ts); resolves with its answer line. */
  control(line: string): Promise<string> {
    const answer = new Promise<string>((res) => {
      const want = (l: string) => {
        if (/^(killed|missing|unknown|failed) /.test(l)) res(l);
        else this.lines.push(want);
      };
      this.lines.push(want);
    });
    this.proc.stdin!.write(`${line}\n`);
    return answer;
  }

  async kill9(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await exited;
  }
}

/** Server arguments for a crash test: persistence on `dir` with `fsync`, RESP and memcached on fixed ports (listeners restart on them). */
export function serverArgs(dir: string, fsync: string, port: number, mcPort: number): string[] {
  return ["--port", String(port), "--memcached", "yes", "--memcached-port", String(mcPort), "--distribution", "no", "--appendonly", "yes", "--appendfsync", fsync, "--dir", dir, "--shards", "4"];
}

/** Rounds for crash tests: `env` if set, else `AGNER_CRASH_ROUNDS` (the long run, `npm run test:crash`), else `short`. */
export function crashRounds(short: number, env = "AGNER_CRASH_ROUNDS"): number {
  for (const v of [process.env[env], process.env.AGNER_CRASH_ROUNDS]) {
    const n = Number(v ?? "");
    if (Number.isInteger(n) && n > 0) return n;
  }
  return short;
}

/** Whether this is the long run (`npm run test:crash`). */
export const longRun = process.env.AGNER_CRASH_ROUNDS !== undefined;

export { sleep };
