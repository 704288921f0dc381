/**
 * The transports under the Redis client: a byte stream to a server, opened by
 * {@linkcode connectTransport} over `Deno.connect` (TCP, unix sockets, TLS through
 * `Deno.startTls`) or natively (the C shim connects; the descriptor is adopted by `node:net` or
 * read and written by the shim), plus {@linkcode parseRedisUrl} and {@linkcode ConnectError}.
 *
 * A {@linkcode Transport} is an `IoSource` of `@dray/dray/loop`, so a client attaches it to an
 * event loop as it is; it also says which transport carries it (`kind`, `driver`), where it goes
 * (`remoteAddr`) and, when native was asked for but not used, why (`fallback`).
 *
 * @example From a URL to raw RESP
 * ```ts
 * import { connectTransport, parseRedisUrl } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = (async () => {
 *   const conn = await listener.accept();
 *   await conn.read(new Uint8Array(64));
 *   await conn.write(new TextEncoder().encode("+PONG\r\n"));
 *   conn.close();
 * })();
 *
 * const url = parseRedisUrl(`redis://127.0.0.1:${listener.addr.port}/0`);
 * using transport = await connectTransport({ ...url, connectTimeoutMs: 5000 });
 * await transport.write(new TextEncoder().encode("*1\r\n$4\r\nPING\r\n"));
 * const buffer = new Uint8Array(16);
 * const n = await transport.read(buffer);
 * assert.equal(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), "+PONG\r\n");
 * await server;
 * listener.close();
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./url.ts";
export * from "./connect.ts";
