/**
 * The `gs_call`, `gs_cast` and `kv` anchor workloads (identical definitions:
 * ../shared/anchors/erlang/README.md), plus a call awaited from plain async
 * code outside any process.
 */
import { GenServer, call, cast } from "../src/index.js";
import { type Pid, receive, run, self, send, spawn } from "../src/index.js";
import { figure, median, plain, runAnchor } from "./lib.js";
import { pollute } from "./pollute.js";
import { COUNT, Counter, DONE, Echo, INC, Kv, PING, SIZE, kvClient } from "./gen_server_servers.js";
import { bareAwaitedCalls, bareCallRoundTrips, bareCasts, bareKvOps } from "./floors.js";


const CALLS = 1_000_000;

function* client(server: Pid, n: number, main: Pid): Generator<unknown, void, unknown> {
  for (let i = 0; i < n; i++) yield* call(server, PING);
  send(main, DONE);
}

async function gsCall(): Promise<{ perS: number; latencyNs: number; clients100: number }> {
  const server = await GenServer.start(new Echo(), undefined);
  return run(function* () {
    let t0 = performance.now();
    for (let i = 0; i < CALLS; i++) yield* call(server, PING);
    const single = performance.now() - t0;
    const main = self();
    t0 = performance.now();
    for (let c = 0; c < 100; c++) spawn(() => client(server, CALLS / 100, main));
    for (let c = 0; c < 100; c++) yield* receive(DONE);
    const many = performance.now() - t0;
    return { perS: CALLS / (single / 1e3), latencyNs: (single * 1e6) / CALLS, clients100: CALLS / (many / 1e3) };
  });
}

async function gsCallAsync(): Promise<number> {
  const server = await GenServer.start(new Echo(), undefined);
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) await call(server, PING);
  return CALLS / ((performance.now() - t0) / 1e3);
}

async function gsCast(): Promise<number> {
  const server = await GenServer.start(new Counter(), undefined);
  return run(function* () {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) cast(server, INC);
    const n = yield* call(server, COUNT, Infinity);
    const ms = performance.now() - t0;
    if (n !== CALLS) throw new Error(`cast count ${n} != ${CALLS}`);
    return CALLS / (ms / 1e3);
  });
}

async function kv(): Promise<{ perS: number; size: number; hits: number }> {
  const server = await GenServer.start(new Kv(), undefined);
  return run(function* () {
    const t0 = performance.now();
    const hits = yield* kvClient(server, 1_000_000);
    const size = yield* call(server, SIZE);
    const ms = performance.now() - t0;
    return { perS: 1_000_000 / (ms / 1e3), size, hits };
  });
}

/** Operations per second of `f(CALLS)`, the median of three runs. */
async function floorRate(f: (n: number) => unknown): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await f(CALLS);
    rates.push(CALLS / ((performance.now() - t0) / 1e3));
  }
  return median(rates);
}

/** `parts`: any of gs_call, gs_cast, kv (default: all three). */
export default async function main(parts: string[] = []): Promise<void> {
  const want = (p: string) => parts.length === 0 || parts.includes(p);
  await pollute();
  if (want("gs_call")) {
    const callRuns = [await gsCall(), await gsCall(), await gsCall()];
    const asyncPerS = median([await gsCallAsync(), await gsCallAsync(), await gsCallAsync()]);
    const call1 = runAnchor("gs_call");
    figure("call_per_s", median(callRuns.map((r) => r.perS)), call1?.get("call_per_s"), "higher");
    figure("call_latency_ns", median(callRuns.map((r) => r.latencyNs)), call1?.get("call_latency_ns"), "lower");
    figure("call_100clients_per_s", median(callRuns.map((r) => r.clients100)), call1?.get("call_100clients_per_s"), "higher");
    figure("call_async_per_s", asyncPerS, call1?.get("call_per_s"), "higher");
    const callFloor = await floorRate(bareCallRoundTrips);
    plain("call_per_s.floor", callFloor);
    plain("call_100clients_per_s.floor", callFloor);
    plain("call_async_per_s.floor", await floorRate(bareAwaitedCalls));
  }
  if (want("gs_cast")) {
    const castPerS = median([await gsCast(), await gsCast(), await gsCast()]);
    figure("cast_per_s", castPerS, runAnchor("gs_cast")?.get("cast_per_s"), "higher");
    plain("cast_per_s.floor", await floorRate(bareCasts));
  }
  if (want("kv")) {
    const kvRuns = [await kv(), await kv(), await kv()];
    const k = { perS: median(kvRuns.map((r) => r.perS)), size: kvRuns[0]!.size, hits: kvRuns[0]!.hits };
    if (k.size !== 99_334 || k.hits !== 400_877) throw new Error(`kv checksums: size ${k.size}, hits ${k.hits}`);
    figure("kv_ops_per_s", k.perS, runAnchor("kv")?.get("kv_ops_per_s"), "higher");
    plain("kv_ops_per_s.floor", await floorRate(bareKvOps));
    plain("kv_final_size", k.size);
    plain("kv_hits", k.hits);
  }
}
