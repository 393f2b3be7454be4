/**
 * Hot code swap, as OTP promises: a counter server is upgraded from v1 to v2
 * while a client process keeps calling it. The new version is loaded from a
 * file changed at runtime; the server keeps its pid, its state (turned from
 * a number into v2's record by v2's `codeChange`) and every queued message;
 * the client sees no failed call.
 */
import { copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Pid, GenServer, after, atom, call, hotSwap, on, receive, run, self, send, spawn, sys } from "../src/index.js";

const here = join(dirname(fileURLToPath(import.meta.url)), "hot_swap");
const live = join(here, "counter_live.js");

/** Loads the counter module from the live file, as it is now. */
async function load(version: number): Promise<{ Counter: new () => GenServer<never, never, never, never, number> }> {
  return (await import(`${new URL(`file://${live}`).href}?v=${version}`)) as { Counter: new () => GenServer<never, never, never, never, number> };
}

/** A client that calls `next` until told to stop, then reports how many calls it made and how many failed. */
function* client(server: Pid, report: Pid): Generator<unknown, void, unknown> {
  let calls = 0;
  let failed = 0;
  let last = 0;
  for (;;) {
    try {
      last = (yield* call(server, atom("next"))) as number;
      calls++;
    } catch {
      failed++;
    }
    const stop = yield* receive(on(atom("stop"), () => true), after(0, () => false));
    if (stop) break;
  }
  send(report, { calls, failed, last });
}

interface Report {
  calls: number;
  failed: number;
  last: number;
}
const isReport = (m: unknown): m is Report => typeof m === "object" && m !== null && "calls" in m;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function hotSwapExample(): Promise<{ before: string; after: string; samePid: boolean } & Report> {
  copyFileSync(join(here, "counter_v1.js"), live); // v1 is what is deployed
  const v1 = await load(1);
  const server = await GenServer.start(new v1.Counter(), 0);
  const before = (await call(server, atom("version"))) as string;

  let clientPid!: Pid;
  const report = run(function* () {
    const me = self();
    clientPid = spawn(() => client(server, me));
    return yield* receive(isReport);
  });
  await pause(20); // the client calls v1 for a while

  copyFileSync(join(here, "counter_v2.js"), live); // the file changes on disk...
  const v2 = await load(2); // ...and the new version is loaded from it
  await hotSwap(server, new v2.Counter() as never, "1");

  await pause(20); // the client goes on calling, now v2
  const after = (await call(server, atom("version"))) as string;
  const status = await sys.getStatus(server);
  send(clientPid, atom("stop"));
  const r = await report;
  await GenServer.stop(server);
  return { before, after, samePid: status.pid === server, ...r };
}

async function main(): Promise<void> {
  const r = await hotSwapExample();
  console.log(`before: ${r.before}; after: ${r.after}; same pid: ${r.samePid}; ${r.calls} calls, ${r.failed} failed; last count ${r.last}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
