/**
 * The runtime's half of distribution on its own: a runtime with a router
 * that records what it would put on the wire, and signals fed in as a peer's
 * control messages would arrive. Checks the orderings a real connection can
 * produce, which are hard to provoke over one: UNLINK_ID racing a LINK or an
 * EXIT, re-linking before the ack, MONITOR_P_EXIT after a demonitor.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Atom, atom } from "../../../src/term/atom.js";
import { ExternalPid, ExternalRef, type Pid, type Ref } from "../../../src/term/identifiers.js";
import { equals } from "../../../src/term/equals.js";
import { t } from "../../../src/term/tuple.js";
import { _, Runtime, on, receive, silentLogger } from "../../../src/runtime/index.js";
import type { RemoteRouter } from "../../../src/runtime/index.js";
import { demonitor, link, monitor, monitorNode, processFlag, processInfo, unlink } from "../../../src/runtime/erlang.js";
import { type RemoteSignal, nodeDown, remoteSignal } from "../../../src/runtime/dist_entry.js";
import type { Proc } from "../../../src/runtime/process.js";

const PEER = atom("peer@host");
const EXIT = atom("EXIT");
const DOWN = atom("DOWN");

class Recorder implements RemoteRouter {
  readonly out: [Atom, RemoteSignal][] = [];
  readonly touched: Atom[] = [];
  send(): void {}
  sendNamed(): void {}
  sendAlias(): void {}
  signal(node: Atom, s: RemoteSignal): void {
    this.out.push([node, s]);
  }
  touch(node: Atom): void {
    this.touched.push(node);
  }
  ops(): string[] {
    return this.out.map(([, s]) => s.op);
  }
}

function setup(): { rt: Runtime; router: Recorder; remote: Pid } {
  const rt = new Runtime({ logger: silentLogger });
  rt.nodeName = atom("me@host");
  rt.creation = 7;
  const router = new Recorder();
  rt.remote = router;
  return { rt, router, remote: new ExternalPid(PEER, 40, 0, 3) };
}

/** A trapping process on `rt` that collects its messages; `step` runs inside it. */
function trapper(rt: Runtime): { proc: Proc; msgs: unknown[]; run(step: () => void): Promise<void> } {
  const msgs: unknown[] = [];
  const steps: (() => void)[] = [];
  let wake: (() => void) | null = null;
  const proc = rt.spawn(function* () {
    processFlag("trap_exit", true);
    for (;;) {
      const m = yield* receive(on(_, (x) => x));
      if (m === STEP) {
        steps.shift()!();
        wake?.();
      } else msgs.push(m);
    }
  }) as Proc;
  return {
    proc,
    msgs,
    run(step) {
      steps.push(step);
      return new Promise<void>((r) => {
        wake = r;
        rt.deliver(proc, STEP);
      });
    },
  };
}
const STEP = Symbol("step");

async function settle(rt: Runtime): Promise<void> {
  await rt.settle();
}

test("unlink sends UNLINK_ID; an EXIT through the link before the ack is ignored; the ack removes it", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  await p.run(() => link(remote));
  assert.deepEqual(router.ops(), ["link"]);
  await p.run(() => unlink(remote));
  const [, u] = router.out[1]!;
  assert.equal(u.op, "unlink");
  const id = (u as { id: number }).id;
  assert.ok(id > 0);
  assert.deepEqual(await linksOf(p), [], "unlinked at once for the caller");
  // The peer's process died before it saw the unlink: its EXIT crosses our UNLINK_ID.
  remoteSignal(rt, PEER, { op: "exit", from: remote, to: p.proc, reason: atom("boom") });
  await settle(rt);
  assert.deepEqual(p.msgs, [], "no exit signal after unlink returned");
  remoteSignal(rt, PEER, { op: "unlink_ack", id, from: remote, to: p.proc });
  assert.equal(p.proc.ext!.remote!.links.size, 0);
});

test("a LINK from the peer that crossed our UNLINK_ID does not revive the link; the ack then removes it", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  await p.run(() => link(remote));
  await p.run(() => unlink(remote));
  const id = (router.out[1]![1] as { id: number }).id;
  remoteSignal(rt, PEER, { op: "link", from: remote, to: p.proc }); // sent by the peer before it saw our unlink
  remoteSignal(rt, PEER, { op: "unlink_ack", id, from: remote, to: p.proc });
  assert.equal(p.proc.ext!.remote!.links.size, 0);
  remoteSignal(rt, PEER, { op: "exit", from: remote, to: p.proc, reason: atom("late") });
  await settle(rt);
  assert.deepEqual(p.msgs, []);
});

test("linking again before the ack keeps the link: the stale ack does not remove it", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  await p.run(() => link(remote));
  await p.run(() => unlink(remote));
  const id = (router.out[1]![1] as { id: number }).id;
  await p.run(() => link(remote));
  assert.deepEqual(router.ops(), ["link", "unlink", "link"]);
  remoteSignal(rt, PEER, { op: "unlink_ack", id, from: remote, to: p.proc });
  assert.deepEqual(await linksOf(p), [remote]);
  remoteSignal(rt, PEER, { op: "exit", from: remote, to: p.proc, reason: atom("boom") });
  await settle(rt);
  assert.ok(equals(p.msgs[0], t(EXIT, remote, atom("boom"))));
});

test("the peer's UNLINK_ID removes the link and is acknowledged, also for a process that is gone", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  remoteSignal(rt, PEER, { op: "link", from: remote, to: p.proc });
  assert.deepEqual(await linksOf(p), [remote]);
  remoteSignal(rt, PEER, { op: "unlink", id: 99, from: remote, to: p.proc });
  assert.deepEqual(await linksOf(p), []);
  const gone = new ExternalPid(rt.nodeName, 12345, 0, rt.creation);
  remoteSignal(rt, PEER, { op: "unlink", id: 100, from: remote, to: gone });
  assert.deepEqual(
    router.out.map(([, s]) => [s.op, (s as { id?: number }).id]),
    [
      ["unlink_ack", 99],
      ["unlink_ack", 100],
    ],
  );
});

test("a LINK to a process that does not exist is answered with a noproc EXIT; a monitor with a noproc MONITOR_P_EXIT", async () => {
  const { rt, router, remote } = setup();
  const gone = new ExternalPid(rt.nodeName, 999, 0, rt.creation);
  const ref = new ExternalRef(PEER, 3, [1, 2, 3]);
  remoteSignal(rt, PEER, { op: "link", from: remote, to: gone });
  remoteSignal(rt, PEER, { op: "monitor", from: remote, to: atom("not_registered"), ref });
  assert.deepEqual(router.ops(), ["exit", "monitor_exit"]);
  const [, ex] = router.out[0]!;
  assert.equal((ex as { reason: unknown }).reason, atom("noproc"));
  const [, me] = router.out[1]!;
  assert.equal((me as { from: unknown }).from, atom("not_registered"), "named as it was monitored");
  assert.equal((me as { reason: unknown }).reason, atom("noproc"));
});

test("a local process dying sends EXIT on its remote links, then MONITOR_P_EXIT (by the name it was monitored by); DEMONITOR_P for monitors it held", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  rt.register("named", p.proc);
  const ref1 = new ExternalRef(PEER, 3, [5, 0, 0]);
  remoteSignal(rt, PEER, { op: "link", from: remote, to: p.proc });
  remoteSignal(rt, PEER, { op: "monitor", from: remote, to: atom("named"), ref: ref1 });
  let held: Ref | undefined;
  await p.run(() => {
    held = monitor(t(atom("other"), PEER));
  });
  assert.deepEqual(processInfo(p.proc, "monitored_by"), [remote]);
  router.out.length = 0;
  const { exitProcess } = await import("../../../src/runtime/signals.js");
  exitProcess(p.proc, atom("bye"));
  assert.deepEqual(router.ops(), ["demonitor", "exit", "monitor_exit"]);
  assert.equal((router.out[0]![1] as { ref: Ref }).ref, held);
  assert.equal((router.out[1]![1] as { reason: unknown }).reason, atom("bye"));
  const mx = router.out[2]![1] as { from: unknown; ref: Ref; reason: unknown };
  assert.equal(mx.from, atom("named"));
  assert.equal(mx.ref, ref1);
  assert.equal(mx.reason, atom("bye"));
});

test("MONITOR_P_EXIT after demonitor is ignored; DEMONITOR_P from the peer stops the MONITOR_P_EXIT", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  let ref: Ref | undefined;
  await p.run(() => {
    ref = monitor(remote);
    demonitor(ref);
  });
  remoteSignal(rt, PEER, { op: "monitor_exit", from: remote, to: p.proc, ref: ref!, reason: atom("late") });
  await settle(rt);
  assert.deepEqual(p.msgs, []);
  const theirs = new ExternalRef(PEER, 3, [9, 9, 9]);
  remoteSignal(rt, PEER, { op: "monitor", from: remote, to: p.proc, ref: theirs });
  remoteSignal(rt, PEER, { op: "demonitor", from: remote, to: p.proc, ref: new ExternalRef(PEER, 3, [9, 9, 9]) });
  router.out.length = 0;
  const { exitProcess } = await import("../../../src/runtime/signals.js");
  exitProcess(p.proc, atom("bye"));
  assert.deepEqual(router.ops(), []);
});

test("node down: noconnection on links (not on one being unlinked), DOWN noconnection, one nodedown per monitorNode call", async () => {
  const { rt, router, remote } = setup();
  const p = trapper(rt);
  const other = new ExternalPid(PEER, 41, 0, 3);
  let ref: Ref | undefined;
  await p.run(() => {
    link(remote);
    link(other);
    unlink(other);
    ref = monitor(remote);
    monitorNode(PEER);
    monitorNode(PEER);
    monitorNode(PEER, false);
    monitorNode(PEER);
  });
  assert.deepEqual(router.touched, [PEER, PEER, PEER]);
  nodeDown(rt, PEER);
  await settle(rt);
  assert.deepEqual(p.msgs, [
    t(EXIT, remote, atom("noconnection")),
    t(DOWN, ref, atom("process"), remote, atom("noconnection")),
    t(atom("nodedown"), PEER),
    t(atom("nodedown"), PEER),
  ]);
  assert.equal(rt.dist.size, 0);
});

async function linksOf(p: { proc: Proc }): Promise<unknown> {
  return processInfo(p.proc, "links");
}
