/**
 * Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
 * BZPOPMAX, BZMPOP, XREAD and XREADGROUP with BLOCK) with several clients, as redis-server answers them:
 * the same scripts run on Agner with four shards and on a real
 * redis-server, every reply compared byte for byte.
 *
 * A script is steps: `N> cmd` client N sends without reading, `N<` reads
 * its next reply, `N: cmd` sends and reads, `wait K` waits until INFO says
 * K clients are blocked (how Redis' own tests know a client blocked: no
 * timing), `close N` closes client N. `{idN}` is client N's CLIENT ID.
 * Keys a..f are spread over the shards (the cross-shard cases are checked).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";

const SHARDS = 4;
const servers = serverPair(["--shards", String(SHARDS)]);
const guard = servers.guard;

const SCRIPTS: Record<string, string> = {
  "served in the order they blocked": "1> BLPOP a 0 | wait 1 | 2> BLPOP a 0 | wait 2 | 3> BRPOP a 0 | wait 3 | 4: RPUSH a x y z | 1< | 2< | 3< | 4: EXISTS a",
  "first non-empty key, else the key that becomes ready": "4: RPUSH b 1 | 1: BLPOP a b c 0 | 1> BLPOP a b c 0 | wait 1 | 4: RPUSH c 2 | 1< | 4: EXISTS c",
  "a client waiting on keys of several shards is served once": "1> BLPOP a b 0 | wait 1 | 4: MULTI | 4: RPUSH a 1 | 4: RPUSH b 2 | 4: EXEC | 1< | 4: LRANGE a 0 -1 | 4: LRANGE b 0 -1",
  "served after the command that made the key ready, before the next": "1> BLPOP a 0 | wait 1 | 4: RPUSH a x | 1< | 4: LPOP a | 4> RPUSH a y | 4> LPOP a | 4< | 4<",
  "pipelined commands behind a blocked command wait for it": "1> BLPOP a 0 | 1> PING | 1> LPUSH a mine | wait 1 | 4: RPUSH a x | 1< | 1< | 1< | 4: LRANGE a 0 -1",
  "timeouts": "1: BLPOP a 0.05 | 1: BRPOP a b 0.01 | 1: BZPOPMIN a 0.01 | 1: BLMOVE a b LEFT LEFT 0.01 | 1: BRPOPLPUSH a b 0.01 | 1: BLMPOP 0.01 2 a b LEFT | 1: BZMPOP 0.01 1 a MAX",
  "timeout errors": "1: BLPOP a -1 | 1: BLPOP a x | 1: BLPOP a 1e400 | 1: BLPOP a inf | 1: BLPOP a '' | 1: BLPOP a 0x1p-4 | 1: BLPOP a -0.0x1 | 1: BLMPOP -1 1 a LEFT | 1: BLMPOP 0 0 a LEFT | 1: BLMPOP nan 1 a LEFT | 1: BZMPOP 0 1 a MIDDLE | 1: BLMOVE a b UP LEFT x",
  "wrong types": "4: SET s v | 1: BLPOP s 0 | 1: BLPOP a s 0 | 1: BZPOPMIN s 0 | 1: BLMOVE s a LEFT LEFT 0 | 4: RPUSH l x | 1: BLMOVE l s LEFT LEFT 0 | 1: BLMPOP 0 2 a s LEFT | 1: BZMPOP 0 2 a s MIN",
  "a key of another type does not serve": "1> BLPOP a 0 | wait 1 | 4: SET a str | 4: DEL a | 4: ZADD a 1 m | 4: DEL a | 4: RPUSH a fine | 1<",
  "inside MULTI a blocking command does not block": "1: MULTI | 1: BLPOP a 0 | 1: BZPOPMAX a 0 | 1: BLMOVE a b LEFT LEFT 0 | 1: BLMPOP 0 1 a LEFT | 1: EXEC | 4: RPUSH a v | 1: MULTI | 1: BLPOP a 0 | 1: EXEC",
  "BLMOVE and BRPOPLPUSH, served across shards": "1> BLMOVE a b LEFT RIGHT 0 | wait 1 | 2> BRPOPLPUSH a c 0 | wait 2 | 4: RPUSH a x y | 1< | 2< | 4: LRANGE b 0 -1 | 4: LRANGE c 0 -1 | 4: EXISTS a",
  "BLMOVE served into a key of the wrong type": "4: SET b str | 1> BLMOVE a b LEFT RIGHT 0 | wait 1 | 4: RPUSH a x | 1< | 4: LRANGE a 0 -1",
  "a chain of BLMOVEs": "1> BLMOVE a b LEFT LEFT 0 | wait 1 | 2> BLMOVE b c LEFT LEFT 0 | wait 2 | 3> BLPOP c 0 | wait 3 | 4: RPUSH a hop | 1< | 2< | 3< | 4: EXISTS a b c",
  "BLMPOP": "1> BLMPOP 0 2 a b RIGHT COUNT 2 | wait 1 | 4: RPUSH b 1 2 3 | 1< | 4: LRANGE b 0 -1 | 4: RPUSH a 9 | 1: BLMPOP 0 2 a b LEFT COUNT 10",
  "sorted sets": "1> BZPOPMIN a b 0 | wait 1 | 2> BZPOPMAX b 0 | wait 2 | 3> BZMPOP 0 2 a b MAX COUNT 5 | wait 3 | 4: ZADD b 1 x 2 y 3 z 4 w | 1< | 2< | 3< | 4: ZADD a 5 q | 1: BZPOPMIN a b 0 | 4: EXISTS a b",
  "XREAD BLOCK: every reader of a stream is served, from the ready stream only": "4: XADD s 1-1 f v | 1> XREAD BLOCK 0 STREAMS s $ | 2> XREAD COUNT 1 BLOCK 0 STREAMS a s 0 1-1 | wait 2 | 4: XADD s 2-1 g w | 1< | 2< | 1> XREAD BLOCK 0 STREAMS s b 2-1 0 | wait 1 | 4: XADD b 3-1 h x | 1<",
  "XREAD BLOCK: timeout, MULTI, a deleted stream keeps it waiting": "1: XREAD BLOCK 10 STREAMS s $ | 1: MULTI | 1: XREAD BLOCK 0 STREAMS s $ | 1: EXEC | 4: XADD s 1-1 f v | 1> XREAD BLOCK 0 STREAMS s $ | wait 1 | 4: DEL s | 4: SET s str | 4: DEL s | 4: XADD s 2-1 f v | 1< | 1: XREAD BLOCK x STREAMS s $ | 1: XREAD BLOCK -1 STREAMS s $",
  "XREADGROUP BLOCK: each new entry to one consumer, in order": "4: XGROUP CREATE s g $ MKSTREAM | 1> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s > | wait 1 | 2> XREADGROUP GROUP g c2 BLOCK 0 STREAMS s > | wait 2 | 4: XADD s 1-1 f v | 1< | 4: XADD s 2-1 f v | 2< | 4: XPENDING s g",
  "XREADGROUP BLOCK: the group destroyed, the stream deleted or replaced": "4: XGROUP CREATE s g $ MKSTREAM | 1> XREADGROUP GROUP g c BLOCK 0 STREAMS s > | wait 1 | 4: XGROUP DESTROY s g | 1< | 4: XGROUP CREATE s g $ | 1> XREADGROUP GROUP g c BLOCK 0 STREAMS s > | wait 1 | 4: DEL s | 1< | 4: XGROUP CREATE s g $ MKSTREAM | 1> XREADGROUP GROUP g c BLOCK 0 STREAMS s > | wait 1 | 4: SET s str | 1<",
  "a database of its own, a key named twice, COUNT beyond the list": "1: SELECT 1 | 1> BLPOP a a 0 | wait 1 | 4: RPUSH a x | 4: SELECT 1 | 4: RPUSH a y | 1< | 4: LRANGE a 0 -1 | 4: SELECT 0 | 4: LRANGE a 0 -1 | 2> BLMPOP 0 2 b b LEFT COUNT 9 | wait 1 | 4: RPUSH b 1 2 | 2<",
  "a blocked client killed": "1> BLPOP a 0 | wait 1 | 4: CLIENT KILL ID {id1} | wait 0 | 4: RPUSH a x | 4: LRANGE a 0 -1",
  "CLIENT UNBLOCK": "1> BLPOP a 0 | wait 1 | 4: CLIENT UNBLOCK {id1} | 1< | 1> BZPOPMIN a 0 | wait 1 | 4: CLIENT UNBLOCK {id1} ERROR | 1< | 1> BLMOVE a b LEFT LEFT 0 | wait 1 | 4: CLIENT UNBLOCK {id1} TIMEOUT | 1< | 4: CLIENT UNBLOCK {id1} | 4: CLIENT UNBLOCK {id4} | 4: CLIENT UNBLOCK 999999 | 4: CLIENT UNBLOCK x | 4: CLIENT UNBLOCK {id1} nope | 4: CLIENT UNBLOCK x nope | 4: CLIENT UNBLOCK 1 timeout extra",
  "a closed client is not served: nothing is lost": "1> BLPOP a 0 | 2> BLPOP a 0 | wait 2 | close 1 | wait 1 | 4: RPUSH a x y | 2< | 4: LRANGE a 0 -1",
  "the blocked client in CLIENT LIST and INFO": "1> BLPOP a 0 | wait 1 | 4: INFO-BLOCKED | 4: CLIENT-FLAGS {id1} | 4: RPUSH a x | 1< | wait 0 | 4: INFO-BLOCKED | 4: CLIENT-FLAGS {id1}",
  "RESP3": "1: HELLO 3 | 1: BLPOP a 0.01 | 1: BZPOPMIN a 0.01 | 1: BLMOVE a b LEFT LEFT 0.01 | 1> BZPOPMIN a 0 | wait 1 | 4: ZADD a 1.5 m | 1< | 1> BZMPOP 0 1 a MIN | wait 1 | 4: ZADD a 2.5 n | 1< | 1> BLPOP a 0 | wait 1 | 4: CLIENT UNBLOCK {id1} | 1<",
};

/** INFO's blocked_clients. */
async function blockedClients(c: RespClient): Promise<number> {
  const info = await c.raw("INFO", "clients");
  const m = /blocked_clients:(\d+)/.exec(info);
  assert.ok(m, info);
  return Number(m[1]);
}

function words(line: string): string[] {
  return line.split(" ").map((w) => (w === "''" ? "" : w));
}

async function run(port: number, script: string): Promise<string[]> {
  const clients = new Map<number, RespClient>();
  const ids = new Map<number, string>();
  const client = async (n: number): Promise<RespClient> => {
    let c = clients.get(n);
    if (c === undefined) {
      c = await RespClient.connect(port);
      clients.set(n, c);
      ids.set(n, (await c.raw("CLIENT", "ID")).slice(1, -2));
    }
    return c;
  };
  const control = await RespClient.connect(port);
  const out: string[] = [];
  try {
    await control.raw("FLUSHALL");
    for (const step of script.split(" | ")) {
      let m: RegExpExecArray | null;
      if ((m = /^wait (\d+)$/.exec(step))) {
        while ((await blockedClients(control)) !== Number(m[1])) await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      if ((m = /^close (\d+)$/.exec(step))) {
        (await client(Number(m[1]))).close();
        clients.delete(Number(m[1]));
        continue;
      }
      m = /^(\d+)([:<>]) ?(.*)$/.exec(step);
      assert.ok(m, step);
      const c = await client(Number(m[1]));
      if (m[2] === "<") {
        out.push(`${step} -> ${await c.readRaw()}`);
        continue;
      }
      for (const n of [1, 2, 3, 4]) await client(n);
      const line = m[3]!.replace(/\{id(\d)\}/g, (_, n: string) => ids.get(Number(n))!);
      let argv = words(line);
      if (argv[0] === "INFO-BLOCKED") {
        out.push(`${step} -> ${await blockedClients(c)}`);
        continue;
      }
      if (argv[0] === "CLIENT-FLAGS") argv = ["CLIENT", "LIST", "ID", argv[1]!];
      c.send(...argv);
      if (m[2] === ":") {
        let r = await c.readRaw();
        if (argv[0] === "CLIENT" && argv[1] === "LIST") r = /flags=\S+/.exec(r)![0];
        if (argv[0] === "HELLO") r = "(hello)";
        out.push(`${step} -> ${r}`);
      }
    }
    return out;
  } finally {
    control.close();
    for (const c of clients.values()) c.close();
  }
}

describe("blocking commands with several clients, as redis-server answers them", guard, () => {
  test("the cross-shard scripts' keys are on different shards", () => {
    assert.notEqual(shardOf("a", SHARDS - 1), shardOf("b", SHARDS - 1));
    assert.notEqual(shardOf("b", SHARDS - 1), shardOf("c", SHARDS - 1));
  });

  for (const [name, script] of Object.entries(SCRIPTS)) {
    test(name, async () => {
      assert.deepEqual(await run(servers.agner.port, script), await run(servers.redis.port, script));
    });
  }
});
