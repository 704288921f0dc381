import { connectOrClose } from "../client/_connect_or_close.ts";
import type { RedisClient } from "../client/client.ts";
import type { RedisClientOptions } from "../client/options.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import type { BulkString, KeyScanOptions, NoOptions } from "../commands/types.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type ClusterCommandOptions, ClusterCore, targetOf } from "./_core.ts";
import { slotOfKey } from "./_route.ts";
import { scanShards } from "./_scan_shards.ts";
import { ClusterPipeline } from "./cluster_pipeline.ts";
import { ClusterTransaction } from "./cluster_transaction.ts";
import type { SlotMap } from "./topology.ts";
import type { PubSubHandler } from "../client/subscription.ts";
import type { PubSubKind } from "../context/types.ts";
import { ClusterPubSub } from "./pubsub.ts";
import type { ClusterSubscribeOptions, ClusterSubscription } from "./cluster_subscription.ts";
import type { ClusterClientOptions, ClusterEvent, ClusterEventType, ClusterHost } from "./types.ts";

export type { ClusterCommandOptions } from "./_core.ts";

/**
 * A Redis Cluster client: the typed commands of `RedisClient`, each routed to the node that
 * serves its keys' slot, over one auto-pipelined connection per node.
 *
 * - **Routing**: slots are computed on the keys' bytes (hash tags included); the slot map comes
 *   from `CLUSTER SHARDS` (`CLUSTER SLOTS` before 7.0) and is refreshed after a `MOVED`, when a
 *   node's connection is lost or refused, and every 30 s (±20 %), one refresh at a time.
 * - **Redirects**: `MOVED` patches the slot and resends at once; `ASK` sends `ASKING` and the
 *   command together to the target; `TRYAGAIN`, `CLUSTERDOWN` and lost connections are retried
 *   with backoff until the command's deadline (`timeoutMs`, else `retryDeadlineMs`, 5 s).
 * - **No duplicate writes**: a command that never reached a node is rerouted and a read is
 *   retried, but a write whose connection died after it was sent rejects with
 *   `ClusterOutcomeUnknownError` (node and slot) and is never sent again.
 * - **Keyless commands**: `sendCommand(argv, { key })` runs one on the connection of that key's
 *   master, after what is queued there (`WAIT` after an `RPUSH`); without a key, the catalog's
 *   tips decide (`DBSIZE`, `KEYS`, `FLUSHALL`, `SCRIPT LOAD` go to every shard or node and the
 *   replies are reduced; others go to any master).
 * - **Multi-key commands** across slots: `MGET`, `DEL`, `UNLINK`, `EXISTS`, `TOUCH` are split by
 *   slot and reassembled; `MSET` with `crossSlot: "split-all"`; anything else raises
 *   `CrossSlotError` before sending.
 * - **Batches**: {@linkcode ClusterClient.pipeline} splits by node and keeps the caller's order;
 *   {@linkcode ClusterClient.multi} runs in one slot; {@linkcode ClusterClient.withSlot} pins a
 *   connection for `WATCH`.
 *
 * @example Connecting, writing across nodes, reading back
 * ```ts
 * import { connectCluster } from "@dray/dray/redis";
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using servers = await startCluster();
 * await using cluster = await connectCluster({ nodes: servers.seeds });
 * await cluster.set("user:1", "ada");
 * await cluster.set("user:2", "grace");
 * assert.deepEqual(await cluster.mget(["user:1", "user:2"]), ["ada", "grace"]);
 * assert.equal(cluster.topology().shards.length, 3);
 * ```
 */
export class ClusterClient extends RedisCommands implements AsyncDisposable {
  #core: ClusterCore;
  #host: ClusterHost;
  #closing: Promise<void> | undefined;
  // Hooks run by close() (pub/sub's own connections).
  #closeHooks: (() => Promise<void>)[] = [];

  /**
   * Makes a cluster client; nothing happens until {@linkcode ClusterClient.connect}.
   *
   * @param options The seeds, the node options, `readFrom`, `mapAddress`…
   * @throws {TypeError} When there is no seed or an option is invalid.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const cluster = new ClusterClient({ nodes: ["127.0.0.1:7000"] });
   * assert.throws(() => cluster.topology());
   * ```
   */
  constructor(options: ClusterClientOptions) {
    super();
    const core = new ClusterCore(options);
    this.#core = core;
    this.#host = {
      topology: () => core.topology(),
      openConnection: (node, extra?: RedisClientOptions) =>
        core.pool.open("address" in node ? targetOf(node) : node, extra),
      refresh: () => core.refresh(),
      nodeDown: (address) => core.nodeDown(address, new ConnectionClosedError("Node down")),
      emit: (event) => core.events.dispatchEvent(event),
      addEventListener: (type, listener) =>
        core.events.addEventListener(type, listener as EventListener),
      removeEventListener: (type, listener) =>
        core.events.removeEventListener(type, listener as EventListener),
      signal: core.abort.signal,
    };
  }

  /**
   * The RESP version the node connections speak.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ClusterClient({ nodes: ["127.0.0.1:7000"] }).protocol, 3);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#core.protocol;
  }

  /**
   * What modules built on the client (pub/sub) use: the topology, dedicated connections,
   * refreshes and events.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const cluster = new ClusterClient({ nodes: ["127.0.0.1:7000"] });
   * assert.equal(cluster.host.signal.aborted, false);
   * ```
   */
  get host(): ClusterHost {
    return this.#host;
  }

  /**
   * How many topology refreshes have run since the client connected (the first one included).
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ClusterClient({ nodes: ["127.0.0.1:7000"] }).refreshes, 0);
   * ```
   */
  get refreshes(): number {
    return this.#core.refreshes;
  }

  /**
   * Reads the topology from the seeds (the first that answers).
   *
   * @returns Once the slot map is known.
   * @throws {TopologyRefreshError} No seed answered with a topology; `failures` says why each.
   *
   * @example
   * ```ts
   * import { ClusterClient, TopologyRefreshError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const cluster = new ClusterClient({ nodes: ["127.0.0.1:1"] });
   * await assert.rejects(cluster.connect(), TopologyRefreshError);
   * await cluster.close();
   * ```
   */
  connect(): Promise<void> {
    return this.#core.connect();
  }

  /**
   * The slot map in use: shards, masters, replicas and their health. Immutable; a refresh
   * installs a new one (and emits `topology`).
   *
   * @returns The current slot map.
   * @throws {ConnectionClosedError} Before `connect()` has finished.
   *
   * @example
   * ```ts ignore
   * import { connectCluster, keySlot } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * assert.ok(cluster.topology().masterOf(keySlot("user:1")));
   * ```
   */
  topology(): SlotMap {
    return this.#core.topology();
  }

  /**
   * Refreshes the topology now (or waits for the refresh under way).
   *
   * @returns When the refresh has finished; a failed refresh is reported as an `error` event.
   *
   * @example
   * ```ts ignore
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * await cluster.refreshTopology();
   * assert.ok(cluster.refreshes >= 2);
   * ```
   */
  refreshTopology(): Promise<void> {
    return this.#core.refresh();
  }

  /**
   * Sends one command to the node that serves it, following redirects (see the class).
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command and its arguments.
   * @param options `key` to route a keyless command, and the usual command options.
   * @returns The reply.
   * @throws {CrossSlotError} Keys in different slots and the command cannot be split.
   * @throws {ClusterOutcomeUnknownError} A write was sent and its connection was lost.
   *
   * @example Acknowledging a write with WAIT on the same connection
   * ```ts
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * const pushed = cluster.rpush("log:{7}", "a");
   * const replicas = cluster.sendCommand(["WAIT", "0", "100"], { key: "log:{7}" });
   * assert.deepEqual(await Promise.all([pushed, replicas]), [1, 0]);
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: ClusterCommandOptions,
  ): Promise<T> {
    return this.#core.send<T>(argv, options);
  }

  /**
   * A pipeline whose commands may go to any node: split by node, each part written at once,
   * replies in the order of the calls; only commands redirected (`MOVED`, `ASK`, `TRYAGAIN`) or
   * never sent are sent again.
   *
   * @returns A new pipeline.
   *
   * @example
   * ```ts ignore
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * const batch = cluster.pipeline();
   * for (let i = 0; i < 10; i++) batch.set(`k${i}`, String(i));
   * batch.get("k7");
   * assert.equal((await batch.exec()).at(-1), "7");
   * ```
   */
  pipeline(): ClusterPipeline {
    return new ClusterPipeline(this.#core);
  }

  /**
   * A transaction (`MULTI`/`EXEC`) whose keys must all be in one slot; a key in another slot
   * rejects with `CrossSlotError` before anything is sent.
   *
   * @returns A new transaction.
   *
   * @example
   * ```ts ignore
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * const tx = cluster.multi();
   * tx.incr("{cart:1}:n");
   * tx.incr("{cart:1}:n");
   * assert.deepEqual(await tx.exec(), [1, 2]);
   * ```
   */
  multi(): ClusterTransaction {
    return new ClusterTransaction(this.#core);
  }

  /**
   * Runs `fn` with a connection of its own to the master of `key`'s slot: for `WATCH`/`MULTI`
   * /`EXEC` and other commands that need one connection. It is closed when `fn` settles.
   *
   * @typeParam R What `fn` returns.
   * @param key The key whose slot's master to use.
   * @param fn What to run.
   * @returns What `fn` returned.
   *
   * @example Optimistic locking
   * ```ts
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * await cluster.set("balance", "10");
   * const result = await cluster.withSlot("balance", async (node) => {
   *   await node.sendCommand(["WATCH", "balance"]);
   *   const balance = Number(await node.get("balance"));
   *   const tx = node.multi();
   *   tx.set("balance", String(balance - 3));
   *   return await tx.exec();
   * });
   * assert.deepEqual(result, ["OK"]);
   * ```
   */
  async withSlot<R>(key: RedisArgument, fn: (node: RedisClient) => Promise<R> | R): Promise<R> {
    const master = this.#core.nodeFor(slotOfKey(key, this.#core.prefix), false);
    if (master === undefined) {
      throw new ConnectionClosedError(`No master serves the slot of "${String(key)}"`);
    }
    const node = await this.#core.pool.open(targetOf(master));
    try {
      return await fn(node);
    } finally {
      await node.close();
    }
  }

  /**
   * Iterates over the keys of every shard with `SCAN` (each master with its own cursor). A
   * shard whose master changes meanwhile starts over, so a key may be yielded twice.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param options `match`, `count`, `type` and the command options.
   * @returns An async iterator of keys.
   *
   * @example
   * ```ts ignore
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * await cluster.mset({ a: "1" });
   * await cluster.set("b", "2");
   * const keys = [];
   * for await (const key of cluster.scanIterator()) keys.push(key);
   * assert.deepEqual(keys.sort(), ["a", "b"]);
   * ```
   */
  override scanIterator<O extends KeyScanOptions = NoOptions>(
    options?: O,
  ): AsyncGenerator<BulkString<O>, void, undefined> {
    return scanShards<BulkString<O>>(this.#core, options);
  }

  /**
   * Listens to the client's events: `topology`, `redirect`, `gap`, `error`.
   *
   * @param type The event.
   * @param listener What to call.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   *
   * const cluster = new ClusterClient({ nodes: ["127.0.0.1:7000"] });
   * cluster.addEventListener("redirect", (event) => console.log(event.redirect));
   * ```
   */
  addEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void {
    this.#core.events.addEventListener(type, listener as EventListener);
  }

  /**
   * Stops listening.
   *
   * @param type The event.
   * @param listener The listener added before.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   *
   * const cluster = new ClusterClient({ nodes: ["127.0.0.1:7000"] });
   * const listener = () => {};
   * cluster.addEventListener("error", listener);
   * cluster.removeEventListener("error", listener);
   * ```
   */
  removeEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void {
    this.#core.events.removeEventListener(type, listener as EventListener);
  }

  // --- pub/sub (cluster-ops) ---
  /** Registers something to close with the client (its pub/sub connections). */
  #onClose(hook: () => Promise<void>): void {
    this.#closeHooks.push(hook);
  }

  #pubsub: ClusterPubSub | undefined;

  #subscribe(
    kind: PubSubKind,
    names: string | readonly string[],
    options: ClusterSubscribeOptions | PubSubHandler | undefined,
  ): Promise<ClusterSubscription> {
    if (this.#pubsub === undefined) {
      const pubsub = new ClusterPubSub(this.#host);
      this.#pubsub = pubsub;
      this.#onClose(() => pubsub.close());
    }
    return this.#pubsub.subscribe(
      kind,
      names,
      typeof options === "function" ? { onMessage: options } : options,
    );
  }

  /**
   * Subscribes to channels (`SUBSCRIBE`) on one connection to one node, which moves to another
   * node when its node is lost (the cluster broadcasts `PUBLISH` to every node). Resolves once
   * every channel is confirmed; a `gap` event reports each window a channel was not listening.
   *
   * @param channels One channel or several.
   * @param options A handler, or `{ onMessage, maxQueued, overflow }`; without a handler,
   * iterate the subscription.
   * @returns The subscription.
   * @throws {TypeError} When a channel is not a non-empty string, or the client is closed.
   *
   * @example
   * ```ts
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * const news = await cluster.subscribe("news");
   * await cluster.publish("news", "hello");
   * for await (const { message } of news) {
   *   assert.equal(message, "hello");
   *   break; // unsubscribes
   * }
   * ```
   */
  subscribe(
    channels: string | readonly string[],
    options?: ClusterSubscribeOptions | PubSubHandler,
  ): Promise<ClusterSubscription> {
    return this.#subscribe("channel", channels, options);
  }

  /**
   * Subscribes to glob-style patterns (`PSUBSCRIBE`): as {@linkcode ClusterClient.subscribe}.
   *
   * @param patterns One pattern or several.
   * @param options A handler, or `{ onMessage, maxQueued, overflow }`.
   * @returns The subscription.
   * @throws {TypeError} As `subscribe`.
   *
   * @example
   * ```ts ignore
   * const all = await cluster.psubscribe("news.*", ({ channel, message }) => {
   *   console.log(channel, message);
   * });
   * ```
   */
  psubscribe(
    patterns: string | readonly string[],
    options?: ClusterSubscribeOptions | PubSubHandler,
  ): Promise<ClusterSubscription> {
    return this.#subscribe("pattern", patterns, options);
  }

  /**
   * Subscribes to shard channels (`SSUBSCRIBE`, for `SPUBLISH`), each at the master serving its
   * slot, on one connection per such master. When a slot moves (a reshard, a failover) or its
   * node's connection is lost, its channels are subscribed again at the new owner and a `gap`
   * event (`{ kind: "sharded", channel, since, until }`) says when they were not listening.
   *
   * @param channels One shard channel or several (any slots).
   * @param options A handler, or `{ onMessage, maxQueued, overflow }`.
   * @returns The subscription.
   * @throws {TypeError} As `subscribe`.
   *
   * @example
   * ```ts
   * import { connectCluster } from "@dray/dray/redis";
   * import { startCluster } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using servers = await startCluster();
   * await using cluster = await connectCluster({ nodes: servers.seeds });
   * cluster.addEventListener("gap", (event) => console.log("may have missed", event.gap));
   * const seen: string[] = [];
   * const orders = await cluster.ssubscribe(["orders:{eu}", "orders:{us}"], ({ message }) => {
   *   seen.push(message);
   * });
   * await cluster.sendCommand(["SPUBLISH", "orders:{eu}", "one"], { key: "orders:{eu}" });
   * await cluster.sendCommand(["SPUBLISH", "orders:{us}", "two"], { key: "orders:{us}" });
   * while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
   * assert.deepEqual(seen.sort(), ["one", "two"]);
   * await orders.unsubscribe();
   * ```
   */
  ssubscribe(
    channels: string | readonly string[],
    options?: ClusterSubscribeOptions | PubSubHandler,
  ): Promise<ClusterSubscription> {
    return this.#subscribe("shard", channels, options);
  }
  // --- end of pub/sub ---

  /**
   * Closes every node connection after the pending replies came; idempotent.
   *
   * @returns When every connection is closed.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   *
   * await new ClusterClient({ nodes: ["127.0.0.1:7000"] }).close();
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#closeHooks.map((hook) => hook().catch(() => {})));
      await this.#core.close();
    })();
    return this.#closing;
  }

  /**
   * Ends every node connection now: pending commands reject.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   *
   * new ClusterClient({ nodes: ["127.0.0.1:7000"] }).destroy();
   * ```
   */
  destroy(): void {
    this.#core.destroy();
  }

  /**
   * Closes the client (`await using`).
   *
   * @returns When closed.
   *
   * @example
   * ```ts
   * import { ClusterClient } from "@dray/dray/redis";
   *
   * await using _cluster = new ClusterClient({ nodes: ["127.0.0.1:7000"] });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Connects to a Redis Cluster: reads its topology from the seeds, then routes every command.
 *
 * @param options The seeds (`nodes`), every node's connection options (`node`), `readFrom`,
 * `mapAddress`, `crossSlot`…
 * @returns A connected {@linkcode ClusterClient}.
 * @throws {TopologyRefreshError} No seed answered with a topology.
 *
 * @example
 * ```ts ignore
 * import { connectCluster } from "@dray/dray/redis";
 * import { startCluster } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using servers = await startCluster();
 * await using cluster = await connectCluster({ nodes: servers.seeds.slice(0, 1) });
 * assert.equal(await cluster.dbsize(), 0);
 * ```
 */
export async function connectCluster(options: ClusterClientOptions): Promise<ClusterClient> {
  return await connectOrClose(new ClusterClient(options));
}
