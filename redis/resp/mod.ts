/**
 * RESP2/RESP3, the Redis serialization protocol: {@linkcode RespReader} turns bytes into replies
 * (resumable at every byte, bounded, never recursing), {@linkcode RespWriter} and
 * {@linkcode encodeCommand} turn commands into bytes. Both are pure: they never touch I/O.
 *
 * @example A round trip through both halves
 * ```ts
 * import { encodeCommand, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const request = encodeCommand(["HELLO", 3]);
 * assert.equal(new TextDecoder().decode(request), "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n"));
 * assert.deepEqual(reader.next(), new Map<unknown, unknown>([["server", "redis"], ["proto", 3]]));
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./reader.ts";
export * from "./writer.ts";
