/**
 * The errors of a connection pool that a caller is meant to catch. Each extends `RedisError`.
 *
 * @module
 */

import { RedisError } from "../errors.ts";

/**
 * `acquire()` found no connection free within `acquireTimeoutMs` (every one of the pool's `max`
 * connections was leased), or its signal aborted.
 *
 * @example
 * ```ts
 * import { PoolTimeoutError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new PoolTimeoutError("No connection was free within 100 ms", { timeoutMs: 100 });
 * assert.equal(error.timeoutMs, 100);
 * ```
 */
export class PoolTimeoutError extends RedisError {
  /** The limit that ran out (`undefined` when a signal aborted). */
  readonly timeoutMs: number | undefined;

  /**
   * Makes the error.
   *
   * @param message What was waited for.
   * @param options The limit, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { PoolTimeoutError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new PoolTimeoutError("Timed out", {}).name, "PoolTimeoutError");
   * ```
   */
  constructor(message: string, options: ErrorOptions & { timeoutMs?: number }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/**
 * The pool was closed: `acquire()` after `close()`, or one still waiting when it closed.
 *
 * @example
 * ```ts
 * import { PoolClosedError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new PoolClosedError("The pool is closed") instanceof Error);
 * ```
 */
export class PoolClosedError extends RedisError {}
