/**
 * The Redis client: {@linkcode connect} and {@linkcode RedisClient} (promises, auto-pipelining,
 * close versus destroy), {@linkcode Pipeline} and {@linkcode Transaction}, pub/sub
 * ({@linkcode Subscription}), {@linkcode Monitor} and client-side caching
 * ({@linkcode ClientCache}), on a {@linkcode Connection} that binds the pure `Context` to a
 * transport and an event loop.
 *
 * @example A client that was never connected
 * ```ts
 * import { ConnectionClosedError, RedisClient } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const client = new RedisClient({ url: "redis://localhost:6380" });
 * await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
 * await client.close();
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./client_base.ts";
export * from "./client_types.ts";
export * from "./connect.ts";
export * from "./connection.ts";
export * from "./events.ts";
export * from "./reconnect.ts";
export * from "./options.ts";
export * from "./pipeline.ts";
export * from "./transaction.ts";
export { Subscription } from "./subscription.ts";
export type {
  PubSubHandler,
  PubSubMessage,
  PubSubPayload,
  SubscribeOptions,
} from "./subscription_types.ts";
export { Monitor, type MonitorEvent, type MonitorOptions, parseMonitorLine } from "./monitor.ts";
export { ClientCache, type ClientCacheOptions, type ClientCacheStats } from "./cache.ts";
