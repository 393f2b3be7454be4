/**
 * docs/kv_ha.md's client: ioredis configured with the three sentinels of
 * the guide (the failover test, test/interop/kv/sentinel_failover.test.ts,
 * builds the same client on its own ports).
 */
import { Redis } from "ioredis";

/** A client that asks the sentinels where the primary of `mymaster` is, and asks again after a failover. */
export function sentinelClient(): Redis {
  return new Redis({
    sentinels: [
      { host: "127.0.0.1", port: 26380 },
      { host: "127.0.0.1", port: 26381 },
      { host: "127.0.0.1", port: 26382 },
    ],
    name: "mymaster",
  });
}
