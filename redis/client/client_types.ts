// The public types around a RedisClient: its status, the options of close(), its counters.
import type { ContextStats } from "../context/types.ts";

/**
 * Where a {@linkcode RedisClient} is in its life: `idle` until `connect()`, `connecting` until
 * the first handshake is done, then `ready`; `reconnecting` from a lost connection until a new
 * one is ready; `closing` after `close()`, and `closed` at the end (also when it gave up
 * reconnecting).
 *
 * @example
 * ```ts
 * import type { RedisClientStatus } from "@dray/dray/redis";
 *
 * const status: RedisClientStatus = "reconnecting";
 * ```
 */
export type RedisClientStatus =
  | "idle"
  | "connecting"
  | "ready"
  | "reconnecting"
  | "closing"
  | "closed";

/**
 * Options for {@linkcode RedisClient.close}.
 *
 * @example
 * ```ts
 * import type { CloseOptions } from "@dray/dray/redis";
 *
 * const options: CloseOptions = { timeoutMs: 2000 };
 * ```
 */
export interface CloseOptions {
  /**
   * How long to wait for pending replies before destroying instead (default: the client's
   * `closeTimeoutMs`, 10,000 ms).
   */
  timeoutMs?: number;
}

/**
 * The counters of a {@linkcode RedisClient}: those of its current connection (see
 * `ContextStats`; they start again at zero on each new connection) and the client's own.
 *
 * @example
 * ```ts
 * import type { RedisClientStats } from "@dray/dray/redis";
 *
 * const stats: RedisClientStats = {
 *   writes: 0,
 *   bytesWritten: 0,
 *   bytesRead: 0,
 *   peakBufferedBytes: 0,
 *   replies: 0,
 *   inFlight: 0,
 *   waiting: 0,
 *   connections: 1,
 *   offline: 0,
 *   resent: 0,
 *   blocking: 0,
 * };
 * ```
 */
export interface RedisClientStats extends ContextStats {
  /** How many connections became ready (1 until the first reconnect). */
  readonly connections: number;
  /** Commands waiting in the offline queue now. */
  readonly offline: number;
  /** Commands sent again on a new connection after theirs was lost (never written, or reads). */
  readonly resent: number;
  /** Blocking commands (`BLPOP`, `WAIT`…) waiting for their replies on the connection now. */
  readonly blocking: number;
}
