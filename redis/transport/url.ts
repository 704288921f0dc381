/**
 * A Redis URL taken apart. TCP URLs give `hostname` and `port`; unix URLs give `path`. The
 * credentials and database are for the client's handshake (AUTH, SELECT); the transport ignores
 * them, so the object can be passed to `connectTransport` as it is.
 *
 * @example
 * ```ts
 * import { parseRedisUrl, type RedisUrl } from "@dray/dray/redis";
 *
 * const parsed: RedisUrl = parseRedisUrl("redis://localhost:6380/2");
 * ```
 */
export interface RedisUrl {
  /** Whether the scheme asks for TLS (`rediss:`). */
  readonly tls: boolean;
  /** The host for TCP, without brackets for IPv6 (default `127.0.0.1`). */
  readonly hostname?: string;
  /** The TCP port (default 6379). */
  readonly port?: number;
  /** The unix socket path. */
  readonly path?: string;
  /** The ACL user name, percent-decoded. */
  readonly username?: string;
  /** The password, percent-decoded. */
  readonly password?: string;
  /** The database number to SELECT. */
  readonly db?: number;
}

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 6379;

/** The URL as it may appear in an error message: any password replaced by `***`. */
function redact(text: string): string {
  let out = text;
  const start = out.indexOf("://");
  const at = out.lastIndexOf("@");
  if (start >= 0 && at > start) {
    // Everything after the user's colon up to the last '@' (erring towards hiding more).
    const colon = out.indexOf(":", start + 3);
    if (colon >= 0 && colon < at) out = `${out.slice(0, colon + 1)}***${out.slice(at)}`;
  }
  const query = out.indexOf("?");
  if (query < 0) return out;
  const hash = out.indexOf("#", query);
  const end = hash < 0 ? out.length : hash;
  // A parameter's name counts as URLSearchParams decodes it: `pass%77ord` and `%70assword` are
  // `password` too.
  const params = out.slice(query + 1, end).split("&").map((param) => {
    const equals = param.indexOf("=");
    if (equals < 0) return param;
    return isPasswordName(param.slice(0, equals)) ? `${param.slice(0, equals + 1)}***` : param;
  });
  return `${out.slice(0, query + 1)}${params.join("&")}${out.slice(end)}`;
}

/** Whether a raw query parameter name decodes to `password` (any case), as parsing reads it. */
function isPasswordName(raw: string): boolean {
  let name: string;
  try {
    name = decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    // Not decodable: hide it when it could be one once the bad escape is ignored.
    name = raw.replace(/%[0-9a-f]{2}/gi, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape;
      }
    });
  }
  return name.toLowerCase() === "password";
}

function fail(text: string, why: string): never {
  throw new TypeError(`Cannot parse Redis URL '${redact(text)}': ${why}`);
}

function decode(text: string, part: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    fail(text, `the ${part} is not valid percent-encoding`);
  }
}

function parseDb(text: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) fail(text, `database '${value}' is not a non-negative integer`);
  return Number(value);
}

/**
 * Parses a Redis URL:
 * - `redis://[[user][:password]@]host[:port][/db]` — TCP; `host` is a name, an IPv4 literal or a
 *   bracketed IPv6 literal (`redis://[::1]:6380`); `redis://:secret@host` gives a password only;
 * - `rediss://…` — the same over TLS;
 * - `redis+unix:///path/to/redis.sock?db=N` or `unix:///path/to/redis.sock?db=N` — a unix socket,
 *   with `username` and `password` as query parameters too.
 *
 * A `db`, `username` or `password` query parameter is read for TCP URLs as well (the path and the
 * userinfo win when both are given); other parameters are ignored.
 *
 * @param url The URL.
 * @returns Its parts, percent-decoded.
 * @throws {TypeError} When the URL is malformed, has another scheme, or its database is not a
 * non-negative integer. The message never repeats the password.
 *
 * @example TCP, IPv6 and unix URLs
 * ```ts
 * import { parseRedisUrl } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRedisUrl("redis://alice:s%40cret@cache.local:6380/2"), {
 *   tls: false,
 *   hostname: "cache.local",
 *   port: 6380,
 *   username: "alice",
 *   password: "s@cret",
 *   db: 2,
 * });
 * assert.deepEqual(parseRedisUrl("rediss://[::1]:6390"), { tls: true, hostname: "::1", port: 6390 });
 * assert.deepEqual(parseRedisUrl("redis+unix:///run/redis.sock?db=3"), {
 *   tls: false,
 *   path: "/run/redis.sock",
 *   db: 3,
 * });
 * ```
 */
export function parseRedisUrl(url: string | URL): RedisUrl {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    fail(text, "not a valid URL");
  }
  const params = parsed.searchParams;
  const query = (name: string): string | undefined => params.get(name) ?? undefined;
  let username = parsed.username === "" ? query("username") : decode(text, "user", parsed.username);
  let password = parsed.password === ""
    ? query("password")
    : decode(text, "password", parsed.password);
  if (username === "") username = undefined;
  if (password === "") password = undefined;
  const credentials = {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  const dbParam = query("db");

  switch (parsed.protocol) {
    case "redis:":
    case "rediss:": {
      let hostname = decode(text, "host", parsed.hostname);
      if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
      if (hostname === "") hostname = DEFAULT_HOST;
      let port = DEFAULT_PORT;
      if (parsed.port !== "") {
        port = Number(parsed.port);
        if (port < 1 || port > 65535) fail(text, `port '${parsed.port}' is out of range 1..65535`);
      }
      const path = parsed.pathname.replace(/^\/+/, "");
      const dbText = path === "" ? dbParam : path;
      return {
        tls: parsed.protocol === "rediss:",
        hostname,
        port,
        ...credentials,
        ...(dbText === undefined ? {} : { db: parseDb(text, dbText) }),
      };
    }
    case "redis+unix:":
    case "unix:": {
      if (parsed.host !== "") fail(text, `a unix socket URL has no host, got '${parsed.host}'`);
      const path = decode(text, "path", parsed.pathname);
      if (path === "" || path === "/") fail(text, "the unix socket path is missing");
      return {
        tls: false,
        path,
        ...credentials,
        ...(dbParam === undefined ? {} : { db: parseDb(text, dbParam) }),
      };
    }
    default:
      fail(
        text,
        `unknown scheme '${parsed.protocol}', expected redis:, rediss:, redis+unix: or unix:`,
      );
  }
}
