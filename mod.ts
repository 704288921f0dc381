/**
 * dray: an async Redis client and a data mover for Deno, sharing one event-loop seam and one
 * optional native shim.
 *
 * A short tour:
 * - `@dray/dray/loop`: the seam — a core registers read/write interest, timers and cleanup on an
 *   `EventLoop`; `defaultLoop()` is Deno's own event loop, `ManualLoop` drives ticks in tests.
 * - `@dray/dray/native`: `nativeStatus()` says whether the C shim is live and why not; its
 *   wrappers check every buffer span before calling C.
 * - `@dray/dray/redis`: the Redis client (RESP2/RESP3, auto-pipelining, pub/sub, reconnects).
 * - `@dray/dray/dmover`: sessions bound to one data-movement function, with completions.
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
export * from "./loop/mod.ts";
export * from "./native/mod.ts";
export * from "./redis/mod.ts";
export * from "./dmover/mod.ts";
