/**
 * The engine underneath dray's Redis client, for people building their own client or proxy on
 * it: {@linkcode Context} (the pure protocol state machine: reply FIFO, the handshake, pub/sub
 * and MONITOR modes, the first error, close versus destroy), {@linkcode Handshake},
 * {@linkcode Connection} (a `Context` bound to a transport and an event loop) and {@linkcode Ring}
 * (the bounded FIFO they use). Most programs want `connect` from `@dray/dray/redis` instead.
 *
 * @example The handshake, then one command
 * ```ts
 * import { Context, type ContextEntry, type RespValue } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const replies: RespValue[] = [];
 * const context = new Context<ContextEntry>(
 *   { reply: (_entry, value) => void replies.push(value), fail: () => {} },
 *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
 * );
 * context.connected(); // HELLO 3
 * context.take();
 * context.feed(new TextEncoder().encode("%1\r\n+proto\r\n:3\r\n"));
 * context.submit({ buffers: false, abandoned: false }, ["PING"]);
 * context.take();
 * context.feed(new TextEncoder().encode("+PONG\r\n"));
 * assert.deepEqual(replies, ["PONG"]);
 * ```
 *
 * @module
 */
export * from "./context/mod.ts";
export { Connection, type ConnectionOptions } from "./client/connection.ts";
export type { RedisArgument, RespValue } from "./resp/types.ts";
