import type { IoSource } from "../../loop/types.ts";
import type { NativeUnavailableReason } from "../../native/mod.ts";
import type { SocketKeepAlive } from "../../native/sockets.ts";

/**
 * Which transport carries a connection: `"deno"` (`Deno.connect` / `Deno.startTls`) or
 * `"native"` (the C shim connects; the descriptor is then driven as {@linkcode NativeDriver}
 * says).
 *
 * @example
 * ```ts
 * import type { TransportKind } from "@dray/dray/redis";
 *
 * const kind: TransportKind = "native";
 * ```
 */
export type TransportKind = "deno" | "native";

/**
 * Which transport to use: `"deno"`, `"native"` (falls back to `"deno"`, and says why, when the
 * native path cannot be used), or `"auto"` (dray's choice, from its measurements: see
 * {@linkcode TransportOptions.transport}).
 *
 * @example
 * ```ts
 * import type { TransportPreference } from "@dray/dray/redis";
 *
 * const preference: TransportPreference = "auto";
 * ```
 */
export type TransportPreference = TransportKind | "auto";

/**
 * How a natively connected descriptor is driven:
 * - `"shim"`: read and written by the shim with non-blocking calls on the event-loop thread.
 *   When a read finds nothing it retries a few times (an adaptive spin of at most 64 syscalls,
 *   which stops when it does not pay), then waits for readiness through one poller shared by
 *   every such socket (epoll, one off-thread wait for all of them). Linux only: elsewhere
 *   `"adopt"` is used instead, and `Transport.driver` says so.
 * - `"adopt"`: handed to `node:net` (`new Socket({ fd })`), which owns it from then on; Deno's
 *   own event loop tells when it is readable. Measured slower, and 3-6 times the CPU per 1 MiB
 *   reply (README, Transports).
 *
 * @example
 * ```ts
 * import type { NativeDriver } from "@dray/dray/redis";
 *
 * const driver: NativeDriver = "shim";
 * ```
 */
export type NativeDriver = "adopt" | "shim";

/**
 * Why the native transport was not used although it was asked for: a
 * {@linkcode NativeUnavailableReason} from `nativeStatus()` (no `--allow-ffi`, no library, …),
 * `"tls"` (TLS runs over `Deno.startTls` or `Deno.connectTls` only), `"net-permission"` (the native connect would
 * bypass Deno's sandbox: `--allow-net` for that address, or read and write on the socket path,
 * is not granted) or `"unsupported-os"` (Windows).
 *
 * @example
 * ```ts
 * import type { NativeFallbackReason } from "@dray/dray/redis";
 *
 * const reason: NativeFallbackReason = "no-permission";
 * ```
 */
export type NativeFallbackReason =
  | NativeUnavailableReason
  | "tls"
  | "net-permission"
  | "unsupported-os";

/**
 * Why a connection asked to be native runs over `Deno.connect`.
 *
 * @example
 * ```ts
 * import { connectTransport } from "@dray/dray/redis";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept();
 * const transport = await connectTransport({ port: listener.addr.port, transport: "native" });
 * if (transport.fallback) console.log(`${transport.fallback.reason}: ${transport.fallback.message}`);
 * transport.close();
 * (await accepted).close();
 * listener.close();
 * ```
 */
export interface TransportFallback {
  /** The condition, for code to branch on. */
  readonly reason: NativeFallbackReason;
  /** A sentence for people. */
  readonly message: string;
}

/**
 * An open connection to a Redis server: an {@linkcode IoSource} for the event loop (`read`,
 * `write`, `close`) plus what the client reports about it. Every transport behaves the same:
 * - `read(into)` resolves with the byte count, `0` only when `into` is empty, `null` at end of
 *   stream; it rejects with the `Deno.errors` class of the failure (`ConnectionReset`, …). One
 *   read at a time; a read pending when `close()` is called rejects with
 *   `Deno.errors.Interrupted`.
 * - `write(bytes)` resolves with how many bytes were written (a prefix; the caller writes the
 *   rest) once the bytes are handed to the system, so the caller may reuse them afterwards.
 * - `close()` is idempotent and never throws; reads and writes after it reject with
 *   `Deno.errors.BadResource`. `using` closes too.
 *
 * @example Speaking raw RESP
 * ```ts
 * import { connectTransport } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * // A stand-in server that answers one PING.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const served = (async () => {
 *   const conn = await listener.accept();
 *   await conn.read(new Uint8Array(64));
 *   await conn.write(new TextEncoder().encode("+PONG\r\n"));
 *   conn.close();
 * })();
 *
 * using transport = await connectTransport({ hostname: "127.0.0.1", port: listener.addr.port });
 * await transport.write(new TextEncoder().encode("*1\r\n$4\r\nPING\r\n"));
 * const buffer = new Uint8Array(64);
 * const n = await transport.read(buffer);
 * assert.equal(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), "+PONG\r\n");
 * await served;
 * listener.close();
 * ```
 */
export interface Transport extends IoSource, Disposable {
  /** Which transport carries the connection. */
  readonly kind: TransportKind;
  /** How the descriptor is driven: `"deno"` for the Deno transport, else the native driver. */
  readonly driver: "deno" | NativeDriver;
  /** The server's address: for TCP the resolved IP (no brackets) and port, else the path. */
  readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  /** Whether the connection runs over TLS. */
  readonly tls: boolean;
  /** Why the native transport was not used although it was asked for; else `undefined`. */
  readonly fallback: TransportFallback | undefined;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Reads into `into`.
   *
   * @param into Where to put the bytes.
   * @returns The byte count, or `null` at end of stream.
   */
  read(into: Uint8Array): Promise<number | null>;
  /**
   * Writes a prefix of `bytes`.
   *
   * @param bytes What to write.
   * @returns How many bytes were written.
   */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the connection; idempotent. */
  close(): void;
}

/**
 * TLS settings for {@linkcode TransportOptions.tls}. Any other key is refused with a `TypeError`
 * (a misspelt option would otherwise be ignored silently).
 *
 * Without a client certificate the connection is upgraded with `Deno.startTls`. With one (`cert`
 * and `key`, which Redis's default TLS setup, `tls-auth-clients yes`, requires), it is opened with
 * `Deno.connectTls`, the only Deno call that presents one; it checks the server's certificate
 * against the hostname connected to (so `servername`, if given, must equal it), and it cannot set
 * `noDelay` or `keepAlive`, which keep Deno's defaults.
 *
 * @example A private CA and a client certificate
 * ```ts
 * import type { TransportTlsOptions } from "@dray/dray/redis";
 *
 * const tls: TransportTlsOptions = {
 *   caCerts: ["-----BEGIN CERTIFICATE-----\n..."],
 *   cert: "-----BEGIN CERTIFICATE-----\n...",
 *   key: "-----BEGIN PRIVATE KEY-----\n...",
 * };
 * ```
 */
export interface TransportTlsOptions {
  /** PEM certificates to trust in addition to the default roots (a private CA). */
  caCerts?: string[];
  /**
   * The name to send (SNI) and to check the certificate against (default: the hostname). Not
   * with a client certificate, unless equal to the hostname.
   */
  servername?: string;
  /** The client certificate chain, PEM (the file's text); needs `key`. */
  cert?: string;
  /** The client certificate's private key, PEM (RSA, EC or PKCS#8); needs `cert`. */
  key?: string;
}

/**
 * Options for {@linkcode connectTransport}. Give `path` for a unix socket, or `hostname` and
 * `port` for TCP. The fields of a parsed URL (`parseRedisUrl`) fit in directly.
 *
 * @example
 * ```ts
 * import type { TransportOptions } from "@dray/dray/redis";
 *
 * const tcp: TransportOptions = { hostname: "::1", port: 6380, connectTimeoutMs: 2000 };
 * const unix: TransportOptions = { path: "/run/redis/redis.sock", transport: "native" };
 * const tls: TransportOptions = { hostname: "redis.example", port: 6380, tls: { caCerts: [] } };
 * ```
 */
export interface TransportOptions {
  /** A host name, an IPv4 literal or an IPv6 literal (brackets optional); default `127.0.0.1`. */
  hostname?: string;
  /** The TCP port, 1 to 65535; default 6379. */
  port?: number;
  /** A unix socket path; when given, `hostname`, `port` and `tls` must not be. */
  path?: string;
  /**
   * Connect over TLS: `true` for the default roots, or {@linkcode TransportTlsOptions} (CA
   * certificates, a client certificate and key, the server name). A failed TLS handshake, also
   * one the server refuses after it (a missing or untrusted client certificate), is a
   * `ConnectError` with code `ETLS`.
   */
  tls?: boolean | TransportTlsOptions;
  /**
   * Give up after this many milliseconds (name lookup, connect and TLS handshake together) with a
   * `ConnectError` whose code is `ETIMEDOUT`. Default 10000; `0` or `Infinity` waits without limit.
   */
  connectTimeoutMs?: number;
  /** Give up when this signal aborts, with a `ConnectError` whose code is `ECANCELED`. */
  signal?: AbortSignal;
  /**
   * The transport: `"deno"`, `"native"` (falls back to `"deno"` and says why in `fallback` when
   * the shim is not live, for TLS, without `--allow-net` for the address, or on Windows) or
   * `"auto"` (the default), which takes `"deno"`: on one connection the native transport was
   * not measurably faster (equal pipelined throughput and 1 MiB replies; round trips within the
   * noise of a shared machine), while `Deno.connect` needs no FFI and also carries TLS. See the
   * README's Transports section for the figures.
   */
  transport?: TransportPreference;
  /** How a native connection is driven (default `"shim"`, the faster one measured). */
  nativeDriver?: NativeDriver;
  /** Set `TCP_NODELAY` (default `true`). */
  noDelay?: boolean;
  /**
   * TCP keepalive (default `true`: on, with the system's timings). Idle, interval and count apply
   * to the native transport; `Deno.connect` can only switch keepalive on or off.
   */
  keepAlive?: boolean | SocketKeepAlive;
}

/**
 * Opens the transport of a client's connection: what the `connector` option of
 * `RedisClientOptions` takes. The client calls it on every connect and reconnect (and for the
 * short side connections it opens itself) with exactly the options it would give
 * `connectTransport` (`hostname`, `port`, `path`, `tls`, `signal`, `connectTimeoutMs`…), and
 * runs the handshake on what it returns. A connector may go somewhere else than `hostname` and
 * `port` say (Sentinel's current master, a cluster node's mapped address, an in-memory stream
 * in a test); it should reject with a `ConnectError` when it cannot connect, and honour
 * `signal`. The default is `connectTransport`.
 *
 * @param options The transport options of the connection being opened.
 * @returns The open transport.
 *
 * @example Connecting through a fixed address
 * ```ts
 * import { type Connector, connectTransport } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const seen: (number | undefined)[] = [];
 * const connector: Connector = (options) => {
 *   seen.push(options.port);
 *   return connectTransport({ ...options, hostname: "127.0.0.1", port: 1 });
 * };
 * await assert.rejects(connector({ port: 6390, connectTimeoutMs: 1000 }));
 * assert.deepEqual(seen, [6390]);
 * ```
 */
export type Connector = (options: TransportOptions) => Promise<Transport>;
