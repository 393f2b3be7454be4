/**
 * Finding real Erlang for tests. Locally a missing `erl` skips the test with
 * a clear message; in CI (`AGNER_REQUIRE_ERL=1`) it is a failure.
 */
import { execFileSync } from "node:child_process";

let cached: boolean | undefined;

export function erlAvailable(): boolean {
  if (cached === undefined) {
    try {
      execFileSync("erl", ["-noshell", "-eval", "halt()."], { stdio: "ignore", timeout: 20_000 });
      cached = true;
    } catch {
      cached = false;
    }
  }
  return cached;
}

/**
 * Options for `test()`/`describe()`: `{ skip: reason }` when erl is missing and
 * allowed to be; throws when erl is required (CI) but missing.
 */
export function needsErl(): { skip?: string } {
  if (erlAvailable()) return {};
  if (process.env.AGNER_REQUIRE_ERL === "1") {
    throw new Error("AGNER_REQUIRE_ERL=1 but `erl` is not installed (apt-get install erlang-nox)");
  }
  return { skip: "erl not installed: real-Erlang check skipped (apt-get install erlang-nox to run it)" };
}

/** Runs an Erlang expression sequence in a fresh `erl -noshell` and returns its stdout. */
export function runErl(expr: string, timeoutMs = 60_000): string {
  return execFileSync("erl", ["-noshell", "-eval", `${expr}, halt().`], {
    encoding: "utf8",
    timeout: timeoutMs,
  });
}
