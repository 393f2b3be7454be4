/**
 * The reasons `monitor_nodes` subscribers see in `{nodedown_reason, R}`:
 * the set erts 25 reports (net_kernel's documentation), mapped from why
 * the transport closed a connection.
 *
 * | reason | when |
 * |---|---|
 * | `connection_closed` | the peer closed the socket, or it broke (a peer killed -9); also a connection closed for a protocol error (erts closes it too) |
 * | `net_tick_timeout` | the peer sent nothing for a ticktime (a stopped or partitioned peer) |
 * | `disconnect` | this node closed it: `disconnectNode`, or `ping` answered `pang` |
 * | `net_kernel_terminated` | this node stopped being a node (`stopNode`) |
 * | `send_net_tick_failed`, `shutdown`... | passed through as the transport gives them |
 *
 * erts also reports `connection_setup_failed` when a connection fails after
 * its `nodeup` was delivered; here `nodeup` comes once the handshake is
 * complete, so a failed setup is never seen by subscribers (as a setup that
 * fails in erl before `nodeup`).
 */
import { atom } from "../term/atom.js";
import { Tuple } from "../term/tuple.js";

export const DISCONNECT = atom("disconnect");
export const NET_KERNEL_TERMINATED = atom("net_kernel_terminated");
const CONNECTION_CLOSED = atom("connection_closed");
const DISCONNECTED = atom("disconnected");
const PROTOCOL_ERROR = atom("protocol_error");
const HANDLER_CRASHED = atom("handler_crashed");

/** The nodedown reason erl would report for a connection the transport closed with `reason`. */
export function nodedownReason(reason: unknown): unknown {
  if (reason === DISCONNECTED) return DISCONNECT; // dist_util's own word for it; erts reports `disconnect`
  if (reason instanceof Tuple && (reason[0] === PROTOCOL_ERROR || reason[0] === HANDLER_CRASHED)) return CONNECTION_CLOSED;
  return reason;
}
