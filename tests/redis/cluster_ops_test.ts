// The cluster operations of redis/testing (cluster_ops.ts) against real clusters: reshard moves
// slots and keys, add-node/rebalance/del-node scale out and in, a graceful failover promotes the
// replica, and the raw promotion monitor reports a kill -9's failover.

import assert from "node:assert/strict";
import { keySlot } from "../../redis/cluster/slot.ts";
import {
  addClusterNode,
  callNode,
  clusterMap,
  failover,
  freezeNode,
  rebalance,
  removeClusterNode,
  reshard,
  startCluster,
  waitClusterStable,
  watchPromotion,
} from "../../redis/testing/mod.ts";

function slotsOf(map: Awaited<ReturnType<typeof clusterMap>>, id: string): number {
  const shard = map.shards.find((shard) => shard.master?.id === id);
  return (shard?.slots ?? []).reduce((sum, [from, to]) => sum + to - from + 1, 0);
}

Deno.test("reshard moves slots and their keys to the target master", async () => {
  await using cluster = await startCluster({ masters: 3 });
  const [a, b] = cluster.nodes;
  const before = await clusterMap(cluster.nodes);
  // A key in one of a's slots, which the reshard from a moves first (its lowest slots).
  const first = before.shards.find((shard) => shard.master?.id === a!.id)!.slots[0]![0];
  let key = "";
  for (let i = 0; key === "" || keySlot(key) !== first; i++) key = `k${i}`;
  assert.equal(await callNode(a!, ["SET", key, "v"]), "OK");
  await reshard(cluster, { from: a!.id, to: b!.id, slots: 50 });
  const after = await waitClusterStable(cluster.nodes);
  assert.equal(slotsOf(after, b!.id), slotsOf(before, b!.id) + 50);
  assert.equal(slotsOf(after, a!.id), slotsOf(before, a!.id) - 50);
  assert.equal(after.masterOf(first)?.id, b!.id);
  assert.equal(String(await callNode(b!, ["GET", key])), "v");
});

Deno.test("addClusterNode, rebalance and removeClusterNode scale a cluster out and in", async () => {
  await using cluster = await startCluster({ masters: 3 });
  await using added = await addClusterNode(cluster);
  // A small weight moves ~100 slots (redis-cli moves slots one by one: a full rebalance is slow).
  await rebalance(cluster, { useEmptyMasters: true, weights: { [added.id]: 0.02 } });
  const out = await waitClusterStable([...cluster.nodes, added]);
  assert.equal(out.shards.length, 4);
  assert.ok(slotsOf(out, added.id) > 50, `${slotsOf(out, added.id)} slots`);
  await reshard(cluster, {
    from: added.id,
    to: cluster.nodes[0]!.id,
    slots: slotsOf(out, added.id),
  });
  await waitClusterStable([...cluster.nodes, added]);
  await removeClusterNode(cluster, added);
  const back = await waitClusterStable(cluster.nodes);
  assert.equal(back.nodes.length, 3);
  assert.equal(back.nodeById(added.id), undefined);
});

Deno.test("failover promotes a replica gracefully", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const replica = cluster.nodes.find((node) => node.initialRole === "replica")!;
  await failover(replica);
  const map = await waitClusterStable(cluster.nodes);
  assert.equal(map.nodeById(replica.id)?.role, "master");
});

Deno.test("watchPromotion reports the replica promoted after its master is killed", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const master = cluster.nodes[0]!;
  const map = await clusterMap(cluster.nodes);
  const replicaId = map.shards.find((shard) => shard.master?.id === master.id)!.replicas[0]!.id;
  await using watch = await watchPromotion(cluster, master);
  const killedAt = performance.timeOrigin + performance.now();
  master.kill("SIGKILL");
  const promotion = await watch.promoted;
  assert.equal(promotion.id, replicaId);
  assert.ok(promotion.at > killedAt);
  const live = cluster.nodes.filter((node) => node !== master);
  const after = await waitClusterStable(live);
  assert.equal(after.nodeById(replicaId)?.role, "master");
});

Deno.test("watchPromotion's stop rejects the promise when nothing was promoted", async () => {
  await using cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  const watch = await watchPromotion(cluster, cluster.nodes[0]!);
  await watch.stop();
  await assert.rejects(watch.promoted, /stopped/);
  await assert.rejects(watchPromotion(cluster, cluster.nodes[3]!), RangeError);
});

Deno.test("freezeNode hangs a node and lets it go on", async () => {
  await using cluster = await startCluster({ masters: 3 });
  const node = cluster.nodes[1]!;
  const frozen = freezeNode(node, 2500); // callNode gives up after 2000 ms
  await assert.rejects(callNode(node, ["PING"]));
  await frozen;
  assert.equal(await callNode(node, ["PING"]), "PONG");
});
