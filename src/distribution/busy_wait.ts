/**
 * Scheduler busy-waiting for distribution, as BEAM's schedulers do
 * (`+sbwt`, on by default): after a connection wrote or read, the event
 * loop keeps polling for a short while instead of sleeping in the kernel,
 * so a reply that arrives within it is read at once. On a VM, waking a
 * process whose vCPU went idle costs tens of microseconds per hop, which a
 * round trip pays twice. The window costs CPU only while traffic flows.
 */
let until = 0;
let spinning = false;

/** Keep polling for `us` microseconds from now (0: off). */
export function busyWait(us: number): void {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  if (end > until) until = end;
  if (!spinning) {
    spinning = true;
    setImmediate(spin);
  }
}

function spin(): void {
  // Each turn with an immediate pending polls I/O without blocking (libuv's poll timeout is 0).
  if (performance.now() < until) setImmediate(spin);
  else spinning = false;
}
