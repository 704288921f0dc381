/**
 * dray: an async Redis client and a data mover for Deno, sharing one event-loop seam and one
 * optional native shim. The root exports the Redis client (the same as `@dray/dray/redis`) and
 * `nativeStatus`; each part has its own entry point:
 *
 * - `@dray/dray/redis`: the Redis client — `connect`, `RedisClient`, pipelines, transactions,
 *   pub/sub, caching, Cluster (`connectCluster`), Sentinel (`connectSentinel`), pools, errors,
 *   the RESP codec.
 * - `@dray/dray/redis/commands`: the command-family classes and the command catalog
 *   (`classify`, `keys`, `catalogEntry`).
 * - `@dray/dray/redis/protocol`: the engine (`Context`, `Connection`, `Handshake`).
 * - `@dray/dray/redis/testing`: throwaway `redis-server`s, clusters and sentinel sets.
 * - `@dray/dray/dmover`: sessions bound to one data-movement function, one-shot helpers;
 *   `@dray/dray/dmover/backends` the backends; `@dray/dray/dmover/cli` the command.
 * - `@dray/dray/loop`: the event-loop seam; `@dray/dray/loop/testing` its test doubles.
 * - `@dray/dray/native`: `nativeStatus()`, the native library; `@dray/dray/native/build`.
 *
 * @example Checking the native path
 * ```ts
 * import { nativeStatus } from "@dray/dray";
 *
 * const status = nativeStatus();
 * console.log(status.available ? `native: ${status.path}` : `native: off (${status.reason})`);
 * ```
 *
 * @module
 */
export * from "./redis/mod.ts";
export { type NativeStatus, nativeStatus } from "./native/status.ts";
