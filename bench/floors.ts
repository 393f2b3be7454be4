/**
 * The floors of the GenServer paths: the same work with the least code JS
 * allows, so the bench shows how far each Agner path is from its physical
 * limit on this machine, not only from the BEAM (issue 18). No scheduler, no
 * monitor, no timer, no Erlang term shapes.
 */
const PING = "ping";
const PONG = "pong";
const INC = "inc";

interface Req {
  from: unknown[];
  req: unknown;
}

/** N casts: a bare array push each, then the server takes them in order (an index for shift). Returns the count. */
export function bareCasts(n: number): number {
  const q: unknown[] = [];
  for (let i = 0; i < n; i++) q.push(INC);
  let count = 0;
  for (let h = 0; h < q.length; h++) if (q[h] === INC) count++;
  return count;
}

/** N sequential calls: a request record into the server's queue, a reply record into the caller's. */
export function bareCallRoundTrips(n: number): number {
  const server: Req[] = [];
  const client: unknown[] = [];
  let ok = 0;
  for (let i = 0; i < n; i++) {
    server.push({ from: client, req: PING });
    const m = server.shift()!;
    m.from.push({ tag: m, value: m.req === PING ? PONG : null });
    const r = client.shift() as { tag: Req; value: unknown };
    if (r.value === PONG) ok++;
  }
  return ok;
}

/** N calls awaited from async code: a promise per call, resolved by a server woken with a microtask. */
export async function bareAwaitedCalls(n: number): Promise<number> {
  const queue: ((v: unknown) => void)[] = [];
  const serve = () => {
    for (const resolve of queue.splice(0)) resolve(PONG);
  };
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const v = await new Promise((resolve) => {
      queue.push(resolve);
      queueMicrotask(serve);
    });
    if (v === PONG) ok++;
  }
  return ok;
}
