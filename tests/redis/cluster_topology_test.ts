// parseClusterShards / parseClusterSlots / SlotMap on replies captured from redis-server 7.0.15
// (decoded by dray's own reader, in RESP2 and RESP3, as strings and as bytes) and on hand-made
// edge cases: endpoints "", NULL and "?", TLS-only ports, IPv6, overlaps, bad fields.

import assert from "node:assert/strict";
import { RespReader } from "../../redis/mod.ts";
import {
  type ClusterNode,
  InvalidTopologyError,
  parseClusterShards,
  parseClusterSlots,
  SlotMap,
} from "../../redis/cluster/mod.ts";
import * as fixtures from "./_cluster_fixtures.ts";

const origin = fixtures.capturedFrom;
const M0 = { id: "abfa3032a2e4f7a456743fbac11baf5c8807cd6f", port: 29772, slots: [0, 5460] };
const M1 = { id: "ad78c051b0df5cfb5acb2f03cf58701b6b80684a", port: 35513, slots: [5461, 10922] };
const M2 = { id: "b653ef4138696a6c9765d9f363147c2f99569ce1", port: 22194, slots: [10923, 16383] };
const R0 = { id: "a3eaa6fa8034636781a7d54ea6e8bc3d89e3a27c", port: 21888 }; // replica of M0
const R1 = { id: "f46610843275fe9f5682b6d199c31a650828ce54", port: 44576 }; // replica of M1
const R2 = { id: "d2156459823d8d70dbd9435979ebd046069d01c8", port: 31794 }; // replica of M2
const SHARDS = [[M0, R0], [M1, R1], [M2, R2]] as const;

function decode(raw: string, returnBuffers = false): unknown {
  const reader = new RespReader({ returnBuffers });
  reader.feed(new TextEncoder().encode(raw));
  const value = reader.next();
  assert.notEqual(value, undefined, "the fixture is one whole reply");
  assert.equal(reader.next(), undefined, "and nothing more");
  return value;
}

// Every variant of a captured reply: RESP2 and RESP3, strings and bytes.
function variants(resp2: string, resp3: string): [string, unknown][] {
  return [
    ["RESP2", decode(resp2)],
    ["RESP3", decode(resp3)],
    ["RESP2 bytes", decode(resp2, true)],
    ["RESP3 bytes", decode(resp3, true)],
  ];
}

// A plain, comparable view of a map: per shard its ranges and nodes.
function view(map: SlotMap): unknown {
  return map.shards.map((shard) => ({
    slots: shard.slots,
    master: shard.master && { ...shard.master },
    replicas: shard.replicas.map((node) => ({ ...node })),
  }));
}

function shardFor(map: SlotMap, masterId: string) {
  return map.shards.find((shard) => shard.master?.id === masterId);
}

Deno.test("parseClusterShards reads a live 3+3 reply the same in RESP2, RESP3, strings and bytes", () => {
  const parsed = variants(fixtures.steadyShardsResp2, fixtures.steadyShardsResp3).map((
    [name, reply],
  ) => [name, parseClusterShards(reply, origin)] as const);
  for (const [name, map] of parsed) {
    assert.equal(map.covered, true, name);
    assert.equal(map.unknownEndpoints, 0, name);
    assert.deepEqual(view(map), view(parsed[0]![1]), name);
    for (const [master, replica] of SHARDS) {
      const shard = shardFor(map, master.id)!;
      assert.deepEqual(shard.slots, [master.slots], name);
      assert.equal(shard.master?.address, `127.0.0.1:${master.port}`);
      assert.deepEqual(shard.replicas.map((node) => node.id), [replica.id], name);
      assert.equal(map.masterOf(master.slots[0]!)?.id, master.id);
      assert.equal(map.masterOf(master.slots[1]!)?.id, master.id);
    }
  }
  const node = parseClusterShards(decode(fixtures.steadyShardsResp3), origin).nodeById(R1.id)!;
  assert.deepEqual(
    { ...node },
    {
      id: R1.id,
      host: "127.0.0.1",
      address: `127.0.0.1:${R1.port}`,
      endpoint: "127.0.0.1",
      ip: "127.0.0.1",
      hostname: undefined,
      port: R1.port,
      tlsPort: undefined,
      role: "replica",
      replicationOffset: node.replicationOffset,
      health: "online",
    } satisfies ClusterNode,
  );
  assert.ok(node.replicationOffset! > 0);
});

Deno.test("parseClusterShards reports replicas that have not synced yet as loading", () => {
  for (const [name, reply] of variants(fixtures.freshShardsResp2, fixtures.freshShardsResp3)) {
    const map = parseClusterShards(reply, origin);
    assert.deepEqual(
      map.nodes.map((node) => `${node.role}:${node.health}:${node.replicationOffset}`).sort(),
      ["master:online:0", "master:online:0", "master:online:0"].concat(
        ["replica:loading:0", "replica:loading:0", "replica:loading:0"],
      ),
      name,
    );
  }
});

Deno.test("parseClusterShards maps the health 'fail' that 7.0.15 sends to failed", () => {
  for (
    const [name, reply] of variants(
      fixtures.failedReplicaShardsResp2,
      fixtures.failedReplicaShardsResp3,
    )
  ) {
    const map = parseClusterShards(reply, origin);
    assert.equal(map.nodeById(R0.id)?.health, "failed", name);
    assert.equal(map.nodes.filter((node) => node.health === "failed").length, 1, name);
  }
});

Deno.test("parseClusterShards uses announced hostnames as endpoints and keeps the ip", () => {
  for (
    const [name, reply] of variants(fixtures.hostnameShardsResp2, fixtures.hostnameShardsResp3)
  ) {
    const map = parseClusterShards(reply, origin);
    for (const node of map.nodes) {
      const port = node.port!;
      assert.equal(node.host, `n${port}.dray.test`, name);
      assert.equal(node.hostname, `n${port}.dray.test`, name);
      assert.equal(node.address, `n${port}.dray.test:${port}`, name);
      assert.equal(node.ip, "127.0.0.1", name);
    }
  }
});

Deno.test("parseClusterShards leaves out a node whose endpoint is '?' and counts it", () => {
  for (
    const [name, reply] of variants(
      fixtures.unknownHostnameShardsResp2,
      fixtures.unknownHostnameShardsResp3,
    )
  ) {
    const map = parseClusterShards(reply, origin);
    assert.equal(map.unknownEndpoints, 1, name);
    assert.equal(map.nodeById(M0.id), undefined, name);
    assert.equal(map.covered, true, "its slots stay assigned to its shard");
    assert.equal(map.masterOf(0), undefined, "but the shard has no reachable master");
    assert.deepEqual(map.shardOf(0)?.replicas.map((node) => node.id), [R0.id], name);
    assert.equal(map.masterOf(16383)?.address, `n${M2.port}.dray.test:${M2.port}`);
  }
});

Deno.test("parseClusterShards and parseClusterSlots use the asked host for '' and NULL endpoints", () => {
  const asked = { host: "10.9.8.7", port: 7000 };
  const cases = [
    ...variants(fixtures.unknownEndpointShardsResp2, fixtures.unknownEndpointShardsResp3).map((
      [name, reply],
    ) => [`SHARDS ${name}`, parseClusterShards(reply, asked)] as const),
    ...variants(fixtures.unknownEndpointSlotsResp2, fixtures.unknownEndpointSlotsResp3).map((
      [name, reply],
    ) => [`SLOTS ${name}`, parseClusterSlots(reply, asked)] as const),
  ];
  for (const [name, map] of cases) {
    assert.equal(map.nodes.length, 6, name);
    for (const node of map.nodes) {
      assert.equal(node.host, "10.9.8.7", name);
      assert.equal(node.address, `10.9.8.7:${node.port}`, name);
    }
    assert.equal(map.masterOf(0)?.port, M0.port, name);
  }
  assert.equal(cases[0]![1].nodeById(M0.id)?.endpoint, "", "SHARDS sends an empty string");
  assert.equal(cases[4]![1].nodeById(M0.id)?.endpoint, null, "SLOTS sends NULL");
});

Deno.test("parseClusterSlots agrees with parseClusterShards on masters and replicas of a live reply", () => {
  const shards = parseClusterShards(decode(fixtures.steadyShardsResp2), origin);
  for (const [name, reply] of variants(fixtures.steadySlotsResp2, fixtures.steadySlotsResp3)) {
    const slots = parseClusterSlots(reply, origin);
    for (let slot = 0; slot < 16384; slot++) {
      assert.equal(slots.masterOf(slot)?.address, shards.masterOf(slot)?.address, name);
      assert.deepEqual(
        slots.shardOf(slot)?.replicas.map((node) => node.address),
        shards.shardOf(slot)?.replicas.map((node) => node.address),
      );
    }
    assert.ok(slots.nodes.every((node) => node.replicationOffset === undefined));
  }
});

Deno.test("parseClusterSlots reads the ip and hostname of the RESP3 metadata map", () => {
  // Hostname preferred: the endpoint is the hostname, and the metadata holds only the ip.
  const hostnames = parseClusterSlots(decode(fixtures.hostnameSlotsResp3), origin);
  assert.equal(hostnames.nodeById(M1.id)?.address, `n${M1.port}.dray.test:${M1.port}`);
  assert.equal(hostnames.nodeById(M1.id)?.ip, "127.0.0.1");
  // Unknown endpoint: the endpoint is NULL, and the metadata holds the ip and the hostname.
  const unknown = parseClusterSlots(decode(fixtures.unknownEndpointSlotsResp3), origin);
  assert.equal(unknown.nodeById(M1.id)?.hostname, `n${M1.port}.dray.test`);
  assert.equal(unknown.nodeById(M1.id)?.ip, "127.0.0.1");
  assert.equal(unknown.nodeById(M0.id)?.hostname, undefined, "M0 announces no hostname there");
});

// Hand-made replies, RESP3-shaped.
// A field given as `undefined` is left out.
function node(fields: Record<string, unknown>): Map<string, unknown> {
  return new Map(
    Object.entries({
      id: "a".repeat(40),
      port: 7000,
      ip: "127.0.0.1",
      endpoint: "127.0.0.1",
      role: "master",
      "replication-offset": 1,
      health: "online",
      ...fields,
    }).filter(([, value]) => value !== undefined),
  );
}

function shard(slots: number[], nodes: Map<string, unknown>[]): Map<string, unknown> {
  return new Map<string, unknown>([["slots", slots], ["nodes", nodes]]);
}

const here = { host: "127.0.0.1", port: 7000 };

Deno.test("parseClusterShards picks the TLS port only when asked for TLS", () => {
  const reply = [
    shard([0, 16383], [
      node({ id: "a".repeat(40), port: undefined, "tls-port": 7443 }),
      node({ id: "b".repeat(40), port: 7001, "tls-port": 7444, role: "replica" }),
    ]),
  ];
  const tls = parseClusterShards(reply, { ...here, tls: true });
  assert.equal(tls.masterOf(0)?.address, "127.0.0.1:7443");
  assert.equal(tls.shards[0]?.replicas[0]?.address, "127.0.0.1:7444");
  const plain = parseClusterShards(reply, here);
  assert.equal(plain.masterOf(0), undefined, "a TLS-only master cannot be reached without TLS");
  assert.equal(plain.unknownEndpoints, 1);
  assert.equal(plain.shards[0]?.replicas[0]?.address, "127.0.0.1:7001");
});

Deno.test("parseClusterShards brackets IPv6 hosts in addresses", () => {
  const map = parseClusterShards([shard([0, 16383], [node({ endpoint: "::1", ip: "::1" })])], here);
  assert.equal(map.masterOf(1)?.address, "[::1]:7000");
  assert.equal(map.nodeByAddress("[::1]:7000")?.host, "::1");
});

Deno.test("parseClusterShards prefers an online master over a failed one in the same shard", () => {
  const map = parseClusterShards([
    shard([0, 16383], [
      node({ id: "a".repeat(40), health: "fail" }),
      node({ id: "b".repeat(40), port: 7001, health: "online" }),
    ]),
  ], here);
  assert.equal(map.masterOf(0)?.id, "b".repeat(40));
});

Deno.test("parseClusterShards keeps shards without slots and reports partial coverage", () => {
  const map = parseClusterShards([
    shard([0, 99, 200, 299], [node({})]),
    shard([], [node({ id: "b".repeat(40), port: 7001 })]),
  ], here);
  assert.equal(map.shards.length, 2);
  assert.equal(map.assignedSlots, 200);
  assert.equal(map.covered, false);
  assert.deepEqual(map.shards[0]?.slots, [[0, 99], [200, 299]]);
  assert.deepEqual(map.shards[1]?.slots, []);
  assert.equal(map.shardIndexOf(150), -1);
  assert.equal(map.masterOf(150), undefined);
  assert.equal(map.shardIndexOf(299), 0);
});

Deno.test("parseClusterShards rejects what is not a valid topology", () => {
  const cases: [string, unknown][] = [
    ["not an array", "ERR unknown command"],
    ["a shard that is not a map", [42]],
    ["an odd field list", [["slots"]]],
    ["overlapping shards", [
      shard([0, 100], [node({})]),
      shard([100, 200], [node({ id: "b".repeat(40) })]),
    ]],
    ["a node listed twice", [shard([0, 1], [node({})]), shard([2, 3], [node({})])]],
    ["slot 16384", [shard([0, 16384], [node({})])]],
    ["a reversed range", [shard([10, 5], [node({})])]],
    ["an odd slot list", [shard([0], [node({})])]],
    ["a missing id", [shard([0, 1], [node({ id: undefined })])]],
    ["an unknown role", [shard([0, 1], [node({ role: "leader" })])]],
    ["a port out of range", [shard([0, 1], [node({ port: 70000 })])]],
    ["a text port", [shard([0, 1], [node({ port: "7000" })])]],
    ["no nodes field", [new Map([["slots", [0, 1]]])]],
  ];
  for (const [name, reply] of cases) {
    assert.throws(() => parseClusterShards(reply, here), InvalidTopologyError, name);
  }
});

Deno.test("parseClusterSlots merges one master's ranges into one shard", () => {
  const a = ["127.0.0.1", 7000, "a".repeat(40)];
  const b = ["127.0.0.1", 7001, "b".repeat(40)];
  const c = ["127.0.0.1", 7002, "c".repeat(40)];
  const map = parseClusterSlots([[0, 10, a, b], [20, 30, a, b], [11, 19, c]], here);
  assert.equal(map.shards.length, 2);
  assert.deepEqual(map.shards[0]?.slots, [[0, 10], [20, 30]]);
  assert.deepEqual(map.shards[0]?.replicas.map((node) => node.port), [7001]);
  assert.equal(map.masterOf(15)?.port, 7002);
});

Deno.test("parseClusterSlots rejects a node that is a replica in one entry and a master in another", () => {
  const a = ["127.0.0.1", 7000, "a".repeat(40)];
  const b = ["127.0.0.1", 7001, "b".repeat(40)];
  assert.throws(() => parseClusterSlots([[0, 10, a, b], [11, 19, b]], here), InvalidTopologyError);
});

Deno.test("parseClusterSlots names nodes of servers without ids by their address", () => {
  const map = parseClusterSlots([[0, 16383, ["127.0.0.1", 7000]]], here);
  assert.equal(map.masterOf(0)?.id, "127.0.0.1:7000");
});

Deno.test("parseClusterSlots leaves out a '?' master and counts it", () => {
  const map = parseClusterSlots([[0, 16383, ["?", 7000, "a".repeat(40)]]], here);
  assert.equal(map.masterOf(0), undefined);
  assert.equal(map.unknownEndpoints, 1);
  assert.equal(map.covered, true);
});

Deno.test("parseClusterSlots rejects overlapping entries of different masters", () => {
  assert.throws(
    () =>
      parseClusterSlots([
        [0, 10, ["127.0.0.1", 7000, "a".repeat(40)]],
        [10, 20, ["127.0.0.1", 7001, "b".repeat(40)]],
      ], here),
    InvalidTopologyError,
  );
});

Deno.test("SlotMap finds every slot's shard through its table", () => {
  const map = parseClusterShards(decode(fixtures.steadyShardsResp3), origin);
  for (let slot = 0; slot < 16384; slot++) {
    const expected = map.shards.findIndex((shard) =>
      shard.slots.some(([start, end]) => start <= slot && slot <= end)
    );
    assert.equal(map.shardIndexOf(slot), expected);
  }
  assert.throws(() => map.shardIndexOf(16384), RangeError);
  assert.throws(() => map.shardOf(-1), RangeError);
  assert.throws(() => map.masterOf(1.5), RangeError);
});

Deno.test("SlotMap is frozen: its shards, ranges and nodes cannot be changed", () => {
  const map = parseClusterShards(decode(fixtures.steadyShardsResp3), origin);
  assert.ok(Object.isFrozen(map.shards));
  assert.ok(map.shards.every((shard) => Object.isFrozen(shard) && Object.isFrozen(shard.slots)));
  assert.ok(map.nodes.every((node) => Object.isFrozen(node)));
});

Deno.test("SlotMap.withSlotMoved moves one slot to a known master and leaves the original", () => {
  const map = parseClusterShards(decode(fixtures.steadyShardsResp3), origin);
  const moved = map.withSlotMoved(100, "127.0.0.1", M2.port);
  assert.equal(moved.masterOf(100)?.id, M2.id);
  assert.equal(map.masterOf(100)?.id, M0.id);
  assert.deepEqual(shardFor(moved, M0.id)?.slots, [[0, 99], [101, 5460]]);
  assert.deepEqual(shardFor(moved, M2.id)?.slots, [[100, 100], [10923, 16383]]);
  assert.equal(moved.covered, true);
  assert.equal(moved.shards.length, 3);
});

Deno.test("SlotMap.withSlotMoved adds a shard for an unknown master or a promoted replica", () => {
  const map = parseClusterShards(decode(fixtures.steadyShardsResp3), origin);
  const unknown = map.withSlotMoved(7, "127.0.0.2", 9000);
  assert.equal(unknown.shards.length, 4);
  assert.equal(unknown.masterOf(7)?.address, "127.0.0.2:9000");
  assert.equal(unknown.masterOf(7)?.id, "127.0.0.2:9000");
  const promoted = map.withSlotMoved(7, "127.0.0.1", R0.port);
  assert.equal(promoted.masterOf(7)?.id, R0.id);
  assert.deepEqual(shardFor(promoted, M0.id)?.replicas, [], "it left its old shard");
  assert.equal(promoted.nodes.length, 6);
});

Deno.test("SlotMap.differingSlots lists the slots whose master differs between two views", () => {
  const steady = parseClusterShards(decode(fixtures.steadyShardsResp3), origin);
  assert.deepEqual(
    steady.differingSlots(parseClusterSlots(decode(fixtures.steadySlotsResp2), origin)),
    [],
  );
  const moved = steady.withSlotMoved(100, "127.0.0.1", M2.port).withSlotMoved(
    200,
    "127.0.0.1",
    M1.port,
  );
  assert.deepEqual(steady.differingSlots(moved), [100, 200]);
  assert.deepEqual(moved.differingSlots(steady), [100, 200]);
  // A view where M0's endpoint is unknown has no master for M0's slots.
  const unknown = parseClusterShards(decode(fixtures.unknownHostnameShardsResp2), origin);
  const hostnames = parseClusterShards(decode(fixtures.hostnameShardsResp2), origin);
  assert.equal(unknown.differingSlots(hostnames).length, 5461);
  const partial = new SlotMap([{ ranges: [[0, 5460]], nodes: [steady.masterOf(0)!] }]);
  assert.deepEqual(partial.differingSlots(steady).length, 16384 - 5461, "unassigned differs");
});

Deno.test("parseClusterSlots has no loading or failed replicas, because CLUSTER SLOTS leaves them out", () => {
  for (
    const [name, reply] of [
      ...variants(fixtures.freshSlotsResp2, fixtures.freshSlotsResp3),
      ...variants(fixtures.failedReplicaSlotsResp2, fixtures.failedReplicaSlotsResp3),
    ]
  ) {
    const map = parseClusterSlots(reply, origin);
    assert.equal(map.covered, true, name);
    assert.equal(map.nodeById(R0.id), undefined, name); // loading in one, failed in the other
  }
  assert.equal(parseClusterSlots(decode(fixtures.freshSlotsResp2), origin).nodes.length, 3);
  assert.equal(parseClusterSlots(decode(fixtures.failedReplicaSlotsResp2), origin).nodes.length, 5);
});
