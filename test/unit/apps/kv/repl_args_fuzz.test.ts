/**
 * Fuzzing the arguments a replica sends a primary (REPLCONF option/value
 * pairs, PSYNC's replication id and offset), untrusted input: random ones,
 * mixed with the real option names, are answered +OK, nothing (ACK, GETACK)
 * or a Redis error, the connection stays usable (a PING after them is
 * answered) and the server keeps serving. AGNER_FUZZ_ITERATIONS=N runs a
 * longer campaign.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const RUNS = Number(process.env.AGNER_FUZZ_ITERATIONS ?? 150);
const OPTIONS = ["listening-port", "ip-address", "capa", "ack", "getack", "rdb-only", "LISTENING-PORT", "Capa", "fack", ""];
const word = fc.oneof(fc.constantFrom(...OPTIONS, "eof", "psync2", "0", "-1", "*", "9223372036854775808", "1e3", " 7"), fc.string({ maxLength: 300 }), fc.stringMatching(/^-?\d{1,20}$/));

function isError(r: unknown, re: RegExp): boolean {
  return typeof r === "object" && r !== null && "error" in r && re.test((r as { error: string }).error);
}

let server: TestServer;
after(async () => {
  await server?.stop();
});

test("REPLCONF and PSYNC with random arguments: +OK, no reply or an error, and the server goes on", async () => {
  server = await startAgner();
  const c = await RespClient.connect(server.port);
  await fc.assert(
    fc.asyncProperty(fc.array(word, { minLength: 0, maxLength: 7 }), fc.string({ maxLength: 50 }), fc.string({ maxLength: 30 }).filter((s) => !/^-?\d+$/.test(s)), async (args, replid, offset) => {
        // ACK and GETACK answer nothing: the PING sent after tells where REPLCONF's replies end.
        c.send("REPLCONF", ...args);
        c.send("PING");
        let r = plain(await c.read());
        if (r !== "PONG") {
          assert.ok(r === "OK" || isError(r, /^ERR /), `REPLCONF ${JSON.stringify(args)} answered ${JSON.stringify(r)}`);
          r = plain(await c.read());
        }
        assert.equal(r, "PONG");
        // A PSYNC whose offset is not a number is refused before anything else (a numeric one would start a sync).
        assert.deepEqual(plain(await c.cmd("PSYNC", replid, offset)), { error: "ERR value is not an integer or out of range" });
      },
    ),
    { numRuns: RUNS },
  );
  assert.equal(plain(await c.cmd("PING")), "PONG");
  c.close();
});
