import type { DebugSink } from "./debug.ts";

/**
 * The client options of tracing, debug logging and key prefixing (part of
 * `RedisClientOptions`).
 *
 * @example
 * ```ts
 * import type { ObserveOptions } from "@dray/dray/redis";
 *
 * const options: ObserveOptions = { keyPrefix: "billing:", traceArguments: true, debug: false };
 * ```
 */
export interface ObserveOptions {
  /**
   * Put this in front of every key argument: those the command catalog's key specs name (movable
   * keys included: `EVAL`'s `numkeys`, `XREAD … STREAMS`), in `sendCommand`, typed methods,
   * pipelines, transactions and scripts' `KEYS`, and `SORT`'s `BY`/`GET` patterns. Never values,
   * channels, or the patterns of `KEYS` and `SCAN MATCH`; keys in replies (`KEYS`, `SCAN`,
   * `BLPOP`'s key) come back as the server has them, prefix included. Not with `cache`.
   * See `prefixKeys`.
   */
  keyPrefix?: string;
  /**
   * Give traced commands their arguments (`args` of a `CommandTraceContext`), as text with
   * secrets replaced by `***` (default `false`: the command's name only).
   */
  traceArguments?: boolean;
  /**
   * Log the client's lifecycle (connect, ready, errors, close, reconnect attempts, end): `true`
   * to stderr, or a {@linkcode DebugSink}. Without it, `DRAY_DEBUG=redis` in the environment
   * turns logging to stderr on (read only with the env permission, never prompting).
   */
  debug?: boolean | DebugSink;
}
