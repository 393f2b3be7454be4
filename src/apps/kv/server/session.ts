/**
 * What the connection-level commands (CLIENT, CONFIG, AUTH, HELLO...),
 * pub/sub and transactions see of a RESP connection: a {@link Session},
 * not the connection process's state. The connection implements it
 * (connection.ts), so these files never import the connection, and the
 * connection's private machinery (shard liveness, batches, reply slots)
 * stays its own.
 */
import { type Proc } from "../../../runtime/process.js";
import { type CommandEntry } from "../commands/engine.js";
import { type Reply } from "../resp/reply.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { type Port } from "./socket_port.js";

/** A slot whose encoding also does something: HELLO switches protocol, QUIT and protocol errors close. */
export class SlotAction {
  constructor(
    readonly reply: Reply,
    readonly action: "resp2" | "resp3" | "close",
  ) {}
}

/** Pub/sub channels and patterns of one client (pubsub.ts). */
export class Subscriptions {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  /** Channels plus patterns: a field, since every command of the connection reads it (RESP2's subscribed mode). */
  count = 0;
}

export interface Queued {
  readonly cmd: CommandEntry;
  readonly argv: readonly string[];
}

/** An open MULTI: the queued commands, and whether one was refused (multi_exec.ts). */
export class MultiState {
  readonly queued: Queued[] = [];
  failed = false;
}

/** One client's session, as the commands that act on it see it. */
export interface Session {
  readonly inst: KvInstance;
  /** The connection process. */
  readonly self: Proc;
  /** Its CLIENT LIST row. */
  readonly row: ClientRow;
  /** Its socket (a replica link writes the replication stream to it: replication/primary.ts). */
  readonly port: Port;
  /** Its RESP parser's one setting a command changes (AUTH: requests before it are bounded). */
  readonly parser: { authRequired: boolean };
  /** Selected database (SELECT). */
  db: number;
  /** Protocol of the commands dispatched from now on (HELLO). */
  resp: 2 | 3;
  authenticated: boolean;
  /** A transaction or async command runs: later commands wait, in order. */
  blocked: boolean;
  /** MULTI is open: commands are queued for EXEC (multi_exec.ts). */
  tx: MultiState | null;
  /** WATCH registered keys with shards; `watchLost`: one of them could not be told (EXEC then aborts). */
  watching: boolean;
  watchLost: boolean;
  /** Pub/sub channels and patterns (pubsub.ts). */
  readonly subs: Subscriptions;
  /** Set by a command that closes its own connection once answered (CLIENT KILL). */
  closeAfterReply: boolean;
  /** CLIENT REPLY OFF, and SKIP (the next command's reply is dropped). */
  replyOff: boolean;
  skipNext: boolean;
  /** Drops (or, `false`, writes after all) the reply of command `seq` (CLIENT REPLY, RESET). */
  silence(seq: number, on: boolean): void;
  /** CLIENT CACHING was given for the command being run (client-side caching's OPTIN/OPTOUT). */
  readonly caching: boolean;
  /** Answers command `seq` (replies are written in command order). */
  fill(seq: number, r: Reply | SlotAction): void;
  /** Sends the batches built so far to their shards (before a command that must follow them). */
  sendBuilt(): void;
  /** Earlier commands of this client not answered yet (besides the one running now). */
  inFlight(): number;
}
