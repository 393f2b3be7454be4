/**
 * Agner's KV server in the test process: its own runtime (the default one,
 * so `call`/`whereis` from the test reach it), port 0 (and memcached port
 * 0) unless given, log
 * events collected. Several servers may run at once with distinct prefixes.
 */
import { type Atom, type LogEvent, type Pid, Runtime, isAlive, setDefaultRuntime, whereis } from "../../src/index.js";
import { startKvServer, shutdown } from "../../src/apps/kv/server/app.js";
import { Config } from "../../src/apps/kv/server/config.js";
import { KvInstance } from "../../src/apps/kv/server/instance.js";

export interface TestServer {
  inst: KvInstance;
  port: number;
  rt: Runtime;
  logs: LogEvent[];
  stop(): Promise<void>;
}

let shared: { rt: Runtime; logs: LogEvent[] } | null = null;

/** The runtime every test server of this file runs in. */
export function testRuntime(): { rt: Runtime; logs: LogEvent[] } {
  if (shared === null) {
    const logs: LogEvent[] = [];
    const rt = new Runtime({ logger: (e) => logs.push(e) });
    setDefaultRuntime(rt);
    shared = { rt, logs };
  }
  return shared;
}

let n = 0;

export async function startAgner(argv: string[] = [], opts: { prefix?: string } = {}): Promise<TestServer> {
  const { rt, logs } = testRuntime();
  const hasPort = argv.includes("--port");
  const hasMcPort = argv.includes("--memcached-port");
  const config = Config.from({ argv: [...(hasPort ? [] : ["--port", "0"]), ...(hasMcPort ? [] : ["--memcached-port", "0"]), ...argv] });
  const inst = new KvInstance({ config, prefix: opts.prefix ?? `kvt${++n}` });
  await startKvServer(inst);
  return {
    inst,
    port: inst.port,
    rt,
    logs,
    stop: () => shutdown(inst),
  };
}

/** Waits until `name` is registered to a live process other than `old` (its supervisor restarted it). */
export async function restarted(name: Atom, old: Pid): Promise<Pid> {
  for (let i = 0; i < 2000; i++) {
    const p = whereis(name);
    if (p !== undefined && p !== old && isAlive(p)) return p;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${name.name} did not restart`);
}
