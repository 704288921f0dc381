/**
 * Redis Sentinel: {@linkcode connectSentinel} finds the master through the sentinels, checks it
 * with `ROLE`, follows `+switch-master`, re-checks periodically, and can read from replicas.
 *
 * @example
 * ```ts
 * import { connectSentinel } from "@dray/dray/redis";
 * import { startSentinel } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using set = await startSentinel({ replicas: 1, sentinels: 1 });
 * await using client = await connectSentinel({ sentinels: set.seeds, name: set.masterName });
 * assert.equal(await client.ping(), "PONG");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./client.ts";
