import type { EventLoop } from "../../loop/types.ts";
import type { ClientCacheOptions } from "./cache.ts";
import type { HandshakeOptions } from "../context/handshake.ts";
import type { ContextOptions } from "../context/types.ts";
import type { PushHandler } from "../resp/types.ts";
import type { Connector, TransportOptions } from "../transport/types.ts";
import type {
  HealthCheckOptions,
  OfflineQueueOptions,
  ReconnectOptions,
  ReconnectStrategy,
} from "./reconnect.ts";

/**
 * Options for a {@linkcode RedisClient}: where to connect (a `url`, or the transport options),
 * the handshake (protocol, credentials, name, database), and the client's own settings.
 * Options given explicitly override what the URL says.
 *
 * @example An ACL user over TLS with a private CA
 * ```ts
 * import type { RedisClientOptions } from "@dray/dray/redis";
 *
 * const options: RedisClientOptions = {
 *   url: "rediss://app:secret@redis.internal:6380/2",
 *   tls: { caCerts: ["-----BEGIN CERTIFICATE-----\n..."] },
 *   name: "billing-worker",
 *   connectTimeoutMs: 5000,
 * };
 * ```
 */
export interface RedisClientOptions extends TransportOptions, HandshakeOptions {
  /**
   * `redis://[user:pass@]host:port/db`, `rediss://…` (TLS), `redis+unix:///path?db=N`,
   * `unix:///path`, `redis://[::1]:6380`. See `parseRedisUrl`.
   */
  url?: string;
  /** Return bulk strings as `Uint8Array` unless a command says otherwise (default `false`). */
  returnBuffers?: boolean;
  /**
   * The bound of the encoded-bytes write buffer (default 128 KiB): commands beyond it wait
   * unencoded until it drains, so issuing a million commands without awaiting them never grows
   * the buffer past this (plus one command).
   */
  maxBufferedBytes?: number;
  /** How long `close()` waits for pending replies before it destroys (default 10,000 ms). */
  closeTimeoutMs?: number;
  /**
   * Receives RESP3 pushes that are not pub/sub traffic, e.g. client-tracking invalidations (which
   * the `cache` also reads). Messages and subscribe confirmations go to subscriptions, never here.
   */
  onPush?: PushHandler;
  /** Give `onPush` bulk strings as `Uint8Array` (default `false`: decoded as UTF-8). */
  pushBuffers?: boolean;
  /** Bounds for the reply reader. */
  reader?: ContextOptions["reader"];
  /** The event loop to run on (default: `defaultLoop()`, Deno's own). */
  loop?: EventLoop;
  /**
   * Turns on client-side caching: `client.cache` answers read commands from memory, kept
   * coherent by `CLIENT TRACKING` (sent on every connection, as part of the handshake). Needs
   * RESP3. See `ClientCache`.
   */
  cache?: ClientCacheOptions;
  /**
   * Reconnecting after a lost connection (default `true`: `exponentialBackoff()`, no limit on
   * attempts). `false` ends the client when its connection is lost; a strategy function or
   * {@linkcode ReconnectOptions} tune it. `connect()` itself never retries: a first connection
   * that fails rejects it.
   */
  reconnect?: boolean | ReconnectStrategy | ReconnectOptions;
  /**
   * The offline queue, where commands wait while the client has no ready connection (while it
   * connects or reconnects), and where commands that never reached a lost connection go back
   * to (default `true`: 10,000 commands, 16 MiB). `false` fails fast: commands issued without a
   * ready connection reject at once with a `ConnectionClosedError`.
   */
  offlineQueue?: boolean | OfflineQueueOptions;
  /**
   * How many times a read-only command (flagged `readonly` by the server, e.g. `GET`) whose
   * reply was lost with its connection is sent again on the next one (default 1; 0: never).
   * Other commands whose reply was lost reject with `OutcomeUnknownError`.
   */
  retryReadOnly?: number;
  /** Send a `PING` on a silent connection to find a network that died without a FIN. Off by default. */
  healthCheck?: HealthCheckOptions;
  /**
   * How long past its own timeout a blocking command (`BLPOP k 5`, `XREAD BLOCK 5000`, `WAIT`)
   * may go without a reply before its connection is taken for dead (default 2,000 ms). Also the
   * least time a connection may stay silent after a command timed out on it before it is taken
   * for dead (3 times that command's `timeoutMs`, and at least this).
   */
  blockingGraceMs?: number;
  /**
   * The `timeoutMs` of every command that has none of its own, from the moment it is issued
   * (default: none). It also bounds a pipeline's or transaction's `exec()` as a whole. Blocking
   * commands (`BLPOP`, `XREAD BLOCK`, `WAIT`…) are left out: the server's timeout in their
   * arguments bounds them, and `blockingGraceMs` past it.
   */
  commandTimeoutMs?: number;
  /**
   * Opens the byte stream on every connect and reconnect, given the options `connectTransport`
   * would get (default `connectTransport`). A Sentinel client's connector connects to the current
   * master; see {@linkcode Connector}.
   */
  connector?: Connector;
}
