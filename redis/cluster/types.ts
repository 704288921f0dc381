import type { RedisClient } from "../client/client.ts";
import type { RedisClientOptions } from "../client/options.ts";
import type { RefreshSchedulerOptions } from "./refresh.ts";
import type { Redirect } from "./redirect.ts";
import type { ClusterNode, SlotMap } from "./topology.ts";

/**
 * A node's address: a host name or IP literal, and a TCP port.
 *
 * @example
 * ```ts
 * import type { ClusterAddress } from "@dray/dray/redis";
 *
 * const seed: ClusterAddress = { host: "127.0.0.1", port: 7000 };
 * ```
 */
export interface ClusterAddress {
  /** A host name or an IP literal (IPv6 without brackets). */
  host: string;
  /** The TCP port. */
  port: number;
}

/**
 * Where to really connect for an address a node announces (NAT, containers, port forwarding):
 * a record from `"host:port"` to `"host:port"` (an announced address it does not name is used as
 * it is), or a function. It applies to every announced address: seeds' topology replies,
 * `MOVED` and `ASK` targets.
 *
 * @example
 * ```ts
 * import type { AddressMap } from "@dray/dray/redis";
 *
 * const byRecord: AddressMap = { "10.0.0.5:6379": "127.0.0.1:17000" };
 * const byFunction: AddressMap = ({ host, port }) => ({ host: "127.0.0.1", port: port + 10000 });
 * ```
 */
export type AddressMap =
  | Readonly<Record<string, string>>
  | ((announced: ClusterAddress) => ClusterAddress);

/**
 * What a `readFrom` function chooses among: the slot, its master and its replicas that can serve
 * reads now (health `online`, not answering `LOADING`, not lagging past `maxReplicaLagBytes`),
 * and the latency the client measured for each node so far.
 *
 * @example
 * ```ts
 * import type { ReadFromCandidates } from "@dray/dray/redis";
 *
 * const pick = (c: ReadFromCandidates) => c.replicas[0] ?? c.master;
 * ```
 */
export interface ReadFromCandidates {
  /** The slot the read is for. */
  readonly slot: number;
  /** The slot's master, when the topology has one. */
  readonly master: ClusterNode | undefined;
  /** The replicas fit to serve reads now. */
  readonly replicas: readonly ClusterNode[];
  /** The moving average of a node's reply latency in ms, `undefined` before its first reply. */
  latencyMs(node: ClusterNode): number | undefined;
}

/**
 * Which node serves read-only commands (`GET`, `MGET`, `SCAN`…); writes always go to masters.
 *
 * - `primary` (default): the master.
 * - `primaryPreferred`: the master; a replica when the master is unreachable.
 * - `replica`: a replica (round robin); the master only when the shard has none fit.
 * - `replicaPreferred`: the same as `replica` (kept for the familiar name).
 * - `nearest`: master or replica by measured reply latency (two random choices, the one with the
 *   lower latency × in-flight).
 * - a function: returns the node; `undefined` means the master.
 *
 * Replica connections send `READONLY` before their first command.
 *
 * @example
 * ```ts
 * import type { ReadFrom } from "@dray/dray/redis";
 *
 * const nearest: ReadFrom = "nearest";
 * const custom: ReadFrom = ({ replicas, master }) => replicas.at(-1) ?? master;
 * ```
 */
export type ReadFrom =
  | "primary"
  | "primaryPreferred"
  | "replica"
  | "replicaPreferred"
  | "nearest"
  | ((candidates: ReadFromCandidates) => ClusterNode | undefined);

/**
 * Options for {@linkcode connectCluster}.
 *
 * @example
 * ```ts
 * import type { ClusterClientOptions } from "@dray/dray/redis";
 *
 * const options: ClusterClientOptions = {
 *   nodes: ["127.0.0.1:7000", { host: "127.0.0.1", port: 7001 }],
 *   node: { password: "secret", connectTimeoutMs: 2000 },
 *   readFrom: "replica",
 * };
 * ```
 */
export interface ClusterClientOptions {
  /** Seed nodes: `"host:port"` strings, `redis://` URLs or addresses. At least one. */
  nodes: readonly (string | ClusterAddress)[];
  /**
   * The options of every node connection (credentials, TLS, protocol, timeouts…). `hostname`,
   * `port`, `path` and `url` are set per node; `reconnect` is the cluster's business (a node
   * connection that is lost is replaced through the topology, never reopened blindly).
   */
  node?: Omit<RedisClientOptions, "hostname" | "port" | "path" | "url" | "reconnect">;
  /** Which node serves reads (default `"primary"`). */
  readFrom?: ReadFrom;
  /** Replicas lagging their master by more than this many bytes at the last refresh take no reads. */
  maxReplicaLagBytes?: number;
  /** Announced address → address to connect to. */
  mapAddress?: AddressMap;
  /**
   * The TLS server name (SNI and certificate check) of every node; default: the node's announced
   * hostname, else the host connected to.
   */
  tlsServername?: string;
  /** How many `MOVED`/`ASK` one command may follow (default 16). */
  maxRedirects?: number;
  /**
   * How long a command may keep being retried (`TRYAGAIN`, `CLUSTERDOWN`, a node that is down)
   * when it has no `timeoutMs` of its own, in ms (default 5000).
   */
  retryDeadlineMs?: number;
  /**
   * A master connection that owes replies (none of them blocking) and reads nothing for this
   * long, in ms, is suspect (a hung or stopped process keeps its connection open): the topology
   * is then read from the other nodes until the map moves on, and once the cluster has replaced
   * that master its waiting commands go to the new one (default 1000; 0 turns this off).
   */
  suspectAfterMs?: number;
  /**
   * Cross-slot multi-key commands: `"split"` (default) splits `MGET`, `DEL`, `UNLINK`, `EXISTS`
   * and `TOUCH` by slot and reassembles; `"split-all"` splits `MSET` too (not atomic then);
   * `"error"` raises `CrossSlotError` instead.
   */
  crossSlot?: "split" | "split-all" | "error";
  /** The topology refresh: minimum gap, periodic interval, jitter (see `RefreshScheduler`). */
  refresh?: RefreshSchedulerOptions;
}

/**
 * The events of a cluster client:
 *
 * - `topology`: a refresh installed a new slot map (`topology`, `previous`, `changedSlots`);
 * - `redirect`: a command followed `MOVED` or `ASK` (`redirect`);
 * - `gap`: a subscription was not listening for a while (`gap`), messages may be lost;
 * - `error`: something failed in the background (a refresh, a node connection): `error`, `node`.
 *
 * @example
 * ```ts
 * import type { ClusterEventType } from "@dray/dray/redis";
 *
 * const types: ClusterEventType[] = ["topology", "redirect", "gap", "error"];
 * ```
 */
export type ClusterEventType = "topology" | "redirect" | "gap" | "error";

/**
 * A window in which a subscription was not listening: messages published to `channel` between
 * `since` and `until` (ms, `performance.now()` clock) may have been missed.
 *
 * @example
 * ```ts
 * import type { SubscriptionGap } from "@dray/dray/redis";
 *
 * const gap: SubscriptionGap = { kind: "sharded", channel: "orders", since: 10, until: 42 };
 * ```
 */
export interface SubscriptionGap {
  /** `channel` (SUBSCRIBE), `pattern` (PSUBSCRIBE) or `sharded` (SSUBSCRIBE). */
  readonly kind: "channel" | "pattern" | "sharded";
  /** The channel or pattern. */
  readonly channel: string | Uint8Array;
  /** When the subscription stopped listening. */
  readonly since: number;
  /** When it listened again. */
  readonly until: number;
}

/**
 * What a {@linkcode ClusterEvent} carries besides its type.
 *
 * @example
 * ```ts
 * import type { ClusterEventInit } from "@dray/dray/redis";
 *
 * const init: ClusterEventInit = { node: "127.0.0.1:7000", error: new Error("refused") };
 * ```
 */
export interface ClusterEventInit {
  /** For `topology`: the slot map now in use. */
  topology?: SlotMap;
  /** For `topology`: the one before (`undefined` for the first). */
  previous?: SlotMap | undefined;
  /** For `topology`: the slots whose master changed. */
  changedSlots?: readonly number[];
  /** For `redirect`: the hop followed. */
  redirect?: Redirect;
  /** For `gap`: the window. */
  gap?: SubscriptionGap;
  /** For `error`. */
  error?: Error;
  /** The node concerned, `"host:port"` as announced. */
  node?: string;
}

/**
 * One event of a cluster client (see {@linkcode ClusterEventType}).
 *
 * @example
 * ```ts
 * import { ClusterEvent } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const event = new ClusterEvent("error", { node: "127.0.0.1:7000", error: new Error("x") });
 * assert.equal(event.node, "127.0.0.1:7000");
 * ```
 */
export class ClusterEvent extends Event {
  /** For `topology`: the slot map now in use. */
  readonly topology: SlotMap | undefined;
  /** For `topology`: the one before. */
  readonly previous: SlotMap | undefined;
  /** For `topology`: the slots whose master changed. */
  readonly changedSlots: readonly number[];
  /** For `redirect`: the hop followed. */
  readonly redirect: Redirect | undefined;
  /** For `gap`: the window. */
  readonly gap: SubscriptionGap | undefined;
  /** For `error`. */
  readonly error: Error | undefined;
  /** The node concerned, `"host:port"` as announced. */
  readonly node: string | undefined;

  /**
   * Makes an event.
   *
   * @param type Which event.
   * @param init What it carries.
   *
   * @example
   * ```ts
   * import { ClusterEvent } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ClusterEvent("topology").changedSlots.length, 0);
   * ```
   */
  constructor(type: ClusterEventType, init: ClusterEventInit = {}) {
    super(type);
    this.topology = init.topology;
    this.previous = init.previous;
    this.changedSlots = init.changedSlots ?? [];
    this.redirect = init.redirect;
    this.gap = init.gap;
    this.error = init.error;
    this.node = init.node;
  }

  /** The event's type. */
  override get type(): ClusterEventType {
    return super.type as ClusterEventType;
  }
}

/**
 * What a cluster client offers the modules built on it (sharded and classic pub/sub): the
 * topology, dedicated connections, refreshes and events. `ClusterClient` makes one for them.
 *
 * @example
 * ```ts
 * import type { ClusterHost } from "@dray/dray/redis";
 *
 * function ownerOf(host: ClusterHost, slot: number): string | undefined {
 *   return host.topology().masterOf(slot)?.address;
 * }
 * ```
 */
export interface ClusterHost {
  /** The slot map in use now (immutable; a refresh installs a new one). */
  topology(): SlotMap;
  /**
   * Opens a new connection of its own to a node (the cluster's node options, the address map,
   * TLS servername), ready (handshake done); the caller owns it and closes it. `options` are
   * laid over the node options (e.g. `onPush`).
   */
  openConnection(
    node: ClusterNode | ClusterAddress,
    options?: RedisClientOptions,
  ): Promise<RedisClient>;
  /** Asks for a topology refresh now and resolves when the next one has finished (ok or not). */
  refresh(): Promise<void>;
  /** Reports that a node's connection dropped or was refused: marks it suspect, refreshes. */
  nodeDown(address: string): void;
  /** Dispatches an event to the cluster client's listeners (e.g. `gap`). */
  emit(event: ClusterEvent): void;
  /** Listens to the cluster client's events (`topology` after every refresh that changed it). */
  addEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void;
  /** Stops listening. */
  removeEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void;
  /** Aborts when the cluster client closes. */
  readonly signal: AbortSignal;
}
