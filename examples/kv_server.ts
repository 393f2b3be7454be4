/**
 * The KV server embedded in a program: start it on a free port, write a
 * key the way a Redis client does, read it back through the seed's `kv`
 * GenServer (what an Elixir node would call), and stop it in order.
 */
import net from "node:net";
import { atom, call, t } from "../src/index.js";
import { Config, KvInstance, shutdown, startKvServer } from "../src/apps/kv/index.js";

// #region embedded
/** Starts a server, SETs `foo` over RESP, GETs it from the `kv` GenServer. */
export async function kvServerExample(): Promise<string> {
  const inst = new KvInstance({ config: Config.from({ argv: ["--port", "0", "--memcached-port", "0", "--shards", "2"] }) });
  await startKvServer(inst);
  try {
    await redisSet(inst.port, "foo", "bar");
    const value = await call(inst.names.kv, t(atom("get"), "foo")); // a binary: <<"bar">>
    return Buffer.from(value as Uint8Array).toString();
  } finally {
    await shutdown(inst); // listeners, clients, a persistence flush, then the rest
  }
}
// #endregion embedded

/** `SET key value` as a Redis client sends it; resolves with the reply line. */
function redisSet(port: number, key: string, value: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`));
    s.once("data", (d) => {
      resolve(d.toString().trim());
      s.end();
    });
    s.once("error", reject);
  });
}
