import { K_CHANNEL, K_PATTERN, K_SHARD, keyOf } from "../context/_pubsub.ts";
import { toStrings } from "../context/_to_strings.ts";
import type { PubSubKind } from "../context/types.ts";
import { SubscriberOverflowError } from "../errors.ts";
import { decodeText } from "../resp/_text.ts";
import type { RespValue } from "../resp/types.ts";
import { MessageQueue } from "./_message_queue.ts";

const DEFAULT_MAX_QUEUED = 10_000;

export type {
  PubSubHandler,
  PubSubMessage,
  PubSubPayload,
  SubscribeOptions,
} from "./subscription_types.ts";
import type { PubSubHandler, PubSubMessage, SubscribeOptions } from "./subscription_types.ts";

/** The state the client keeps for one subscribed name (channel, pattern or shard channel). */
class NameState {
  readonly key: string;
  /** The name as text, decoded once. */
  readonly text: string;
  /** The name as first given: a string, or the exact bytes (what a new connection sends). */
  readonly name: string | Uint8Array;
  /** Subscriptions receiving its messages (confirmed, not ended). */
  listeners: Subscription<string | Uint8Array>[] = [];
  /** Subscribe commands sent for it whose confirmation has not arrived. */
  pending = 0;

  constructor(key: string, text: string, name: string | Uint8Array) {
    this.key = key;
    this.text = text;
    this.name = name;
  }
}

/** What a subscription asks of the client. */
export interface SubscriptionHost {
  /** Sends (P|S)UNSUBSCRIBE for `names`; resolves when confirmed (or the connection is gone). */
  unsubscribe(kind: PubSubKind, names: (string | Uint8Array)[]): Promise<void>;
}

const KIND_OF: Readonly<Record<PubSubKind, number>> = {
  channel: K_CHANNEL,
  pattern: K_PATTERN,
  shard: K_SHARD,
};

// Module-private access to Subscription internals, set up in its static block.
let makeSubscription: (
  registry: PubSubRegistry,
  kind: PubSubKind,
  names: readonly (string | Uint8Array)[],
  options: SubscribeOptions,
) => Subscription<string | Uint8Array>;
let activate: (subscription: Subscription<string | Uint8Array>, key: string) => void;
let deactivate: (subscription: Subscription<string | Uint8Array>, key: string) => void;
let deliverTo: (
  subscription: Subscription<string | Uint8Array>,
  message: PubSubMessage<string | Uint8Array>,
) => void;
let endWith: (subscription: Subscription<string | Uint8Array>, error: Error | undefined) => void;
let wantsBytes: (subscription: Subscription<string | Uint8Array>) => boolean;
let keysOf: (subscription: Subscription<string | Uint8Array>) => readonly string[];

/**
 * One `subscribe`, `psubscribe` or `ssubscribe` call: its names, and the messages they receive,
 * either through the `onMessage` handler or through its async iterator (`for await`). Several
 * subscriptions may share a name: each gets every message.
 *
 * - **Lifetime.** A subscription starts receiving a name's messages when the server confirms it.
 *   It ends when {@linkcode Subscription.unsubscribe} is called (or the loop iterating it is left
 *   with `break`), when every one of its names was unsubscribed (`client.unsubscribe(…)`), when
 *   the client closes (the iterator finishes), or with an error: the connection failed or was
 *   dropped by the server (a `ConnectionClosedError`, or the error that ended it), or the reader
 *   fell `maxQueued` messages behind ({@linkcode SubscriberOverflowError}). Messages already
 *   queued are yielded before the iterator finishes or throws.
 * - **Unsubscribing** sends `UNSUBSCRIBE` only for names no other subscription of the client
 *   holds.
 *
 * @typeParam T `string`, or `Uint8Array` for a subscription made with `buffers: true`.
 *
 * @example Iterating a subscription
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using subscriber = await connect("redis://localhost:6379");
 * const news = await subscriber.subscribe("news");
 * for await (const { channel, message } of news) {
 *   console.log(channel, message);
 *   if (message === "bye") break; // unsubscribes
 * }
 * ```
 */
export class Subscription<T extends string | Uint8Array = string>
  implements AsyncIterable<PubSubMessage<T>>, AsyncDisposable {
  /** `channel`, `pattern` or `shard`. */
  readonly kind: PubSubKind;
  #registry: PubSubRegistry;
  #keys: string[];
  #names: Map<string, string | Uint8Array> = new Map();
  #active = new Set<string>();
  #buffers: boolean;
  #handler: PubSubHandler<string | Uint8Array> | undefined;
  #queue: MessageQueue<PubSubMessage<T>>;
  #overflow: "error" | "drop";
  #iterator: AsyncIterator<PubSubMessage<T>> | undefined = undefined;
  #ended = false;
  #dropped = 0;
  #finished: Promise<Error | undefined>;
  #resolveFinished!: (error: Error | undefined) => void;
  #unsubscribing: Promise<void> | undefined = undefined;

  static {
    makeSubscription = (registry, kind, names, options) =>
      new Subscription(registry, kind, names, options);
    activate = (subscription, key) => {
      if (!subscription.#ended) subscription.#active.add(key);
    };
    deactivate = (subscription, key) => {
      subscription.#active.delete(key);
      if (subscription.#active.size === 0 && !subscription.#ended) subscription.#end(undefined);
    };
    deliverTo = (subscription, message) => subscription.#deliver(message as PubSubMessage<never>);
    endWith = (subscription, error) => subscription.#end(error);
    wantsBytes = (subscription) => subscription.#buffers;
    keysOf = (subscription) => subscription.#keys;
  }

  private constructor(
    registry: PubSubRegistry,
    kind: PubSubKind,
    names: readonly (string | Uint8Array)[],
    options: SubscribeOptions,
  ) {
    this.kind = kind;
    this.#registry = registry;
    this.#keys = names.map(keyOf);
    for (let i = 0; i < names.length; i++) this.#names.set(this.#keys[i]!, names[i]!);
    this.#buffers = options.buffers ?? false;
    this.#handler = options.onMessage as PubSubHandler<string | Uint8Array> | undefined;
    this.#overflow = options.overflow ?? "error";
    this.#queue = new MessageQueue(options.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
  }

  /**
   * The names this subscription receives messages for now (confirmed, not unsubscribed), as
   * given to `subscribe`.
   *
   * @example
   * ```ts ignore
   * const subscription = await client.subscribe(["a", "b"]);
   * console.log(subscription.names); // ["a", "b"]
   * ```
   */
  get names(): T[] {
    const names: T[] = [];
    for (const key of this.#active) names.push(this.#names.get(key) as T);
    return names;
  }

  /**
   * Whether the subscription still receives messages.
   *
   * @example
   * ```ts ignore
   * const subscription = await client.subscribe("a");
   * await subscription.unsubscribe();
   * console.log(subscription.active); // false
   * ```
   */
  get active(): boolean {
    return !this.#ended;
  }

  /**
   * How many messages were dropped because the queue was full (with `overflow: "drop"`).
   *
   * @example
   * ```ts ignore
   * const subscription = await client.subscribe("busy", { maxQueued: 10, overflow: "drop" });
   * console.log(subscription.dropped); // 0 until the reader falls 10 messages behind
   * ```
   */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Settles when the subscription has ended: with `undefined` after an unsubscribe or a clean
   * close, else with the error that ended it. Never rejects. Handy with `onMessage`.
   *
   * @example
   * ```ts ignore
   * const subscription = await client.subscribe("a", (message) => console.log(message));
   * const reason = await subscription.finished; // the connection dropped, say
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#finished;
  }

  /**
   * Stops receiving messages now (those already queued are still yielded) and sends
   * `(P|S)UNSUBSCRIBE` for the names no other subscription holds. Idempotent.
   *
   * @returns A promise that resolves once the server confirmed (at once when nothing was sent,
   * or when the connection is gone). Never rejects.
   *
   * @example
   * ```ts ignore
   * const subscription = await client.subscribe("a");
   * await subscription.unsubscribe();
   * ```
   */
  unsubscribe(): Promise<void> {
    if (this.#unsubscribing !== undefined) return this.#unsubscribing;
    this.#end(undefined);
    return this.#unsubscribing!;
  }

  /**
   * The iterator over the messages: each `next()` gives the oldest message not yet read, waiting
   * for one when none is queued. Leaving a `for await` loop early unsubscribes. There is one
   * iterator per subscription (every call returns it): for several consumers, subscribe several
   * times.
   *
   * @returns The iterator.
   * @throws {TypeError} When the subscription has an `onMessage` handler.
   *
   * @example
   * ```ts ignore
   * for await (const message of await client.subscribe("a")) console.log(message.message);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage<T>> {
    if (this.#handler !== undefined) {
      throw new TypeError("Cannot iterate a subscription that has an onMessage handler");
    }
    if (this.#iterator !== undefined) return this.#iterator;
    const queue = this.#queue;
    return this.#iterator = {
      next: () => queue.next(),
      return: async (): Promise<IteratorResult<PubSubMessage<T>>> => {
        await this.unsubscribe();
        queue.clear();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Unsubscribes (see {@linkcode Subscription.unsubscribe}); what `await using` calls.
   *
   * @returns A promise that resolves once unsubscribed.
   *
   * @example
   * ```ts ignore
   * {
   *   await using subscription = await client.subscribe("a");
   * } // unsubscribed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }

  #deliver(message: PubSubMessage<T>): void {
    if (this.#ended) return;
    const handler = this.#handler;
    if (handler !== undefined) {
      try {
        handler(message);
      } catch (error) {
        // The handler's bug, not the connection's: report it without losing later messages.
        queueMicrotask(() => {
          throw error;
        });
      }
      return;
    }
    if (this.#queue.push(message)) return;
    if (this.#overflow === "drop") {
      this.#dropped++;
      return;
    }
    const limit = this.#queue.limit;
    this.#end(
      new SubscriberOverflowError(
        `The subscriber fell behind: ${limit} messages were waiting unread when another came`,
        { limit },
      ),
    );
  }

  /** Ends the subscription: detaches it from its names (unsubscribing the last holders). */
  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#active.clear();
    this.#queue.end(error);
    this.#resolveFinished(error);
    this.#unsubscribing = this.#registry.detach(this, this.#keys, this.#names);
  }
}

/**
 * The client's side of pub/sub: which subscriptions listen to which names. The connection's
 * context reports confirmations and messages in stream order; this turns them into deliveries.
 * It outlives a connection, so a reconnecting client can subscribe again to every name that
 * still has listeners (see {@linkcode PubSubRegistry.names}).
 */
export class PubSubRegistry {
  #host: SubscriptionHost;
  #states: Map<string, NameState>[] = [
    new Map(),
    new Map(),
    new Map(),
  ];
  /** Messages that arrived for a name nobody listens to any more (unsubscribed locally). */
  unheard = 0;

  constructor(host: SubscriptionHost) {
    this.#host = host;
  }

  #state(kind: PubSubKind): Map<string, NameState> {
    return this.#states[KIND_OF[kind]]!;
  }

  /** A subscription for `names`, about to be sent; its confirmations will activate it. */
  create(
    kind: PubSubKind,
    names: readonly (string | Uint8Array)[],
    options: SubscribeOptions,
  ): Subscription<string | Uint8Array> {
    return makeSubscription(this, kind, names, options);
  }

  /** The subscribe command for `names` was queued. */
  sent(kind: PubSubKind, names: readonly (string | Uint8Array)[]): void {
    const states = this.#state(kind);
    for (const name of names) {
      const key = keyOf(name);
      let state = states.get(key);
      if (state === undefined) {
        state = new NameState(
          key,
          typeof name === "string" ? name : decodeText(name, 0, name.length),
          typeof name === "string" ? name : name.slice(),
        );
        states.set(key, state);
      }
      state.pending++;
    }
  }

  /** A confirmation of `subscription`'s command: it now receives `key`'s messages. */
  subscribed(
    subscription: Subscription<string | Uint8Array> | undefined,
    kind: PubSubKind,
    key: string,
  ): void {
    const state = this.#state(kind).get(key);
    if (state === undefined) return;
    if (state.pending > 0) state.pending--;
    if (subscription === undefined || !subscription.active) return;
    if (!state.listeners.includes(subscription)) {
      state.listeners = [...state.listeners, subscription];
    }
    activate(subscription, key);
  }

  /** A subscribe command failed before confirming `keys`. */
  unsent(kind: PubSubKind, keys: readonly string[]): void {
    const states = this.#state(kind);
    for (const key of keys) {
      const state = states.get(key);
      if (state === undefined) continue;
      if (state.pending > 0) state.pending--;
      if (state.pending === 0 && state.listeners.length === 0) states.delete(key);
    }
  }

  /** `subscription`'s subscribe command was refused or lost: it ends with `error`. */
  refused(subscription: Subscription<string | Uint8Array>, error: Error): void {
    const keys = keysOf(subscription);
    const confirmed = subscription.names.length;
    // Confirmations come in order: the names not confirmed yet are still pending.
    this.unsent(subscription.kind, keys.slice(confirmed));
    endWith(subscription, error);
  }

  /** The server confirmed that the connection no longer receives `key`'s messages. */
  unsubscribed(kind: PubSubKind, key: string, error?: Error): void {
    const states = this.#state(kind);
    const state = states.get(key);
    if (state === undefined) return;
    const listeners = state.listeners;
    state.listeners = [];
    if (state.pending === 0) states.delete(key);
    for (const listener of listeners) {
      if (error !== undefined) endWith(listener, error);
      else deactivate(listener, key);
    }
  }

  /** A message for `key` (the channel, or the pattern of a pmessage). */
  deliver(
    kind: PubSubKind,
    key: string,
    channel: Uint8Array,
    payload: RespValue,
    pattern: Uint8Array | undefined,
  ): void {
    const state = this.#state(kind).get(key);
    if (state === undefined || state.listeners.length === 0) {
      this.unheard++;
      return;
    }
    const listeners = state.listeners;
    let text: PubSubMessage<string> | undefined;
    let bytes: PubSubMessage<Uint8Array> | undefined;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i]!;
      if (wantsBytes(listener)) {
        bytes ??= {
          kind,
          channel,
          message: payload as Uint8Array,
          pattern,
        };
        deliverTo(listener, bytes);
      } else {
        text ??= {
          kind,
          channel: pattern === undefined ? state.text : decodeText(channel, 0, channel.length),
          message: payload instanceof Uint8Array
            ? decodeText(payload, 0, payload.length)
            : toStrings(payload) as string,
          pattern: pattern === undefined ? undefined : state.text,
        };
        deliverTo(listener, text);
      }
    }
  }

  /**
   * Every name that has listeners, per kind, as first given (bytes stay bytes): what a new
   * connection must subscribe to again to carry on (the reconnect path calls this, then sends
   * the commands with no subscription attached: confirmations keep the listeners as they are).
   */
  names(): Record<PubSubKind, (string | Uint8Array)[]> {
    const out: Record<PubSubKind, (string | Uint8Array)[]> = {
      channel: [],
      pattern: [],
      shard: [],
    };
    const kinds: PubSubKind[] = ["channel", "pattern", "shard"];
    for (let k = 0; k < 3; k++) {
      for (const state of this.#states[k]!.values()) {
        if (state.listeners.length > 0) out[kinds[k]!].push(state.name);
      }
    }
    return out;
  }

  /** The connection is gone: every subscription ends, with `error` or (clean close) done. */
  connectionLost(error: Error | undefined): void {
    const ended = new Set<Subscription<string | Uint8Array>>();
    for (const states of this.#states) {
      for (const state of states.values()) {
        for (const listener of state.listeners) ended.add(listener);
      }
      states.clear();
    }
    for (const subscription of ended) endWith(subscription, error);
  }

  /** RESET dropped every subscription on the server: they end, done. */
  reset(): void {
    this.connectionLost(undefined);
  }

  /** Detaches an ending subscription; unsubscribes the names nobody else holds. */
  detach(
    subscription: Subscription<string | Uint8Array>,
    keys: readonly string[],
    names: ReadonlyMap<string, string | Uint8Array>,
  ): Promise<void> {
    const kind = subscription.kind;
    const states = this.#state(kind);
    const release: (string | Uint8Array)[] = [];
    for (const key of new Set(keys)) {
      const state = states.get(key);
      if (state === undefined) continue;
      const at = state.listeners.indexOf(subscription);
      if (at < 0) continue;
      state.listeners = state.listeners.filter((listener) => listener !== subscription);
      if (state.listeners.length === 0 && state.pending === 0) {
        states.delete(key);
        release.push(names.get(key)!);
      }
    }
    if (release.length === 0) return Promise.resolve();
    return this.#host.unsubscribe(kind, release);
  }
}
