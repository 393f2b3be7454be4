/**
 * The store as the seed article's GenServer, for Erlang and Elixir nodes
 * (and TypeScript processes): registered as `kv`, answering exactly the
 * seed's messages on database 0 of the same shards the Redis clients use.
 *
 *     GenServer.call({:kv, node}, {:get, "foo"})          #=> "bar" | nil
 *     GenServer.cast({:kv, node}, {:set, "foo", "bar"})
 *     GenServer.cast({:kv, node}, {:delete, "foo"})
 *
 * Keys and values are bytes: an Erlang binary is the Redis string with the
 * same bytes, both ways (so `redis-cli SET foo bar` is `"foo"` -> `"bar"`
 * in iex). Other terms:
 *
 * | term | as a key or value |
 * |---|---|
 * | binary (`Uint8Array`) | its bytes |
 * | JS string (an Elixir string from TypeScript) | its UTF-8 bytes |
 * | integer | its decimal text (`42` is the key `"42"`, as redis-cli would send it) |
 * | atom (`true`/`false` included) | its name's UTF-8 bytes (`:foo` is the key `"foo"`) |
 * | anything else (tuple, list, map, pid, float, ...) | refused: a call answers `{error, badarg}`, a cast is dropped with a logged warning |
 *
 * Replies: the value as a binary, or `nil` for a missing key (Elixir's
 * `nil`, `null` in TypeScript). Writes from a cast are ordered with the
 * same client's later calls: both go to the key's shard in order.
 *
 * With persistence on, the persistence writer holds a reply until its
 * command's bytes are written (under `appendfsync always`, every reply,
 * reads included). This server monitors the writer as the connections do:
 * if the writer dies, the calls whose replies it held are answered
 * `{error, writer_restarted}` (the command ran; whether it is on disk is
 * not known) instead of leaving the caller to its timeout.
 */
import { type Atom, atom, isAtom } from "../../../term/atom.js";
import { inspect } from "../../../term/inspect.js";
import { type Tup, Tuple, t } from "../../../term/tuple.js";
import { ERROR } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { type CallSpec, type From, reply as sendReply } from "../../../otp/gen.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type CommandSpec } from "../commands/command.js";
import { lookupCommand } from "../commands/engine.js";
import { type KvInstance } from "./instance.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { ShardClient, WRITER_RESTARTED } from "./shard_client.js";
import { hashKey } from "./router.js";

export const GET = atom("get");
export const SET = atom("set");
export const DELETE = atom("delete");
const BADARG = atom("badarg");
const WRITER_RESTARTED_ATOM = atom("writer_restarted");

export type KvCalls = CallSpec<Tup<[Atom<"get">, unknown]>, Uint8Array | null | Tup<[Atom<"error">, Atom]>>;
export type KvCasts = Tup<[Atom<"set">, unknown, unknown]> | Tup<[Atom<"delete">, unknown]>;

/** A term as the latin1 string of its bytes, or undefined when it has none (see the table above). */
export function termBytes(x: unknown): string | undefined {
  if (x instanceof Uint8Array) return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("latin1");
  if (typeof x === "string") return Buffer.from(x, "utf8").toString("latin1");
  if ((typeof x === "number" && Number.isInteger(x)) || typeof x === "bigint") return String(x);
  if (isAtom(x)) return Buffer.from(x.name, "utf8").toString("latin1");
  if (typeof x === "boolean") return String(x); // the atoms true and false

  return undefined;
}

/** A Redis string reply as an Erlang binary. */
function toBinary(s: string): Uint8Array {
  return Buffer.from(s, "latin1");
}

/** What a shard answer becomes in the reply to a `get` call. */
function toTerm(r: Reply): unknown {
  if (typeof r === "string") return toBinary(r);
  if (r === WRITER_RESTARTED) return t(ERROR, WRITER_RESTARTED_ATOM);
  if (r === null) return null;
  if (r instanceof ErrorReply) return t(ERROR, r.text.startsWith("WRONGTYPE") ? atom("wrongtype") : atom("error"));
  return null;
}

const SPECS = {
  get: lookupCommand(["GET"]) as CommandSpec,
  set: lookupCommand(["SET"]) as CommandSpec,
  del: lookupCommand(["DEL"]) as CommandSpec,
};

class KvState {
  /** The shards (shard_client.ts); a command's target is its caller, or null for a cast. */
  readonly shards: ShardClient<From | null>;
  readonly same: NoReply<KvState>;
  constructor(readonly inst: KvInstance) {
    this.shards = new ShardClient<From | null>(inst, current!, answer, { alwaysWatchWriter: true });
    this.same = noreply(this);
  }
}

/** A shard's reply (or the writer's restart) to the caller. */
function answer(from: From | null, r: Reply): void {
  if (from !== null) sendReply(from, toTerm(r));
}

export class KvServer extends GenServer<KvState, KvCalls, KvCasts, unknown, KvInstance> {
  init(inst: KvInstance) {
    return ok(new KvState(inst));
  }

  override handleCall(req: KvCalls["req"], from: From, s: KvState) {
    if (req instanceof Tuple && req[0] === GET && req.length === 2) {
      const key = termBytes(req[1]);
      if (key === undefined) {
        this.refused("get", req[1]);
        sendReply(from, t(ERROR, BADARG));
        return s.same;
      }
      this.send(s, key, ["GET", key], SPECS.get, from);
      return s.same;
    }
    sendReply(from, t(ERROR, BADARG));
    return s.same;
  }

  override handleCast(req: KvCasts, s: KvState) {
    if (req instanceof Tuple && req[0] === SET && req.length === 3) {
      const key = termBytes(req[1]);
      const value = termBytes(req[2]);
      if (key === undefined || value === undefined) this.refused("set", key === undefined ? req[1] : req[2]);
      else this.send(s, key, ["SET", key, value], SPECS.set, null);
    } else if (req instanceof Tuple && req[0] === DELETE && req.length === 2) {
      const key = termBytes(req[1]);
      if (key === undefined) this.refused("delete", req[1]);
      else this.send(s, key, ["DEL", key], SPECS.del, null);
    } else this.refused("cast", req);
    return s.same;
  }

  private refused(what: string, term: unknown): void {
    current!.rt.logger({
      level: "warning",
      what: "kv_badarg",
      text: `kv: ${what} with ${inspect(term)} refused: keys and values are binaries, strings, integers or atoms`,
    });
  }

  private send(s: KvState, key: string, argv: string[], spec: CommandSpec, from: From | null): void {
    s.shards.add(hashKey(key) & s.inst.mask, argv, spec, from);
    s.shards.sendBuilt(0);
  }

  override handleInfo(msg: unknown, s: KvState) {
    s.shards.handle(msg);
    return s.same;
  }
}
