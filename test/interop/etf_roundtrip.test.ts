/**
 * Property test against real Erlang: fast-check makes arbitrary terms, Agner
 * encodes them, a long-running `erl` decodes each with binary_to_term and
 * encodes it again with term_to_binary (OTP 26 defaults), and Agner decodes
 * that and must get an equal term back. Checks the encoder and the decoder
 * against the real thing on thousands of terms per run.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { decode, encode } from "../../src/etf/index.js";
import { equals, inspect } from "../../src/term/index.js";
import { needsErl } from "../support/erl.js";
import { termArb } from "../support/term_arbitrary.js";

const RUNS = Number(process.env.AGNER_ERL_PROPERTY_RUNS ?? 2000);
const opts = needsErl();

/** An erl that answers each {packet,4} frame with term_to_binary(binary_to_term(Frame)). */
class ErlEcho {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffered = Buffer.alloc(0);
  private waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | null = null;

  constructor() {
    const loop =
      'P = open_port({fd, 0, 1}, [{packet, 4}, binary]), ' +
      "L = fun L() -> receive {P, {data, B}} -> " +
      "R = try term_to_binary(binary_to_term(B), [{minor_version, 2}]) catch C:E -> term_to_binary({echo_error, C, E}) end, " +
      "port_command(P, R), L(); {P, eof} -> halt() end end, L()";
    this.proc = spawn("erl", ["-noshell", "-noinput", "-eval", loop], { stdio: ["pipe", "pipe", "pipe"] });
    this.proc.on("exit", (code) => {
      this.dead = new Error(`erl exited (${code})`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    });
    this.proc.stdout.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const n = this.buffered.readUInt32BE(0);
        if (this.buffered.length < 4 + n) break;
        const frame = this.buffered.subarray(4, 4 + n);
        this.buffered = this.buffered.subarray(4 + n);
        this.waiting.shift()?.resolve(Buffer.from(frame));
      }
    });
  }

  echo(bytes: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(this.dead);
      this.waiting.push({ resolve, reject });
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      this.proc.stdin.write(Buffer.concat([len, bytes]));
    });
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

let erl: ErlEcho | undefined;
before(() => {
  if (!opts.skip) erl = new ErlEcho();
});
after(() => erl?.close());

test(`${RUNS} arbitrary terms survive Agner encode -> erl decode/encode -> Agner decode`, opts, async () => {
  await fc.assert(
    fc.asyncProperty(termArb, fc.boolean(), async (term, compressed) => {
      // Half of them sent COMPRESSED (when that is smaller), as term_to_binary(T, [compressed]) would.
      const back = decode(new Uint8Array(await erl!.echo(encode(term, { compressed }))));
      assert.ok(equals(back, term), `${inspect(term)} came back as ${inspect(back)}`);
    }),
    { numRuns: RUNS },
  );
});

test("erl re-encodes canonical small terms to the very bytes Agner wrote", opts, async () => {
  await fc.assert(
    fc.asyncProperty(termArb, async (term) => {
      const mine = encode(term);
      const theirs = new Uint8Array(await erl!.echo(mine));
      // Maps over 32 keys have no canonical order (the generator makes at most 5); all else must match byte for byte.
      assert.deepEqual(theirs, mine, inspect(term));
    }),
    { numRuns: Math.min(RUNS, 500) },
  );
});
