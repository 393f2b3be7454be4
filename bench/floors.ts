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

/**
 * The kv workload (bench/gen_server.ts's `kv`, same key sequence) with a bare
 * queue: a `set` is a request record pushed to the server's queue, a `get` a
 * request record whose reply record comes back; the server drains its queue
 * in order into a Map. Returns the hits.
 */
export function bareKvOps(n: number): number {
  const server: { op: number; key: number; value: number; from: unknown[] | null }[] = [];
  const client: { value: unknown }[] = [];
  const m = new Map<number, number>();
  let x = 1;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    const key = x % 100_000;
    if (i % 2 === 0) {
      server.push({ op: 0, key, value: i, from: null });
      continue;
    }
    server.push({ op: 1, key, value: 0, from: client });
    for (let h = 0; h < server.length; h++) {
      const r = server[h]!;
      if (r.op === 0) m.set(r.key, r.value);
      else r.from!.push({ value: m.get(r.key) ?? null });
    }
    server.length = 0;
    if (client.pop()!.value !== null) hits++;
  }
  return hits;
}

/**
 * `hops` hops around a ring of `n` loop-style processes: bare generators
 * (each `yield` is its receive), a one-slot mailbox each and a ring-buffer
 * run queue; no scheduler budget, no pattern, no exit signals.
 */
export function bareGeneratorRing(n: number, hops: number): number {
  const ring = new BareRing();
  const procs: BareProc[] = [];
  for (let i = 0; i < n; i++) procs.push(new BareProc(ring));
  for (let i = 0; i < n; i++) procs[i]!.next = procs[(i + 1) % n]!;
  ring.send(procs[0]!, hops);
  ring.run();
  return ring.done;
}

/** bareGeneratorRing's scheduler: a ring-buffer run queue. */
class BareRing {
  readonly runq: (BareProc | null)[] = new Array<BareProc | null>(1024).fill(null);
  head = 0;
  len = 0;
  done = -1;
  send(p: BareProc, k: number): void {
    p.slot = k;
    this.runq[(this.head + this.len++) & 1023] = p;
  }
  run(): void {
    while (this.len > 0) {
      const p = this.runq[this.head]!;
      this.runq[this.head] = null;
      this.head = (this.head + 1) & 1023;
      this.len--;
      const k = p.slot;
      p.slot = -1;
      p.co.next(k);
    }
  }
}

/** A bareGeneratorRing process: its generator, its one-slot mailbox, its successor. */
class BareProc {
  slot = -1;
  next: BareProc | null = null;
  readonly co: Generator<undefined, void, number>;
  constructor(ring: BareRing) {
    this.co = bareRelay(this, ring);
    this.co.next();
  }
}

function* bareRelay(p: BareProc, ring: BareRing): Generator<undefined, void, number> {
  for (;;) {
    const k = yield;
    if (k === 0) ring.done = 0;
    else ring.send(p.next!, k - 1);
  }
}

/**
 * `n` receives of a fresh reference behind `junk` queued messages: a new
 * reference object, a `[ref, match]` message pushed to the mailbox array, a
 * scan from the marker (the queue length when the reference was made), the
 * match taken out. Returns the matches.
 */
export function bareRefReceives(junk: number, n: number): number {
  const q: unknown[] = [];
  for (let i = 1; i <= junk; i++) q.push(["junk", i]);
  let got = 0;
  for (let i = 0; i < n; i++) {
    const ref = { n: i };
    const marker = q.length;
    q.push([ref, "match"]);
    for (let k = marker; k < q.length; k++) {
      const m = q[k] as unknown[];
      if (m[0] === ref && m[1] === "match") {
        if (k === q.length - 1) q.pop();
        else q.splice(k, 1);
        got++;
        break;
      }
    }
  }
  return got;
}
