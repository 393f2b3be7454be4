/**
 * CONFIG GET (glob patterns, several at once), CONFIG SET (several pairs,
 * all or nothing), CONFIG RESETSTAT and CONFIG HELP, over the settings
 * table of config.ts, with Redis 7.0's replies.
 */
import type { Session } from "./session.js";
import { type SettingName } from "./config.js";
import { strerror } from "./config_rewrite.js";
import { isLoopback } from "./listener.js";
import { SYNTAX_ERROR } from "../commands/shared.js";
import { ErrorReply, MapReply, OK, type Reply, SimpleString } from "../resp/reply.js";

const HELP = [
  "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
  "HELP",
  "    Prints this help.",
].map((l) => new SimpleString(l));

/** Settings whose change needs work before CONFIG SET can answer: rebinding, telling the writer. */
const EFFECTS: ReadonlySet<SettingName> = new Set(["port", "bind", "appendonly", "appendfsync", "dir"]);

/** CONFIG SET changed settings that need work (see conn_commands.ts, which runs it). */
export class ConfigEffects {
  constructor(
    readonly names: SettingName[],
    /** port and bind as they were, to go back to if the new ones cannot be bound. */
    readonly before: Map<"port" | "bind", string>,
    readonly pairs: [string, string][],
  ) {}
}

export function configCommand(c: Session, argv: string[]): Reply | ConfigEffects {
  const cfg = c.inst.config;
  switch (argv[1]!.toLowerCase()) {
    case "help":
      return HELP;
    case "get":
      return new MapReply(cfg.configGet(argv.slice(2)));
    case "set": {
      if ((argv.length - 2) % 2 !== 0) return SYNTAX_ERROR;
      const pairs: [string, string][] = [];
      for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
      const before = new Map((["port", "bind"] as const).map((n) => [n, cfg.show(n)]));
      let changed: SettingName[];
      try {
        changed = cfg.configSet(pairs, { local: isLoopback(c.row.addr.slice(0, c.row.addr.lastIndexOf(":"))) });
      } catch (e) {
        if (typeof e === "string") return new ErrorReply(e);
        throw e;
      }
      c.inst.configVersion++;
      const effects = changed.filter((n) => EFFECTS.has(n));
      return effects.length === 0 ? OK : new ConfigEffects(effects, before, pairs);
    }
    case "resetstat": {
      const s = c.inst.stats;
      s.totalConnections = 0;
      s.rejectedConnections = 0;
      s.totalCommands = 0;
      s.netInput = 0;
      s.netOutput = 0;
      s.outputLimitDisconnections = 0;
      c.inst.calls.reset();
      s.opsSamples.length = 0;
      s.lastSampleCommands = 0;
      for (const ks of c.inst.keyspaces) {
        ks.stats.expiredKeys = 0;
        ks.stats.evictedKeys = 0;
        ks.stats.keyspaceHits = 0;
        ks.stats.keyspaceMisses = 0;
      }
      return OK;
    }
    case "rewrite": {
      const file = c.inst.configFile;
      if (file === null) return new ErrorReply("ERR The server is running without a config file");
      try {
        c.inst.rewriteConfig(file);
      } catch (e) {
        return new ErrorReply(`ERR Rewriting config file: ${strerror(e)}`.replace(/[\r\n]/g, " "));
      }
      return OK;
    }
  }
  return SYNTAX_ERROR;
}
