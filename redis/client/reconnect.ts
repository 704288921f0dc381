/**
 * Decides how long to wait before the next connection attempt after a connection was lost or an
 * attempt failed: a delay in milliseconds, or `false` to give up (the client then ends, and
 * everything waiting for it rejects). `attempt` counts the attempts since the client was last
 * ready, from 1; `error` is why the last connection or attempt ended.
 *
 * @example A fixed delay that gives up on a wrong password
 * ```ts
 * import { ReplyError, type ReconnectStrategy } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const strategy: ReconnectStrategy = (_attempt, error) =>
 *   error instanceof ReplyError && error.code === "WRONGPASS" ? false : 500;
 * assert.equal(strategy(1, new Error("ECONNREFUSED")), 500);
 * ```
 */
export type ReconnectStrategy = (attempt: number, error: Error) => number | false;

/**
 * Options for {@linkcode exponentialBackoff}.
 *
 * @example
 * ```ts
 * import type { BackoffOptions } from "@dray/dray/redis";
 *
 * const options: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 10_000, jitter: "full" };
 * ```
 */
export interface BackoffOptions {
  /** The delay before the first attempt, before jitter (default 50 ms). */
  initialDelayMs?: number;
  /** The cap on any delay, before jitter (default 2,000 ms). */
  maxDelayMs?: number;
  /** How much each delay grows over the one before (default 2). */
  factor?: number;
  /**
   * How the delay is randomised so that many clients do not reconnect in step: `"equal"` (the
   * default) waits between half the delay and all of it, `"full"` between 0 and all of it,
   * `"none"` exactly the delay.
   */
  jitter?: "equal" | "full" | "none";
  /** The source of randomness, a function returning numbers in [0, 1) (default `Math.random`). */
  random?: () => number;
}

function checkDelay(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Cannot back off: ${name} must be a finite number >= 0, got "${value}"`);
  }
  return value;
}

/**
 * The default reconnect strategy: exponential backoff with jitter and a cap. Attempt `n` waits
 * `min(maxDelayMs, initialDelayMs * factor ** (n - 1))`, randomised by `jitter`. It never gives
 * up on its own: bound the attempts with the client's `reconnect.maxAttempts`.
 *
 * @param options The first delay, the cap, the growth factor and the jitter.
 * @returns The strategy.
 * @throws {RangeError} When a delay is negative or not finite, or `factor` is below 1.
 * @throws {TypeError} When `jitter` is not one of `"equal"`, `"full"`, `"none"`.
 *
 * @example The delays without jitter
 * ```ts
 * import { exponentialBackoff } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const strategy = exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: "none" });
 * const error = new Error("refused");
 * assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => strategy(n, error)), [100, 200, 400, 800, 1000, 1000]);
 * ```
 *
 * @example Equal jitter keeps at least half of each delay
 * ```ts
 * import { exponentialBackoff } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const low = exponentialBackoff({ initialDelayMs: 100, random: () => 0 });
 * const high = exponentialBackoff({ initialDelayMs: 100, random: () => 0.999 });
 * const error = new Error("refused");
 * assert.equal(low(2, error), 100);
 * assert.equal(high(2, error), 199); // floor(100 + 0.999 * 100)
 * ```
 */
export function exponentialBackoff(options: BackoffOptions = {}): ReconnectStrategy {
  const initial = checkDelay("initialDelayMs", options.initialDelayMs ?? 50);
  const max = checkDelay("maxDelayMs", options.maxDelayMs ?? 2000);
  const factor = options.factor ?? 2;
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Cannot back off: factor must be a finite number >= 1, got "${factor}"`);
  }
  const jitter = options.jitter ?? "equal";
  if (jitter !== "equal" && jitter !== "full" && jitter !== "none") {
    throw new TypeError(`Cannot back off: jitter must be equal, full or none, got "${jitter}"`);
  }
  const random = options.random ?? Math.random;
  return function backoff(attempt: number): number {
    const exponent = Math.max(0, Math.min(attempt - 1, 1024));
    const delay = Math.min(max, initial * factor ** exponent);
    switch (jitter) {
      case "none":
        return delay;
      case "full":
        return Math.floor(random() * delay);
      default:
        return Math.floor(delay / 2 + random() * (delay / 2));
    }
  };
}

/**
 * How a {@linkcode RedisClient} reconnects after losing its connection (the `reconnect` option;
 * `true` means these defaults, `false` turns reconnecting off).
 *
 * @example Five attempts, a second apart at most
 * ```ts
 * import { exponentialBackoff, type ReconnectOptions } from "@dray/dray/redis";
 *
 * const options: ReconnectOptions = {
 *   strategy: exponentialBackoff({ maxDelayMs: 1000 }),
 *   maxAttempts: 5,
 * };
 * ```
 */
export interface ReconnectOptions {
  /** The delay before each attempt (default `exponentialBackoff()`). */
  strategy?: ReconnectStrategy;
  /**
   * How many attempts in a row may fail before the client gives up and ends (default: no
   * limit). The count starts again once a connection is ready.
   */
  maxAttempts?: number;
}

/**
 * Bounds of the offline queue: where commands wait while the client has no ready connection
 * (while it connects or reconnects). A command that would go past either bound is rejected at
 * once with an `OfflineQueueFullError`.
 *
 * @example
 * ```ts
 * import type { OfflineQueueOptions } from "@dray/dray/redis";
 *
 * const options: OfflineQueueOptions = {
 *   maxCommands: 1000,
 *   maxBytes: 1024 * 1024,
 *   timeoutMs: 5000,
 * };
 * ```
 */
export interface OfflineQueueOptions {
  /** How many commands may wait (default 10,000). */
  maxCommands?: number;
  /** How many bytes of arguments may wait, counted as RESP would encode them (default 16 MiB). */
  maxBytes?: number;
  /**
   * How long a command may wait in the queue for a ready connection before it rejects with a
   * `TimeoutError` (never sent; `cause`: the error that ended the last connection, if any).
   * Default 15,000 ms; `Infinity` waits as long as the client tries to reconnect. A command's own
   * `timeoutMs` still applies while it waits.
   */
  timeoutMs?: number;
}

/**
 * The idle health check: when nothing was read on the connection for `intervalMs`, the client
 * sends a `PING`; when nothing at all is read for `timeoutMs` after it, the connection is taken
 * for dead (a network that died without a FIN) and closed, which makes the client reconnect.
 * A connection waiting on a blocking command (`BLPOP`…) is left alone: its own timeout plus
 * `blockingGraceMs` watches it.
 *
 * @example
 * ```ts
 * import type { HealthCheckOptions } from "@dray/dray/redis";
 *
 * const options: HealthCheckOptions = { intervalMs: 5000, timeoutMs: 2000 };
 * ```
 */
export interface HealthCheckOptions {
  /** How long the connection may be silent before a `PING` is sent. */
  intervalMs: number;
  /** How long to wait for any byte after that `PING` (default: `intervalMs`). */
  timeoutMs?: number;
}
