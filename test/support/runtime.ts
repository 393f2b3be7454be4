/**
 * The OTP tests' shared set-up: one runtime per test file, on a virtual
 * clock (timeouts, restart windows and ticks advance only when a test says
 * so), made the default runtime, with its log events collected.
 */
import { Runtime, VirtualClock, setDefaultRuntime } from "../../src/runtime/index.js";
import type { LogEvent, RuntimeOptions } from "../../src/runtime/index.js";

export interface TestRuntime {
  rt: Runtime;
  clock: VirtualClock;
  /** Every log event, in order (crash reports, unexpected messages). */
  logs: LogEvent[];
}

/** A runtime on a virtual clock, logging into `logs` (not the console), made the default. */
export function testRuntime(opts: RuntimeOptions = {}): TestRuntime {
  const clock = new VirtualClock();
  const logs: LogEvent[] = [];
  const rt = new Runtime({ clock, logger: (e) => logs.push(e), ...opts });
  setDefaultRuntime(rt);
  return { rt, clock, logs };
}
