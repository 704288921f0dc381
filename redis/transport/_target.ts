// Validating connectTransport's options into where to connect and how.

import type { SocketKeepAlive } from "../../native/sockets.ts";
import type {
  NativeDriver,
  TransportOptions,
  TransportPreference,
  TransportTlsOptions,
} from "./types.ts";

export type Target =
  | {
    kind: "tcp";
    /** Without brackets. */
    hostname: string;
    port: number;
    tls: TransportTlsOptions | undefined;
    /** `host:port` or `[v6]:port`, for messages. */
    address: string;
  }
  | { kind: "unix"; path: string; address: string };

export interface Settings {
  target: Target;
  /** 0 means no limit. */
  timeoutMs: number;
  signal: AbortSignal | undefined;
  preference: TransportPreference;
  driver: NativeDriver;
  noDelay: boolean;
  keepAlive: boolean | SocketKeepAlive;
}

export const DEFAULT_HOSTNAME = "127.0.0.1";
export const DEFAULT_PORT = 6379;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * The native driver measured faster (README, Transports). Where the shim has no poller (it uses
 * epoll: Linux only), "adopt" is used instead.
 */
export const DEFAULT_NATIVE_DRIVER: NativeDriver = "shim";

const PREFERENCES = new Set(["deno", "native", "auto"]);
const DRIVERS = new Set(["adopt", "shim"]);

const TLS_KEYS = new Set(["caCerts", "cert", "key", "servername"]);

/** What users of other clients write instead of dray's TLS option names. */
const TLS_HINTS: Record<string, string> = {
  ca: "caCerts (an array of PEM strings)",
  caCert: "caCerts (an array of PEM strings)",
  certificate: "cert",
  privateKey: "key",
  serverName: "servername",
  hostname: "servername",
};

function pem(name: string, value: unknown): void {
  if (typeof value !== "string" || !value.includes("-----BEGIN")) {
    throw new TypeError(
      `Cannot use tls.${name}: expected a PEM string (the text of the file, not its path)`,
    );
  }
}

function tlsOptions(value: TransportOptions["tls"]): TransportTlsOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Cannot use tls '${value}': expected a boolean or an options object`);
  }
  for (const key of Object.keys(value)) {
    if (TLS_KEYS.has(key)) continue;
    const hint = TLS_HINTS[key];
    throw new TypeError(
      `Cannot use tls option '${key}': ${
        hint === undefined ? "unknown" : `unknown, did you mean ${hint}?`
      } (known: caCerts, cert, key, servername)`,
    );
  }
  if (
    value.caCerts !== undefined &&
    (!Array.isArray(value.caCerts) || value.caCerts.some((cert) => typeof cert !== "string"))
  ) {
    throw new TypeError("Cannot use tls.caCerts: expected an array of PEM strings");
  }
  if (
    value.servername !== undefined &&
    (typeof value.servername !== "string" || value.servername === "")
  ) {
    throw new TypeError(
      `Cannot use tls.servername '${value.servername}': expected a non-empty string`,
    );
  }
  if ((value.cert === undefined) !== (value.key === undefined)) {
    throw new TypeError(
      `Cannot use tls.${value.cert === undefined ? "key" : "cert"} alone: a client ` +
        "certificate needs both cert and key",
    );
  }
  if (value.cert !== undefined) {
    pem("cert", value.cert);
    pem("key", value.key);
  }
  return value;
}

function target(options: TransportOptions): Target {
  if (options.path !== undefined) {
    if (typeof options.path !== "string" || options.path === "") {
      throw new TypeError(
        `Cannot connect to socket path '${options.path}': expected a non-empty string`,
      );
    }
    if (options.hostname !== undefined || options.port !== undefined) {
      throw new TypeError(
        `Cannot connect to socket path '${options.path}': hostname and port apply to TCP only`,
      );
    }
    if (options.tls !== undefined && options.tls !== false) {
      throw new TypeError(
        `Cannot connect to socket path '${options.path}': TLS applies to TCP only`,
      );
    }
    return { kind: "unix", path: options.path, address: options.path };
  }
  let hostname = options.hostname ?? DEFAULT_HOSTNAME;
  if (typeof hostname !== "string" || hostname === "") {
    throw new TypeError(`Cannot connect to host '${hostname}': expected a non-empty string`);
  }
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot connect to port '${port}': expected an integer 1..65535`);
  }
  const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  const tls = tlsOptions(options.tls);
  if (
    tls?.cert !== undefined && tls.servername !== undefined && tls.servername !== hostname
  ) {
    // Deno.startTls takes no client certificate; Deno.connectTls does, but checks the server's
    // certificate against the host it connects to.
    throw new TypeError(
      `Cannot use tls.servername '${tls.servername}' with a client certificate: the server's ` +
        `certificate is checked against the hostname '${hostname}', so connect to that name`,
    );
  }
  return { kind: "tcp", hostname, port, tls, address };
}

/** Checks the options; throws TypeError or RangeError for misuse. */
export function settings(options: TransportOptions): Settings {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`Cannot use connectTimeoutMs '${timeout}': expected a number >= 0`);
  }
  const preference = options.transport ?? "auto";
  if (!PREFERENCES.has(preference)) {
    throw new TypeError(
      `Cannot use transport '${preference}': expected "deno", "native" or "auto"`,
    );
  }
  const driver = options.nativeDriver ?? DEFAULT_NATIVE_DRIVER;
  if (!DRIVERS.has(driver)) {
    throw new TypeError(`Cannot use nativeDriver '${driver}': expected "adopt" or "shim"`);
  }
  return {
    target: target(options),
    timeoutMs: timeout === Infinity ? 0 : timeout,
    signal: options.signal,
    preference,
    driver,
    noDelay: options.noDelay ?? true,
    keepAlive: options.keepAlive ?? true,
  };
}
