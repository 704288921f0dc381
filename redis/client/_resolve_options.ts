// Every option of a RedisClient checked and resolved in one place, once, when the client is made:
// the URL's parts and explicit options merged into what the transport and the handshake take,
// and the client's own settings with their defaults. Misuse throws here, never at connect().
import { Handshake, type HandshakeOptions } from "../context/handshake.ts";
import { connectTransport } from "../transport/connect.ts";
import { settings as checkTransport } from "../transport/_target.ts";
import type { Connector, TransportOptions } from "../transport/types.ts";
import { parseRedisUrl } from "../transport/url.ts";
import type { RedisClientOptions } from "./options.ts";
import { exponentialBackoff, type ReconnectStrategy } from "./reconnect.ts";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const DEFAULT_OFFLINE_COMMANDS = 10_000;
const DEFAULT_OFFLINE_BYTES = 16 * 1024 * 1024;
const DEFAULT_RETRY_READ_ONLY = 1;
const DEFAULT_BLOCKING_GRACE_MS = 2000;
const DEFAULT_OFFLINE_TIMEOUT_MS = 15_000;

/** The reconnect settings, resolved. */
export interface Reconnect {
  strategy: ReconnectStrategy;
  maxAttempts: number;
}

/** The offline queue's bounds, resolved. */
export interface OfflineSettings {
  maxCommands: number;
  maxBytes: number;
  timeoutMs: number;
}

/** The client's options, checked, with their defaults and the URL's parts filled in. */
export interface ResolvedOptions {
  transport: TransportOptions;
  handshake: HandshakeOptions;
  /** Where the connection goes, for messages. */
  address: string;
  /** Whether a connector chooses the server (no host, port or path given): `address` follows it. */
  connectorChooses: boolean;
  /** Opens each connection's transport (`connectTransport` unless given). */
  connector: Connector;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  returnBuffers: boolean;
  /** `undefined` when the client does not reconnect. */
  reconnect: Reconnect | undefined;
  /** `undefined` when the offline queue is off. */
  offline: OfflineSettings | undefined;
  retryReadOnly: number;
  healthCheck: { intervalMs: number; timeoutMs: number } | undefined;
  blockingGraceMs: number;
  commandTimeoutMs: number | undefined;
}

/** Throws a RangeError unless `value` is a finite number >= 0. */
export function checkTimeout(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got "${value}"`);
  }
  return value;
}

/** A time limit that may also be `Infinity` (no limit). */
function checkLimit(name: string, value: number): number {
  if (value === Infinity) return value;
  return checkTimeout(name, value);
}

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got "${value}"`);
  }
  return value;
}

function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

function resolveReconnect(option: RedisClientOptions["reconnect"]): Reconnect | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) {
    return { strategy: exponentialBackoff(), maxAttempts: Infinity };
  }
  if (typeof option === "function") return { strategy: option, maxAttempts: Infinity };
  if (typeof option !== "object" || option === null) {
    throw new TypeError(`reconnect must be a boolean, a function or options, got "${option}"`);
  }
  const maxAttempts = option.maxAttempts ?? Infinity;
  if (maxAttempts !== Infinity) checkCount("reconnect.maxAttempts", maxAttempts);
  if (option.strategy !== undefined && typeof option.strategy !== "function") {
    throw new TypeError(`reconnect.strategy must be a function, got "${option.strategy}"`);
  }
  return { strategy: option.strategy ?? exponentialBackoff(), maxAttempts };
}

function resolveOffline(option: RedisClientOptions["offlineQueue"]): OfflineSettings | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) {
    return {
      maxCommands: DEFAULT_OFFLINE_COMMANDS,
      maxBytes: DEFAULT_OFFLINE_BYTES,
      timeoutMs: DEFAULT_OFFLINE_TIMEOUT_MS,
    };
  }
  if (typeof option !== "object" || option === null) {
    throw new TypeError(`offlineQueue must be a boolean or options, got "${option}"`);
  }
  return {
    maxCommands: checkCount(
      "offlineQueue.maxCommands",
      option.maxCommands ?? DEFAULT_OFFLINE_COMMANDS,
    ),
    maxBytes: checkCount("offlineQueue.maxBytes", option.maxBytes ?? DEFAULT_OFFLINE_BYTES),
    timeoutMs: checkLimit("offlineQueue.timeoutMs", option.timeoutMs ?? DEFAULT_OFFLINE_TIMEOUT_MS),
  };
}

function resolveHealthCheck(
  health: RedisClientOptions["healthCheck"],
): ResolvedOptions["healthCheck"] {
  if (health === undefined) return undefined;
  const intervalMs = checkTimeout("healthCheck.intervalMs", health.intervalMs);
  const timeoutMs = checkTimeout("healthCheck.timeoutMs", health.timeoutMs ?? intervalMs);
  if (intervalMs === 0 || timeoutMs === 0) {
    throw new RangeError(
      `healthCheck times must be above 0, got "${intervalMs}" and "${timeoutMs}"`,
    );
  }
  return { intervalMs, timeoutMs };
}

function resolveTransport(
  options: RedisClientOptions,
  url: ReturnType<typeof parseRedisUrl> | undefined,
): TransportOptions {
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
  return transport;
}

/**
 * Checks and resolves a client's options, URL first, then explicit ones. Throws a TypeError
 * for an unparsable URL or inconsistent options (a `rediss:` URL with `tls: false`, caching over
 * RESP2…), a RangeError for a number out of range.
 */
export function resolveOptions(options: RedisClientOptions): ResolvedOptions {
  const url = options.url === undefined ? undefined : parseRedisUrl(options.url);
  const transport = resolveTransport(options, url);

  const handshake: HandshakeOptions = {};
  put(handshake, "protocol", options.protocol);
  put(handshake, "username", options.username ?? url?.username);
  put(handshake, "password", options.password ?? url?.password);
  put(handshake, "name", options.name);
  put(handshake, "db", options.db ?? url?.db);
  new Handshake(handshake); // checks the handshake options now
  if (options.cache !== undefined && handshake.protocol === 2) {
    throw new TypeError("Cannot cache with protocol 2: client tracking needs RESP3 pushes");
  }

  let address: string;
  const connectorChooses = options.connector !== undefined && transport.path === undefined &&
    transport.hostname === undefined && transport.port === undefined;
  if (transport.path !== undefined) address = transport.path;
  else if (connectorChooses) {
    // A connector that chooses the server (Sentinel): named once a transport says where.
    address = "the server the connector chooses";
  } else {
    const host = transport.hostname ?? "127.0.0.1";
    address = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${
      transport.port ?? 6379
    }`;
  }

  const maxBufferedBytes = options.maxBufferedBytes;
  if (
    maxBufferedBytes !== undefined &&
    (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1)
  ) {
    throw new RangeError(`maxBufferedBytes must be a positive integer, got "${maxBufferedBytes}"`);
  }
  const connector = options.connector ?? connectTransport;
  if (typeof connector !== "function") {
    throw new TypeError(`connector must be a function, got "${String(connector)}"`);
  }
  const commandTimeoutMs = options.commandTimeoutMs;
  return {
    transport,
    handshake,
    address,
    connectorChooses,
    connector,
    connectTimeoutMs: checkTimeout(
      "connectTimeoutMs",
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    closeTimeoutMs: checkTimeout(
      "closeTimeoutMs",
      options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    ),
    returnBuffers: options.returnBuffers ?? false,
    reconnect: resolveReconnect(options.reconnect),
    offline: resolveOffline(options.offlineQueue),
    retryReadOnly: checkCount("retryReadOnly", options.retryReadOnly ?? DEFAULT_RETRY_READ_ONLY),
    healthCheck: resolveHealthCheck(options.healthCheck),
    blockingGraceMs: checkTimeout(
      "blockingGraceMs",
      options.blockingGraceMs ?? DEFAULT_BLOCKING_GRACE_MS,
    ),
    commandTimeoutMs: commandTimeoutMs === undefined
      ? undefined
      : checkTimeout("commandTimeoutMs", commandTimeoutMs),
  };
}
