/**
 * The connection layer over real sockets, with a hand-driven peer: atom
 * cache headers and fragments built per the protocol page, bad frames
 * closing only their connection, and ticks on virtual time.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { Encoder } from "../../../src/etf/index.js";
import { Runtime, VirtualClock } from "../../../src/runtime/index.js";
import { DistTransport, OFFERED } from "../../../src/distribution/index.js";
import { runtimeTimers } from "../../../src/distribution/transport.js";
import type { HandshakeConfig } from "../../../src/distribution/handshake.js";
import { RecordingHandler, memoryLogger, rawConnect, uniqueName, until } from "../../support/dist.js";

const started: DistTransport[] = [];
after(async () => {
  for (const tr of started) await tr.stop();
});

async function start(extra: Record<string, unknown> = {}) {
  const h = new RecordingHandler();
  const log = memoryLogger();
  const tr = await DistTransport.start({ name: `${uniqueName("conn")}@localhost`, cookie: "c", epmd: "none", logger: log, ...extra }, h);
  started.push(tr);
  return { tr, h, log };
}

const peerCfg = (): HandshakeConfig => ({ thisNode: atom(`${uniqueName("raw")}@localhost`), cookie: "c", flags: OFFERED, creation: 77 });

/** ETF of a term without the version byte. */
function etf(x: unknown): number[] {
  const e = new Encoder();
  e.term(x);
  return [...e.buf.subarray(0, e.pos)];
}

const u64 = (x: number): number[] => [0, 0, 0, 0, (x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255];

describe("frames from a hand-driven peer", () => {
  test("DIST_HEADER with new atom cache entries, then a message reusing them", async () => {
    const { tr, h } = await start();
    const cfg = peerCfg();
    const peer = await rawConnect(tr.port, cfg, tr.nodeName.name);
    const from = new ExternalPid(cfg.thisNode, 1, 2, 77);
    const text = [...Buffer.from("reg_target")];
    // Two new entries: 'reg_target' at segment 1 index 5, '' at segment 0 index 0.
    peer.sendFrame(
      Uint8Array.from([131, 68, 2, 0x89, 0x00, 5, text.length, ...text, 0, 0, 104, 4, 97, 6, ...etf(from), 82, 1, 82, 0, 104, 2, 82, 1, 97, 42]),
    );
    // One old entry: segment 1 index 5.
    peer.sendFrame(Uint8Array.from([131, 68, 1, 0x01, 5, 104, 4, 97, 6, ...etf(from), 119, 0, 82, 0, 82, 0]));
    await h.waitFor(() => h.rec.messages.length === 2, "two messages");
    assert.deepEqual(h.rec.messages[0]!.msg, { op: "reg_send", from, to: atom("reg_target"), msg: t(atom(""), 42) });
    assert.deepEqual(h.rec.messages[1]!.msg, { op: "reg_send", from, to: atom("reg_target"), msg: atom("reg_target") });
    assert.equal(h.rec.ups[0]!.stats.atomCacheRefsIn, 3);
    // A long-atoms header (2-byte lengths): flag nibble bit 0 after the references.
    const long = [...Buffer.from("x".repeat(300).slice(0, 255))];
    peer.sendFrame(Uint8Array.from([131, 68, 1, 0x18, 7, 0, long.length, ...long, 104, 4, 97, 6, ...etf(from), 119, 0, 82, 0, 106]));
    await h.waitFor(() => h.rec.messages.length === 3, "the long-atom message");
    assert.equal((h.rec.messages[2]!.msg as { to: { name: string } }).to.name, "x".repeat(255));
    peer.socket.destroy();
  });

  test("fragments are reassembled per sequence, interleaved", async () => {
    const { tr, h } = await start();
    const cfg = peerCfg();
    const peer = await rawConnect(tr.port, cfg, tr.nodeName.name);
    const from = new ExternalPid(cfg.thisNode, 3, 0, 77);
    const body = [104, 4, 97, 6, ...etf(from), ...etf(atom("")), ...etf(atom("big")), ...etf(t("x".repeat(5000), [1, 2, 3]))];
    const other = [104, 4, 97, 6, ...etf(from), ...etf(atom("")), ...etf(atom("small")), ...etf(atom("ok"))];
    const p1 = body.slice(0, 10);
    const p2 = body.slice(10, 3000);
    const p3 = body.slice(3000);
    peer.sendFrame(Uint8Array.from([131, 69, ...u64(7), ...u64(3), 0, ...p1]));
    peer.sendFrame(Uint8Array.from([131, 69, ...u64(8), ...u64(2), 0, ...other.slice(0, 5)]));
    peer.sendFrame(Uint8Array.from([131, 70, ...u64(7), ...u64(2), ...p2]));
    peer.sendFrame(Uint8Array.from([131, 70, ...u64(8), ...u64(1), ...other.slice(5)]));
    peer.sendFrame(Uint8Array.from([131, 70, ...u64(7), ...u64(1), ...p3]));
    await h.waitFor(() => h.rec.messages.length === 2, "both messages");
    const [small, big] = h.rec.messages.map((m) => m.msg as { to: { name: string }; msg: unknown });
    assert.equal(small!.to.name, "small");
    assert.equal(big!.to.name, "big");
    const [s, l] = big!.msg as [Uint8Array, number[]];
    assert.equal(s.length, 5000);
    assert.deepEqual(l, [1, 2, 3]);
    assert.equal(h.rec.ups[0]!.stats.fragmentsIn, 5);
    peer.socket.destroy();
  });

  test("bad frames close their own connection with a logged reason; another connection carries on", async () => {
    const { tr, h, log } = await start({ maxFrameBytes: 4096 });
    const cases: [string, Uint8Array, RegExp][] = [
      ["unknown header type", Uint8Array.from([131, 99, 0]), /distribution header of type 99/],
      ["undecodable term", Uint8Array.from([131, 68, 0, 104, 2, 97]), /undecodable/],
      ["unknown operation", Uint8Array.from([131, 68, 0, 104, 1, 97, 99]), /unknown operation 99/],
      ["control without payload", Uint8Array.from([131, 68, 0, 104, 3, 97, 2, 119, 0, 119, 0]), /ToPid is not a pid|without its payload/],
      ["fragment out of order", Uint8Array.from([131, 70, ...u64(1), ...u64(1)]), /unknown sequence/],
      ["empty cache entry", Uint8Array.from([131, 68, 1, 0x00, 9, 104, 1, 82, 0]), /empty atom cache entry/],
    ];
    const survivorCfg = peerCfg();
    const survivor = await rawConnect(tr.port, survivorCfg, tr.nodeName.name);
    await h.waitFor(() => h.rec.ups.length === 1, "survivor up");
    for (const [what, bytes, re] of cases) {
      const c = peerCfg();
      const peer = await rawConnect(tr.port, c, tr.nodeName.name);
      peer.sendFrame(bytes);
      await peer.closed;
      assert.match(log.texts(), re, what);
      assert.match(log.texts(), new RegExp(`closing the connection to ${c.thisNode.name}`));
    }
    // Oversized: a length beyond maxFrameBytes, refused before its bytes come.
    const big = await rawConnect(tr.port, peerCfg(), tr.nodeName.name);
    big.socket.write(Uint8Array.from([0, 0, 0x10, 0x01]));
    await big.closed;
    assert.match(log.texts(), /a frame of 4097 bytes \(limit 4096\)/);
    // The survivor still delivers.
    const from = new ExternalPid(survivorCfg.thisNode, 1, 0, 77);
    survivor.sendFrame(Uint8Array.from([131, 68, 0, 104, 4, 97, 6, ...etf(from), 119, 0, ...etf(atom("still")), 97, 1]));
    await h.waitFor(() => h.rec.messages.length === 1, "the survivor's message");
    assert.equal(survivor.isClosed(), false);
    assert.equal(tr.connection(survivorCfg.thisNode), h.rec.ups[0]);
    survivor.socket.destroy();
  });

  test("pass-through frames (112) decode, and a peer without DIST_HDR_ATOM_CACHE gets them", async () => {
    const { tr, h } = await start();
    const cfg = { ...peerCfg(), flags: OFFERED & ~0x2000n };
    const peer = await rawConnect(tr.port, cfg, tr.nodeName.name);
    const from = new ExternalPid(cfg.thisNode, 4, 0, 77);
    peer.sendFrame(Uint8Array.from([112, 131, 104, 4, 97, 6, ...etf(from), 119, 0, ...etf(atom("pt")), 131, 97, 7]));
    await h.waitFor(() => h.rec.messages.length === 1, "the pass-through message");
    assert.deepEqual(h.rec.messages[0]!.msg, { op: "reg_send", from, to: atom("pt"), msg: 7 });
    h.rec.ups[0]!.send({ op: "send", to: from, msg: 8 });
    await until(() => peer.frames.some((f) => f.length > 0), "our frame");
    const f = peer.frames.find((x) => x.length > 0)!;
    assert.equal(f[0], 112);
    assert.equal(f[1], 131);
    peer.socket.destroy();
  });
});

describe("ticks on virtual time", () => {
  test("a silent peer is ticked after ticktime/4 and declared down after ticktime", async () => {
    const rt = new Runtime({ clock: new VirtualClock() });
    const { tr, h, log } = await start({ timers: runtimeTimers(rt), netTicktime: 60 });
    const peer = await rawConnect(tr.port, peerCfg(), tr.nodeName.name);
    await h.waitFor(() => h.rec.ups.length === 1, "up");
    await rt.advance(15_000);
    await until(() => peer.frames.some((f) => f.length === 0), "a tick");
    assert.equal(h.rec.ups[0]!.stats.ticksOut, 1);
    await rt.advance(30_000);
    assert.equal(h.rec.downs.length, 0, "still up at 45 s");
    await rt.advance(15_000);
    assert.equal(h.rec.downs.length, 1, "down at 60 s");
    assert.equal(h.rec.downs[0]!.reason, atom("net_tick_timeout"));
    assert.match(log.texts(), /not responding/);
    await peer.closed;
  });

  test("a ticktime change: aux ticks at the shorter interval through the transition, then the new ticktime holds", async () => {
    const rt = new Runtime({ clock: new VirtualClock() });
    const { tr, h } = await start({ timers: runtimeTimers(rt), netTicktime: 60 });
    const peer = await rawConnect(tr.port, peerCfg(), tr.nodeName.name);
    await h.waitFor(() => h.rec.ups.length === 1, "up");
    const conn = h.rec.ups[0]!;
    assert.equal(tr.ticker!.set(8_000, 6_000), "change_initiated");
    // Aux ticks every 2 s (the new, shorter interval) from now: a peer on an 8 s ticktime keeps us.
    for (let i = 1; i <= 3; i++) {
      await until(() => peer.frames.filter((f) => f.length === 0).length === i, `aux tick ${i}`);
      peer.sendFrame(new Uint8Array(0));
      await until(() => conn.stats.ticksIn === i, `tick ${i} read`);
      await rt.advance(2_000);
    }
    assert.equal(h.rec.downs.length, 0, "the old 15 s ticker never found the peer silent");
    assert.equal(tr.ticker!.get(), 8_000);
    // Now 8 s: a silent peer is down within the new ticktime, not the old 60 s.
    await rt.advance(10_000);
    assert.equal(h.rec.downs.length, 1);
    assert.equal(h.rec.downs[0]!.reason, atom("net_tick_timeout"));
    await peer.closed;
  });

  test("a peer that ticks stays up; our ticks stop while we send", async () => {
    const rt = new Runtime({ clock: new VirtualClock() });
    const { tr, h } = await start({ timers: runtimeTimers(rt), netTicktime: 8 });
    const peer = await rawConnect(tr.port, peerCfg(), tr.nodeName.name);
    await h.waitFor(() => h.rec.ups.length === 1, "up");
    const conn = h.rec.ups[0]!;
    for (let i = 1; i <= 12; i++) {
      peer.sendFrame(new Uint8Array(0));
      await until(() => conn.stats.ticksIn === i, `tick ${i} read`);
      conn.send({ op: "node_link" });
      await rt.advance(2_000);
    }
    assert.equal(h.rec.downs.length, 0, "up after 3 ticktimes of ticks");
    assert.equal(conn.stats.ticksOut, 0, "no tick needed: we wrote in every interval");
    peer.socket.destroy();
  });
});
