// Splits RedisClientOptions into what the transport and the handshake take, URL first.
import type { HandshakeOptions } from "../context/handshake.ts";
import { settings as checkTransport } from "../transport/_target.ts";
import type { TransportOptions } from "../transport/types.ts";
import { parseRedisUrl } from "../transport/url.ts";
import type { RedisClientOptions } from "./options.ts";

/** The transport's share of the options, the URL's parts filled in where not given. */
export interface ResolvedOptions {
  transport: TransportOptions;
  handshake: HandshakeOptions;
  /** Where the connection goes, for messages. */
  address: string;
}

function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

/**
 * Splits client options into transport and handshake options, URL first, then explicit ones.
 * Throws a TypeError when a `rediss:` URL comes with `tls: false`.
 */
export function resolveOptions(options: RedisClientOptions): ResolvedOptions {
  const url = options.url === undefined ? undefined : parseRedisUrl(options.url);
  const transport: TransportOptions = {};
  const explicitTcp = options.hostname !== undefined || options.port !== undefined;
  const explicitUnix = options.path !== undefined;
  if (url !== undefined && !explicitTcp && !explicitUnix) {
    put(transport, "hostname", url.hostname);
    put(transport, "port", url.port);
    put(transport, "path", url.path);
  }
  put(transport, "hostname", options.hostname);
  put(transport, "port", options.port);
  put(transport, "path", options.path);
  if (url?.tls && options.tls === false) {
    // Connecting in plaintext to what the URL says is a TLS endpoint would send the password in
    // the clear: refuse the contradiction rather than pick one.
    throw new TypeError(
      "Cannot connect to a rediss:// URL with tls: false: the URL asks for TLS (use redis:// " +
        "for plaintext, or drop tls: false)",
    );
  }
  if (options.tls !== undefined) transport.tls = options.tls;
  else if (url?.tls) transport.tls = true;
  put(transport, "connectTimeoutMs", options.connectTimeoutMs);
  put(transport, "transport", options.transport);
  put(transport, "nativeDriver", options.nativeDriver);
  put(transport, "noDelay", options.noDelay);
  put(transport, "keepAlive", options.keepAlive);

  checkTransport(transport); // misuse (an unknown TLS option…) throws now, not at connect()

  const handshake: HandshakeOptions = {};
  put(handshake, "protocol", options.protocol);
  put(handshake, "username", options.username ?? url?.username);
  put(handshake, "password", options.password ?? url?.password);
  put(handshake, "name", options.name);
  put(handshake, "db", options.db ?? url?.db);

  let address: string;
  if (transport.path !== undefined) address = transport.path;
  else {
    const host = transport.hostname ?? "127.0.0.1";
    address = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${
      transport.port ?? 6379
    }`;
  }
  return { transport, handshake, address };
}
