/**
 * dmover's backends: the engines a session runs its requests on, and their registry. Most
 * programs never touch them (`openSession(fn)` and the one-shot helpers pick the fastest backend
 * for the size); this entry point is for choosing or registering one by hand.
 *
 * - {@linkcode tsBackend}: pure TypeScript, always there.
 * - {@linkcode createNativeBackend}: the C shim's SIMD kernels, synchronous.
 * - {@linkcode createNativeAsyncBackend}: the same kernels off the main thread (FFI nonblocking).
 * - {@linkcode createWorkerBackend}: the TypeScript kernels in a pool of workers.
 * - {@linkcode registerBackend}, {@linkcode getBackend}, {@linkcode listBackends}: the registry
 *   that `openSession(fn, { backend: "<name>" })` looks names up in.
 *
 * @example Listing the registered backends
 * ```ts
 * import { listBackends } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * const names = listBackends().map((backend) => backend.name);
 * assert.ok(names.includes("ts"));
 * ```
 *
 * @module
 */
export * from "../backend.ts";
export * from "../backends.ts";
export * from "../ts_backend.ts";
export * from "../native_backend.ts";
export * from "../native_async_backend.ts";
export * from "../worker_backend.ts";
