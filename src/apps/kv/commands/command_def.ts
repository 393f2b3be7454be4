/**
 * How a command is declared: the shape of one entry of the command table
 * (command_table.ts builds the {@link CommandEntry} COMMAND INFO/DOCS
 * print from it). A type's file (`t_set.ts`, ...) exports its commands'
 * definitions as a `Record<string, Def>`, which the table merges in.
 *
 * @example
 * export const SET_DEFS: Record<string, Def> = {
 *   scard: { arity: 2, flags: "readonly fast", acl: "set", keys: [ks("RO", 1)], exec: scardCommand,
 *     group: "set", since: "1.0.0", complexity: "O(1)", summary: "Returns the number of members in a set.", args: "key:key" },
 * };
 */
import { type ExecContext, type Route } from "./command.js";
import { type Reply } from "../resp/reply.js";

/** One key spec (Redis 7 key specifications): index begin search, range find keys. */
export interface KeySpec {
  readonly flags: readonly string[];
  readonly index: number;
  readonly lastkey: number;
  readonly keystep: number;
  readonly limit: number;
  readonly notes?: string;
}

/** A documented argument, as COMMAND DOCS prints it. */
export interface ArgDoc {
  readonly name: string;
  readonly type: string;
  readonly keySpecIndex?: number;
  readonly token?: string;
  readonly since?: string;
  readonly deprecatedSince?: string;
  readonly flags: readonly string[];
  readonly args?: readonly ArgDoc[];
}

export type Exec = (ctx: ExecContext, argv: readonly string[]) => Reply;

export interface Def {
  arity: number;
  flags?: string;
  acl?: string;
  tips?: string;
  keys?: KeySpec[];
  route?: Route;
  exec?: Exec;
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  args?: string;
  deprecated?: [since: string, replacedBy: string];
  /** COMMAND DOCS' `syscmd` doc flag (internal commands such as PFDEBUG). */
  syscmd?: boolean;
  subcommands?: Record<string, Def>;
}

/** A key spec: flags "RW access update", begin index, range lastkey/step/limit. */
export function ks(flags: string, index = 1, lastkey = 0, keystep = 1, limit = 0, notes?: string): KeySpec {
  return notes === undefined
    ? { flags: flags.split(" "), index, lastkey, keystep, limit }
    : { flags: flags.split(" "), index, lastkey, keystep, limit, notes };
}

