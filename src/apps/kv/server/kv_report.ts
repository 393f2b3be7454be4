/**
 * The KV server's report for inspectors (the web observer's KV page,
 * docs/observer.md): its INFO text, every section, and the newest slow-log
 * entries, read only when asked. Registered through the public API, so the
 * observer reads it without importing this app.
 */
import { provideReport, whereis } from "../../../index.js";
import { infoText } from "./info.js";
import { type KvInstance } from "./instance.js";

/** Slow-log entries in a report: the newest, as SLOWLOG GET 10 gives them. */
const SLOW_ENTRIES = 10;

/** Offers `inst`'s report as the node's "kv" (the last server started on a node is the one shown). */
export function reportKv(inst: KvInstance): void {
  provideReport("kv", () => {
    if (whereis(inst.names.sup) === undefined) return undefined; // stopped
    return {
      info: infoText(inst, ["everything"]),
      slowlog: inst.calls.slowlog.slice(0, SLOW_ENTRIES).map((e) => ({ id: e.id, time: e.time, usec: e.usec, argv: [...e.argv], addr: e.addr, name: e.name })),
    };
  });
}
