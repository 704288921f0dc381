// Pub/sub on a cluster client. Classic channels and patterns share one connection to any node
// (the cluster broadcasts PUBLISH to every node), moved to another node when its node is lost.
// Shard channels get one connection per master that serves one of their slots, opened lazily and
// closed when its last channel goes. Every server-side subscription is one per name, so each
// name's end is seen alone: a name whose subscription ends while the name is in its connection's
// own pending-unsubscribe set was released by us; any other end (the server's unsolicited
// SUNSUBSCRIBE when the slot moved, or the connection lost) makes the name an orphan. Orphans are
// subscribed again at the current owner after a topology refresh, with backoff while no node
// takes them, and each one's `gap` event gives the window in which it was not listening.

import type { RedisClient } from "../client/client.ts";
import type { PubSubMessage, Subscription } from "../client/subscription.ts";
import type { PubSubKind } from "../context/types.ts";
import { keySlot } from "./slot.ts";
import type { ClusterNode } from "./topology.ts";
import { ClusterEvent, type ClusterHost } from "./types.ts";
import {
  type ClusterSubscribeOptions,
  ClusterSubscription,
  type ClusterSubscriptionHost,
} from "./cluster_subscription.ts";

const CLASSIC = "classic";
const BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 250;
const FIRST_ATTEMPTS = 4;

/** One connection carrying subscriptions: the classic one, or one per shard master. */
interface Link {
  readonly key: string;
  readonly address: string;
  readonly opening: Promise<RedisClient>;
  client: RedisClient | undefined;
  /** Names subscribed (or subscribing) here. */
  readonly names: Set<NameEntry>;
  /** Names we are unsubscribing here: their subscription's end is ours, not the server's. */
  readonly unsubscribing: Set<NameEntry>;
  lost: boolean;
}

/** One name (channel, pattern or shard channel) and who listens to it. */
interface NameEntry {
  readonly kind: PubSubKind;
  readonly name: string;
  readonly slot: number;
  readonly listeners: Set<ClusterSubscription>;
  link: Link | undefined;
  server: Subscription<string> | undefined;
  /** When it stopped listening, while it is an orphan. */
  since: number | undefined;
  /** The address it last listened on. */
  lastAddress: string | undefined;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function namesOf(names: string | readonly string[]): string[] {
  const list = typeof names === "string" ? [names] : [...names];
  if (list.length === 0) throw new TypeError("Cannot subscribe to no names: give at least one");
  for (const name of list) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Cannot subscribe to '${String(name)}': give a non-empty string`);
    }
  }
  return list;
}

/**
 * The pub/sub side of a cluster client, built on its {@linkcode ClusterHost}: subscriptions that
 * follow their channels around the cluster. The cluster client creates one lazily and delegates
 * its `subscribe`, `psubscribe` and `ssubscribe` to it.
 *
 * - **Classic** (`subscribe`, `psubscribe`): one connection to one node; when it is lost, every
 *   channel and pattern is subscribed again on another node.
 * - **Sharded** (`ssubscribe`): one connection per master serving a slot that has channels. When
 *   a slot moves, its node unsubscribes its channels on its own; they are subscribed again at the
 *   slot's new master (after a refresh), as they are when their node's connection is lost.
 * - Each time a name was not listening for a while, a `gap` event (`{ kind, channel, since,
 *   until }`, `performance.now()` ms) is emitted through the host: messages published in that
 *   window may be missed. Subscriptions themselves carry on.
 *
 * @example Sharded pub/sub through a cluster client
 * ```ts ignore
 * import { connectCluster } from "@dray/dray/redis";
 *
 * await using cluster = await connectCluster({ nodes: ["127.0.0.1:7000"] });
 * cluster.addEventListener("gap", (event) => console.log("missed?", event.gap));
 * const orders = await cluster.ssubscribe("orders:{eu}", ({ message }) => console.log(message));
 * await cluster.sendCommand(["SPUBLISH", "orders:{eu}", "hello"], { key: "orders:{eu}" });
 * await orders.unsubscribe();
 * ```
 */
export class ClusterPubSub implements ClusterSubscriptionHost, AsyncDisposable {
  #host: ClusterHost;
  #entries = new Map<string, NameEntry>();
  #links = new Map<string, Link>();
  #orphans = new Set<NameEntry>();
  #reconciling: Promise<void> | undefined;
  #closing = new AbortController();
  #failed = new Set<string>();

  /**
   * Makes the pub/sub of a cluster client.
   *
   * @param host The cluster client's host.
   *
   * @example
   * ```ts ignore
   * const pubsub = new ClusterPubSub(cluster.host);
   * ```
   */
  constructor(host: ClusterHost) {
    this.#host = host;
  }

  /**
   * How many names are not listening now (waiting for a node to take them).
   *
   * @example
   * ```ts ignore
   * console.log(pubsub.orphans); // 0 when everything listens
   * ```
   */
  get orphans(): number {
    return this.#orphans.size;
  }

  /**
   * Subscribes to names of one kind: resolves once the server confirmed each of them.
   *
   * @param kind `channel`, `pattern` or `shard`.
   * @param names One name or several (non-empty strings).
   * @param options A handler, or the iterator's queue bound and overflow policy.
   * @returns The subscription.
   * @throws {TypeError} When a name is not a non-empty string.
   * @throws {Error} The cause, when a name could not be subscribed after a few refreshes (the
   * subscription is then not made).
   *
   * @example
   * ```ts ignore
   * const news = await pubsub.subscribe("channel", "news", { onMessage: console.log });
   * ```
   */
  async subscribe(
    kind: PubSubKind,
    names: string | readonly string[],
    options: ClusterSubscribeOptions = {},
  ): Promise<ClusterSubscription> {
    const list = namesOf(names);
    if (this.#closing.signal.aborted) throw new TypeError("Cannot subscribe: the client is closed");
    const subscription = new ClusterSubscription(this, kind, list, options);
    const fresh: NameEntry[] = [];
    for (const name of list) {
      const key = `${kind}:${name}`;
      let entry = this.#entries.get(key);
      if (entry === undefined) {
        entry = {
          kind,
          name,
          slot: kind === "shard" ? keySlot(name) : 0,
          listeners: new Set(),
          link: undefined,
          server: undefined,
          since: undefined,
          lastAddress: undefined,
        };
        this.#entries.set(key, entry);
        fresh.push(entry);
      }
      entry.listeners.add(subscription);
    }
    try {
      await Promise.all(fresh.map((entry) => this.#firstAttach(entry)));
    } catch (error) {
      await subscription.end();
      throw error;
    }
    return subscription;
  }

  /**
   * Ends every subscription (done) and closes every pub/sub connection. Idempotent.
   *
   * @example
   * ```ts ignore
   * await pubsub.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) {
      await this.#reconciling;
      return;
    }
    this.#closing.abort();
    const subscriptions = new Set<ClusterSubscription>();
    for (const entry of this.#entries.values()) {
      for (const listener of entry.listeners) subscriptions.add(listener);
    }
    await Promise.all([...subscriptions].map((subscription) => subscription.end()));
    await this.#reconciling;
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all(links.map((link) => this.#closeLink(link)));
  }

  /**
   * Closes (for `await using`).
   *
   * @example
   * ```ts ignore
   * await using pubsub = new ClusterPubSub(cluster.host);
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A subscription ended: the names nobody else listens to are unsubscribed.
   *
   * @param subscription The subscription.
   *
   * @example
   * ```ts ignore
   * await pubsub.detach(subscription); // what subscription.unsubscribe() calls
   * ```
   */
  async detach(subscription: ClusterSubscription): Promise<void> {
    const releases: Promise<void>[] = [];
    for (const name of subscription.names) {
      const key = `${subscription.kind}:${name}`;
      const entry = this.#entries.get(key);
      if (entry === undefined || !entry.listeners.delete(subscription)) continue;
      if (entry.listeners.size > 0) continue;
      this.#entries.delete(key);
      this.#orphans.delete(entry);
      releases.push(this.#release(entry));
    }
    await Promise.all(releases);
  }

  async #release(entry: NameEntry): Promise<void> {
    const link = entry.link;
    const server = entry.server;
    if (link === undefined || server === undefined) return; // subscribing: #attach releases it
    link.unsubscribing.add(entry);
    await server.unsubscribe();
  }

  /** The first subscription of a new name: a few attempts, with a refresh after each failure. */
  async #firstAttach(entry: NameEntry): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt < FIRST_ATTEMPTS; attempt++) {
      if (entry.listeners.size === 0 || this.#closing.signal.aborted) return;
      try {
        await this.#attach(entry);
        return;
      } catch (error) {
        last = error;
        await this.#host.refresh().catch(() => {});
        await delay(BACKOFF_MS << attempt, this.#closing.signal);
      }
    }
    throw last;
  }

  /** Subscribes `entry` at its current node; resolves once confirmed, rejects on failure. */
  async #attach(entry: NameEntry): Promise<void> {
    const link = this.#linkFor(entry);
    link.names.add(entry);
    entry.link = link;
    let server: Subscription<string>;
    try {
      const client = await link.opening;
      const onMessage = (message: PubSubMessage): void => this.#deliver(entry, message);
      server = await (entry.kind === "channel"
        ? client.subscribe(entry.name, onMessage)
        : entry.kind === "pattern"
        ? client.psubscribe(entry.name, onMessage)
        : client.ssubscribe(entry.name, onMessage));
    } catch (error) {
      link.names.delete(entry);
      if (entry.link === link) entry.link = undefined;
      this.#closeIfIdle(link);
      throw error;
    }
    entry.server = server;
    entry.lastAddress = link.address;
    void server.finished.then((error) => this.#serverEnded(entry, link, server, error));
    if (entry.listeners.size === 0 || this.#closing.signal.aborted) {
      // Released (or closed) while subscribing.
      link.unsubscribing.add(entry);
      await server.unsubscribe();
    }
  }

  #deliver(entry: NameEntry, message: PubSubMessage): void {
    for (const listener of entry.listeners) listener.deliver(message);
  }

  /** A name's server-side subscription ended: ours (released) or not (an orphan now). */
  #serverEnded(
    entry: NameEntry,
    link: Link,
    server: Subscription<string>,
    error: Error | undefined,
  ): void {
    link.names.delete(entry);
    const ours = link.unsubscribing.delete(entry);
    if (entry.server === server) {
      entry.server = undefined;
      entry.link = undefined;
    }
    this.#closeIfIdle(link);
    if (ours || entry.listeners.size === 0 || this.#closing.signal.aborted) return;
    if (error === undefined && !link.lost) return; // a clean end of the client: closing
    entry.since = performance.now();
    this.#orphans.add(entry);
    this.#reconcile();
  }

  /** The link for `entry` now: the classic one, or its slot's master's; opened when needed. */
  #linkFor(entry: NameEntry): Link {
    if (this.#closing.signal.aborted) throw new TypeError("Cannot subscribe: the client is closed");
    const map = this.#host.topology();
    let node: ClusterNode | undefined;
    let key: string;
    if (entry.kind === "shard") {
      node = map.masterOf(entry.slot);
      if (node === undefined) throw new Error(`No master serves slot ${entry.slot} now`);
      if (node.health === "failed") throw new Error(`The master of slot ${entry.slot} failed`);
      key = node.address;
    } else {
      key = CLASSIC;
      const existing = this.#links.get(key);
      if (existing !== undefined && !existing.lost) return existing;
      const masters = map.shards.map((shard) => shard.master).filter((master) =>
        master !== undefined && master.health === "online" && !this.#failed.has(master.address)
      ) as ClusterNode[];
      node = masters[Math.floor(Math.random() * masters.length)] ?? map.nodes[0];
      if (node === undefined) throw new Error("No node is known to subscribe on");
    }
    const existing = this.#links.get(key);
    if (existing !== undefined && !existing.lost) return existing;
    const link: Link = {
      key,
      address: node.address,
      opening: this.#host.openConnection(node),
      client: undefined,
      names: new Set(),
      unsubscribing: new Set(),
      lost: false,
    };
    this.#links.set(key, link);
    link.opening.then((client) => {
      link.client = client;
      this.#failed.delete(link.address);
      void client.finished.then((error) => this.#linkEnded(link, error));
    }, () => this.#linkEnded(link, new Error("connect failed")));
    return link;
  }

  #linkEnded(link: Link, error: Error | undefined): void {
    link.lost = true;
    if (this.#links.get(link.key) === link) this.#links.delete(link.key);
    if (this.#closing.signal.aborted || error === undefined) return;
    this.#failed.add(link.address);
    this.#host.nodeDown(link.address);
  }

  #closeIfIdle(link: Link): void {
    if (link.names.size > 0 || link.unsubscribing.size > 0 || link.lost) return;
    if (this.#links.get(link.key) === link) this.#links.delete(link.key);
    void this.#closeLink(link);
  }

  async #closeLink(link: Link): Promise<void> {
    link.lost = true;
    const client = await link.opening.catch(() => undefined);
    if (client === undefined) return;
    await client.close().catch(() => client.destroy());
  }

  /** Subscribes every orphan again at its current node; one loop at a time. */
  #reconcile(): void {
    if (this.#reconciling !== undefined) return;
    this.#reconciling = this.#reconcileLoop().finally(() => {
      this.#reconciling = undefined;
      // An orphan that arrived as the loop was ending.
      if (this.#orphans.size > 0 && !this.#closing.signal.aborted) this.#reconcile();
    });
  }

  async #reconcileLoop(): Promise<void> {
    const signal = this.#closing.signal;
    for (let attempt = 0; this.#orphans.size > 0 && !signal.aborted; attempt++) {
      await this.#host.refresh().catch(() => {});
      if (signal.aborted) return;
      await Promise.all([...this.#orphans].map(async (entry) => {
        if (entry.listeners.size === 0) {
          this.#orphans.delete(entry);
          return;
        }
        try {
          await this.#attach(entry);
        } catch {
          return;
        }
        if (!this.#orphans.delete(entry)) return;
        const since = entry.since ?? performance.now();
        entry.since = undefined;
        this.#host.emit(
          new ClusterEvent("gap", {
            gap: {
              kind: entry.kind === "shard" ? "sharded" : entry.kind,
              channel: entry.name,
              since,
              until: performance.now(),
            },
            ...(entry.lastAddress === undefined ? {} : { node: entry.lastAddress }),
          }),
        );
      }));
      if (this.#orphans.size > 0) {
        await delay(Math.min(MAX_BACKOFF_MS, BACKOFF_MS << Math.min(attempt, 4)), signal);
      }
    }
  }
}
