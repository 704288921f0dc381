// ClusterClient under load while the cluster changes under it (real servers, node timeout 1 s,
// CI-sized): a reshard, a kill -9 of a master with writes acknowledged by WAIT 1, a graceful
// CLUSTER FAILOVER, a master hung with SIGSTOP and let go, a node added and removed, and sharded
// pub/sub across a reshard and a kill. Writers append unique sequence numbers (see
// tests/_helpers/cluster_load.ts); the lists are read back from the nodes directly. Timings are
// the benchmark's business (bench:cluster); here only outcomes are asserted.

import assert from "node:assert/strict";
import { connectCluster } from "../../redis/mod.ts";
import { OutcomeUnknownError } from "../../redis/errors.ts";
import type { ClusterClient } from "../../redis/cluster/cluster_client.ts";
import type { ClusterEvent } from "../../redis/cluster/types.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import {
  addClusterNode,
  callNode,
  clusterMap,
  failover,
  freezeNode,
  rebalance,
  type RedisCluster,
  type RedisClusterNode,
  removeClusterNode,
  reshard,
  startCluster,
  waitClusterStable,
  watchPromotion,
} from "../../redis/testing/mod.ts";
import { logKey, type Push, SequenceLoad } from "../_helpers/cluster_load.ts";

const WRITERS = 20;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every writer's list, read from the node that serves it once the cluster agrees. */
async function readLists(nodes: readonly RedisClusterNode[]): Promise<string[][]> {
  const map = await waitClusterStable(nodes);
  return await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
    const id = map.masterOf(keySlot(logKey(w)))!.id;
    const node = nodes.find((node) => node.id === id)!;
    const reply = await callNode(node, ["LRANGE", logKey(w), "0", "-1"]);
    assert.ok(Array.isArray(reply), `LRANGE ${logKey(w)}: ${reply}`);
    return reply.map(String);
  }));
}

/** A plain acknowledgement: the RPUSH reply. */
function plainPush(client: ClusterClient): Push {
  return async (key, value) => (await client.rpush(key, value)) > 0;
}

/** Acknowledged only when `WAIT 1` (right after, on the same node connection) saw a replica. */
function waitPush(client: ClusterClient): Push {
  return async (key, value) => {
    const [pushed, replicas] = await Promise.all([
      client.rpush(key, value),
      client.sendCommand<number>(["WAIT", "1", "200"], { key }),
    ]);
    return pushed > 0 && replicas >= 1;
  };
}

/** The writers whose list lives on `master`. */
function writersOn(map: Awaited<ReturnType<typeof clusterMap>>, master: string): Set<number> {
  const writers = new Set<number>();
  for (let w = 0; w < WRITERS; w++) {
    if (map.masterOf(keySlot(logKey(w)))?.id === master) writers.add(w);
  }
  return writers;
}

/** The master serving the most writers (so a fault there matters). */
function busiestMaster(cluster: RedisCluster, map: Awaited<ReturnType<typeof clusterMap>>) {
  const masters = cluster.nodes.filter((node) => map.nodeById(node.id)?.role === "master");
  return masters.reduce((a, b) => writersOn(map, a.id).size >= writersOn(map, b.id).size ? a : b);
}

Deno.test("ClusterClient loses and duplicates nothing while slots are resharded under load", async () => {
  await using cluster = await startCluster({ masters: 3, nodeTimeoutMs: 1000 });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const map = await clusterMap(cluster.nodes);
  const source = busiestMaster(cluster, map);
  const target = cluster.nodes.find((node) => node.id !== source.id)!;
  const load = new SequenceLoad(WRITERS, plainPush(client));
  load.start();
  await delay(200);
  await reshard(cluster, { from: source.id, to: target.id, slots: 300 });
  await delay(300);
  await load.stop();
  const report = load.verify(await readLists(cluster.nodes));
  assert.ok(report.acked > 0);
  assert.deepEqual(
    { lost: report.lost, duplicated: report.duplicated, phantom: report.phantom },
    { lost: 0, duplicated: 0, phantom: 0 },
  );
  assert.equal(report.errors, 0, `errors: ${JSON.stringify(report.errorKinds)}`);
});

Deno.test("ClusterClient recovers from a master's kill -9 with nothing lost or written twice", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const map = await clusterMap(cluster.nodes);
  const victim = busiestMaster(cluster, map);
  const affected = writersOn(map, victim.id);
  const load = new SequenceLoad(WRITERS, waitPush(client));
  load.start();
  await delay(300);
  await using watch = await watchPromotion(cluster, victim);
  victim.kill("SIGKILL");
  const promotion = await watch.promoted;
  // The dead shard takes writes again (no hang): acknowledged after the promotion, since the
  // old master may have acknowledged some in the moment before it died.
  await load.firstReplyAfter(promotion.at, affected);
  await delay(300);
  await load.stop(); // every write settles: nothing hangs
  const live = cluster.nodes.filter((node) => node !== victim);
  const report = load.verify(await readLists(live));
  assert.deepEqual(
    { lost: report.lost, duplicated: report.duplicated },
    { lost: 0, duplicated: 0 },
    JSON.stringify(report),
  );
  // Every error the application saw says the outcome is unknown: a write never reached is
  // rerouted, a write sent is never sent again.
  for (const error of load.errorSamples) {
    assert.ok(error instanceof OutcomeUnknownError, `${error.name}: ${error.message}`);
  }
});

Deno.test("ClusterClient follows a graceful CLUSTER FAILOVER under load with nothing lost", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const map = await clusterMap(cluster.nodes);
  const master = busiestMaster(cluster, map);
  const replicaId = map.shards.find((shard) => shard.master?.id === master.id)!.replicas[0]!.id;
  const replica = cluster.nodes.find((node) => node.id === replicaId)!;
  const load = new SequenceLoad(WRITERS, plainPush(client));
  load.start();
  await delay(200);
  const promotedAt = performance.timeOrigin + performance.now();
  const recovered = load.firstReplyAfter(promotedAt, writersOn(map, master.id));
  await failover(replica);
  await recovered;
  await delay(200);
  await load.stop();
  const report = load.verify(await readLists(cluster.nodes));
  assert.deepEqual(
    { lost: report.lost, duplicated: report.duplicated, phantom: report.phantom },
    { lost: 0, duplicated: 0, phantom: 0 },
    JSON.stringify(report),
  );
  assert.equal(report.errors, 0, `errors: ${JSON.stringify(report.errorKinds)}`);
});

Deno.test("ClusterClient keeps other shards going while a master hangs, and leaves it once back", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const map = await clusterMap(cluster.nodes);
  const frozen = busiestMaster(cluster, map);
  const affected = writersOn(map, frozen.id);
  const load = new SequenceLoad(WRITERS, waitPush(client));
  load.start();
  await delay(200);
  await using watch = await watchPromotion(cluster, frozen);
  const frozenAt = performance.timeOrigin + performance.now();
  const othersBefore = load.ackCount;
  const freezing = freezeNode(frozen, 3500);
  const promotion = await watch.promoted;
  // Other shards took writes while it hung.
  assert.ok(load.ackCount > othersBefore);
  await load.firstReplyAfter(promotion.at, affected);
  await freezing; // SIGCONT: it comes back and learns it is a replica now
  await delay(500);
  await load.stop();
  const report = load.verify(await readLists(cluster.nodes));
  assert.deepEqual(
    { lost: report.lost, duplicated: report.duplicated },
    { lost: 0, duplicated: 0 },
    JSON.stringify(report),
  );
  for (const error of load.errorSamples) {
    // A WAIT routed by key to the old master right after SIGCONT is refused as a replica's
    // ("ERR WAIT cannot be used with replica instances"): it is rerouted like READONLY, so the
    // only errors are the writes in flight when the master froze.
    assert.ok(error instanceof OutcomeUnknownError, `${error.name}: ${error.message}`);
  }
  // Errors only came from the hung shard, and only while it hung.
  assert.ok(load.errorTimes.every((at) => at > frozenAt));
  assert.equal(
    (await clusterMap(cluster.nodes)).nodeById(frozen.id)?.role,
    "replica",
  );
});

Deno.test("ClusterClient carries on through add-node, rebalance and del-node", async () => {
  await using cluster = await startCluster({ masters: 3, nodeTimeoutMs: 1000 });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const load = new SequenceLoad(WRITERS, plainPush(client));
  load.start();
  await using added = await addClusterNode(cluster);
  await rebalance(cluster, { useEmptyMasters: true, weights: { [added.id]: 0.02 } });
  const out = await waitClusterStable([...cluster.nodes, added]);
  const slots = out.shards.find((shard) => shard.master?.id === added.id)!.slots
    .reduce((sum, [from, to]) => sum + to - from + 1, 0);
  await delay(300); // the client writes to the new node too
  await reshard(cluster, { from: added.id, to: cluster.nodes[0]!.id, slots });
  await waitClusterStable([...cluster.nodes, added]);
  await removeClusterNode(cluster, added);
  await delay(300);
  await load.stop();
  const report = load.verify(await readLists(cluster.nodes));
  assert.deepEqual(
    { lost: report.lost, duplicated: report.duplicated, phantom: report.phantom },
    { lost: 0, duplicated: 0, phantom: 0 },
  );
  assert.equal(report.errors, 0, `errors: ${JSON.stringify(report.errorKinds)}`);
});

Deno.test("ClusterClient ssubscribe resubscribes across a reshard and a kill, with gap events", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const gaps: ClusterEvent[] = [];
  client.addEventListener("gap", (event) => void gaps.push(event));
  const map = await clusterMap(cluster.nodes);
  const [a, b] = cluster.nodes;
  const lowest = map.shards.find((shard) => shard.master?.id === a!.id)!.slots[0]![0];
  let channel = "";
  for (let i = 0; channel === "" || keySlot(channel) !== lowest; i++) channel = `ch${i}`;
  const seen: string[] = [];
  await client.ssubscribe(channel, ({ message }) => void seen.push(message));
  // Publishes until the subscriber got it; a publish may fail while the shard has no master.
  const publish = async (message: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!seen.includes(message)) {
      assert.ok(Date.now() < deadline, `'${message}' never arrived`);
      await client.sendCommand(["SPUBLISH", channel, message], { key: channel }).catch(() => {});
      await delay(50);
    }
  };
  await publish("before");
  await reshard(cluster, { from: a!.id, to: b!.id, slots: 5 });
  await publish("after reshard");
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0]!.gap!.channel, channel);
  await waitClusterStable(cluster.nodes);
  b!.kill("SIGKILL");
  await publish("after kill");
  assert.equal(gaps.length, 2);
  assert.equal(new Set(seen).size, seen.length);
});
