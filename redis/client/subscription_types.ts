// The public types of pub/sub: a message, a handler, and the options of a subscription.
import type { PubSubKind } from "../context/types.ts";

/**
 * A message received on a subscription.
 *
 * - `kind`: `channel` (`SUBSCRIBE`), `pattern` (`PSUBSCRIBE`) or `shard` (`SSUBSCRIBE`).
 * - `channel`: the channel it was published to.
 * - `message`: the payload. (On `__redis__:invalidate`, where client tracking sends keys, it is
 *   an array of keys or `null` instead.)
 * - `pattern`: the pattern that matched, for `pattern` subscriptions; else `undefined`.
 *
 * Strings are UTF-8 decoded; a subscription made with `buffers: true` gets `Uint8Array`s (views
 * that may share a pool, as `RespReader` explains: copy one to keep it past other work). The
 * same message object may reach several subscriptions: treat it as read-only.
 *
 * @typeParam T `string`, or `Uint8Array` with `buffers: true`.
 *
 * @example
 * ```ts
 * import type { PubSubMessage } from "@dray/dray/redis";
 *
 * const message: PubSubMessage = {
 *   kind: "pattern",
 *   channel: "news.sport",
 *   message: "goal",
 *   pattern: "news.*",
 * };
 * ```
 */
export interface PubSubMessage<T extends string | Uint8Array = string> {
  /** Which family of subscription received it. */
  readonly kind: PubSubKind;
  /** The channel it was published to. */
  readonly channel: T;
  /** The payload. */
  readonly message: T;
  /** The matching pattern, for pattern subscriptions. */
  readonly pattern: T | undefined;
}

/**
 * A function that receives a subscription's messages, synchronously, as they are read.
 *
 * @typeParam T `string`, or `Uint8Array` with `buffers: true`.
 *
 * @example
 * ```ts
 * import type { PubSubHandler } from "@dray/dray/redis";
 *
 * const seen: string[] = [];
 * const handler: PubSubHandler = ({ channel, message }) => void seen.push(`${channel}: ${message}`);
 * ```
 */
export type PubSubHandler<T extends string | Uint8Array = string> = (
  message: PubSubMessage<T>,
) => void;

/**
 * `string` for a subscription made without `buffers`, `Uint8Array` with `buffers: true`.
 *
 * @typeParam B The `buffers` option's type.
 *
 * @example
 * ```ts
 * import type { PubSubPayload } from "@dray/dray/redis";
 *
 * const bytes: PubSubPayload<true> = new Uint8Array([1]);
 * ```
 */
export type PubSubPayload<B extends boolean> = B extends true ? Uint8Array : string;

/**
 * Options of `RedisClient.subscribe`, `psubscribe` and `ssubscribe`.
 *
 * A subscription delivers its messages either to `onMessage` (called synchronously as each one is
 * read; nothing is queued) or, without a handler, to its async iterator through a queue bounded
 * by `maxQueued`. When a reader falls that far behind, `overflow` decides: `"error"` (the
 * default) ends the subscription with a {@linkcode SubscriberOverflowError} after the queued
 * messages; `"drop"` drops new messages and counts them in `Subscription.dropped`.
 *
 * @typeParam B The type of `buffers`, which decides the message type.
 *
 * @example
 * ```ts
 * import type { SubscribeOptions } from "@dray/dray/redis";
 *
 * const options: SubscribeOptions<true> = {
 *   buffers: true,
 *   maxQueued: 1000,
 *   overflow: "drop",
 *   timeoutMs: 5000,
 * };
 * ```
 */
export interface SubscribeOptions<B extends boolean = boolean> {
  /** Deliver channels, patterns and payloads as `Uint8Array` (default `false`). */
  buffers?: B;
  /** Receives each message; without it, iterate the subscription. */
  onMessage?: PubSubHandler<PubSubPayload<B>>;
  /** How many messages may wait unread for the iterator (default 10,000). */
  maxQueued?: number;
  /** What a full queue does: end with an error (default) or drop new messages. */
  overflow?: "error" | "drop";
  /**
   * Reject with `TimeoutError` when the server has not confirmed every name within this long
   * (default: the client's `commandTimeoutMs`, if any). The subscription is then not made: names
   * the server confirms later are unsubscribed again.
   */
  timeoutMs?: number;
  /** Reject with `AbortError` when this aborts before every name is confirmed (as `timeoutMs`). */
  signal?: AbortSignal;
}
