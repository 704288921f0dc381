/**
 * dray's Redis client, RESP2 and RESP3. Available today: the protocol codec and the error
 * classes; the connection, reply FIFO, auto-pipelining, pub/sub and reconnects build on them.
 *
 * - {@linkcode RespReader}: bytes in, replies out. `feed(bytes)` as they arrive, then `next()`
 *   until it returns `undefined` (more bytes needed; a RESP null is `null`). Error replies are
 *   returned as {@linkcode ReplyError} values; malformed input throws {@linkcode ProtocolError}.
 *   RESP3 pushes go to an `onPush` handler in stream order; attributes sit beside their reply.
 * - {@linkcode RespWriter} and {@linkcode encodeCommand}: commands (`string`, `number`, `bigint`,
 *   `Uint8Array` arguments) to bytes, many commands per buffer for auto-pipelining.
 * - {@linkcode RedisError}: the base of every error a caller is meant to handle.
 *
 * @example Encoding a command and reading its reply
 * ```ts
 * import { encodeCommand, ReplyError, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeCommand(["GET", "missing"]);
 * assert.equal(bytes.length, 26);
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("$-1\r\n-ERR wrong number of arguments\r\n"));
 * assert.equal(reader.next(), null);
 * const error = reader.next();
 * assert.ok(error instanceof ReplyError);
 * assert.equal(error.code, "ERR");
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./resp/mod.ts";
export * from "./transport/mod.ts";
export * from "./commands/mod.ts";
export * from "./context/mod.ts";
export * from "./client/mod.ts";
