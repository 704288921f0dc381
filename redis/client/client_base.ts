// The half of a RedisClient that commands go through: sendCommand (and so the typed commands),
// pub/sub, and what can be read about the client. RedisClient (client.ts) adds its life:
// connect, close, destroy, events, batches, monitor, duplicate. Both work on one ClientEngine.

import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import type { PubSubKind } from "../context/types.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { Transport } from "../transport/types.ts";
import { ENGINE } from "./_core.ts";
import { ClientEngine } from "./_engine.ts";
import { subscribe, unsubscribe } from "./_pubsub_send.ts";
import { resolveOptions } from "./_resolve_options.ts";
import { send } from "./_send.ts";
import type { ClientCache } from "./cache.ts";
import type { RedisClientStats, RedisClientStatus } from "./client_types.ts";
import type { RedisClientOptions } from "./options.ts";
import type { Subscription } from "./subscription.ts";
import type { PubSubHandler, PubSubPayload, SubscribeOptions } from "./subscription_types.ts";

/**
 * What every {@linkcode RedisClient} is: the typed commands over `sendCommand`, pub/sub, and its
 * state (`status`, `protocol`, `stats`, `db`, `finished`…). Pipelines and transactions take one.
 * Make a `RedisClient`; this base class is not meant to be made on its own.
 *
 * @example
 * ```ts
 * import { type BaseClient, RedisClient } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const client: BaseClient = new RedisClient();
 * assert.equal(client.status, "idle");
 * ```
 */
export abstract class BaseClient extends RedisCommands {
  #engine: ClientEngine;

  /**
   * Checks the options and makes the client's engine; nothing is connected.
   *
   * @param options Where to connect, the handshake, and the client's settings.
   * @throws {TypeError} When the URL cannot be parsed or the options are inconsistent.
   * @throws {RangeError} When a number option is out of range.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ protocol: 2 }).protocol, 2);
   * ```
   */
  constructor(options: RedisClientOptions = {}) {
    super();
    this.#engine = new ClientEngine(
      options,
      resolveOptions(options),
      <T>(argv: readonly RedisArgument[], commandOptions?: CommandOptions): Promise<T> =>
        this.sendCommand<T>(argv, commandOptions),
    );
  }

  /**
   * The client's engine (internal: for the client itself, its pipelines and transactions).
   *
   * @ignore
   */
  get [ENGINE](): ClientEngine {
    return this.#engine;
  }

  /**
   * The RESP version of the connection: the one negotiated once connected, before that the one
   * asked for (3 unless `protocol: 2`). Reply shapes depend on it (maps in RESP3, flat arrays in
   * RESP2), so read it when a reply arrives.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ protocol: 2 }).protocol, 2);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#engine.state.protocol;
  }

  /**
   * Where the client is in its life (see {@linkcode RedisClientStatus}).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * assert.equal(client.status, "idle");
   * await client.close();
   * assert.equal(client.status, "closed");
   * ```
   */
  get status(): RedisClientStatus {
    return this.#engine.state.life.state;
  }

  /**
   * The transport carrying the connection (`kind`, `driver`, `remoteAddr`, `tls`, `fallback`),
   * once connected.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient().transport, undefined);
   * ```
   */
  get transport(): Transport | undefined {
    return this.#engine.state.transport;
  }

  /**
   * The counters of the current connection (`writes`, `bytesWritten`, `bytesRead`,
   * `peakBufferedBytes`, `replies`, `inFlight`, `waiting`; all zero before `connect()`, and
   * again on each new connection) and the client's own (`connections`, `offline`, `resent`,
   * `blocking`).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const stats = new RedisClient().stats;
   * assert.equal(stats.writes, 0);
   * assert.equal(stats.connections, 0);
   * ```
   */
  get stats(): RedisClientStats {
    const state = this.#engine.state;
    const stats = state.connection?.context.stats;
    return {
      writes: stats?.writes ?? 0,
      bytesWritten: stats?.bytesWritten ?? 0,
      bytesRead: stats?.bytesRead ?? 0,
      peakBufferedBytes: stats?.peakBufferedBytes ?? 0,
      replies: stats?.replies ?? 0,
      inFlight: stats?.inFlight ?? 0,
      waiting: stats?.waiting ?? 0,
      connections: state.connections,
      offline: state.offline?.length ?? 0,
      resent: state.resent,
      blocking: state.sink?.blocking ?? 0,
    };
  }

  /**
   * The database the client uses: from the options or URL, then from each successful
   * {@linkcode RedisClient.select}. A reconnecting client selects it again.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ url: "redis://localhost/4" }).db, 4);
   * ```
   */
  get db(): number {
    return this.#engine.state.db;
  }

  /**
   * Settles when the client is closed, with the error that ended its connection (`undefined`
   * after a clean close). Never rejects.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * await client.close();
   * assert.equal(await client.finished, undefined);
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#engine.state.finished;
  }

  /**
   * The names the client receives messages for, per kind: every name with at least one active
   * subscription. (What a reconnecting client subscribes to again.)
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new RedisClient().subscriptions, { channel: [], pattern: [], shard: [] });
   * ```
   */
  get subscriptions(): Record<PubSubKind, (string | Uint8Array)[]> {
    return this.#engine.state.registry.names();
  }

  /**
   * The client-side cache, when the client was made with the `cache` option (see
   * {@linkcode ClientCache}); else `undefined`.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient().cache, undefined);
   * assert.equal(new RedisClient({ cache: {} }).cache?.enabled, false); // not connected
   * ```
   */
  get cache(): ClientCache | undefined {
    return this.#engine.state.cache;
  }

  /**
   * Sends one command. Commands issued in the same tick leave in one write. While the client
   * has no ready connection (it is connecting or reconnecting) the command waits in the offline
   * queue.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments (`string`, `number`, `bigint`, `Uint8Array`).
   * @param options `returnBuffers`, `timeoutMs`, `signal`.
   * @returns The reply, as the RESP reader gives it (`null` for RESP nulls; maps in RESP3).
   * @throws {ReplyError} The server's error reply to this command.
   * @throws {TimeoutError} `timeoutMs` ran out first.
   * @throws {AbortError} `signal` aborted first.
   * @throws {OutcomeUnknownError} The connection was lost after the command was written and
   * before its reply: it may have run. `cause` is the error that ended the connection. So with
   * `reconnect: false` too; never sent again, unless it is read-only and the client reconnects.
   * @throws {OfflineQueueFullError} The client has no ready connection and its offline queue is
   * full: the command was not sent.
   * @throws {ConnectionClosedError} The client is not connected, is closing or closed, gave up
   * reconnecting, or has no ready connection and no offline queue (`cause` says why); the
   * connection ended after the server's protocol error reply to an earlier command (`cause`: that
   * reply; the server ran nothing sent after it); or the error that ended the connection before
   * the command was sent (a `ProtocolError`, a `ConnectError`, a refused handshake's
   * `ReplyError`). An error reply is only ever the reply of the command it answers.
   * @throws {WatchError} A `MULTI` sent after a `WATCH` whose connection was lost.
   * @throws {TypeError} An argument cannot be encoded; the command would take replies out of
   * order (the subscribe family and MONITOR, which have methods of their own, and
   * `CLIENT REPLY OFF|SKIP`); or the connection's mode refuses it (over RESP2 while subscribed,
   * only `PING`, `QUIT` and `RESET`).
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using client = await connect("redis://localhost:6379");
   * await client.sendCommand(["SET", "bytes", new Uint8Array([0xff, 0x00])]);
   * const bytes = await client.sendCommand<Uint8Array>(["GET", "bytes"], { returnBuffers: true });
   * console.log(bytes); // Uint8Array(2) [ 255, 0 ]
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    const state = this.#engine.state;
    // [observe] with a keyPrefix or a tracing subscriber, through the observer; else straight on.
    const observer = state.observer;
    if (observer !== undefined && observer.active) return observer.send<T>(argv, options);
    return send<T>(state, argv, options);
  }

  /**
   * Subscribes to channels. Resolves once the server confirmed every name: from then on their
   * messages reach the subscription, through `onMessage` (a handler given as the second argument
   * or in the options) or through its async iterator (`for await`), whose queue is bounded by
   * `maxQueued` (see {@linkcode SubscribeOptions}). Names and payloads are binary-safe: pass
   * `Uint8Array` names, and `buffers: true` to receive bytes.
   *
   * Over RESP3 the connection stays usable for any command while subscribed (messages arrive as
   * pushes). Over RESP2 the server accepts only `PING`, `QUIT`, `RESET` and the subscribe family
   * while a subscription is active: other commands are refused locally with a `TypeError` (give
   * pub/sub a client of its own there).
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param channels A channel, or several.
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} No name, a name that is neither a string nor bytes, bad options, inside
   * a `MULTI` sent with `sendCommand`, or on a monitoring connection.
   * @throws {ReplyError} The server refused (e.g. `NOPERM` from an ACL).
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using subscriber = await connect("redis://localhost:6379");
   * await using publisher = await connect("redis://localhost:6379");
   * const news = await subscriber.subscribe("news");
   * await publisher.publish("news", "hello");
   * for await (const { message } of news) {
   *   console.log(message); // "hello"
   *   break; // unsubscribes
   * }
   * ```
   */
  subscribe<B extends boolean = false>(
    channels: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return subscribe(this.#engine.state, "channel", channels, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Subscribes to glob-style patterns (`news.*`): like {@linkcode RedisClient.subscribe}, and
   * each message also says which `pattern` matched.
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param patterns A pattern, or several.
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} As `subscribe`.
   * @throws {ReplyError} The server refused.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * const all = await client.psubscribe("news.*", ({ channel, message, pattern }) => {
   *   console.log(pattern, channel, message); // news.* news.sport goal
   * });
   * ```
   */
  psubscribe<B extends boolean = false>(
    patterns: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return subscribe(this.#engine.state, "pattern", patterns, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Subscribes to shard channels (`SSUBSCRIBE`, Redis 7.0's sharded pub/sub, published with
   * `SPUBLISH`): like {@linkcode RedisClient.subscribe}. A standalone server accepts them as a
   * separate family of channels; in a cluster the channels of one call must hash to one slot,
   * and a node that loses the slot ends the subscription with a `RedisError`.
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param channels A shard channel, or several (one slot in a cluster).
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} As `subscribe`.
   * @throws {ReplyError} The server refused (`CROSSSLOT` in a cluster).
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * const orders = await client.ssubscribe("orders:{eu}");
   * await client.spublish("orders:{eu}", "new");
   * ```
   */
  ssubscribe<B extends boolean = false>(
    channels: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return subscribe(this.#engine.state, "shard", channels, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Sends `UNSUBSCRIBE`, exactly as the server runs it: the connection stops receiving the named
   * channels (every subscription of this client on them ends, as a `for await` loop that
   * finishes), one confirmation per name, subscribed or not; without names, every channel.
   * Patterns and shard channels are left alone. To end one subscription only, use
   * `Subscription.unsubscribe()`.
   *
   * @param channels A channel, several, or none for all.
   * @returns The server's count of the connection's remaining channel and pattern subscriptions,
   * from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.subscribe(["a", "b"]);
   * console.log(await client.unsubscribe(["a", "never-subscribed"])); // 1
   * console.log(await client.unsubscribe()); // 0
   * ```
   */
  unsubscribe(channels?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return unsubscribe(this.#engine.state, "channel", channels);
  }

  /**
   * Sends `PUNSUBSCRIBE`: as {@linkcode RedisClient.unsubscribe}, for patterns.
   *
   * @param patterns A pattern, several, or none for all.
   * @returns The server's count from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.punsubscribe("news.*");
   * ```
   */
  punsubscribe(patterns?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return unsubscribe(this.#engine.state, "pattern", patterns);
  }

  /**
   * Sends `SUNSUBSCRIBE`: as {@linkcode RedisClient.unsubscribe}, for shard channels.
   *
   * @param channels A shard channel, several, or none for all.
   * @returns The server's count of the remaining shard subscriptions, from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.sunsubscribe();
   * ```
   */
  sunsubscribe(channels?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return unsubscribe(this.#engine.state, "shard", channels);
  }
}
