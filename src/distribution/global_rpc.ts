/** `rpc:call/4` through the peer's `rex`, as `global` uses it to run a resolve method on another node. */
import { type Atom, atom } from "../term/atom.js";
import { t } from "../term/tuple.js";
import { CallError, call } from "../otp/gen.js";

const REX = atom("rex");
const CALL = atom("call");
const USER = atom("user");
const BADRPC = atom("badrpc");
const EXIT = atom("EXIT");

/** The result, or `{badrpc, Reason}` when the node is down or the call failed. */
export function* rpcCall(node: Atom, module: Atom, fn: Atom, args: unknown[]): Generator<unknown, unknown, unknown> {
  try {
    return yield* call(t(REX, node), t(CALL, module, fn, args, USER), Infinity);
  } catch (e) {
    if (e instanceof CallError) return t(BADRPC, t(EXIT, e.reason));
    throw e;
  }
}
