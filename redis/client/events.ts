/**
 * The lifecycle events of a {@linkcode RedisClient}, in the order they come:
 *
 * - `connect`: a transport was opened (the handshake starts).
 * - `ready`: the handshake is done; on a reconnect the subscriptions were sent again and the
 *   offline queue was handed to the new connection.
 * - `error`: something failed: the connection was lost, or an attempt to connect failed
 *   (`error` says what). The client carries on (reconnecting) unless an `end` follows.
 * - `close`: a connection that had opened is over (`error` is `undefined` after a clean close).
 * - `reconnecting`: the next attempt starts in `delayMs`; `attempt` counts from 1.
 * - `end`: the client is done for good (closed, destroyed, or it gave up reconnecting); `error`
 *   is what `client.finished` settles with.
 *
 * @example
 * ```ts
 * import type { RedisClientEventType } from "@dray/dray/redis";
 *
 * const types: RedisClientEventType[] = ["connect", "ready", "error", "close", "reconnecting", "end"];
 * ```
 */
export type RedisClientEventType =
  | "connect"
  | "ready"
  | "error"
  | "close"
  | "reconnecting"
  | "end";

/**
 * What a {@linkcode RedisClientEvent} carries besides its type.
 *
 * @example
 * ```ts
 * import type { RedisClientEventInit } from "@dray/dray/redis";
 *
 * const init: RedisClientEventInit = { attempt: 2, delayMs: 100 };
 * ```
 */
export interface RedisClientEventInit {
  /** The error, for `error`, `close`, `reconnecting` and `end`. */
  error?: Error | undefined;
  /** The attempt number since the client was last ready (0 for the first connection). */
  attempt?: number;
  /** For `reconnecting`: how long until the attempt, in milliseconds. */
  delayMs?: number | undefined;
  /** For `ready`: the RESP version in use. */
  protocol?: 2 | 3 | undefined;
}

/**
 * One lifecycle event of a client (see {@linkcode RedisClientEventType}), as listeners added
 * with `RedisClient.addEventListener` receive it. Listeners run after the client's own state
 * changed, never inside its bookkeeping: one that throws is reported like any uncaught exception
 * (a global `error` event) and the client carries on.
 *
 * @example
 * ```ts
 * import { RedisClientEvent } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const event = new RedisClientEvent("reconnecting", { attempt: 1, delayMs: 50 });
 * assert.equal(event.type, "reconnecting");
 * assert.equal(event.delayMs, 50);
 * ```
 */
export class RedisClientEvent extends Event {
  /** The error, for `error`, `close`, `reconnecting` and `end`. */
  readonly error: Error | undefined;
  /** The attempt number since the client was last ready (0 for the first connection). */
  readonly attempt: number;
  /** For `reconnecting`: how long until the attempt, in milliseconds. */
  readonly delayMs: number | undefined;
  /** For `ready`: the RESP version in use. */
  readonly protocol: 2 | 3 | undefined;

  /**
   * Makes an event.
   *
   * @param type Which event.
   * @param init What it carries.
   *
   * @example
   * ```ts
   * import { RedisClientEvent } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClientEvent("ready", { protocol: 3 }).protocol, 3);
   * ```
   */
  constructor(type: RedisClientEventType, init: RedisClientEventInit = {}) {
    super(type);
    this.error = init.error;
    this.attempt = init.attempt ?? 0;
    this.delayMs = init.delayMs;
    this.protocol = init.protocol;
  }

  /** The event's type. */
  override get type(): RedisClientEventType {
    return super.type as RedisClientEventType;
  }
}

/**
 * A listener of {@linkcode RedisClientEvent}s: a function, or an object with `handleEvent`.
 *
 * @example
 * ```ts
 * import type { RedisClientEventListener } from "@dray/dray/redis";
 *
 * const listener: RedisClientEventListener = (event) => console.log(event.type, event.error);
 * ```
 */
export type RedisClientEventListener =
  | ((event: RedisClientEvent) => void)
  | { handleEvent(event: RedisClientEvent): void };
