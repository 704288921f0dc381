// The engine of a cluster client: the slot map and its refreshes, the node connections, and the
// loop that sends one command to its node and follows the cluster's answers (MOVED, ASK,
// TRYAGAIN, CLUSTERDOWN, READONLY, LOADING, a lost connection) until its deadline.

import type { RedisClient } from "../client/client.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { ConnectionClosedError, OutcomeUnknownError, ReplyError } from "../errors.ts";
import { ConnectError } from "../transport/errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { NodePool, type NodeTarget } from "./_nodes.ts";
import { formatAddress, parseSeed, splitHostPort } from "./_parse_topology.ts";
import { reduceReplies } from "./_reduce.ts";
import { type BatchItem, sendBatch, splitItems } from "./_node_batch.ts";
import { classify } from "../commands/classify.ts";
import { type CrossSlotMode, type Route, routeCommand } from "./_route.ts";
import { chooseReader, type ReaderState } from "./_read_from.ts";
import {
  ClusterDownError,
  ClusterOutcomeUnknownError,
  type NodeFailure,
  NodeUnreachableError,
  TopologyRefreshError,
} from "./errors.ts";
import { type Redirect, RedirectTracker } from "./redirect.ts";
import type { RefreshReason } from "./refresh.ts";
import { RefreshDriver } from "./refresh_driver.ts";
import { RetryPark } from "./_retry_park.ts";
import { NodeHealth, topologySources } from "./_node_health.ts";
import {
  type ClusterNode,
  parseClusterShards,
  parseClusterSlots,
  type SlotMap,
} from "./topology.ts";
import {
  type ClusterAddress,
  type ClusterClientOptions,
  ClusterEvent,
  type ClusterEventType,
} from "./types.ts";

/** Per-command options of a cluster client. */
export interface ClusterCommandOptions extends CommandOptions {
  /** Route a keyless command (`WAIT`, `PING`…) to the master of this key's slot. */
  key?: RedisArgument;
}

const DEFAULT_DEADLINE_MS = 5000;
const READ = { timeoutMs: 2000 }; // a topology read: a hung node must not hold the one refresh

function commandName(argv: readonly RedisArgument[]): string {
  return String(argv[0]).toUpperCase();
}

/** The engine of one cluster client. */
export class ClusterCore {
  readonly pool: NodePool;
  readonly events: EventTarget = new EventTarget();
  readonly abort: AbortController = new AbortController();
  readonly crossSlot: CrossSlotMode;
  /** The node connections' `keyPrefix`, if any: keys are hashed with it, as the server sees them. */
  readonly prefix: string;
  #options: ClusterClientOptions;
  #seeds: ClusterAddress[];
  #map: SlotMap | undefined;
  #driver: RefreshDriver | undefined;
  #reader: ReaderState;
  #down = new Map<string, number>();
  #health: NodeHealth;
  #rr = 0;
  #deadlineMs: number;
  #maxRedirects: number;
  #tls: boolean;
  #refreshes = 0;
  // How many slot maps with a change were installed; how many commands wait for a shard.
  #changes = 0;
  #shardWaiters = 0;
  #waiters: { after: number; resolve: () => void }[] = [];
  // Commands waiting to retry: they go at once, in issue order, when the slot map changes.
  #park = new RetryPark();
  protocol: 2 | 3 = 3;

  constructor(options: ClusterClientOptions) {
    if (typeof options !== "object" || options === null || !Array.isArray(options.nodes)) {
      throw new TypeError("connectCluster needs options with a nodes array");
    }
    if (options.nodes.length === 0) throw new TypeError("connectCluster needs at least one seed");
    this.#options = options;
    this.#seeds = options.nodes.map(parseSeed);
    this.crossSlot = options.crossSlot ?? "split";
    const prefix = (options.node as { keyPrefix?: unknown } | undefined)?.keyPrefix;
    this.prefix = typeof prefix === "string" ? prefix : "";
    if (!["split", "split-all", "error"].includes(this.crossSlot)) {
      throw new TypeError(`Invalid crossSlot "${String(this.crossSlot)}"`);
    }
    this.#deadlineMs = options.retryDeadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#maxRedirects = options.maxRedirects ?? 16;
    this.#tls = options.node?.tls !== undefined && options.node.tls !== false;
    this.#reader = {
      readFrom: options.readFrom ?? "primary",
      maxLagBytes: options.maxReplicaLagBytes,
      rr: 0,
      excluded: new Map(),
      latency: (address) => this.pool.latency(address),
      inflight: (address) => this.pool.inflight(address),
    };
    this.pool = new NodePool({
      node: options.node,
      mapAddress: options.mapAddress,
      tlsServername: options.tlsServername,
      onDown: (address, error) => this.nodeDown(address, error),
    });
    this.#health = new NodeHealth(
      {
        map: () => this.#map,
        looks: () => this.pool.looks(),
        opening: (address) => this.pool.opening(address),
        stalled: (address) => this.trigger("node-down", address),
      },
      this.#deadlineMs,
      options.suspectAfterMs ?? 1000,
    );
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Whether reads are spread by measured latency (`readFrom: "nearest"`): each is measured. */
  get measuresReaders(): boolean {
    return this.#reader.readFrom === "nearest";
  }

  /** How many topology refreshes ran (ok or not). */
  get refreshes(): number {
    return this.#refreshes;
  }

  topology(): SlotMap {
    if (this.#map === undefined) {
      throw new ConnectionClosedError("The cluster client is not connected");
    }
    return this.#map;
  }

  emit(type: ClusterEventType, init: ConstructorParameters<typeof ClusterEvent>[1]): void {
    this.events.dispatchEvent(new ClusterEvent(type, init));
  }

  /** Reads the first topology from the seeds and starts the refresh driver. */
  async connect(): Promise<void> {
    if (this.#map !== undefined) return;
    await this.#fetch();
    this.#driver = new RefreshDriver({
      ...this.#options.refresh,
      refresh: () => this.#fetch(),
      onError: (error) => this.emit("error", { error: error as Error }),
    });
    this.#health.start();
  }

  trigger(reason: RefreshReason, node?: string): void {
    this.#driver?.trigger(reason, node);
  }

  /** Triggers a refresh and waits until one that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.#driver === undefined || this.closed) return Promise.resolve();
    const after = this.#refreshes;
    const done = new Promise<void>((resolve) => this.#waiters.push({ after, resolve }));
    this.#driver.trigger("manual");
    return done;
  }

  /** Follows a MOVED: the slot's new owner goes in the map at once; a refresh follows. */
  moved(redirect: Redirect, from: string): void {
    if (this.#map !== undefined) {
      this.#map = this.#map.withSlotMoved(redirect.slot, redirect.host, redirect.port);
    }
    this.emit("redirect", { redirect, node: from });
    this.trigger("moved", from);
  }

  #wake(): void {
    this.#park.wake();
  }

  #settleWaiters(started: number): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.after < started || this.closed) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  nodeDown(address: string, error: Error): void {
    if (this.closed) return;
    const now = performance.now();
    this.#down.set(address, now);
    this.#health.lost(address, now);
    this.emit("error", { error, node: address });
    this.#driver?.nodeDown(address);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.abort.abort();
    this.#driver?.close();
    this.#health.close();
    this.#settleWaiters(Infinity);
    this.#wake();
    await this.pool.close();
  }

  destroy(): void {
    this.abort.abort();
    this.#driver?.close();
    this.#health.close();
    this.#settleWaiters(Infinity);
    this.pool.destroy();
  }

  async #fetch(): Promise<boolean> {
    const started = ++this.#refreshes;
    const changes = this.#changes;
    try {
      return await this.#fetchOnce();
    } finally {
      this.#settleWaiters(started);
      // Commands wait for a down shard (or a lost master's new connection hangs opening), or a
      // master is silent, and this refresh saw no new owner: look again until the map changes.
      const suspect = this.#shardWaiters > 0 ? "lost" : this.#health.suspect(performance.now());
      if (suspect !== undefined && this.#changes === changes && !this.closed) {
        this.trigger(suspect === "lost" ? "shard-down" : "node-down");
      }
    }
  }

  async #fetchOnce(): Promise<boolean> {
    const failures: NodeFailure[] = [];
    for (const target of this.#sources()) {
      if (this.closed) break;
      const address = formatAddress(target.host, target.port);
      try {
        const client = await this.pool.get(target);
        const map = await this.#read(client, target);
        if (map.assignedSlots === 0) throw new Error("The node serves no slots");
        this.#install(map);
        return true;
      } catch (error) {
        failures.push({ node: address, cause: error });
      }
    }
    throw new TopologyRefreshError(
      `Cannot read the cluster topology from ${
        failures.map((f) => f.node).join(", ") || "any node"
      }`,
      { failures },
    );
  }

  // Where to read the topology: up to 3 known nodes not down or silent (random order), seeds.
  #sources(): NodeTarget[] {
    const unwell = (address: string) => this.#down.has(address) || this.#health.silent(address);
    const ready = (address: string) => this.pool.ready(address) !== undefined;
    return [
      ...topologySources(this.#map, unwell, ready),
      ...this.#seeds.map((seed) => ({ ...seed, seed: true })),
    ];
  }

  async #read(client: RedisClient, origin: ClusterAddress): Promise<SlotMap> {
    this.protocol = client.protocol;
    const where = { host: origin.host, port: origin.port, tls: this.#tls };
    try {
      return parseClusterShards(await client.sendCommand(["CLUSTER", "SHARDS"], READ), where);
    } catch (error) {
      if (!(error instanceof ReplyError) || error.code !== "ERR") throw error;
      return parseClusterSlots(await client.sendCommand(["CLUSTER", "SLOTS"], READ), where);
    }
  }

  #install(map: SlotMap): void {
    const previous = this.#map;
    this.#map = map;
    const addresses = new Set(map.nodes.map((node) => node.address));
    for (const node of map.nodes) {
      if (node.health === "online") this.#down.delete(node.address);
    }
    this.pool.retain(addresses);
    const changed = previous === undefined
      ? Array.from({ length: 16384 }, (_, i) => i).filter((slot) => map.masterOf(slot))
      : previous.differingSlots(map);
    if (previous !== undefined && changed.length > 0) this.pool.leaveDemoted(map);
    if (previous === undefined || changed.length > 0) {
      this.#changes++;
      this.#wake();
      this.emit("topology", { topology: map, previous, changedSlots: changed });
    }
  }

  /** The node that serves `slot` (a random master for `undefined`). */
  nodeFor(slot: number | undefined, readonly: boolean): ClusterNode | undefined {
    const map = this.#map;
    if (map === undefined) return undefined;
    if (slot === undefined) {
      const masters = map.shards.flatMap((shard) =>
        shard.master !== undefined && !this.#down.has(shard.master.address) ? [shard.master] : []
      );
      if (masters.length === 0) return map.shards.find((shard) => shard.master)?.master;
      return masters[this.#rr++ % masters.length];
    }
    if (!readonly || this.#reader.readFrom === "primary") return map.masterOf(slot);
    const shard = map.shardOf(slot);
    if (shard === undefined) return undefined;
    return chooseReader(this.#reader, slot, shard, this.#down);
  }

  /** Sends one routed command and follows the cluster's answers. */
  send<T = RespValue>(
    argv: readonly RedisArgument[],
    options: ClusterCommandOptions | undefined,
  ): Promise<T> {
    if (this.closed) {
      return Promise.reject(new ConnectionClosedError("The cluster client is closed"));
    }
    let route: Route;
    try {
      route = routeCommand(argv, options?.key, this.crossSlot, this.prefix);
    } catch (error) {
      return Promise.reject(error);
    }
    const own = options?.key === undefined ? options : withoutKey(options);
    switch (route.kind) {
      case "slot":
        return this.dispatch<T>(argv, own, route.slot, route.readonly);
      case "any":
        return this.dispatch<T>(argv, own, undefined, route.readonly);
      case "split":
        return this.#split(route, own) as Promise<T>;
      case "all":
        return this.#fanOut<T>(argv, own, route.nodes, route.response);
    }
  }

  // The parts of a split command, each node's parts as one block; the reply put together in place.
  #split(
    route: Route & { kind: "split" },
    options: CommandOptions | undefined,
  ): Promise<RespValue> {
    const items: BatchItem[] = [];
    const reply = splitItems(items, route, options, classify(route.parts[0]!.argv));
    sendBatch(this, items);
    return reply.promise;
  }

  async #fanOut<T>(
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
    which: "shards" | "nodes",
    response: Parameters<typeof reduceReplies>[1],
  ): Promise<T> {
    const map = this.topology();
    const nodes = which === "shards"
      ? map.shards.flatMap((shard) => shard.master ? [shard.master] : [])
      : map.nodes.filter((node) => node.health === "online");
    const results = await Promise.allSettled(
      nodes.map(async (node) => {
        const client = await this.pool.get(targetOf(node));
        return client.sendCommand(argv, options);
      }),
    );
    return reduceReplies(results, response) as T;
  }

  /** Sends a command for `slot` (a random master when `undefined`), following redirects. */
  dispatch<T>(
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
    slot: number | undefined,
    readonly: boolean,
  ): Promise<T> {
    const node = this.nodeFor(slot, readonly);
    if (node !== undefined) {
      const client = this.pool.ready(node.address);
      if (client !== undefined) {
        let sent = client.sendCommand<T>(argv, options);
        if (this.#reader.readFrom === "nearest") sent = this.pool.track(node.address, sent);
        return sent.catch((error) =>
          this.recover<T>(error, argv, options, slot, readonly, node.address, undefined)
        );
      }
    }
    return this.#loop<T>(argv, options, slot, readonly, undefined);
  }

  /**
   * Continues a command after `error` came back from `address`: redirects, retries, or the
   * final error. `tracker` carries the command's history when it has one already.
   */
  recover<T>(
    error: unknown,
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
    slot: number | undefined,
    readonly: boolean,
    address: string,
    state: RetryState | undefined,
  ): Promise<T> {
    const own = state ?? this.#state(options);
    return this.#loop<T>(argv, options, slot, readonly, { error, address, state: own });
  }

  #state(options: CommandOptions | undefined): RetryState {
    return {
      tracker: new RedirectTracker({ maxRedirects: this.#maxRedirects }),
      deadline: performance.now() + (options?.timeoutMs ?? this.#deadlineMs),
      ask: undefined,
      attempts: 0,
      seq: this.#park.next(),
    };
  }

  async #loop<T>(
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
    slot: number | undefined,
    readonly: boolean,
    failed: { error: unknown; address: string; state: RetryState } | undefined,
  ): Promise<T> {
    const state = failed?.state ?? this.#state(options);
    let pending = failed;
    // The slot map the last attempt was routed with (-1: not known here).
    let routedWith = -1;
    for (;;) {
      if (pending !== undefined) {
        state.shardDown = false;
        const wait = this.#decide(pending.error, argv, slot, readonly, pending.address, state);
        // A new map came while the attempt was under way: what the wait was for has happened.
        if (wait > 0 && (routedWith === -1 || routedWith === this.#changes)) {
          // Waiting for a shard that is down keeps the refreshes at the short gap (see #fetch).
          const counted = state.shardDown;
          if (counted) this.#shardWaiters++;
          try {
            await this.#park.pause(wait, state.seq, this.abort.signal);
          } finally {
            if (counted) this.#shardWaiters--;
          }
        }
        pending = undefined;
      }
      if (this.closed) throw new ConnectionClosedError("The cluster client is closed");
      const ask = state.ask;
      state.ask = undefined;
      const node = ask === undefined ? this.nodeFor(slot, readonly) : undefined;
      const target: NodeTarget | undefined = ask ?? (node && targetOf(node));
      if (target === undefined) {
        pending = {
          error: new ClusterDownError(`No node serves slot ${slot}`, { attempts: state.attempts }),
          address: "",
          state,
        };
        continue;
      }
      const address = formatAddress(target.host, target.port);
      routedWith = this.#changes;
      try {
        state.attempts++;
        const client = await this.pool.get(target);
        if (ask === undefined) return await client.sendCommand<T>(argv, options);
        const batch = client.pipeline();
        batch.sendCommand(["ASKING"]).catch(() => {});
        const reply = batch.sendCommand<T>(argv, options);
        batch.exec().catch(() => {});
        return await reply;
      } catch (error) {
        pending = { error, address, state };
      }
    }
  }

  // Decides what follows an error: throws the final error, or returns how long to wait.
  #decide(
    error: unknown,
    argv: readonly RedisArgument[],
    slot: number | undefined,
    readonly: boolean,
    address: string,
    state: RetryState,
  ): number {
    const now = performance.now();
    if (this.closed) throw error;
    if (error instanceof ReplyError) {
      const [host, port] = splitHostPort(address);
      const decision = state.tracker.decide(error, { host, port }, now, state.deadline);
      switch (decision.kind) {
        case "fail":
          throw decision.error;
        case "moved":
          this.moved(decision.redirect, address);
          return decision.delayMs;
        case "ask":
          this.emit("redirect", { redirect: decision.redirect, node: address });
          state.ask = { host: decision.redirect.host, port: decision.redirect.port };
          return decision.delayMs;
        case "retry":
          if (decision.refresh) {
            // CLUSTERDOWN/MASTERDOWN: a failover may be under way; look again soon.
            const down = decision.reason !== "TRYAGAIN";
            state.shardDown = down;
            this.trigger(down ? "shard-down" : "retry", address);
          }
          return decision.delayMs;
        case "reroute":
          if (decision.reason === "LOADING") this.#reader.excluded.set(address, now + 1000);
          if (decision.refresh) this.trigger("readonly", address);
          return Math.max(decision.delayMs, decision.refresh ? 20 : 0);
      }
    }
    const written = error instanceof OutcomeUnknownError;
    if (written && !readonly) {
      throw new ClusterOutcomeUnknownError(
        `The connection to ${address} was lost after ${commandName(argv)} was sent` +
          (slot === undefined ? "" : ` (slot ${slot})`) + ": it may or may not have been applied",
        { command: commandName(argv), node: address, slot, cause: error },
      );
    }
    const lost = error instanceof ConnectionClosedError || error instanceof ConnectError ||
      error instanceof NodeUnreachableError || error instanceof ClusterDownError;
    if (!lost) throw error;
    if (now >= state.deadline) throw error;
    // The command waits for its slot's master: refreshed at the short gap until the map
    // changes (a failover's new master), which sends it again at once.
    state.shardDown = slot !== undefined;
    if (address !== "" && !(error instanceof ClusterDownError)) {
      this.#reader.excluded.set(address, now + 1000);
      this.trigger(slot === undefined ? "node-down" : "shard-down", address);
    } else {
      this.trigger(slot === undefined ? "uncovered" : "shard-down");
    }
    state.retries = (state.retries ?? 0) + 1;
    return Math.min(100, 10 * 2 ** Math.min(state.retries - 1, 5));
  }
}

/** A command's history across its attempts. */
export interface RetryState {
  tracker: RedirectTracker;
  deadline: number;
  ask: ClusterAddress | undefined;
  attempts: number;
  /** Its place in the issue order, for going again in order after a new slot map. */
  seq: number;
  retries?: number;
  /** Its last wait is for a shard that is down (an unreachable master, `CLUSTERDOWN`). */
  shardDown?: boolean;
}

function withoutKey(options: ClusterCommandOptions): CommandOptions {
  const { key: _key, ...rest } = options;
  return rest;
}

/** What the pool needs to connect to a topology node. */
export function targetOf(node: ClusterNode): NodeTarget {
  const [host, port] = splitHostPort(node.address);
  return { host, port, hostname: node.hostname, role: node.role };
}
