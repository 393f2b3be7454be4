/**
 * A tracking client's read commands: the command's spec wrapped so that,
 * run in its shard, it also remembers the keys it read for the client
 * (Redis' trackingRememberKeys after call()). Made only for clients with
 * tracking on (connection.ts caches one per command), so no other command
 * pays for it. In the shard, so a write that follows the read in the
 * shard's order always finds the key remembered.
 */
import { CMD } from "../commands/command_table.js";
import { type CommandEntry } from "../commands/engine.js";
import { keysOf } from "../commands/command_def.js";
import { type ExecContext } from "../commands/command.js";
import { type Reply } from "../resp/reply.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { shardOf } from "./router.js";

/**
 * `cmd` as a client whose tracking is `row.tracking` runs it: its tracked
 * wrapper when it is a read whose keys the client caches (not BCAST;
 * OPTIN with CLIENT CACHING yes given, OPTOUT without CLIENT CACHING no).
 * `specs` caches the wrappers.
 */
export function forClient(inst: KvInstance, row: ClientRow, cmd: CommandEntry, caching: boolean, specs: Map<CommandEntry, CommandEntry>): CommandEntry {
  const t = row.tracking;
  if (t === null || t.bcast || (t.optin && !caching) || (t.optout && caching) || (cmd.bits & CMD.readonly) === 0) return cmd;
  let w = specs.get(cmd);
  if (w === undefined) specs.set(cmd, (w = trackedSpec(inst, row, cmd)));
  return w;
}

/** `cmd` wrapped to remember the keys it read for `row` (see the top of the file). */
export function trackedSpec(inst: KvInstance, row: ClientRow, cmd: CommandEntry): CommandEntry {
  const exec = cmd.exec!;
  const w = Object.create(cmd) as CommandEntry;
  Object.defineProperty(w, "exec", {
    value: (ctx: ExecContext, argv: readonly string[]): Reply => {
      const r = exec(ctx, argv);
      const keys = keysOf(cmd, argv);
      if (keys !== null && keys.length > 0) inst.tracking.remember(shardOf(keys[0]!, inst.mask), row, keys);
      return r;
    },
  });
  return w;
}
