/**
 * Building blocks of dray's Redis Cluster client: slots computed on bytes, the topology parsed
 * from `CLUSTER SHARDS` (or `CLUSTER SLOTS`) into an immutable slot map, redirect parsing and the
 * decision it leads to, and a refresh scheduler. Everything here is pure: nothing touches a
 * socket or a clock of its own.
 *
 * @example Routing a key with a topology reply
 * ```ts
 * import { keySlot, parseClusterShards } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const node = (id: string, port: number) =>
 *   new Map<string, unknown>([
 *     ["id", id], ["port", port], ["ip", "127.0.0.1"], ["endpoint", "127.0.0.1"],
 *     ["role", "master"], ["replication-offset", 0], ["health", "online"],
 *   ]);
 * const reply = [
 *   new Map<string, unknown>([["slots", [0, 8191]], ["nodes", [node("a".repeat(40), 7000)]]]),
 *   new Map<string, unknown>([["slots", [8192, 16383]], ["nodes", [node("b".repeat(40), 7001)]]]),
 * ];
 * const map = parseClusterShards(reply, { host: "127.0.0.1", port: 7000 });
 * assert.equal(map.masterOf(keySlot("foo"))?.port, 7001); // slot 12182
 * ```
 *
 * @module
 */

export * from "./slot.ts";
export * from "./errors.ts";
export * from "./topology.ts";
export * from "./redirect.ts";
export * from "./refresh.ts";
export * from "./refresh_driver.ts";
export * from "./types.ts";
export * from "./cluster_client.ts";
export * from "./cluster_pipeline.ts";
export * from "./cluster_transaction.ts";
export * from "./pubsub.ts";
export * from "./cluster_subscription.ts";
