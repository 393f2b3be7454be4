/**
 * `npm start -- --observer [HOST:]PORT [--observer-allow-destructive]`:
 * the KV server's node serves the web observer too (docs/observer.md).
 * HOST defaults to 127.0.0.1, as every listener here; the printed URL holds
 * the access token.
 */
import { type ObserverHandle, startObserver } from "../observer/index.js";
import { ConfigError } from "../apps/kv/server/config.js";

export interface ObserverFlag {
  host: string;
  port: number;
  allowDestructive: boolean;
}

/** Takes the observer's flags out of `args` (they are not server settings). */
export function takeObserverFlag(args: string[]): ObserverFlag | null {
  const d = args.indexOf("--observer-allow-destructive");
  const allowDestructive = d >= 0;
  if (d >= 0) args.splice(d, 1);
  const i = args.indexOf("--observer");
  if (i < 0) {
    if (allowDestructive) throw new ConfigError("observer-allow-destructive", "needs --observer [HOST:]PORT");
    return null;
  }
  const v = args[i + 1] ?? "";
  args.splice(i, 2);
  const m = /^(?:(.+):)?(\d+)$/.exec(v);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port > 65535) throw new ConfigError("observer", `expects [HOST:]PORT, got ${JSON.stringify(v)}`);
  return { host: (m[1] ?? "127.0.0.1").replace(/^\[(.*)\]$/, "$1"), port, allowDestructive };
}

/** Starts the observer and prints where to open it. */
export async function startObserverFlag(f: ObserverFlag): Promise<ObserverHandle> {
  const obs = await startObserver({ host: f.host, port: f.port, allowDestructive: f.allowDestructive });
  console.log(`  observer:   ${obs.url}${f.allowDestructive ? " (kill, exit and send allowed)" : " (read-only)"}`);
  return obs;
}
