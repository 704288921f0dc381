// One subscribe call on a cluster client: its names, and the messages they receive through its
// handler or its async iterator. The cluster's pub/sub (pubsub.ts) keeps the server-side
// subscriptions and moves them between nodes; a ClusterSubscription only listens, so a move never
// ends it: it ends on unsubscribe, on close, or when the reader falls too far behind.

import { MessageQueue } from "../client/_message_queue.ts";
import type { PubSubHandler, PubSubMessage } from "../client/subscription.ts";
import type { PubSubKind } from "../context/types.ts";
import { SubscriberOverflowError } from "../errors.ts";

const DEFAULT_MAX_QUEUED = 10_000;

/**
 * Options of a cluster client's `subscribe`, `psubscribe` and `ssubscribe`: as a single
 * connection's, without a per-call timeout (a subscription that cannot be made now is made as
 * soon as its node is reachable, and reported by a `gap` event).
 *
 * @example
 * ```ts
 * import type { ClusterSubscribeOptions } from "@dray/dray/redis";
 *
 * const options: ClusterSubscribeOptions = { maxQueued: 1000, overflow: "drop" };
 * ```
 */
export interface ClusterSubscribeOptions {
  /** Receives each message; without it, iterate the subscription. */
  onMessage?: PubSubHandler<string>;
  /** How many messages may wait unread for the iterator (default 10,000). */
  maxQueued?: number;
  /** What a full queue does: end with an error (default) or drop new messages. */
  overflow?: "error" | "drop";
}

/** What a subscription asks of the cluster's pub/sub. */
export interface ClusterSubscriptionHost {
  /** The subscription ended: release its names. */
  detach(subscription: ClusterSubscription): Promise<void>;
}

/**
 * A subscription made on a cluster client. It keeps receiving while its channels move between
 * nodes (the cluster client subscribes again at the new owner and emits a `gap` event for the
 * time it was not listening). It ends on {@linkcode ClusterSubscription.unsubscribe} (or leaving
 * a `for await` loop), when the cluster client closes, or with a `SubscriberOverflowError` when
 * its reader falls `maxQueued` messages behind.
 *
 * @example Iterating a sharded subscription
 * ```ts ignore
 * import { connectCluster } from "@dray/dray/redis";
 *
 * await using cluster = await connectCluster({ nodes: ["127.0.0.1:7000"] });
 * const orders = await cluster.ssubscribe("orders:{eu}");
 * for await (const { message } of orders) {
 *   if (message === "stop") break; // unsubscribes
 * }
 * ```
 */
export class ClusterSubscription implements AsyncIterable<PubSubMessage>, AsyncDisposable {
  /** `channel`, `pattern` or `shard`. */
  readonly kind: PubSubKind;
  /** The names it listens to. */
  readonly names: readonly string[];
  #host: ClusterSubscriptionHost;
  #handler: PubSubHandler<string> | undefined;
  #queue: MessageQueue<PubSubMessage>;
  #drop: boolean;
  #dropped = 0;
  #ended = false;
  #finished: Promise<Error | undefined>;
  #resolveFinished!: (error: Error | undefined) => void;
  #detaching: Promise<void> | undefined;

  /**
   * Made by the cluster client's subscribe methods.
   *
   * @param host The pub/sub that owns it.
   * @param kind Which family.
   * @param names Its names.
   * @param options Handler, queue bound, overflow.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const subscription = new ClusterSubscription(
   *   { detach: () => Promise.resolve() },
   *   "shard",
   *   ["a"],
   * );
   * subscription.deliver({ kind: "shard", channel: "a", message: "hi", pattern: undefined });
   * await subscription.unsubscribe();
   * const seen = [];
   * for await (const message of subscription) seen.push(message.message);
   * assert.deepEqual(seen, ["hi"]);
   * ```
   */
  constructor(
    host: ClusterSubscriptionHost,
    kind: PubSubKind,
    names: readonly string[],
    options: ClusterSubscribeOptions = {},
  ) {
    const limit = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot queue '${limit}' messages: give a whole number of at least 1`);
    }
    this.#host = host;
    this.kind = kind;
    this.names = [...names];
    this.#handler = options.onMessage;
    this.#queue = new MessageQueue(limit);
    this.#drop = options.overflow === "drop";
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
  }

  /**
   * Whether it still receives messages.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * await subscription.unsubscribe();
   * assert.equal(subscription.active, false);
   * ```
   */
  get active(): boolean {
    return !this.#ended;
  }

  /**
   * How many messages were dropped because the queue was full (with `overflow: "drop"`).
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * assert.equal(subscription.dropped, 0);
   * ```
   */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Settles when it has ended: `undefined` after an unsubscribe or close, else the error that
   * ended it. Never rejects.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * await subscription.unsubscribe();
   * assert.equal(await subscription.finished, undefined);
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#finished;
  }

  /**
   * Hands a message to the handler or the queue (called by the cluster's pub/sub).
   *
   * @param message The message.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const seen: string[] = [];
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"], {
   *   onMessage: ({ message }) => void seen.push(message),
   * });
   * subscription.deliver({ kind: "channel", channel: "a", message: "x", pattern: undefined });
   * assert.deepEqual(seen, ["x"]);
   * ```
   */
  deliver(message: PubSubMessage): void {
    if (this.#ended) return;
    const handler = this.#handler;
    if (handler !== undefined) {
      handler(message);
      return;
    }
    if (this.#queue.push(message)) return;
    if (this.#drop) {
      this.#dropped++;
      return;
    }
    this.end(
      new SubscriberOverflowError(
        `The subscriber fell ${this.#queue.limit} messages behind`,
        { limit: this.#queue.limit },
      ),
    );
  }

  /**
   * Ends it: with `undefined` (done) or an error the iterator throws after what is queued; its
   * names are released. Idempotent.
   *
   * @param error Why it ends, if not a plain end.
   * @returns Settles once its names are released.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * await subscription.end();
   * ```
   */
  end(error?: Error): Promise<void> {
    if (this.#detaching !== undefined) return this.#detaching;
    this.#ended = true;
    this.#queue.end(error);
    this.#resolveFinished(error);
    this.#detaching = this.#host.detach(this).catch(() => {});
    return this.#detaching;
  }

  /**
   * Stops receiving (queued messages are still yielded) and unsubscribes the names no other
   * subscription holds. Idempotent; never rejects.
   *
   * @returns Settles once the names are released.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * await subscription.unsubscribe();
   * ```
   */
  unsubscribe(): Promise<void> {
    return this.end();
  }

  /**
   * The iterator over its messages; leaving a `for await` loop early unsubscribes.
   *
   * @returns The iterator.
   * @throws {TypeError} When the subscription has an `onMessage` handler.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const subscription = new ClusterSubscription({ detach: async () => {} }, "channel", ["a"]);
   * await subscription.unsubscribe();
   * assert.deepEqual(await subscription[Symbol.asyncIterator]().next(), {
   *   done: true,
   *   value: undefined,
   * });
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage> {
    if (this.#handler !== undefined) {
      throw new TypeError("Cannot iterate a subscription that has an onMessage handler");
    }
    const queue = this.#queue;
    return {
      next: () => queue.next(),
      return: async () => {
        await this.end();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Unsubscribes (for `await using`).
   *
   * @returns Settles once the names are released.
   *
   * @example
   * ```ts
   * import { ClusterSubscription } from "@dray/dray/redis";
   *
   * await using subscription = new ClusterSubscription({ detach: async () => {} }, "pattern", [
   *   "a.*",
   * ]);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}
