/**
 * The ticktime and its change (net_ticker.ts) on virtual time: the answers
 * of net_kernel:set_net_ticktime/get_net_ticktime as erl 25.2 gives them
 * (checked in test/interop/node_monitor.test.ts too), and when ticks and
 * aux ticks fire during a transition, per OTP 25's net_kernel.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Runtime, VirtualClock } from "../../../src/runtime/index.js";
import { runtimeTimers } from "../../../src/distribution/transport.js";
import { NetTicker } from "../../../src/distribution/net_ticker.js";

function ticker(ms: number) {
  const rt = new Runtime({ clock: new VirtualClock() });
  const ticks: number[] = [];
  const aux: number[] = [];
  const tk = new NetTicker(runtimeTimers(rt), ms, 4, {
    tick: () => ticks.push(rt.clock.now()),
    auxTick: () => aux.push(rt.clock.now()),
  });
  return { rt, tk, ticks, aux };
}

describe("net ticktime", () => {
  test("answers: unchanged, change_initiated, ongoing_change_to until the transition ends", async () => {
    const { rt, tk } = ticker(4000);
    assert.equal(tk.get(), 4000);
    assert.equal(tk.set(4000, 2000), "unchanged");
    assert.equal(tk.set(6000, 2000), "change_initiated");
    assert.deepEqual(tk.get(), { ongoingChangeTo: 6000 });
    assert.deepEqual(tk.set(8000, 2000), { ongoingChangeTo: 6000 }, "a change in progress is not replaced");
    await rt.advance(1999);
    assert.deepEqual(tk.get(), { ongoingChangeTo: 6000 });
    await rt.advance(1);
    assert.equal(tk.get(), 6000);
    assert.equal(tk.set(2000, 0), "change_initiated");
    assert.equal(tk.get(), 2000, "no transition period: done at once");
    tk.stop();
  });

  test("rounded up to a multiple of the intensity in ms, as OTP", () => {
    const { tk } = ticker(4001);
    assert.equal(tk.get(), 4004);
    assert.equal(tk.set(4003, 0), "unchanged");
    assert.equal(tk.set(1, 0), "change_initiated");
    assert.equal(tk.get(), 4);
    tk.stop();
  });

  test("longer: the ticker takes the new interval at once, aux ticks keep the old one through the period", async () => {
    const { rt, tk, ticks, aux } = ticker(4000); // ticks every 1000
    await rt.advance(2500);
    assert.deepEqual(ticks, [1000, 2000]);
    tk.set(8000, 3000); // new interval 2000, counted from now
    await rt.advance(10_000);
    assert.deepEqual(ticks, [1000, 2000, 4500, 6500, 8500, 10500, 12500]);
    // one now, then every old interval (1000) to cover 3000: 1 + 3 ticks
    assert.deepEqual(aux, [2500, 3500, 4500, 5500]);
    tk.stop();
  });

  test("shorter: the ticker keeps the old interval until the period ends, aux ticks use the new one", async () => {
    const { rt, tk, ticks, aux } = ticker(8000); // ticks every 2000
    await rt.advance(1000);
    tk.set(4000, 3000);
    await rt.advance(7000);
    assert.deepEqual(aux, [1000, 2000, 3000, 4000]);
    // old interval until 4000 (the end), then every 1000 from there
    assert.deepEqual(ticks, [2000, 4000, 5000, 6000, 7000, 8000]);
    tk.stop();
  });

  test("stop cancels every timer", async () => {
    const { rt, tk, ticks, aux } = ticker(4000);
    tk.set(8000, 5000);
    tk.stop();
    const [nt, na] = [ticks.length, aux.length];
    await rt.advance(20_000);
    assert.equal(ticks.length, nt);
    assert.equal(aux.length, na);
  });
});
