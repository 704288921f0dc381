/**
 * The cluster's topology: {@linkcode parseClusterShards} (Redis 7.0+) and
 * {@linkcode parseClusterSlots} (the fallback) turn a reply into an immutable
 * {@linkcode SlotMap}, which finds a slot's shard in O(1) through a 16,384-entry table.
 *
 * @module
 */

import { InvalidTopologyError } from "./errors.ts";
import {
  formatAddress,
  type ParsedTopology,
  parseShardsReply,
  parseSlotsReply,
} from "./_parse_topology.ts";
import { SLOT_COUNT } from "./slot.ts";

/**
 * How a node stands, as `CLUSTER SHARDS` reports it: `online`, `failed` (the cluster marked it
 * failing; 7.0.15 sends `fail`) or `loading` (a replica that has not synced yet).
 *
 * @example
 * ```ts
 * import type { NodeHealth } from "./mod.ts";
 *
 * const health: NodeHealth = "loading";
 * ```
 */
export type NodeHealth = "online" | "failed" | "loading";

/**
 * One cluster node as the topology describes it.
 *
 * @example Where to connect
 * ```ts
 * import type { ClusterNode } from "./mod.ts";
 *
 * function describe(node: ClusterNode): string {
 *   return `${node.role} ${node.id.slice(0, 8)} at ${node.address} (${node.health})`;
 * }
 * ```
 */
export interface ClusterNode {
  /** The node's 40-character id (from `CLUSTER SLOTS` without ids: `host:port`). */
  readonly id: string;
  /** The host to connect to: the announced endpoint, or the answering node's host for `""`/NULL. */
  readonly host: string;
  /** `host:port` to connect to (the TLS port when the topology was read with `tls`). */
  readonly address: string;
  /** The endpoint as announced: an ip or a hostname, `""`, or `null` (NULL). */
  readonly endpoint: string | null;
  /** The node's ip, when reported. */
  readonly ip: string | undefined;
  /** The node's announced hostname, when it has one (`cluster-announce-hostname`). */
  readonly hostname: string | undefined;
  /** The plaintext port, when it has one. */
  readonly port: number | undefined;
  /** The TLS port, when it has one. */
  readonly tlsPort: number | undefined;
  /** `master` or `replica`. */
  readonly role: "master" | "replica";
  /** The replication offset (`CLUSTER SHARDS` only). */
  readonly replicationOffset: number | undefined;
  /** `online`, `failed` or `loading` (`CLUSTER SLOTS` lists only online nodes). */
  readonly health: NodeHealth;
}

/**
 * One shard: a master, its replicas and the slots they serve.
 *
 * @example
 * ```ts
 * import type { Shard } from "./mod.ts";
 *
 * function slotCount(shard: Shard): number {
 *   return shard.slots.reduce((sum, [start, end]) => sum + end - start + 1, 0);
 * }
 * ```
 */
export interface Shard {
  /** The shard's position in {@linkcode SlotMap.shards}. */
  readonly index: number;
  /** The slots it serves, as sorted, merged, inclusive `[start, end]` ranges. */
  readonly slots: readonly (readonly [number, number])[];
  /** Its master: an online one when the reply lists one; `undefined` when none is reachable. */
  readonly master: ClusterNode | undefined;
  /** Its replicas, as listed. */
  readonly replicas: readonly ClusterNode[];
}

/**
 * Where a topology reply came from: the node that answered (used for `""` and NULL endpoints,
 * which mean "the same host as the node you asked") and whether connections use TLS (which
 * picks `tlsPort` over `port`).
 *
 * @example
 * ```ts
 * import type { TopologyOrigin } from "./mod.ts";
 *
 * const origin: TopologyOrigin = { host: "10.0.0.5", port: 7000, tls: true };
 * ```
 */
export interface TopologyOrigin {
  /** The host the command was sent to. */
  host: string;
  /** The port the command was sent to. */
  port: number;
  /** Whether clients connect with TLS (default `false`). */
  tls?: boolean;
}

/**
 * A shard given to the {@linkcode SlotMap} constructor: its slot ranges and its nodes.
 *
 * @example
 * ```ts
 * import type { ShardInit } from "./mod.ts";
 *
 * const shard: ShardInit = { ranges: [[0, 16383]], nodes: [] };
 * ```
 */
export interface ShardInit {
  /** Inclusive `[start, end]` slot ranges, in any order; overlaps are an error. */
  ranges: readonly (readonly [number, number])[];
  /** Its nodes: the first online master becomes the shard's master. */
  nodes: readonly ClusterNode[];
}

const UNASSIGNED = 0xffff;

/**
 * An immutable map of the cluster: its shards, their nodes, and which shard serves each slot.
 * Finding a slot's shard is one lookup in a 16,384-entry table.
 *
 * Make one with {@linkcode parseClusterShards} or {@linkcode parseClusterSlots}; after a `MOVED`,
 * {@linkcode SlotMap.withSlotMoved} gives a patched copy.
 *
 * @example Routing by slot
 * ```ts
 * import { keySlot, parseClusterSlots } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const reply = [
 *   [0, 8191, ["127.0.0.1", 7000, "a".repeat(40)]],
 *   [8192, 16383, ["127.0.0.1", 7001, "b".repeat(40)]],
 * ];
 * const map = parseClusterSlots(reply, { host: "127.0.0.1", port: 7000 });
 * assert.equal(map.covered, true);
 * assert.equal(map.masterOf(keySlot("foo"))?.address, "127.0.0.1:7001");
 * ```
 */
export class SlotMap {
  /** The shards, in the order the reply listed them. */
  readonly shards: readonly Shard[];
  /** How many nodes were left out because their endpoint is unknown (`?`). */
  readonly unknownEndpoints: number;
  #table: Uint16Array;
  #assigned: number;
  #byAddress = new Map<string, ClusterNode>();
  #byId = new Map<string, ClusterNode>();

  /**
   * Builds a map from shard descriptions.
   *
   * @param shards Each shard's slot ranges and nodes.
   * @param unknownEndpoints How many nodes were left out for an unknown endpoint (default 0).
   * @throws {InvalidTopologyError} When two shards claim a slot, a range is out of order or out
   * of 0..16383, or a node id appears twice.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = new SlotMap([{ ranges: [[0, 99]], nodes: [] }]);
   * assert.equal(map.assignedSlots, 100);
   * assert.equal(map.masterOf(0), undefined); // no node listed
   * ```
   */
  constructor(shards: readonly ShardInit[], unknownEndpoints = 0) {
    const table = new Uint16Array(SLOT_COUNT).fill(UNASSIGNED);
    if (shards.length >= UNASSIGNED) {
      throw new InvalidTopologyError(`Too many shards: ${shards.length}`);
    }
    let assigned = 0;
    shards.forEach((shard, index) => {
      for (const [start, end] of shard.ranges) {
        if (
          !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end &&
            end < SLOT_COUNT)
        ) {
          throw new InvalidTopologyError(`Invalid slot range ${start}-${end} in shard ${index}`);
        }
        for (let slot = start; slot <= end; slot++) {
          const owner = table[slot]!;
          if (owner === index) continue; // listed twice by the same shard
          if (owner !== UNASSIGNED) {
            throw new InvalidTopologyError(
              `Slot ${slot} is claimed by shard ${owner} and shard ${index}`,
            );
          }
          table[slot] = index;
          assigned++;
        }
      }
    });
    const ranges = rangesFromTable(table, shards.length);
    this.shards = Object.freeze(shards.map((shard, index): Shard => {
      for (const node of shard.nodes) {
        if (this.#byId.has(node.id)) {
          throw new InvalidTopologyError(`Node '${node.id}' is listed twice`);
        }
        this.#byId.set(node.id, node);
        if (!this.#byAddress.has(node.address)) this.#byAddress.set(node.address, node);
      }
      const masters = shard.nodes.filter((node) => node.role === "master");
      return Object.freeze({
        index,
        slots: ranges[index]!,
        master: masters.find((node) => node.health === "online") ?? masters[0],
        replicas: Object.freeze(shard.nodes.filter((node) => node.role === "replica")),
      });
    }));
    this.#table = table;
    this.#assigned = assigned;
    this.unknownEndpoints = unknownEndpoints;
  }

  /**
   * How many of the 16,384 slots a shard serves.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new SlotMap([]).assignedSlots, 0);
   * ```
   */
  get assignedSlots(): number {
    return this.#assigned;
  }

  /**
   * Whether every slot is served by a shard.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new SlotMap([{ ranges: [[0, 16383]], nodes: [] }]).covered, true);
   * ```
   */
  get covered(): boolean {
    return this.#assigned === SLOT_COUNT;
  }

  /**
   * Every listed node, shard by shard, masters first.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new SlotMap([]).nodes, []);
   * ```
   */
  get nodes(): ClusterNode[] {
    return [...this.#byId.values()];
  }

  /**
   * The index of the shard serving a slot, or -1 when no shard serves it.
   *
   * @param slot A slot, 0..16383.
   * @returns The index into {@linkcode SlotMap.shards}, or -1.
   * @throws {RangeError} When `slot` is not an integer in 0..16383.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = new SlotMap([{ ranges: [[10, 20]], nodes: [] }]);
   * assert.equal(map.shardIndexOf(15), 0);
   * assert.equal(map.shardIndexOf(21), -1);
   * ```
   */
  shardIndexOf(slot: number): number {
    const owner = this.#table[checkSlot(slot)]!;
    return owner === UNASSIGNED ? -1 : owner;
  }

  /**
   * The shard serving a slot.
   *
   * @param slot A slot, 0..16383.
   * @returns The shard, or `undefined` when no shard serves the slot.
   * @throws {RangeError} When `slot` is not an integer in 0..16383.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = new SlotMap([{ ranges: [[0, 5], [9, 9]], nodes: [] }]);
   * assert.deepEqual(map.shardOf(9)?.slots, [[0, 5], [9, 9]]);
   * ```
   */
  shardOf(slot: number): Shard | undefined {
    const owner = this.#table[checkSlot(slot)]!;
    return owner === UNASSIGNED ? undefined : this.shards[owner];
  }

  /**
   * The master serving a slot.
   *
   * @param slot A slot, 0..16383.
   * @returns The master, or `undefined` when the slot is unassigned or its master is unknown.
   * @throws {RangeError} When `slot` is not an integer in 0..16383.
   *
   * @example
   * ```ts
   * import { parseClusterSlots } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = parseClusterSlots([[0, 16383, ["", 7000, "a".repeat(40)]]], {
   *   host: "10.1.2.3",
   *   port: 7000,
   * });
   * assert.equal(map.masterOf(42)?.address, "10.1.2.3:7000"); // "" means the host asked
   * ```
   */
  masterOf(slot: number): ClusterNode | undefined {
    return this.shardOf(slot)?.master;
  }

  /**
   * A node by its `host:port` address (as in {@linkcode ClusterNode.address}).
   *
   * @param address `host:port`, with brackets around an IPv6 host.
   * @returns The node, or `undefined`.
   *
   * @example
   * ```ts
   * import { parseClusterSlots } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = parseClusterSlots([[0, 16383, ["::1", 7000, "a".repeat(40)]]], {
   *   host: "::1",
   *   port: 7000,
   * });
   * assert.equal(map.nodeByAddress("[::1]:7000")?.id, "a".repeat(40));
   * ```
   */
  nodeByAddress(address: string): ClusterNode | undefined {
    return this.#byAddress.get(address);
  }

  /**
   * A node by its id.
   *
   * @param id The node's 40-character id.
   * @returns The node, or `undefined`.
   *
   * @example
   * ```ts
   * import { SlotMap } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new SlotMap([]).nodeById("a".repeat(40)), undefined);
   * ```
   */
  nodeById(id: string): ClusterNode | undefined {
    return this.#byId.get(id);
  }

  /**
   * The slots whose master differs between this map and another: assigned in one and not the
   * other, or served by masters at different addresses. Two nodes' views agree when this is
   * empty; a refresh that finds disagreement can ask a third node.
   *
   * @param other The map to compare with.
   * @returns The differing slots, ascending.
   *
   * @example
   * ```ts
   * import { parseClusterSlots } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const origin = { host: "127.0.0.1", port: 7000 };
   * const a = parseClusterSlots([[0, 16383, ["127.0.0.1", 7000, "a".repeat(40)]]], origin);
   * const b = a.withSlotMoved(5, "127.0.0.1", 7001);
   * assert.deepEqual(a.differingSlots(b), [5]);
   * assert.deepEqual(a.differingSlots(a), []);
   * ```
   */
  differingSlots(other: SlotMap): number[] {
    const differing: number[] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.masterOf(slot)?.address !== other.masterOf(slot)?.address) differing.push(slot);
    }
    return differing;
  }

  /**
   * A copy in which `slot` belongs to the shard whose master is at `host:port`, as a `MOVED`
   * reply says. When no known master is there, the copy gets a new shard for it, with a master
   * known only by its address (its id is the address) until the next refresh.
   *
   * @param slot The slot the `MOVED` named.
   * @param host The host it named (already resolved: an empty host means the node that answered).
   * @param port The port it named.
   * @returns The patched copy; this map is unchanged.
   * @throws {RangeError} When `slot` is not an integer in 0..16383.
   *
   * @example Following a MOVED
   * ```ts
   * import { parseClusterSlots } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const map = parseClusterSlots([
   *   [0, 8191, ["127.0.0.1", 7000, "a".repeat(40)]],
   *   [8192, 16383, ["127.0.0.1", 7001, "b".repeat(40)]],
   * ], { host: "127.0.0.1", port: 7000 });
   * const moved = map.withSlotMoved(100, "127.0.0.1", 7001);
   * assert.equal(moved.masterOf(100)?.port, 7001);
   * assert.equal(map.masterOf(100)?.port, 7000);
   * assert.deepEqual(moved.shards[0]?.slots, [[0, 99], [101, 8191]]);
   * ```
   */
  withSlotMoved(slot: number, host: string, port: number): SlotMap {
    checkSlot(slot);
    const address = formatAddress(host, port);
    const inits: ShardInit[] = this.shards.map((shard) => ({
      ranges: shard.slots.flatMap(([start, end]): (readonly [number, number])[] =>
        start <= slot && slot <= end
          ? [[start, slot - 1] as const, [slot + 1, end] as const].filter(([a, b]) => a <= b)
          : [[start, end]]
      ),
      nodes: [...(shard.master ? [shard.master] : []), ...shard.replicas],
    }));
    let target = this.shards.findIndex((shard) => shard.master?.address === address);
    if (target === -1) {
      const known = this.#byAddress.get(address);
      const node: ClusterNode = Object.freeze({
        id: known?.id ?? address,
        host,
        address,
        endpoint: host,
        ip: known?.ip,
        hostname: known?.hostname,
        port,
        tlsPort: port,
        role: "master",
        replicationOffset: undefined,
        health: "online",
      });
      // A replica promoted since the last refresh: it leaves its old shard's node list.
      for (const init of inits) init.nodes = init.nodes.filter((other) => other.id !== node.id);
      inits.push({ ranges: [], nodes: [node] });
      target = inits.length - 1;
    }
    inits[target]!.ranges = [...inits[target]!.ranges, [slot, slot]];
    return new SlotMap(inits, this.unknownEndpoints);
  }
}

function checkSlot(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new RangeError(`Slot must be an integer in 0..16383, got ${slot}`);
  }
  return slot;
}

function rangesFromTable(table: Uint16Array, count: number): (readonly [number, number])[][] {
  const ranges: (readonly [number, number])[][] = Array.from({ length: count }, () => []);
  let start = 0;
  for (let slot = 1; slot <= SLOT_COUNT; slot++) {
    if (slot < SLOT_COUNT && table[slot] === table[start]) continue;
    const owner = table[start]!;
    if (owner !== UNASSIGNED) ranges[owner]!.push(Object.freeze([start, slot - 1] as const));
    start = slot;
  }
  return ranges.map((list) => Object.freeze(list) as (readonly [number, number])[]);
}

function build(parsed: ParsedTopology): SlotMap {
  return new SlotMap(parsed.shards, parsed.unknownEndpoints);
}

/**
 * Parses a `CLUSTER SHARDS` reply (Redis 7.0+) into a {@linkcode SlotMap}. It accepts the reply
 * as dray's reader returns it in RESP2 (flat name/value arrays) and RESP3 (maps), with strings or
 * bytes. Endpoints follow the cluster specification: `""` or NULL means "the same host as the
 * node that answered" (`origin.host`); `?` means the node's endpoint is unknown, so it is left
 * out and counted in {@linkcode SlotMap.unknownEndpoints} (a reason to refresh again).
 *
 * @param reply The reply to `CLUSTER SHARDS`.
 * @param origin The node the command was sent to, and whether connections use TLS.
 * @returns The map.
 * @throws {InvalidTopologyError} When the reply is not a valid topology (a missing or mistyped
 * field, overlapping shards, a node id listed twice).
 *
 * @example A RESP3 reply with an unknown-endpoint node
 * ```ts
 * import { parseClusterShards } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const node = (id: string, port: number, endpoint: string | null, role: string) =>
 *   new Map<string, unknown>([
 *     ["id", id], ["port", port], ["ip", "10.0.0.9"], ["endpoint", endpoint], ["role", role],
 *     ["replication-offset", 42], ["health", "online"],
 *   ]);
 * const map = parseClusterShards([
 *   new Map<string, unknown>([
 *     ["slots", [0, 16383]],
 *     ["nodes", [node("a".repeat(40), 7000, "", "master"), node("b".repeat(40), 7001, "?", "replica")]],
 *   ]),
 * ], { host: "lb.example", port: 7000 });
 * assert.equal(map.masterOf(0)?.address, "lb.example:7000");
 * assert.equal(map.shards[0]?.replicas.length, 0);
 * assert.equal(map.unknownEndpoints, 1);
 * ```
 */
export function parseClusterShards(reply: unknown, origin: TopologyOrigin): SlotMap {
  return build(parseShardsReply(reply, origin));
}

/**
 * Parses a `CLUSTER SLOTS` reply into a {@linkcode SlotMap}: the fallback for servers before
 * 7.0. Entries with the same master become one shard. The reply has no health and no
 * replication offsets: every node counts as `online`, offsets are `undefined`, and the one port
 * it gives (the one that suits the asking connection) fills both `port` and `tlsPort`. NULL and
 * `""` hosts, and `?`, are handled as in {@linkcode parseClusterShards}.
 *
 * @param reply The reply to `CLUSTER SLOTS`.
 * @param origin The node the command was sent to, and whether connections use TLS.
 * @returns The map.
 * @throws {InvalidTopologyError} When the reply is not a valid topology.
 *
 * @example
 * ```ts
 * import { parseClusterSlots } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const map = parseClusterSlots([
 *   [0, 100, ["127.0.0.1", 7000, "a".repeat(40)], ["127.0.0.1", 7003, "d".repeat(40)]],
 *   [101, 16383, ["127.0.0.1", 7000, "a".repeat(40)], ["127.0.0.1", 7003, "d".repeat(40)]],
 * ], { host: "127.0.0.1", port: 7000 });
 * assert.equal(map.shards.length, 1);
 * assert.equal(map.shards[0]?.replicas[0]?.port, 7003);
 * ```
 */
export function parseClusterSlots(reply: unknown, origin: TopologyOrigin): SlotMap {
  return build(parseSlotsReply(reply, origin));
}
