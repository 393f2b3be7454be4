/**
 * XINFO STREAM's `radix-tree-keys` and `radix-tree-nodes`: the size of the
 * rax Redis keys its listpack nodes by (each node's master ID, 16 bytes
 * big-endian). The node count is the one rax.c's insertions and removals
 * keep: one node per key end, per branching point and for the root, plus
 * one compressed node for every edge longer than one byte below a branch.
 */
import { type StreamId } from "./stream_id.js";
import { type StreamValue } from "./stream_value.js";

const KEY_BYTES = 16;

/** Byte `d` (0 = most significant) of an ID's 16-byte key. */
function byteAt(id: StreamId, d: number): number {
  return Number((id >> BigInt(8 * (KEY_BYTES - 1 - d))) & 0xffn);
}

/** Length of the common prefix of two keys, in bytes. */
function lcp(a: StreamId, b: StreamId): number {
  const x = a ^ b;
  if (x === 0n) return KEY_BYTES;
  return KEY_BYTES - Math.ceil(x.toString(16).length / 2);
}

/** Nodes below (and including) the explicit node at depth `depth` of keys[lo..hi), which share `depth` bytes and no more when more than one. */
function explicitNodes(keys: readonly StreamId[], lo: number, hi: number, depth: number): number {
  if (hi - lo === 1) return 1; // a key end (fixed-length keys: a leaf)
  let n = 1; // the branching node
  let i = lo;
  while (i < hi) {
    const b = byteAt(keys[i]!, depth);
    let j = i + 1;
    while (j < hi && byteAt(keys[j]!, depth) === b) j++;
    n += edgeNodes(keys, i, j, depth + 1);
    i = j;
  }
  return n;
}

/** Nodes of the edge that enters keys[lo..hi) at `depth` (one compressed node if it is longer than one byte) and below. */
function edgeNodes(keys: readonly StreamId[], lo: number, hi: number, depth: number): number {
  const common = hi - lo === 1 ? KEY_BYTES : lcp(keys[lo]!, keys[hi - 1]!);
  return (common > depth ? 1 : 0) + explicitNodes(keys, lo, hi, common);
}

/** radix-tree-keys. */
export function rtreeKeys(s: StreamValue): number {
  return s.nodeMasters().length;
}

/** radix-tree-nodes: 1 for an empty rax. */
export function rtreeNodes(s: StreamValue): number {
  const keys = s.nodeMasters();
  if (keys.length === 0) return 1;
  return edgeNodes(keys, 0, keys.length, 0);
}
