/**
 * dray's Redis client, RESP2 and RESP3, after hiredis's `async.c`.
 *
 * - {@linkcode connect} and {@linkcode RedisClient}: one connection, the handshake (HELLO 3 with
 *   a RESP2 fallback, AUTH, SETNAME, SELECT), auto-pipelining with a bounded write buffer,
 *   {@linkcode Pipeline} and {@linkcode Transaction}, close versus destroy, per-command
 *   `timeoutMs` and `signal`. Typed command methods come from {@linkcode RedisCommands}.
 * - Pub/sub ({@linkcode RedisClient.subscribe}, {@linkcode Subscription}), `MONITOR`
 *   ({@linkcode Monitor}) and client-side caching ({@linkcode ClientCache}).
 * - {@linkcode Context}: the pure protocol engine underneath (reply FIFO, handshake, states, the
 *   first error), and {@linkcode Connection}, which binds it to a transport and an event loop.
 * - {@linkcode connectTransport}: the byte stream, over `Deno.connect` or the native shim.
 * - {@linkcode RespReader}, {@linkcode RespWriter}, {@linkcode encodeCommand}: the codec.
 * - {@linkcode RedisError} and its subclasses: {@linkcode ReplyError} (`code`),
 *   {@linkcode ProtocolError}, {@linkcode ConnectionClosedError}, {@linkcode ConnectError},
 *   {@linkcode HandshakeError}, {@linkcode TimeoutError}, {@linkcode AbortError},
 *   {@linkcode WatchError}, {@linkcode SubscriberOverflowError}.
 *
 * @example A client that is not connected yet
 * ```ts
 * import { ConnectionClosedError, RedisClient } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * await using client = new RedisClient({ url: "redis://localhost:6380/2" });
 * assert.equal(client.db, 2);
 * await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
 * ```
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
export * from "./cluster/mod.ts";
