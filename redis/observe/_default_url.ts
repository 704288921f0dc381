// connect() without an address: REDIS_URL, when it is set and may be read; else the client's own
// default (redis://127.0.0.1:6379).

import type { RedisClientOptions } from "../client/options.ts";
import { readEnv } from "./_env.ts";

/**
 * `options` with `url` from `REDIS_URL` when they name no server (no `url`, `hostname`, `port`,
 * `path` or `connector`) and the variable is set and readable; else `options` as they are.
 */
export function withEnvironmentUrl(options: RedisClientOptions): RedisClientOptions {
  if (
    options.url !== undefined || options.hostname !== undefined || options.port !== undefined ||
    options.path !== undefined ||
    // A connector (issue 18's transport seam) decides where to connect on its own.
    (options as { connector?: unknown }).connector !== undefined
  ) {
    return options;
  }
  const url = readEnv("REDIS_URL");
  if (url === undefined || url.trim() === "") return options;
  return { ...options, url: url.trim() };
}
