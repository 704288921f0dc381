// A ClusterHost for tests of modules built on the cluster client (pub/sub), made from a real
// cluster without the cluster client: the topology from CLUSTER SHARDS on the live nodes,
// connections from connect(), events on an EventTarget.

import { connect } from "../../redis/mod.ts";
import type { RedisClient } from "../../redis/client/client.ts";
import type { RedisClientOptions } from "../../redis/client/options.ts";
import type { ClusterNode, SlotMap } from "../../redis/cluster/topology.ts";
import type {
  ClusterAddress,
  ClusterEvent,
  ClusterEventType,
  ClusterHost,
} from "../../redis/cluster/types.ts";
import { clusterMap, type RedisCluster, type RedisClusterNode } from "../../redis/testing/mod.ts";

export class TestClusterHost implements ClusterHost {
  readonly cluster: RedisCluster;
  readonly dead = new Set<number>();
  readonly events: ClusterEvent[] = [];
  readonly opened: RedisClient[] = [];
  refreshes = 0;
  downs: string[] = [];
  #map: SlotMap;
  #target = new EventTarget();
  #abort = new AbortController();

  private constructor(cluster: RedisCluster, map: SlotMap) {
    this.cluster = cluster;
    this.#map = map;
  }

  static async create(cluster: RedisCluster): Promise<TestClusterHost> {
    return new TestClusterHost(cluster, await clusterMap(cluster.nodes));
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  live(): RedisClusterNode[] {
    return this.cluster.nodes.filter((node) => !this.dead.has(node.port));
  }

  topology(): SlotMap {
    return this.#map;
  }

  async openConnection(
    node: ClusterNode | ClusterAddress,
    options: RedisClientOptions = {},
  ): Promise<RedisClient> {
    const port = node.port!;
    const client = await connect({
      ...options,
      hostname: node.host,
      port,
      reconnect: false,
      connectTimeoutMs: 1000,
    });
    this.opened.push(client);
    return client;
  }

  async refresh(): Promise<void> {
    this.refreshes++;
    try {
      this.#map = await clusterMap(this.live());
    } catch {
      // keep the old map
    }
  }

  nodeDown(address: string): void {
    this.downs.push(address);
  }

  emit(event: ClusterEvent): void {
    this.events.push(event);
    this.#target.dispatchEvent(event);
  }

  addEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void {
    this.#target.addEventListener(type, listener as EventListener);
  }

  removeEventListener(type: ClusterEventType, listener: (event: ClusterEvent) => void): void {
    this.#target.removeEventListener(type, listener as EventListener);
  }

  close(): void {
    this.#abort.abort();
  }
}
