// The node connections of a cluster client: one RedisClient per node address, opened on first
// use (through the address map, with TLS named after the node), replaced when it is lost, and
// the reply latency measured on it for `readFrom: "nearest"`.

import { RedisClient } from "../client/client.ts";
import { ENGINE } from "../client/_core.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { RedisClientOptions } from "../client/options.ts";
import type { TransportTlsOptions } from "../transport/types.ts";
import { formatAddress } from "./_parse_topology.ts";
import { NodeUnreachableError } from "./errors.ts";
import type { SlotMap } from "./topology.ts";
import type { StallLook } from "./_node_health.ts";
import type { AddressMap, ClusterAddress, ClusterClientOptions } from "./types.ts";

/** What the pool needs to know of a node to connect to it. */
export interface NodeTarget extends ClusterAddress {
  readonly hostname?: string | undefined;
  readonly role?: "master" | "replica";
  /** A seed given by the user: connected to as it is, without the address map. */
  readonly seed?: boolean;
}

interface NodeEntry {
  readonly address: string;
  readonly replica: boolean;
  promise: Promise<RedisClient>;
  client: RedisClient | undefined;
  /** The client while its connection opens (its handshake may hang on a stopped node). */
  opening: RedisClient | undefined;
  latency: number | undefined;
  inflight: number;
}

/** Options of a {@linkcode NodePool}. */
export interface NodePoolOptions {
  node: ClusterClientOptions["node"];
  mapAddress: AddressMap | undefined;
  tlsServername: string | undefined;
  /** A node connection was lost or refused (never called after `close`). */
  onDown(address: string, error: Error): void;
}

const EWMA = 0.2;

function splitAddress(text: string): ClusterAddress | undefined {
  const colon = text.lastIndexOf(":");
  if (colon === -1) return undefined;
  const port = Number(text.slice(colon + 1));
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return Number.isInteger(port) ? { host, port } : undefined;
}

/** Applies an address map to an announced address. */
export function mapAddress(map: AddressMap | undefined, announced: ClusterAddress): ClusterAddress {
  if (map === undefined) return announced;
  if (typeof map === "function") return map({ host: announced.host, port: announced.port });
  const to = map[formatAddress(announced.host, announced.port)];
  if (to === undefined) return announced;
  const parsed = splitAddress(to);
  if (parsed === undefined) throw new TypeError(`Invalid mapped address "${to}"`);
  return parsed;
}

/** The node connections of one cluster client. */
export class NodePool {
  #options: NodePoolOptions;
  #entries = new Map<string, NodeEntry>();
  #dedicated = new Set<RedisClient>();
  #closed = false;

  constructor(options: NodePoolOptions) {
    this.#options = options;
  }

  /** The ready client of a node, when there is one. */
  ready(address: string): RedisClient | undefined {
    return this.#entries.get(address)?.client;
  }

  /** The client of a node, opening it when there is none. */
  get(target: NodeTarget): RedisClient | Promise<RedisClient> {
    // A seed has a connection of its own (no READONLY, no map), dropped by the next `retain`.
    const address = (target.seed ? "seed " : "") + formatAddress(target.host, target.port);
    const entry = this.#entries.get(address);
    if (entry !== undefined) return entry.client ?? entry.promise;
    return this.#add(address, target).promise;
  }

  /** Whether a master connection to a node is opening (not ready yet). */
  opening(address: string): boolean {
    const entry = this.#entries.get(address);
    return entry !== undefined && !entry.replica && entry.client === undefined;
  }

  /**
   * After a change of the slot map, leaves the nodes that no longer master a slot: a master
   * connection still opening to one is given up (it may hang on a stopped process), and so is
   * a ready one when the cluster takes the node for failed. Commands waiting for them fail as
   * never sent and go where the map now says; those written reject as their loss says.
   */
  leaveDemoted(map: SlotMap): void {
    const masters = new Set<string>();
    for (const shard of map.shards) {
      if (shard.master !== undefined && shard.slots.length > 0) masters.add(shard.master.address);
    }
    for (const [address, entry] of this.#entries) {
      if (entry.replica || entry.client !== undefined || masters.has(address)) continue;
      this.#entries.delete(address);
      entry.opening?.destroy();
    }
    for (const node of map.nodes) {
      if (node.health === "failed" && !masters.has(node.address)) this.drop(node.address);
    }
  }

  /** What each ready master connection owes and has read (for the stall watch). */
  looks(): Map<string, StallLook> {
    const out = new Map<string, StallLook>();
    for (const [address, entry] of this.#entries) {
      if (entry.replica || entry.client === undefined || address.startsWith("seed ")) continue;
      out.set(address, entry.client.stats);
    }
    return out;
  }

  /** The addresses that have a client (ready or opening). */
  addresses(): string[] {
    return [...this.#entries.keys()];
  }

  /** The measured reply latency of a node, in ms. */
  latency(address: string): number | undefined {
    return this.#entries.get(address)?.latency;
  }

  /** How many commands wait for a reply on a node's connection (as counted by `track`). */
  inflight(address: string): number {
    return this.#entries.get(address)?.inflight ?? 0;
  }

  /** Counts a command on a node until `promise` settles and feeds its latency to the average. */
  track<T>(address: string, promise: Promise<T>): Promise<T> {
    const entry = this.#entries.get(address);
    if (entry === undefined) return promise;
    const start = performance.now();
    entry.inflight++;
    const done = () => {
      entry.inflight--;
      const ms = performance.now() - start;
      entry.latency = entry.latency === undefined
        ? ms
        : entry.latency + EWMA * (ms - entry.latency);
    };
    promise.then(done, done);
    return promise;
  }

  /** Opens a connection of the caller's own to a node (ready, `READONLY` sent to a replica). */
  async open(target: NodeTarget, extra: RedisClientOptions = {}): Promise<RedisClient> {
    if (this.#closed) throw new ConnectionClosedError("The cluster client is closed");
    const client = await this.#connect(target, extra);
    if (this.#closed) {
      await client.close();
      throw new ConnectionClosedError("The cluster client is closed");
    }
    this.#dedicated.add(client);
    client.finished.then(() => this.#dedicated.delete(client));
    return client;
  }

  /** Closes the connections of nodes no longer in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [address, entry] of this.#entries) {
      if (keep.has(address)) continue;
      this.#entries.delete(address);
      entry.promise.then((client) => client.close(), () => {});
    }
  }

  /**
   * Drops a node's client (it is lost); the next command opens a new one. Its connection ends
   * as a loss first, so that a command written to it rejects with OutcomeUnknownError (and is
   * never sent again: a hung master may have run it, and its replica with it) while the others
   * fail as never sent and go again.
   */
  drop(address: string, client?: RedisClient): void {
    const entry = this.#entries.get(address);
    if (entry === undefined || (client !== undefined && entry.client !== client)) return;
    this.#entries.delete(address);
    entry.client?.[ENGINE].loseConnection(
      new ConnectionClosedError(`The cluster client gave up its connection to ${address}`),
    );
    entry.client?.destroy();
  }

  /** Closes every connection, letting pending commands finish. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    const clients = await Promise.all(
      entries.map((entry) => entry.promise.then((client) => client, () => undefined)),
    );
    await Promise.all([
      ...clients.map((client) => client?.close()),
      ...[...this.#dedicated].map((client) => client.close()),
    ]);
  }

  /** Destroys every connection now. */
  destroy(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) {
      entry.client?.destroy();
      entry.promise.then((client) => client.destroy(), () => {});
    }
    this.#entries.clear();
    for (const client of this.#dedicated) client.destroy();
  }

  #add(address: string, target: NodeTarget): NodeEntry {
    const entry: NodeEntry = {
      address,
      replica: target.role === "replica",
      promise: undefined as unknown as Promise<RedisClient>,
      client: undefined,
      opening: undefined,
      latency: undefined,
      inflight: 0,
    };
    this.#entries.set(address, entry);
    entry.promise = this.#connect(target, {}, entry).then((client) => {
      entry.opening = undefined;
      if (this.#entries.get(address) !== entry) {
        client.close();
        throw new NodeUnreachableError(address, address, new Error("The node was dropped"));
      }
      entry.client = client;
      client.finished.then((error) => {
        if (this.#entries.get(address) === entry) this.#entries.delete(address);
        if (!this.#closed && error !== undefined) this.#options.onDown(address, error);
      });
      return client;
    }, (error) => {
      entry.opening = undefined;
      const abandoned = this.#entries.get(address) !== entry;
      if (!abandoned) this.#entries.delete(address);
      if (!this.#closed && !abandoned) this.#options.onDown(address, error);
      throw error;
    });
    entry.promise.catch(() => {});
    return entry;
  }

  async #connect(
    target: NodeTarget,
    extra: RedisClientOptions,
    entry?: NodeEntry,
  ): Promise<RedisClient> {
    const announced = formatAddress(target.host, target.port);
    const mapped = target.seed ? target : mapAddress(this.#options.mapAddress, target);
    const base = this.#options.node ?? {};
    const options: RedisClientOptions = {
      ...base,
      ...extra,
      hostname: mapped.host,
      port: mapped.port,
      reconnect: false,
      retryReadOnly: 0,
    };
    const tls = base.tls;
    if (tls !== undefined && tls !== false) {
      // The announced name: the node's hostname, else the announced host unless it is an IP.
      const named = /^[\d.]+$/.test(target.host) || target.host.includes(":")
        ? undefined
        : target.host;
      const servername = this.#options.tlsServername ?? target.hostname ?? named;
      const own: TransportTlsOptions = tls === true ? {} : { ...tls };
      if (servername !== undefined && own.servername === undefined) own.servername = servername;
      options.tls = own;
    }
    const client = new RedisClient(options);
    if (entry !== undefined) entry.opening = client;
    try {
      await client.connect();
      if (target.role === "replica") await client.sendCommand(["READONLY"]);
    } catch (error) {
      client.destroy();
      await client.finished;
      throw new NodeUnreachableError(announced, formatAddress(mapped.host, mapped.port), error);
    }
    return client;
  }
}
