/**
 * The scripting commands' declarations (EVAL, EVALSHA, their _RO forms,
 * SCRIPT, FCALL, FCALL_RO, FUNCTION), as Redis 7.0's command table has
 * them. They have no `exec`: the connection runs them (server/script_run.ts
 * holds the shards, scripting/ runs the Lua).
 */
import { type Def, ksKeynum } from "./command_def.js";

const RW_NOTES = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
const RO_NOTES = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
const RUN_FLAGS = "noscript skip_monitor may_replicate no_mandatory_keys stale movablekeys";
const RO_RUN_FLAGS = "noscript skip_monitor no_mandatory_keys stale readonly movablekeys";
const KEYS_ARGS = "numkeys:integer key:key?+ arg:string?+";
const FLUSH_MODE = "async:oneof?(async:pure-token=ASYNC sync:pure-token=SYNC)";

export const SCRIPTING_DEFS: Record<string, Def> = {
  eval: { arity: -3, flags: RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RW access update", 2, 0, 1, 1, RW_NOTES)], route: "connection",
    group: "scripting", since: "2.6.0", complexity: "Depends on the script that is executed.", summary: "Execute a Lua script server side",
    args: `script:string ${KEYS_ARGS}` },
  evalsha: { arity: -3, flags: RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RW access update", 2, 0, 1, 1)], route: "connection",
    group: "scripting", since: "2.6.0", complexity: "Depends on the script that is executed.", summary: "Execute a Lua script server side",
    args: `sha1:string ${KEYS_ARGS}` },
  eval_ro: { arity: -3, flags: RO_RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RO access", 2, 0, 1, 1, RO_NOTES)], route: "connection",
    group: "scripting", since: "7.0.0", complexity: "Depends on the script that is executed.", summary: "Execute a read-only Lua script server side",
    args: `script:string ${KEYS_ARGS}` },
  evalsha_ro: { arity: -3, flags: RO_RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RO access", 2, 0, 1, 1)], route: "connection",
    group: "scripting", since: "7.0.0", complexity: "Depends on the script that is executed.", summary: "Execute a read-only Lua script server side",
    args: `sha1:string ${KEYS_ARGS}` },
  fcall: { arity: -3, flags: RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RW access update", 2, 0, 1, 1, RW_NOTES)], route: "connection",
    group: "scripting", since: "7.0.0", complexity: "Depends on the function that is executed.", summary: "Invoke a function",
    args: `function:string ${KEYS_ARGS}` },
  fcall_ro: { arity: -3, flags: RO_RUN_FLAGS, acl: "scripting", keys: [ksKeynum("RO access", 2, 0, 1, 1, RO_NOTES)], route: "connection",
    group: "scripting", since: "7.0.0", complexity: "Depends on the function that is executed.", summary: "Invoke a read-only function",
    args: `function:string ${KEYS_ARGS}` },
  script: { arity: -2, group: "scripting", since: "2.6.0", complexity: "Depends on subcommand.",
    summary: "A container for Lua scripts management commands", subcommands: {
      load: { arity: 3, flags: "noscript stale", acl: "scripting", tips: "request_policy:all_nodes response_policy:all_succeeded",
        group: "scripting", since: "2.6.0", complexity: "O(N) with N being the length in bytes of the script body.",
        summary: "Load the specified Lua script into the script cache.", args: "script:string" },
      exists: { arity: -3, flags: "noscript", acl: "scripting", tips: "request_policy:all_shards response_policy:agg_logical_and",
        group: "scripting", since: "2.6.0", complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
        summary: "Check existence of scripts in the script cache.", args: "sha1:string+" },
      flush: { arity: -2, flags: "noscript", acl: "scripting", tips: "request_policy:all_nodes response_policy:all_succeeded",
        group: "scripting", since: "2.6.0", complexity: "O(N) with N being the number of scripts in cache",
        summary: "Remove all the scripts from the script cache.", args: "async:oneof@6.2.0?(async:pure-token=ASYNC sync:pure-token=SYNC)" },
      kill: { arity: 2, flags: "noscript allow_busy", acl: "scripting", tips: "request_policy:all_shards response_policy:one_succeeded",
        group: "scripting", since: "2.6.0", summary: "Kill the script currently in execution." },
      help: { arity: 2, flags: "loading stale", acl: "scripting", group: "scripting", since: "5.0.0",
        summary: "Show helpful text about the different subcommands" },
      debug: { arity: 3, flags: "noscript", acl: "scripting", group: "scripting", since: "3.2.0",
        summary: "Set the debug mode for executed scripts.", args: "mode:oneof(yes:pure-token=YES sync:pure-token=SYNC no:pure-token=NO)" },
    } },
  function: { arity: -2, group: "scripting", since: "7.0.0", complexity: "Depends on subcommand.",
    summary: "A container for function commands", subcommands: {
      load: { arity: -3, flags: "noscript write denyoom", acl: "scripting", tips: "request_policy:all_shards response_policy:all_succeeded",
        group: "scripting", since: "7.0.0", complexity: "O(1) (considering compilation time is redundant)",
        summary: "Create a function with the given arguments (name, code, description)", args: "replace:pure-token=REPLACE? function-code:string" },
      list: { arity: -2, flags: "noscript", acl: "scripting", tips: "nondeterministic_output_order",
        group: "scripting", since: "7.0.0", complexity: "O(N) where N is the number of functions",
        summary: "List information about all the functions", args: "library-name-pattern:string=LIBRARYNAME? withcode:pure-token=WITHCODE?" },
      delete: { arity: 3, flags: "noscript write", acl: "scripting", tips: "request_policy:all_shards response_policy:all_succeeded",
        group: "scripting", since: "7.0.0", summary: "Delete a function by name", args: "library-name:string" },
      dump: { arity: 2, flags: "noscript", acl: "scripting", group: "scripting", since: "7.0.0",
        complexity: "O(N) where N is the number of functions", summary: "Dump all functions into a serialized binary payload" },
      restore: { arity: -3, flags: "noscript write denyoom", acl: "scripting", tips: "request_policy:all_shards response_policy:all_succeeded",
        group: "scripting", since: "7.0.0", complexity: "O(N) where N is the number of functions on the payload",
        summary: "Restore all the functions on the given payload",
        args: "serialized-value:string policy:oneof?(flush:pure-token=FLUSH append:pure-token=APPEND replace:pure-token=REPLACE)" },
      flush: { arity: -2, flags: "noscript write", acl: "scripting", tips: "request_policy:all_shards response_policy:all_succeeded",
        group: "scripting", since: "7.0.0", complexity: "O(N) where N is the number of functions deleted",
        summary: "Deleting all functions", args: FLUSH_MODE },
      kill: { arity: 2, flags: "noscript allow_busy", acl: "scripting", tips: "request_policy:all_shards response_policy:one_succeeded",
        group: "scripting", since: "7.0.0", summary: "Kill the function currently in execution." },
      stats: { arity: 2, flags: "noscript allow_busy", acl: "scripting",
        tips: "nondeterministic_output request_policy:all_shards response_policy:special",
        group: "scripting", since: "7.0.0", summary: "Return information about the function currently running (name, description, duration)" },
      help: { arity: 2, flags: "loading stale", acl: "scripting", group: "scripting", since: "7.0.0",
        summary: "Show helpful text about the different subcommands" },
    } },
};
