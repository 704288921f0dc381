/**
 * The errors of Sentinel discovery that a caller is meant to catch. Each extends `RedisError`.
 *
 * @module
 */

import { RedisError } from "../errors.ts";

/**
 * What one sentinel answered, or why it could not: an entry of
 * {@linkcode SentinelUnreachableError.causes}.
 *
 * @example
 * ```ts
 * import type { SentinelFailure } from "@dray/dray/redis";
 *
 * const failure: SentinelFailure = { address: "127.0.0.1:26379", error: new Error("refused") };
 * ```
 */
export interface SentinelFailure {
  /** The sentinel, as `host:port`. */
  readonly address: string;
  /** Why it gave no usable answer. */
  readonly error: Error;
}

/**
 * No sentinel gave a usable answer: none could be reached, or every master they named failed
 * its `ROLE` check. `causes` holds each sentinel's (and each candidate master's) own error.
 *
 * @example
 * ```ts
 * import { SentinelUnreachableError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new SentinelUnreachableError("No sentinel answered for 'mymaster'", [
 *   { address: "127.0.0.1:26379", error: new Error("Connection refused") },
 * ]);
 * assert.equal(error.causes.length, 1);
 * ```
 */
export class SentinelUnreachableError extends RedisError {
  /** Each sentinel's (or candidate's) own failure, in the order the seeds were given. */
  readonly causes: readonly SentinelFailure[];

  /**
   * Makes the error.
   *
   * @param message What was asked.
   * @param causes Each sentinel's failure.
   *
   * @example
   * ```ts
   * import { SentinelUnreachableError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new SentinelUnreachableError("None", []).name, "SentinelUnreachableError");
   * ```
   */
  constructor(message: string, causes: readonly SentinelFailure[]) {
    const detail = causes.map((c) => `${c.address}: ${c.error.message}`).join("; ");
    super(detail === "" ? message : `${message} (${detail})`, {
      cause: causes[0]?.error,
    });
    this.causes = causes;
  }
}

/**
 * Every sentinel that answered said it does not know a master by that name.
 *
 * @example
 * ```ts
 * import { MasterNameUnknownError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new MasterNameUnknownError("No sentinel knows 'orders'", "orders");
 * assert.equal(error.masterName, "orders");
 * ```
 */
export class MasterNameUnknownError extends RedisError {
  /** The name that was asked for. */
  readonly masterName: string;

  /**
   * Makes the error.
   *
   * @param message What was asked, of whom.
   * @param masterName The unknown name.
   *
   * @example
   * ```ts
   * import { MasterNameUnknownError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new MasterNameUnknownError("Unknown", "x").name, "MasterNameUnknownError");
   * ```
   */
  constructor(message: string, masterName: string) {
    super(message);
    this.masterName = masterName;
  }
}

/**
 * `readFrom: "replica"` found no replica that is up, connected to the current master, answers
 * `ROLE` as a replica and lags less than `maxReplicaLagBytes`.
 *
 * @example
 * ```ts
 * import { NoReplicaAvailableError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new NoReplicaAvailableError("No replica of 'mymaster' is usable");
 * assert.ok(error instanceof Error);
 * ```
 */
export class NoReplicaAvailableError extends RedisError {}
