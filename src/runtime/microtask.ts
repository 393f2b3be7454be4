/**
 * A microtask without Node's `queueMicrotask` wrapper, which allocates an
 * AsyncResource and a bound function per call (about 3x the cost of a
 * promise reaction, measured in Node 20). The scheduler's wake-up and the
 * distribution's end-of-turn flush queue one per message exchange.
 */
const resolved = Promise.resolve();

/**
 * Runs `fn` once the current task's synchronous code (and the microtasks
 * queued before) are done. `fn` must not throw: an exception would surface
 * as an unhandled rejection (fatal by default in Node, as an uncaught
 * exception from `queueMicrotask` is).
 */
export function microtask(fn: () => void): void {
  void resolved.then(fn);
}
