/**
 * The protocol engine of one Redis connection, pure: {@linkcode Context} holds the RESP reader
 * and writer, the reply FIFO (a {@linkcode Ring}), the {@linkcode Handshake} and the connection's
 * state, takes bytes in and gives bytes out, and never does I/O itself. The client drives it
 * through a `Connection`; tests drive it with bytes.
 *
 * @example The handshake, then one command
 * ```ts
 * import { type RespValue } from "@dray/dray/redis";
 * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
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
export * from "./context.ts";
export * from "./handshake.ts";
export * from "./ring.ts";
export * from "./types.ts";
