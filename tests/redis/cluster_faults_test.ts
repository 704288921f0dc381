// ClusterClient under load while the cluster changes under it (real servers, node timeout 1 s,
// CI-sized): a reshard, a kill -9 of a master with writes acknowledged by WAIT 1, a graceful
// CLUSTER FAILOVER, a master hung with SIGSTOP and let go, a node added and removed, and sharded
// pub/sub across a reshard and a kill. Writers append unique sequence numbers (see
// tests/_helpers/cluster_load.ts); the lists are read back from the nodes directly. Timings are
// the benchmark's business (bench:cluster); here only outcomes are asserted.

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { connectCluster } from "../../redis/mod.ts";
import { ConnectionClosedError, OutcomeUnknownError } from "../../redis/errors.ts";
import { COMMAND_CHANNEL, type CommandTraceContext } from "../../redis/mod.ts";
import type { ClusterClient } from "../../redis/cluster/cluster_client.ts";
import type { ClusterEvent } from "../../redis/cluster/types.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import {
  addClusterNode,
  callNode,
  clusterMap,
  failover,
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

interface Sent {
  readonly command: string;
  readonly port: number | undefined;
  /** When the node connection started it (epoch ms). */
  readonly at: number;
  /** The error it settled with, if any. */
  error?: unknown;
}

/**
 * Every command the node connections of this isolate start, with the server's port, from the
 * command tracing channel (`start`, and `asyncEnd` for how it settled).
 */
function recordCommands(): { sent: Sent[] } & Disposable {
  const start = diagnostics.channel(`tracing:${COMMAND_CHANNEL}:start`);
  const end = diagnostics.channel(`tracing:${COMMAND_CHANNEL}:asyncEnd`);
  const sent: Sent[] = [];
  const byContext = new WeakMap<CommandTraceContext, Sent>();
  const onStart = (message: unknown): void => {
    const context = message as CommandTraceContext;
    const record = { command: context.command, port: context.serverPort, at: now() };
    byContext.set(context, record);
    sent.push(record);
  };
  const onEnd = (message: unknown): void => {
    const context = message as CommandTraceContext;
    const record = byContext.get(context);
    if (record !== undefined && context.error !== undefined) record.error = context.error;
  };
  start.subscribe(onStart);
  end.subscribe(onEnd);
  return {
    sent,
    [Symbol.dispose]: () => {
      start.unsubscribe(onStart);
      end.unsubscribe(onEnd);
    },
  };
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

Deno.test("ClusterClient keeps other shards going while a master hangs 6 s, follows its replica's promotion, and writes nothing to it once replaced", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  await using client = await connectCluster({ nodes: cluster.seeds });
  const map = await clusterMap(cluster.nodes);
  const frozen = busiestMaster(cluster, map);
  const affected = writersOn(map, frozen.id);
  const others = Array.from({ length: WRITERS }, (_, w) => w).filter((w) => !affected.has(w));
  const load = new SequenceLoad(WRITERS, waitPush(client));
  const replies: { writer: number; at: number }[] = [];
  load.onReply = (writer, at) => void replies.push({ writer, at });
  using recorder = recordCommands();
  load.start();
  await delay(200);
  await using watch = await watchPromotion(cluster, frozen);
  const frozenAt = now();
  frozen.kill("SIGSTOP");
  let thawedAt = Infinity;
  try {
    const promotion = await watch.promoted;
    await delay(frozenAt + 6000 - now());
    thawedAt = now();
    frozen.kill("SIGCONT"); // it comes back and learns it is a replica now
    await load.firstReplyAfter(thawedAt, affected);
    await waitClusterStable(cluster.nodes);
    await delay(300);
    await load.stop();

    const report = load.verify(await readLists(cluster.nodes));
    assert.deepEqual(
      { lost: report.lost, duplicated: report.duplicated },
      { lost: 0, duplicated: 0 },
      JSON.stringify(report),
    );
    // Other shards were unaffected: every one of their writers was answered while the master
    // hung, before and after the promotion, and none of them saw an error.
    for (const [from, to] of [[frozenAt, promotion.at], [promotion.at, thawedAt]]) {
      const answered = new Set(
        replies.filter((r) => r.at > from! && r.at < to!).map((r) => r.writer),
      );
      assert.deepEqual(
        others.filter((w) => !answered.has(w)),
        [],
        "writers of other shards stalled",
      );
    }
    // The hung shard follows the promotion instead of waiting for the hang to end: its writers
    // are answered by the new master before the old one is let go.
    assert.ok(
      replies.some((r) => affected.has(r.writer) && r.at > promotion.at && r.at < thawedAt),
      "the hung shard's writers waited for SIGCONT",
    );
    // The only errors are writes in flight to the hung master (their outcome is unknown).
    for (const error of load.errorSamples) {
      assert.ok(error instanceof OutcomeUnknownError, `${error.name}: ${error.message}`);
    }
    assert.ok(load.errorTimes.every((at) => at > frozenAt));
    // No write reached the old master once its replica was promoted, counted per server port on
    // the command tracing channel, which every node connection publishes to. A command rejected
    // with a plain ConnectionClosedError was never written (queued behind the handshake of a
    // connection opened while the node hung, given up when the map named the new master).
    const old = recorder.sent.filter((c) => c.port === frozen.port);
    assert.ok(old.some((c) => c.at < frozenAt));
    const written = old.filter((c) =>
      c.at > promotion.at &&
      !(c.error instanceof ConnectionClosedError && !(c.error instanceof OutcomeUnknownError))
    );
    assert.deepEqual(
      written.filter((c) => c.command === "RPUSH").map((c) => String(c.error)),
      [],
      "RPUSHes written to the old master after the promotion",
    );
    assert.equal((await clusterMap(cluster.nodes)).nodeById(frozen.id)?.role, "replica");
  } finally {
    if (thawedAt === Infinity) frozen.kill("SIGCONT");
    await load.stop();
  }
});

Deno.test("ClusterClient takes a master silent with replies owed for suspect and follows its replica's promotion while it hangs", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
    // The other shards keep serving while the hung one has no master: no CLUSTERDOWN replies.
    config: { "cluster-require-full-coverage": "no" },
  });
  // Plain writes: no blocking command, so no liveness rule drops the connection, and no
  // CLUSTERDOWN: only the stall watch (suspectAfterMs) tells the client to look again.
  await using client = await connectCluster({ nodes: cluster.seeds, suspectAfterMs: 500 });
  const map = await clusterMap(cluster.nodes);
  const frozen = busiestMaster(cluster, map);
  const affected = writersOn(map, frozen.id);
  const load = new SequenceLoad(WRITERS, plainPush(client));
  load.start();
  await delay(200);
  await using watch = await watchPromotion(cluster, frozen);
  frozen.kill("SIGSTOP");
  let thawed = false;
  try {
    const promotion = await watch.promoted;
    // Answered by the new master while the old one still hangs (given up after 5 s).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await Promise.race([
      load.firstReplyAfter(promotion.at, affected),
      new Promise<number>((resolve) => timer = setTimeout(() => resolve(Infinity), 5000)),
    ]);
    clearTimeout(timer);
    thawed = true;
    frozen.kill("SIGCONT");
    assert.ok(first < Infinity, "the hung shard's writers waited for SIGCONT");
    await waitClusterStable(cluster.nodes);
    await load.stop();
    const report = load.verify(await readLists(cluster.nodes));
    assert.deepEqual(
      { lost: report.lost, duplicated: report.duplicated },
      { lost: 0, duplicated: 0 },
      JSON.stringify(report),
    );
    for (const error of load.errorSamples) {
      assert.ok(error instanceof OutcomeUnknownError, `${error.name}: ${error.message}`);
    }
  } finally {
    if (!thawed) frozen.kill("SIGCONT");
    await load.stop();
  }
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
