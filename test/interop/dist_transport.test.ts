/**
 * The transport against real Erlang/OTP nodes on loopback, with Agner's
 * embedded EPMD on a private port: erl registers in it and `epmd -names`
 * lists it; handshakes both ways; REG_SEND both ways; atom cache headers
 * and fragments from erl decoded; a wrong cookie refused both ways.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { atom } from "../../src/term/atom.js";
import { ExternalPid, Pid } from "../../src/term/identifiers.js";
import { t } from "../../src/term/tuple.js";
import { DistConnectError, DistTransport } from "../../src/distribution/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { RecordingHandler, freePort, memoryLogger, uniqueName } from "../support/dist.js";
import { type CertSet, makeCerts } from "../support/tls_certs.js";

describe("transport interop with erl", needsErl(), () => {
  let epmdPort: number;
  let agner: DistTransport;
  const h = new RecordingHandler();
  const log = memoryLogger();
  const erls: ErlNode[] = [];
  const cookie = "interop_cookie";

  before(async () => {
    epmdPort = await freePort();
    agner = await DistTransport.start({ name: `${uniqueName()}@localhost`, cookie, epmdPort, epmd: "embedded", logger: log }, h);
  });
  after(async () => {
    for (const e of erls) await e.stop(true);
    await agner?.stop();
  });

  const erl = async (prefix: string, c = cookie, args: string[] = []): Promise<ErlNode> => {
    const n = await startErl({ sname: uniqueName(prefix), cookie: c, epmdPort, args });
    erls.push(n);
    return n;
  };

  test("erl registers in the embedded EPMD; epmd -names lists both", async () => {
    assert.equal(agner.embeddedEpmd, true);
    const e = await erl("reg");
    // Asynchronously: the EPMD that answers runs in this very process.
    const { stdout: out } = await promisify(execFile)("epmd", ["-names"], { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) }, encoding: "utf8" });
    assert.match(out, new RegExp(`up and running on port ${epmdPort}`));
    assert.match(out, new RegExp(`name ${agner.nodeName.name.split("@")[0]} at port ${agner.port}`));
    assert.match(out, new RegExp(`name ${e.node.split("@")[0]} at port \\d+`));
    // erl finds the Agner node through it.
    const port = await e.eval(`{ok, [{"${agner.nodeName.name.split("@")[0]}", P} | _]} = {ok, [X || X = {N, _} <- element(2, erl_epmd:names("localhost")), N =:= "${agner.nodeName.name.split("@")[0]}"]}, P.`);
    assert.equal(port, agner.port);
  });

  test("erl connects to Agner and sends {Name, Node} ! Msg: a REG_SEND arrives", async () => {
    const e = await erl("to_agner");
    assert.equal(await e.eval(`net_kernel:connect_node('${agner.nodeName.name}').`), true);
    await h.waitFor(() => h.rec.ups.some((c) => c.peer.name === e.node), "erl's connection");
    const conn = agner.connection(e.node)!;
    assert.equal(conn.initiated, false);
    const erlPid = (await e.eval(`{shell, '${agner.nodeName.name}'} ! {hello, self(), <<"bin">>, [1.5, "str"], #{a => 1}}, self().`)) as Pid;
    await h.waitFor(() => h.messagesFrom(atom(e.node)).length > 0, "the REG_SEND");
    const m = h.messagesFrom(atom(e.node))[0]!;
    assert.equal(m.op, "reg_send");
    if (m.op !== "reg_send") return;
    assert.equal(m.to, atom("shell"));
    assert.ok(m.from instanceof Pid);
    assert.equal(m.from.node.name, e.node);
    assert.equal(m.from.id, erlPid.id);
    const msg = m.msg as unknown[];
    assert.equal(msg[0], atom("hello"));
    assert.equal((msg[1] as Pid).id, erlPid.id);
    assert.equal(Buffer.from(msg[2] as Uint8Array).toString(), "bin");
    assert.deepEqual(msg[3], [1.5, [115, 116, 114]]);
    // erl uses the atom cache in its distribution headers: they decoded.
    assert.ok(conn.stats.atomCacheRefsIn > 0, `atom cache references read: ${conn.stats.atomCacheRefsIn}`);
  });

  test("Agner connects to erl and REG_SENDs to a registered process: erl receives it", async () => {
    const e = await erl("from_agner");
    const conn = await agner.connect(e.node);
    assert.equal(conn.initiated, true);
    assert.equal(conn.peer.name, e.node);
    const from = new ExternalPid(agner.nodeName, 85, 0, agner.creation);
    conn.send({ op: "reg_send", from, to: atom("probe"), msg: t(atom("from_agner"), from, "text", 1n << 70n, [atom("a"), 2]) });
    const got = (await e.eval(`receive M -> M after 5000 -> timeout end.`)) as unknown[];
    assert.equal(got[0], atom("from_agner"));
    assert.equal((got[1] as Pid).node, agner.nodeName);
    assert.equal((got[1] as Pid).id, 85);
    assert.equal(Buffer.from(got[2] as Uint8Array).toString(), "text");
    assert.equal(got[3], 1n << 70n);
    // erl answers to the Agner pid: a SEND comes back, with the sender (SEND_SENDER).
    await e.eval(`Pid = list_to_pid("<0.0.0>"), ok.`).catch(() => undefined);
    await e.eval(`receive _ -> ok after 0 -> ok end, ok.`);
    const before = h.messagesFrom(atom(e.node)).length;
    conn.send({ op: "reg_send", from, to: atom("probe"), msg: t(atom("reply_to"), from) });
    await e.eval(`receive {reply_to, P} -> P ! {reply, self()}, ok after 5000 -> timeout end.`);
    await h.waitFor(() => h.messagesFrom(atom(e.node)).length > before, "erl's reply");
    const reply = h.messagesFrom(atom(e.node))[before]!;
    assert.equal(reply.op, "send");
    if (reply.op !== "send") return;
    assert.equal(reply.to.id, 85);
    assert.equal((reply.msg as unknown[])[0], atom("reply"));
  });

  test("erl decodes our atom cache headers (atomCache option)", async () => {
    const e = await erl("atom_cache");
    const sender = await DistTransport.start(
      { name: `${uniqueName("ac")}@localhost`, cookie, epmdPort, epmd: "embedded", logger: memoryLogger(), atomCache: true },
      new RecordingHandler(),
    );
    try {
      const conn = await sender.connect(e.node);
      const from = new ExternalPid(sender.nodeName, 87, 0, sender.creation);
      for (let i = 0; i < 3; i++) conn.send({ op: "reg_send", from, to: atom("probe"), msg: t(atom("cached"), i, from, atom("ä".repeat(100)), true) });
      for (let i = 0; i < 3; i++) {
        const got = (await e.eval(`receive M -> M after 5000 -> timeout end.`)) as unknown[];
        assert.equal(got[0], atom("cached"));
        assert.equal(got[1], i);
        assert.equal((got[2] as Pid).node, sender.nodeName);
        assert.equal(got[3], atom("ä".repeat(100)));
        assert.equal(got[4], true);
      }
    } finally {
      await sender.stop();
    }
  });

  test("a large message from erl arrives whole (fragmented if erl fragments it)", async () => {
    const e = await erl("big");
    const conn = await agner.connect(e.node);
    const from = new ExternalPid(agner.nodeName, 86, 0, agner.creation);
    conn.send({ op: "reg_send", from, to: atom("probe"), msg: t(atom("send_big"), from) });
    await e.eval(`receive {send_big, P} -> P ! {big, binary:copy(<<"0123456789abcdef">>, 1 bsl 16), lists:seq(1, 100000)}, ok after 5000 -> timeout end.`);
    await h.waitFor(() => h.messagesFrom(atom(e.node)).some((m) => m.op === "send" && (m.msg as unknown[])[0] === atom("big")), "the big message", 20_000);
    const big = h.messagesFrom(atom(e.node)).find((m) => m.op === "send")!;
    if (big.op !== "send") return;
    const [, bin, list] = big.msg as [unknown, Uint8Array, number[]];
    assert.equal(bin.length, 1 << 20);
    assert.equal(Buffer.from(bin.subarray(0, 16)).toString(), "0123456789abcdef");
    assert.equal(list.length, 100000);
    assert.equal(list[99999], 100000);
    console.log(`# fragments read from erl for a ~1.5 MB message: ${conn.stats.fragmentsIn}`);
  });

  test("a wrong cookie is refused both ways, with a logged reason naming the peer", async () => {
    const e = await erl("badcookie", "not_the_cookie");
    // erl -> Agner: Agner refuses the challenge reply.
    assert.equal(await e.eval(`net_kernel:connect_node('${agner.nodeName.name}').`), false);
    assert.match(log.texts(), new RegExp(`connection attempt from ${e.node}.*invalid challenge reply`));
    // Agner -> erl: erl refuses ours, Agner's connect rejects.
    await assert.rejects(agner.connect(e.node), (err: unknown) => {
      assert.ok(err instanceof DistConnectError);
      assert.match(err.message, /cookie/);
      return true;
    });
    assert.match(log.texts(), new RegExp(`connection to ${e.node} failed`));
    assert.equal(agner.connection(e.node), undefined);
  });
});

describe("TLS distribution with erl -proto_dist inet_tls", needsErl(), () => {
  let epmdPort: number;
  let agner: DistTransport;
  let certs: CertSet;
  const h = new RecordingHandler();
  const log = memoryLogger();
  const erls: ErlNode[] = [];
  const cookie = "tls_cookie";

  before(async () => {
    certs = makeCerts();
    epmdPort = await freePort();
    agner = await DistTransport.start({ name: `${uniqueName("tls")}@localhost`, cookie, epmdPort, epmd: "embedded", logger: log, tls: certs.tls("good") }, h);
  });
  after(async () => {
    for (const e of erls) await e.stop(true);
    await agner?.stop();
    certs?.remove();
  });
  const erlTls = async (prefix: string, which: "good" | "rogue"): Promise<ErlNode> => {
    const n = await startErl({ sname: uniqueName(prefix), cookie, epmdPort, args: ["-proto_dist", "inet_tls", "-ssl_dist_optfile", certs.erlOptFile(which)] });
    erls.push(n);
    return n;
  };

  test("erl connects to Agner over TLS, and Agner to erl", async () => {
    const e = await erlTls("tls_in", "good");
    assert.equal(await e.eval(`net_kernel:connect_node('${agner.nodeName.name}').`), true);
    await e.eval(`{tls_shell, '${agner.nodeName.name}'} ! {over_tls, self()}, ok.`);
    await h.waitFor(() => h.messagesFrom(atom(e.node)).length === 1, "the REG_SEND over TLS");
    const m = h.messagesFrom(atom(e.node))[0]!;
    assert.equal(m.op === "reg_send" && m.to, atom("tls_shell"));
    const e2 = await erlTls("tls_out", "good");
    const conn = await agner.connect(e2.node);
    const from = new ExternalPid(agner.nodeName, 91, 0, agner.creation);
    conn.send({ op: "reg_send", from, to: atom("probe"), msg: atom("hello_tls") });
    assert.equal(await e2.eval(`receive M -> M after 5000 -> timeout end.`), atom("hello_tls"));
  });

  test("an erl node with a certificate from another CA is refused", async () => {
    const e = await erlTls("tls_rogue", "rogue");
    assert.equal(await e.eval(`net_kernel:connect_node('${agner.nodeName.name}').`), false);
    assert.match(log.texts(), /TLS handshake from .* failed/);
    await assert.rejects(agner.connect(e.node), DistConnectError);
    assert.equal(agner.connection(e.node), undefined);
  });
});

describe("ticks and visibility with erl", needsErl(), () => {
  let epmdPort: number;
  const erls: ErlNode[] = [];
  const transports: DistTransport[] = [];
  before(async () => {
    epmdPort = await freePort();
  });
  after(async () => {
    for (const e of erls) await e.stop(true);
    for (const tr of transports) await tr.stop();
  });

  test("an idle connection stays up on ticks both ways; a stopped erl is declared down (net_tick_timeout)", async () => {
    const h = new RecordingHandler();
    const log = memoryLogger();
    const agner = await DistTransport.start({ name: `${uniqueName("tick")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: log, netTicktime: 4 }, h);
    transports.push(agner);
    const e = await startErl({ sname: uniqueName("tick_erl"), cookie: "c", epmdPort, args: ["-kernel", "net_ticktime", "4"] });
    erls.push(e);
    const conn = await agner.connect(e.node);
    // Idle for over two tick times: both sides tick, nobody drops the connection.
    await new Promise((r) => setTimeout(r, 9_000));
    assert.equal(conn.open, true);
    assert.ok(conn.stats.ticksIn > 0, `ticks from erl: ${conn.stats.ticksIn}`);
    assert.ok(conn.stats.ticksOut > 0, `ticks to erl: ${conn.stats.ticksOut}`);
    assert.deepEqual(await e.eval(`nodes(hidden).`), [agner.nodeName]);
    // A frozen erl sends nothing: down within about a tick time.
    process.kill(e.pid, "SIGSTOP");
    try {
      await h.waitFor(() => h.rec.downs.length === 1, "the tick timeout", 12_000);
    } finally {
      process.kill(e.pid, "SIGCONT");
    }
    assert.equal(h.rec.downs[0]!.reason, atom("net_tick_timeout"));
    assert.match(log.texts(), new RegExp(`Node ${e.node} not responding`));
  });

  test("hidden by default; visible on request (erl lists it in nodes())", async () => {
    const e = await startErl({ sname: uniqueName("vis_erl"), cookie: "c", epmdPort });
    erls.push(e);
    const hidden = await DistTransport.start({ name: `${uniqueName("hid")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger() }, new RecordingHandler());
    const visible = await DistTransport.start({ name: `${uniqueName("vis")}@localhost`, cookie: "c", epmdPort, epmd: "embedded", logger: memoryLogger(), hidden: false }, new RecordingHandler());
    transports.push(hidden, visible);
    const ch = await hidden.connect(e.node);
    const cv = await visible.connect(e.node);
    assert.equal(ch.hidden, true);
    assert.equal(cv.hidden, false);
    assert.deepEqual(await e.eval(`nodes().`), [visible.nodeName]);
    assert.deepEqual(await e.eval(`nodes(hidden).`), [hidden.nodeName]);
  });
});
