// connect(): makes a RedisClient and connects it, closing it again when that fails.
import { connectOrClose } from "./_connect_or_close.ts";
import { RedisClient } from "./client.ts";
import type { RedisClientOptions } from "./options.ts";
// [observe] REDIS_URL when no server is named (redis/observe/)
import { withEnvironmentUrl } from "../observe/_default_url.ts";

/**
 * Makes a {@linkcode RedisClient} and connects it.
 *
 * @param url A Redis URL (see {@linkcode RedisClientOptions.url}).
 * @param options More options; explicit ones override the URL's.
 * @returns The connected client.
 * @throws {ConnectError} When the transport cannot connect, or the handshake does not finish
 * within `connectTimeoutMs`.
 * @throws {ReplyError} When the server refuses the handshake, with the server's text.
 * @throws {HandshakeError} When the peer answers the handshake as no Redis server does.
 * @throws {TypeError} When the URL or the options are invalid.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379/0", { name: "reporter" });
 * console.log(client.protocol, client.transport?.kind); // 3 "deno"
 * ```
 */
export function connect(url: string, options?: RedisClientOptions): Promise<RedisClient>;
/**
 * Makes a {@linkcode RedisClient} and connects it. Without options, or with options that name no
 * server (no `url`, `hostname`, `port` or `path`), it connects to `REDIS_URL` when that is set
 * and the env permission for it is granted (it never prompts), else to `redis://127.0.0.1:6379`.
 *
 * @param options Where to connect, the handshake, and the client's settings.
 * @returns The connected client.
 * @throws {ConnectError} When the transport cannot connect, or the handshake does not finish
 * within `connectTimeoutMs`.
 * @throws {ReplyError} When the server refuses the handshake, with the server's text.
 * @throws {HandshakeError} When the peer answers the handshake as no Redis server does.
 * @throws {TypeError} When the options are invalid.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect({ path: "/run/redis/redis.sock", db: 1 });
 * ```
 *
 * @example `REDIS_URL`, or the local default
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * // REDIS_URL=redis://cache.internal:6379/1 deno run --allow-env --allow-net app.ts
 * await using client = await connect({ keyPrefix: "app:" });
 * ```
 */
export function connect(options?: RedisClientOptions): Promise<RedisClient>;
export async function connect(
  urlOrOptions?: string | RedisClientOptions,
  options?: RedisClientOptions,
): Promise<RedisClient> {
  const merged: RedisClientOptions = typeof urlOrOptions === "string"
    ? { ...options, url: urlOrOptions }
    : withEnvironmentUrl({ ...urlOrOptions }); // [observe] REDIS_URL when no server is named
  return await connectOrClose(new RedisClient(merged));
}
