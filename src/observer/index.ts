/**
 * The web observer (docs/observer.md). The server and its WebSocket library
 * load only when an observer starts: importing Agner stays as light as before.
 */
import type { ObserverHandle, ObserverOptions } from "./server.js";

export type { ObserverHandle, ObserverOptions } from "./server.js";

/**
 * Serves the web observer of this node (or of a connected node, BEAM or
 * Agner: `node`): live pages of the node's overview, processes, process
 * details, applications and cluster. Listens on 127.0.0.1 unless `host`
 * says otherwise; every request needs the token in the returned `url`;
 * read-only unless `allowDestructive`.
 *
 * @example
 * const obs = await startObserver({ port: 9911 });
 * console.log(`observer: ${obs.url}`); // http://127.0.0.1:9911/?token=...
 * await obs.close();
 */
export async function startObserver(options: ObserverOptions = {}): Promise<ObserverHandle> {
  const { serveObserver } = await import("./server.js");
  return serveObserver(options);
}
