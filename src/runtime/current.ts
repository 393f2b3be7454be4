/** The process running right now: one runtime runs at a time, so one global. */
import type { Proc } from "./process.js";

export let current: Proc | null = null;

export function setCurrent(p: Proc | null): void {
  current = p;
}
