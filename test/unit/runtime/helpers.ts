/** Shared setup for the runtime tests: a fresh runtime on virtual time per test. */
import { Runtime, VirtualClock, setDefaultRuntime, silentLogger } from "../../../src/runtime/index.js";
import type { LogEvent, RuntimeOptions } from "../../../src/runtime/index.js";

/** A new runtime on a virtual clock, silent, messages frozen; made the default. */
export function fresh(opts: RuntimeOptions = {}): Runtime {
  const rt = new Runtime({ clock: new VirtualClock(), logger: silentLogger, isolation: "freeze", ...opts });
  setDefaultRuntime(rt);
  return rt;
}

/** A fresh runtime whose log events are collected in `logs`. */
export function freshLogged(opts: RuntimeOptions = {}): { rt: Runtime; logs: LogEvent[] } {
  const logs: LogEvent[] = [];
  const rt = fresh({ ...opts, logger: (e) => logs.push(e) });
  return { rt, logs };
}
