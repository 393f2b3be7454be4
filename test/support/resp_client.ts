/**
 * A raw RESP client for tests: sends bytes exactly as given and reads
 * replies one at a time, parsed into plain values that keep the reply's
 * kind (so a test can tell `+OK` from `$2 OK`), plus the raw bytes for
 * byte-for-byte comparisons with redis-server.
 */
import net from "node:net";

export type R =
  | { t: "simple"; v: string }
  | { t: "error"; v: string }
  | { t: "int"; v: bigint }
  | { t: "bulk"; v: string | null }
  | { t: "array"; v: R[] | null }
  | { t: "map"; v: [R, R][] }
  | { t: "set"; v: R[] }
  | { t: "null" }
  | { t: "bool"; v: boolean }
  | { t: "double"; v: string }
  | { t: "verbatim"; format: string; v: string }
  | { t: "bignum"; v: string }
  | { t: "push"; v: R[] };

/** Encodes a command as a RESP multibulk (latin1 bytes). */
export function encodeCommand(argv: readonly string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return Buffer.from(s, "latin1");
}

class Incomplete {}
const INCOMPLETE = new Incomplete();

/** Parses one reply at `pos`; returns it and the next position, or INCOMPLETE. */
function parse(b: Buffer, pos: number): [R, number] | Incomplete {
  const eol = b.indexOf("\r\n", pos, "latin1");
  if (eol < 0) return INCOMPLETE;
  const type = String.fromCharCode(b[pos]!);
  const line = b.toString("latin1", pos + 1, eol);
  const next = eol + 2;
  const agg = (n: number, at: number): [R[], number] | Incomplete => {
    const items: R[] = [];
    let p = at;
    for (let i = 0; i < n; i++) {
      const r = parse(b, p);
      if (r instanceof Incomplete) return r;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  };
  switch (type) {
    case "+":
      return [{ t: "simple", v: line }, next];
    case "-":
      return [{ t: "error", v: line }, next];
    case ":":
      return [{ t: "int", v: BigInt(line) }, next];
    case "_":
      return [{ t: "null" }, next];
    case "#":
      return [{ t: "bool", v: line === "t" }, next];
    case ",":
      return [{ t: "double", v: line }, next];
    case "(":
      return [{ t: "bignum", v: line }, next];
    case "$":
    case "=": {
      const n = Number(line);
      if (n < 0) return [{ t: "bulk", v: null }, next];
      if (b.length < next + n + 2) return INCOMPLETE;
      const s = b.toString("latin1", next, next + n);
      if (type === "=") return [{ t: "verbatim", format: s.slice(0, 3), v: s.slice(4) }, next + n + 2];
      return [{ t: "bulk", v: s }, next + n + 2];
    }
    case "*":
    case "~":
    case ">": {
      const n = Number(line);
      if (n < 0) return [{ t: "array", v: null }, next];
      const r = agg(n, next);
      if (r instanceof Incomplete) return r;
      return [type === "*" ? { t: "array", v: r[0] } : type === "~" ? { t: "set", v: r[0] } : { t: "push", v: r[0] }, r[1]];
    }
    case "%": {
      const n = Number(line);
      const r = agg(2 * n, next);
      if (r instanceof Incomplete) return r;
      const pairs: [R, R][] = [];
      for (let i = 0; i < r[0].length; i += 2) pairs.push([r[0][i]!, r[0][i + 1]!]);
      return [{ t: "map", v: pairs }, r[1]];
    }
  }
  throw new Error(`bad reply type ${JSON.stringify(type)} at ${pos}: ${JSON.stringify(b.toString("latin1", pos, pos + 40))}`);
}

export class RespClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host);
      s.once("connect", () => resolve(new RespClient(s)));
      s.once("error", reject);
    });
  }

  /** Sends raw bytes (a string is sent as latin1). */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  send(...argv: string[]): void {
    this.write(encodeCommand(argv));
  }

  private async more(timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buf.toString("latin1", 0, 200))}`);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms; have ${JSON.stringify(this.buf.toString("latin1", 0, 200))}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The next reply, parsed. */
  async read(timeoutMs = 10_000): Promise<R> {
    for (;;) {
      if (this.buf.length > 0) {
        const r = parse(this.buf, 0);
        if (!(r instanceof Incomplete)) {
          this.buf = this.buf.subarray(r[1]);
          return r[0];
        }
      }
      await this.more(timeoutMs);
    }
  }

  /** The next reply's raw bytes. */
  async readRaw(timeoutMs = 10_000): Promise<string> {
    for (;;) {
      if (this.buf.length > 0) {
        const r = parse(this.buf, 0);
        if (!(r instanceof Incomplete)) {
          const raw = this.buf.toString("latin1", 0, r[1]);
          this.buf = this.buf.subarray(r[1]);
          return raw;
        }
      }
      await this.more(timeoutMs);
    }
  }

  /** Sends a command and reads its reply. */
  async cmd(...argv: string[]): Promise<R> {
    this.send(...argv);
    return this.read();
  }

  async raw(...argv: string[]): Promise<string> {
    this.send(...argv);
    return this.readRaw();
  }

  /** Resolves when the server has closed the connection (all sent bytes read first). */
  async waitClosed(timeoutMs = 10_000): Promise<string> {
    while (!this.closed) await this.more(timeoutMs);
    return this.buf.toString("latin1");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A reply as a plain JS value, for compact assertions. */
export function plain(r: R): unknown {
  switch (r.t) {
    case "int":
      return Number(r.v);
    case "array":
      return r.v === null ? null : r.v.map(plain);
    case "set":
    case "push":
      return r.v.map(plain);
    case "map":
      return Object.fromEntries(r.v.map(([k, v]) => [String(plain(k)), plain(v)]));
    case "null":
      return null;
    case "error":
      return { error: r.v };
    default:
      return r.v;
  }
}
