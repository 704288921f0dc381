import type { DmoverFunction } from "./functions.ts";
import type { DmoverRequest } from "./types.ts";

/**
 * Runs one validated request of a backend's function. `length` is the request's total length in
 * bytes, already checked. The result is the completion's immediate (`undefined` for functions
 * without one); a thrown error becomes the completion's error (`EIO` unless it is a
 * `DmoverError`). A backend that completes later returns a promise of the same: the session keeps
 * the slot until then and reports the completion in the order completions arrive.
 *
 * @example A kernel for `zero` over whole Uint8Arrays only
 * ```ts
 * import type { DmoverKernel } from "@dray/dray/dmover";
 *
 * const zero: DmoverKernel = (request) => {
 *   (request.output as Uint8Array).fill(0);
 *   return undefined;
 * };
 * ```
 */
export type DmoverKernel = (
  request: DmoverRequest,
  length: number,
) => number | undefined | PromiseLike<number | undefined>;

/**
 * Where data-mover work runs. A backend says how fast it expects to run each function at each size
 * ({@linkcode DmoverBackend.speed}); a session in `auto` mode gives each request to the backend
 * with the best estimate for its length, as dmover(9) picks the best backend for a function. New
 * backends (off-thread FFI, a worker pool) implement this interface and join with
 * `registerBackend`.
 *
 * @example A backend that only counts what it is asked to do
 * ```ts
 * import { type DmoverBackend, openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * let runs = 0;
 * const counting: DmoverBackend = {
 *   name: "counting",
 *   synchronous: true,
 *   speed: (fn) => (fn.name === "zero" ? 1 : 0),
 *   kernel: (fn) =>
 *     fn.name === "zero"
 *       ? (request) => {
 *         runs++;
 *         (request.output as Uint8Array).fill(0);
 *         return undefined;
 *       }
 *       : undefined,
 * };
 * using session = openSession("zero", { backend: counting });
 * session.submit({ id: 1, output: new Uint8Array(4) });
 * assert.equal(runs, 1);
 * ```
 */
export interface DmoverBackend {
  /** A unique name, e.g. `ts` or `native`. */
  readonly name: string;
  /**
   * Whether every kernel completes before it returns (never returns a promise). One-shot helpers
   * only use synchronous backends.
   */
  readonly synchronous: boolean;
  /**
   * The expected throughput, in GB/s (bytes per nanosecond), of a request of `length` bytes for
   * `fn`, counting every fixed cost of a call; 0 when the backend does not implement `fn`.
   */
  speed(fn: DmoverFunction, length: number): number;
  /** The kernel for `fn`, or `undefined` when the backend does not implement it. */
  kernel(fn: DmoverFunction): DmoverKernel | undefined;
}
