/**
 * `--join NODE[,NODE...]`: the KV server's node joins a cluster at start.
 *
 * Each node given is connected to, retrying every second (it may still be
 * starting: several servers started together) until `join-timeout` seconds
 * pass; then the server does not start, with an error naming the node.
 * Once connected, the nodes each of them is connected to (`erlang:nodes()`
 * over rpc, which erl, iex and Agner nodes all answer) are connected to as
 * well, best effort: N servers each started with `--join` to the first form
 * a full mesh, as erl's global does with its `connect_all`.
 */
import { Atom, atom } from "../term/atom.js";
import { connect, nodes, rpc } from "../distribution/node.js";

/** What joining did: the nodes given and the ones found through them, all connected now. */
export interface JoinResult {
  joined: Atom[];
  found: Atom[];
}

export class JoinError extends Error {
  override name = "JoinError";
}

/** The nodes of a `join` setting: comma- or space-separated full names, as written. */
export function joinNodes(setting: string): string[] {
  return setting
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Connects to every node of `targets` (retrying each until `timeoutS`
 * seconds, 0 = forever), then to the nodes they know.
 *
 * @throws JoinError when a node cannot be reached in time (a wrong cookie looks the same: the peer refuses).
 */
export async function joinCluster(targets: string[], timeoutS: number, log: (line: string) => void = () => {}): Promise<JoinResult> {
  const joined: Atom[] = [];
  for (const name of targets) {
    if (!name.includes("@")) throw new JoinError(`--join ${name}: a node name is name@host`);
    const node = atom(name);
    const end = timeoutS > 0 ? Date.now() + timeoutS * 1000 : Infinity;
    let tries = 0;
    while (!(await connect(node))) {
      tries++;
      if (Date.now() >= end) {
        throw new JoinError(`could not join ${name} within ${timeoutS} s (${tries} attempts): is it running, with the same cookie, and reachable (EPMD on its host)?`);
      }
      if (tries === 1) log(`agner kv: ${name} is not reachable yet; retrying every second for ${timeoutS > 0 ? `${timeoutS} s` : "ever"} (--join-timeout)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    joined.push(node);
  }
  const found: Atom[] = [];
  for (const node of joined) {
    const theirs = await rpc.call(node, "erlang", "nodes", [], 10_000);
    if (!Array.isArray(theirs)) continue; // {badrpc, _}: the node went away or answers nothing; what we have stands
    for (const other of theirs) {
      if (!(other instanceof Atom) || nodes(["connected", "this"]).includes(other)) continue;
      if (await connect(other)) found.push(other);
    }
  }
  return { joined, found };
}
