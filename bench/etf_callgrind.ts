/**
 * Instructions per ETF encode / decode of each bench term (bench/etf_corpus.ts),
 * counted by valgrind's callgrind: noise-free on a shared machine.
 *
 *   node dist/bench/etf_callgrind.js OP NAME N
 *     warms the codec on the whole corpus (so its call sites see every term
 *     shape, as in a program), then runs N operations and exits (what
 *     valgrind runs). OP: `encode`, `decode`, `encode_floor`, `decode_floor`
 *     (bench/etf_floors.ts); NAME: small, bin1k, list200, map1000.
 *   node dist/bench/etf_callgrind.js measure [[OP:]NAME...]
 *     for each NAME (default all) and OP (default all), runs valgrind twice with N1 and
 *     3*N1 operations and prints `etf_OP_NAME.instr_per_op VALUE` =
 *     (Ir(3 N1) - Ir(N1)) / (2 N1): start-up, compilation and the warm-up
 *     cancel out. Node runs with --single-threaded (background threads add
 *     a varying count).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode, encode } from "../src/etf/index.js";
import { corpus } from "./etf_corpus.js";
import { checkedFloor } from "./etf_floors.js";

const OPS = ["encode", "decode", "encode_floor", "decode_floor"];
/** Operations in the shorter of the two runs, per term. */
const N1: Record<string, number> = { small: 20_000, bin1k: 20_000, list200: 1_000, map1000: 100 };

async function runOp(op: string, name: string, n: number): Promise<void> {
  const cases = await corpus();
  for (const c of cases) for (let i = 0; i < c.n / 100; i++) decode(encode(c.term));
  const c = cases.find((x) => x.name === name);
  if (c === undefined) throw new Error(`unknown term ${name}`);
  const bytes = encode(c.term);
  const floor = checkedFloor(name, c.term, bytes);
  const sink = timed(op, c.term, bytes, floor, n);
  if (sink < 0) console.log(sink);
}

// The timed loops, each in a plain function of its own: a loop inside the async `runOp` cannot be
// optimized on the stack (V8 does not OSR into a resumable function), so it would run in baseline code
// and add ~130 instructions per operation to the codec's side but not to the floor's.
function timed(op: string, term: unknown, bytes: Uint8Array, floor: ReturnType<typeof checkedFloor>, n: number): number {
  switch (op) {
    case "encode":
      return encodeLoop(encode, term, n);
    case "decode":
      return decodeLoop(decode, bytes, n);
    case "encode_floor":
      return encodeLoop(floor.encode, term, n);
    case "decode_floor":
      return decodeLoop(floor.decode, bytes, n);
    default:
      throw new Error(`unknown op ${op}`);
  }
}

function encodeLoop(f: (term: unknown) => Uint8Array, term: unknown, n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) sink += f(term).length;
  return sink;
}

function decodeLoop(f: (bytes: Uint8Array) => unknown, bytes: Uint8Array, n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) sink += f(bytes) === null ? 1 : 0;
  return sink;
}

function instructions(op: string, name: string, n: number): number {
  const out = `/tmp/agner_cg_etf_${process.pid}_${op}_${name}_${n}.out`;
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, process.execPath, "--single-threaded", fileURLToPath(import.meta.url), op, name, String(n)],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  if (r.status !== 0) throw new Error(`valgrind ${op} ${name} ${n} exited with ${r.status}`);
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, "utf8"));
  rmSync(out, { force: true });
  if (m === null) throw new Error(`no totals in ${out}`);
  return Number(m[1]);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "measure") {
  for (const arg of rest.length > 0 ? rest : Object.keys(N1)) {
    const [name, only] = arg.split(":").reverse() as [string, string | undefined];
    const n1 = N1[name]!;
    for (const op of only !== undefined ? [only] : OPS) {
      const a = instructions(op, name, n1);
      const b = instructions(op, name, 3 * n1);
      console.log(`etf_${op}_${name}.instr_per_op ${((b - a) / (2 * n1)).toFixed(0)}`);
    }
  }
} else if (cmd !== undefined && rest.length === 2) {
  await runOp(cmd, rest[0]!, Number(rest[1]));
  process.exit(0);
} else {
  console.error("usage: etf_callgrind.js OP NAME N | measure [NAME...]");
  process.exit(2);
}
