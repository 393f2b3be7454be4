/**
 * The keyspace holder: the heir of every shard's table (Erlang's ETS heir
 * pattern). It does no work, so it does not crash: each shard, as it
 * starts, claims its table (`inst.keyspaces[i]`) from the holder, which
 * monitors the owner; when a shard dies its table falls back to the holder
 * untouched, and the restarted shard claims it again. Processes that route
 * to shards ask the holder (`AwaitShard`) to tell them when a shard is up
 * again after its `DOWN`, instead of polling the name table.
 *
 * @example
 * // shard i, in its init:
 * cast(inst.names.holder, t(CLAIM, i, self()));
 */
import { type Atom, atom } from "../../../term/atom.js";
import { inspect } from "../../../term/inspect.js";
import { type Tup, Tuple } from "../../../term/tuple.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { monitor } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { type CallSpec, type From } from "../../../otp/gen.js";
import { GenServer, noreply, ok, reply } from "../../../otp/gen_server.js";
import { type KvInstance } from "./instance.js";
import { AwaitShard, ShardUp } from "./messages.js";

export const CLAIM = atom("claim");
/** Call: the owner of each table (for the observer and tests). */
export const OWNERS = atom("owners");

type HolderCast = Tup<[Atom<"claim">, number, Proc]>;
type HolderCall = CallSpec<Atom<"owners">, (Proc | null)[]>;

interface State {
  readonly inst: KvInstance;
  /** Live owner of each table, or null while it is back with the holder. */
  readonly owners: (Proc | null)[];
  /** Who waits for each shard to be up. */
  readonly waiting: Proc[][];
}

export class KeyspaceHolder extends GenServer<State, HolderCall, HolderCast, unknown, KvInstance> {
  init(inst: KvInstance) {
    const n = inst.shardCount;
    // Shards still running from before a holder restart claim again on their own; until then they are unknown.
    const owners: (Proc | null)[] = [];
    for (let i = 0; i < n; i++) {
      const p = current!.rt.whereis(inst.names.shards[i]!) ?? null;
      owners.push(p);
      if (p !== null) monitor(p);
    }
    return ok({ inst, owners, waiting: Array.from({ length: n }, () => []) });
  }

  override handleCall(_req: Atom<"owners">, _from: From, s: State) {
    return reply([...s.owners], s);
  }

  override handleCast(req: HolderCast, s: State) {
    if (req[0] === CLAIM) {
      const [, i, pid] = req;
      const prev = s.owners[i];
      if (prev !== null && prev !== undefined && prev !== pid && prev.alive) {
        current!.rt.logger({
          level: "error",
          what: "kv_claim_conflict",
          text: `keyspace ${i} claimed by ${inspect(pid)} while ${inspect(prev)} still owns it`,
        });
      }
      if (prev !== pid) monitor(pid);
      s.owners[i] = pid;
      const w = s.waiting[i]!;
      if (w.length > 0) {
        s.waiting[i] = [];
        const up = new ShardUp(i, pid);
        for (const p of w) p.rt.deliver(p, up);
      }
    }
    return noreply(s);
  }

  override handleInfo(msg: unknown, s: State) {
    if (msg instanceof AwaitShard) {
      const owner = s.owners[msg.index];
      if (owner !== null && owner !== undefined && owner.alive) msg.from.rt.deliver(msg.from, new ShardUp(msg.index, owner));
      else s.waiting[msg.index]?.push(msg.from);
    } else if (msg instanceof Tuple && msg[0] === DOWN) {
      const i = s.owners.indexOf(msg[3] as Proc);
      // The table is back with its heir, unchanged, until the next claim.
      if (i >= 0) s.owners[i] = null;
    }
    return noreply(s);
  }
}

