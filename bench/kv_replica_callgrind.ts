/**
 * Instructions per replicated write on a replica, counted by valgrind's
 * callgrind (counts do not depend on the machine's load). Not part of
 * `npm run bench`; the primary's side is bench/kv_callgrind.ts with
 * AGNER_CG_REPLICA=1.
 *
 *     npx tsc -p . && node dist/bench/kv_replica_callgrind.js
 *     # AGNER_CG_N=4000 (writes of the shorter run; the longer runs 2N)
 *
 * In one process: the server (2 shards, persistence off, no expiry cron)
 * started with `--replicaof` this process's own stand-in primary, a socket
 * server on loopback that answers the handshake with a full resync of an
 * empty RDB, then streams chunks of 16 `SET key:<12 digits> xxx` (as
 * redis-benchmark's `-t set -P 16 -r 100000` would make the primary send),
 * each followed by `REPLCONF GETACK *`, and waits for the ACK of the chunk
 * before the next. One run streams N writes after the warm-up, the other
 * 2N: the difference over N is a write's instructions on the replica,
 * plus the stand-in's share of a socket write and read per 16 writes.
 */
import { spawnSync } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Runtime, setDefaultRuntime } from "../src/index.js";
import { Supervisor } from "../src/otp/supervisor.js";
import { startKvServer } from "../src/apps/kv/server/app.js";
import { Config } from "../src/apps/kv/server/config.js";
import { KvInstance } from "../src/apps/kv/server/instance.js";
import { encodeCommand } from "../src/apps/kv/aof/aof_format.js";
import { randomDigits } from "./kv_callgrind.js";

const KEYS = 100_000;
const PIPELINE = 16;
const WARM_CHUNKS = 1500;
const GETACK = encodeCommand(["REPLCONF", "GETACK", "*"]);
/** An RDB with no key, version 10, checksum 0 (not checked, as Redis' `rdbchecksum no` writes it). */
const EMPTY_RDB = Buffer.concat([Buffer.from("REDIS0010", "latin1"), Buffer.from([0xff]), Buffer.alloc(8)]);
const MARK = "0123456789abcdef0123456789abcdef01234567";

/** The stand-in primary: the handshake, then {@link Primary.stream}. */
class Primary {
  private sock: Socket | null = null;
  private inBuf = "";
  offset = 0;
  acked = -1;
  private waiter: { at: number; done: () => void } | null = null;
  private ready: (() => void) | null = null;
  readonly online = new Promise<void>((r) => (this.ready = r));
  readonly server = createServer((s) => {
    this.sock = s;
    s.setNoDelay(true);
    s.on("data", (d: Buffer) => this.onData(d.toString("latin1")));
  });

  private onData(text: string): void {
    this.inBuf += text;
    for (;;) {
      const argv = takeCommand(this);
      if (argv === null) return;
      const name = argv[0]!.toUpperCase();
      if (name === "PING") this.sock!.write("+PONG\r\n");
      else if (name === "PSYNC") {
        this.sock!.write(`+FULLRESYNC ${"a".repeat(40)} 0\r\n$EOF:${MARK}\r\n`);
        this.sock!.write(Buffer.concat([EMPTY_RDB, Buffer.from(MARK, "latin1")]));
      } else if (name === "REPLCONF" && argv[1]?.toUpperCase() === "ACK") this.onAck(Number(argv[2]));
      else if (name === "REPLCONF") this.sock!.write("+OK\r\n");
    }
  }

  private onAck(offset: number): void {
    this.acked = Math.max(this.acked, offset);
    if (this.ready !== null) {
      this.ready();
      this.ready = null;
    }
    const w = this.waiter;
    if (w !== null && this.acked >= w.at) {
      this.waiter = null;
      w.done();
    }
  }

  /** Sends one chunk and a GETACK; resolves once the replica acknowledged the chunk. */
  stream(chunk: Buffer): Promise<void> {
    return new Promise((done) => {
      this.offset += chunk.length;
      this.waiter = { at: this.offset, done };
      this.sock!.write(chunk);
      this.sock!.write(GETACK);
      this.offset += GETACK.length;
    });
  }

  /** The unread input, for {@link takeCommand}. */
  get input(): string {
    return this.inBuf;
  }
  set input(s: string) {
    this.inBuf = s;
  }
}

/** One complete RESP array of bulk strings from the stand-in's input, or null. */
function takeCommand(p: Primary): string[] | null {
  const b = p.input;
  if (!b.startsWith("*")) {
    const nl = b.indexOf("\r\n");
    if (nl < 0) return null;
    p.input = b.slice(nl + 2);
    return b.slice(0, nl).split(" ");
  }
  let at = b.indexOf("\r\n");
  if (at < 0) return null;
  const n = Number(b.slice(1, at));
  at += 2;
  const argv: string[] = [];
  for (let i = 0; i < n; i++) {
    const nl = b.indexOf("\r\n", at);
    if (nl < 0) return null;
    const len = Number(b.slice(at + 1, nl));
    if (nl + 2 + len + 2 > b.length) return null;
    argv.push(b.slice(nl + 2, nl + 2 + len));
    at = nl + 2 + len + 2;
  }
  p.input = b.slice(at);
  return argv;
}

async function run(n: number, made: number): Promise<void> {
  const primary = new Primary();
  await new Promise<void>((r) => primary.server.listen(0, "127.0.0.1", r));
  const port = (primary.server.address() as { port: number }).port;
  const rt = new Runtime({ logger: () => {} });
  setDefaultRuntime(rt);
  const config = Config.from({ argv: ["--port", "0", "--memcached-port", "0", "--shards", "2", "--replicaof", "127.0.0.1", String(port)] });
  const inst = new KvInstance({ config, prefix: "kvrcg" });
  await startKvServer(inst);
  await Supervisor.terminateChild(inst.names.sup.name, "expiry");
  await primary.online;
  const rand = randomDigits(KEYS);
  const chunk = () => {
    let s = "";
    for (let i = 0; i < PIPELINE; i++) s += encodeCommand(["SET", `key:${rand()}`, "xxx"]);
    return Buffer.from(s, "latin1");
  };
  // Both runs make the same chunks (for `made` writes) and send the first n.
  const warm = Array.from({ length: WARM_CHUNKS }, chunk);
  const main = Array.from({ length: Math.ceil(made / PIPELINE) }, chunk).slice(0, Math.ceil(n / PIPELINE));
  for (const c of warm) await primary.stream(c);
  for (const c of main) await primary.stream(c);
  if (process.env.AGNER_CG_DEBUG) console.error(primary.acked, primary.offset, inst.keyspaces.map((k) => k.db(0).size));
  process.exit(0);
}

function instructions(n: number, made: number): number {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, "--single-threaded", self, "--run", String(n), String(made)], { encoding: "utf8" });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`callgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

const argv = process.argv.slice(2);
if (argv[0] === "--run") {
  await run(Number(argv[1]), Number(argv[2]));
} else {
  const n = Number(process.env.AGNER_CG_N ?? 4000);
  const a = instructions(n, 2 * n);
  const b = instructions(2 * n, 2 * n);
  console.log(`kv_cg_replica_set_p16_instr_per_write ${Math.round((b - a) / n)}`);
}
