/**
 * TLS distribution between Agner transports: certificates from one CA
 * connect; a certificate from another CA is refused both ways (as client
 * and as server), with the reason logged.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ExternalPid } from "../../../src/term/identifiers.js";
import { atom } from "../../../src/term/atom.js";
import { DistConnectError, DistTransport } from "../../../src/distribution/index.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../../support/dist.js";
import { type CertSet, makeCerts, opensslAvailable } from "../../support/tls_certs.js";

describe("TLS distribution", opensslAvailable() ? {} : { skip: "openssl not installed" }, () => {
  let certs: CertSet;
  let epmdPort: number;
  const started: DistTransport[] = [];
  before(async () => {
    certs = makeCerts();
    epmdPort = await freePort();
  });
  after(async () => {
    for (const tr of started) await tr.stop();
    certs?.remove();
  });
  const start = async (prefix: string, which: "good" | "rogue") => {
    const h = new RecordingHandler();
    const log = memoryLogger();
    const tr = await DistTransport.start({ name: `${uniqueName(prefix)}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: log, tls: certs.tls(which) }, h);
    started.push(tr);
    return { tr, h, log };
  };

  test("two nodes with certificates of the same CA connect and exchange messages", async () => {
    const a = await start("tls_a", "good");
    const b = await start("tls_b", "good");
    const conn = await a.tr.connect(b.tr.nodeName);
    const from = new ExternalPid(a.tr.nodeName, 90, 0, a.tr.creation);
    conn.send({ op: "reg_send", from, to: atom("x"), msg: [1, 2, 3] });
    await b.h.waitFor(() => b.h.rec.messages.length === 1, "the message over TLS");
    assert.deepEqual(b.h.rec.messages[0]!.msg, { op: "reg_send", from, to: atom("x"), msg: [1, 2, 3] });
  });

  test("a certificate from another CA is refused, whichever side it is on", async () => {
    const good = await start("tls_good", "good");
    const rogue = await start("tls_rogue", "rogue");
    // Rogue as client: the good server refuses its certificate; the rogue also distrusts the server's.
    await assert.rejects(rogue.tr.connect(good.tr.nodeName), DistConnectError);
    // Good as client: it refuses the rogue server's certificate.
    await assert.rejects(good.tr.connect(rogue.tr.nodeName), (e: unknown) => {
      assert.ok(e instanceof DistConnectError);
      assert.match(e.message, /certificate|verify|self.signed|issuer/i);
      return true;
    });
    assert.match(good.log.texts(), new RegExp(`connection to ${rogue.tr.nodeName.name} failed: .*(certificate|verify|issuer)`, "i"));
    assert.equal(good.h.rec.ups.length + rogue.h.rec.ups.length, 0);
  });
});
