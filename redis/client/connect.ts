// connect(): makes a RedisClient and connects it, closing it again when that fails.
import { RedisClient } from "./client.ts";
import type { RedisClientOptions } from "./options.ts";

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
 * Makes a {@linkcode RedisClient} and connects it.
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
 */
export function connect(options?: RedisClientOptions): Promise<RedisClient>;
export async function connect(
  urlOrOptions?: string | RedisClientOptions,
  options?: RedisClientOptions,
): Promise<RedisClient> {
  const merged: RedisClientOptions = typeof urlOrOptions === "string"
    ? { ...options, url: urlOrOptions }
    : { ...urlOrOptions };
  const client = new RedisClient(merged);
  try {
    await client.connect();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
