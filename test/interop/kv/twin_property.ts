/**
 * The shared body of the differential property tests: random command
 * sequences (fast-check) run on a live redis-server and on the engine
 * (Twin), in RESP2 and RESP3, every reply compared byte for byte, then the
 * final state (`finalChecks`) and INFO's counters. A fixed seed per
 * protocol; AGNER_PROPERTY_RUNS raises the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";

export interface TwinPropertyOptions {
  /** One random command line. */
  command: fc.Arbitrary<string[]>;
  /** Commands per sequence, at most. */
  maxLength: number;
  /** Sequences per protocol (AGNER_PROPERTY_RUNS overrides). */
  runs: number;
  /** The seed for RESP2 (RESP3 uses seed + 1); none: fast-check's own. */
  seed?: number;
  /** Compares one command (default: twin.compare, bytes); a set-aware comparison for unordered replies. */
  compare?: (twin: Twin, argv: string[], resp: 2 | 3) => Promise<string | null>;
  /** Commands compared after a given one (RANDOMKEY met expired keys at random: a SCAN settles both). */
  after?: (argv: readonly string[]) => string[][];
  /** Commands compared at the end of each sequence (the keys' final contents). */
  finalChecks?: string[][];
  /** More checks at the end of each sequence (an AOF replay of what the engine propagated). */
  atEnd?: (twin: Twin) => Promise<void>;
}

/** How a failing sequence is shown: long commands shortened. */
function show(cmds: readonly string[][]): string {
  return cmds.map((a) => (a.length > 8 ? `${a.slice(0, 3).join(" ")} ...(${a.length})` : JSON.stringify(a))).join("\n");
}

/** Registers a describe() of `title` with one test per protocol. */
export function twinProperty(title: string, o: TwinPropertyOptions): void {
  const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? o.runs);
  describe(title, needsRedisServer(), () => {
    let twin: Twin;
    before(async () => {
      twin = await Twin.start();
    });
    after(async () => {
      await twin?.stop();
    });
    for (const resp of [2, 3] as const) {
      test(`RESP${resp}`, async () => {
        const compare = o.compare ?? ((t: Twin, argv: string[], r: 2 | 3) => t.compare(argv, r));
        await fc.assert(
          fc.asyncProperty(fc.array(o.command, { minLength: 1, maxLength: o.maxLength }), async (cmds) => {
            await twin.reset();
            const check = async (argv: string[], where: string) => {
              const d = await compare(twin, argv, resp);
              if (d !== null) assert.fail(`${d.slice(0, 1500)}\n${where}:\n${show(cmds)}`);
            };
            for (const argv of cmds) {
              await check(argv, "in");
              for (const more of o.after?.(argv) ?? []) await check(more, "in");
            }
            for (const argv of o.finalChecks ?? []) await check(argv, "at the end of");
            const st = await twin.compareStats();
            if (st !== null) assert.fail(`${st} after:\n${show(cmds)}`);
            await o.atEnd?.(twin);
          }),
          { numRuns: runs, ...(o.seed !== undefined ? { seed: o.seed + resp - 2 } : {}) },
        );
      });
    }
  });
}
