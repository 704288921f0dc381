// The project's tests, benchmarks and scripts start their throwaway servers through this adapter
// over the public `redis/testing` module, under the names they have always used.
import { type RedisServer, startServer, type StartServerOptions } from "../../redis/testing/mod.ts";

export type { RedisServer };

/** Options for {@linkcode startRedisServer}: those of `startServer`. */
export type RedisServerOptions = StartServerOptions;

/** Starts a throwaway redis-server (see `startServer` in `redis/testing`). */
export function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  return startServer(options);
}
