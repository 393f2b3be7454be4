/**
 * An Agner server and a real redis-server started before a file's tests
 * and stopped after them, for tests that run the same thing on both: both
 * skipped when redis-server is missing (a failure in CI, see redis_tools).
 */
import { after, before } from "node:test";
import { type TestServer, startAgner } from "./agner_kv.js";
import { RedisServer, needsRedis } from "./redis_tools.js";

export interface ServerPair {
  /** `{ skip }` for describe()/test() when redis-server is missing. */
  readonly guard: { skip?: string };
  readonly agner: TestServer;
  readonly redis: RedisServer;
}

/** Registers before/after hooks starting Agner with `argv` and redis-server; read the servers inside tests. */
export function serverPair(argv: string[] = []): ServerPair {
  const guard = needsRedis();
  let agner: TestServer | undefined;
  let redis: RedisServer | undefined;
  before(async () => {
    if (guard.skip) return;
    agner = await startAgner(argv);
    redis = await RedisServer.start();
  });
  after(async () => {
    if (guard.skip) return;
    await agner?.stop();
    await redis?.stop();
  });
  return {
    guard,
    get agner() {
      return agner!;
    },
    get redis() {
      return redis!;
    },
  };
}
