/**
 * The web observer from a program: serve it, print where to open it, close
 * it when done. docs/observer.md shows these lines.
 */
import { type ObserverHandle, startObserver } from "../src/index.js";

// #region open
export async function openObserver(): Promise<ObserverHandle> {
  // 127.0.0.1, a free port, a fresh random token; read-only.
  const obs = await startObserver({ port: 0 });
  console.log(`observer: ${obs.url}`);
  return obs;
}
// #endregion open

// #region destructive
export function openObserverWithActions(port: number): Promise<ObserverHandle> {
  // kill, exit and send from the process page; still loopback and token-guarded.
  return startObserver({ port, allowDestructive: true });
}
// #endregion destructive
