/** Waiting for the other node of a two-node bench: up (connected), or gone from EPMD (so the next node b can register). */
import { type Atom, connect } from "../src/index.js";

/** Until `node` is connected (its EPMD registration may lag its start). */
export async function waitUp(node: Atom): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await connect(node)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${node.name} did not come up`);
}

/** Until `node` is gone from EPMD. */
export async function waitGone(node: Atom): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (!(await connect(node))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
