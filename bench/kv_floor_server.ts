/**
 * The floor for a RESP server in Node, for bench/kv_server.ts: the least a
 * Node process can do to answer redis-benchmark's SET and GET (one `Map`,
 * a multibulk parser with no limits or errors, latin1 strings, one socket
 * write per read). Not a server anyone should run: it shows how much of
 * the distance between Agner's server and Redis is Node's own.
 *
 * Usage: node dist/bench/kv_floor_server.js PORT
 */
import net from "node:net";

/** Node's undocumented-in-types latin1 slice: what the engine's parsers use too. */
type LatinBuffer = Buffer & { latin1Slice(start: number, end: number): string };

const CR = 13;
const data = new Map<string, string>();

/** Parses the complete commands in `buf` from `pos`; answers them into `out`; returns where it stopped. */
function serve(buf: LatinBuffer, out: string[]): number {
  let pos = 0;
  while (pos < buf.length && buf[pos] === 42 /* * */) {
    const eol = buf.indexOf(CR, pos);
    if (eol < 0) break;
    const n = Number(buf.latin1Slice(pos + 1, eol));
    let p = eol + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = buf.indexOf(CR, p);
      if (e < 0) return pos;
      const len = Number(buf.latin1Slice(p + 1, e));
      const start = e + 2;
      if (start + len + 2 > buf.length) return pos;
      argv.push(buf.latin1Slice(start, start + len));
      p = start + len + 2;
    }
    pos = p;
    const cmd = argv[0];
    if (cmd === "SET") {
      data.set(argv[1]!, argv[2]!);
      out.push("+OK\r\n");
    } else if (cmd === "GET") {
      const v = data.get(argv[1]!);
      out.push(v === undefined ? "$-1\r\n" : `$${v.length}\r\n${v}\r\n`);
    } else if (cmd === "CONFIG") out.push("*0\r\n");
    else out.push("+OK\r\n");
  }
  return pos;
}

const port = Number(process.argv[2]);
net
  .createServer((socket) => {
    socket.setNoDelay(true);
    let rest: Buffer | null = null;
    socket.on("data", (chunk: Buffer) => {
      const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
      const out: string[] = [];
      const used = serve(buf as LatinBuffer, out);
      rest = used >= buf.length ? null : buf.subarray(used);
      if (out.length > 0) socket.write(out.join(""), "latin1");
    });
    socket.on("error", () => socket.destroy());
  })
  .listen(port, "127.0.0.1");
