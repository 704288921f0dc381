// Sentinel addresses: `host:port`, `[v6]:port`, `redis://host:port`, `rediss://…` or an object,
// parsed once into what connectTransport takes; and the `host:port` key used to compare them.

import { parseRedisUrl } from "../transport/url.ts";

/** A sentinel (or a node) as a host and a port, and whether the seed asked for TLS. */
export interface HostPort {
  hostname: string;
  port: number;
  tls?: boolean;
}

/** `host:port`, with brackets around an IPv6 literal: the key two addresses compare by. */
export function addressKey(address: { hostname: string; port: number }): string {
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `${host}:${address.port}`;
}

function checkPort(text: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`Cannot use sentinel address '${text}': the port must be 1 to 65535`);
  }
  return port;
}

/** Parses one seed; throws a TypeError for anything that is not a TCP address. */
export function parseSentinelAddress(
  seed: string | { host?: string; hostname?: string; port: number },
): HostPort {
  if (typeof seed === "object" && seed !== null) {
    const hostname = seed.hostname ?? seed.host ?? "127.0.0.1";
    return { hostname, port: checkPort(`${hostname}:${seed.port}`, seed.port) };
  }
  if (typeof seed !== "string") {
    throw new TypeError(`Cannot use sentinel address '${String(seed)}': not a string or object`);
  }
  if (seed.includes("://")) {
    const url = parseRedisUrl(seed);
    if (url.path !== undefined) {
      throw new TypeError(`Cannot use sentinel address '${seed}': a unix socket is not supported`);
    }
    return {
      hostname: url.hostname ?? "127.0.0.1",
      port: checkPort(seed, url.port ?? 26379),
      ...(url.tls ? { tls: true } : {}),
    };
  }
  const match = seed.match(/^\[([^\]]+)\]:(\d+)$/) ?? seed.match(/^([^:]+):(\d+)$/);
  if (match === null) {
    throw new TypeError(`Cannot use sentinel address '${seed}': expected 'host:port' or a URL`);
  }
  return { hostname: match[1]!, port: checkPort(seed, Number(match[2])) };
}
