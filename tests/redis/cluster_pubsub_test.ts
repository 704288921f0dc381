// ClusterPubSub against real clusters: sharded channels on one connection per shard, a slot moved
// by a reshard (the server's own SUNSUBSCRIBE) and a killed master both end in a resubscription
// at the new owner and a `gap` event for the moved channel only; the classic connection moves
// when its node dies; our own unsubscribes are never taken for a move.

import assert from "node:assert/strict";
import { ClusterPubSub } from "../../redis/cluster/pubsub.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import type { PubSubMessage } from "../../redis/client/subscription.ts";
import {
  callNode,
  clusterMap,
  type RedisClusterNode,
  reshard,
  startCluster,
  waitClusterStable,
} from "../../redis/testing/mod.ts";
import { TestClusterHost } from "./_cluster_host.ts";

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// A channel name whose slot is `slot`.
function channelIn(slot: number, prefix: string): string {
  for (let i = 0;; i++) if (keySlot(`${prefix}${i}`) === slot) return `${prefix}${i}`;
}

async function ownerOf(host: TestClusterHost, channel: string): Promise<RedisClusterNode> {
  const map = await clusterMap(host.live());
  const id = map.masterOf(keySlot(channel))!.id;
  return host.cluster.nodes.find((node) => node.id === id)!;
}

function waitSeen(seen: PubSubMessage[], message: string): Promise<void> {
  return waitFor(`'${message}'`, () => seen.some((m) => m.message === message));
}

Deno.test("ClusterPubSub ssubscribe uses one connection per shard that has channels", async () => {
  await using cluster = await startCluster({ masters: 3 });
  const host = await TestClusterHost.create(cluster);
  await using pubsub = new ClusterPubSub(host);
  const map = host.topology();
  const [a, b] = map.shards;
  const inA = [channelIn(a!.slots[0]![0], "a"), channelIn(a!.slots[0]![0] + 1, "a")];
  const inB = channelIn(b!.slots[0]![0], "b");
  const seen: PubSubMessage[] = [];
  const one = await pubsub.subscribe("shard", inA, { onMessage: (m) => void seen.push(m) });
  const two = await pubsub.subscribe("shard", inB, { onMessage: (m) => void seen.push(m) });
  assert.equal(host.opened.length, 2);
  for (const channel of [...inA, inB]) {
    const owner = await ownerOf(host, channel);
    assert.equal(await callNode(owner, ["SPUBLISH", channel, `hi ${channel}`]), 1);
  }
  await waitFor("three messages", () => seen.length === 3);
  assert.deepEqual(seen.map((m) => m.channel).sort(), [...inA, inB].sort());
  assert.ok(seen.every((m) => m.kind === "shard" && m.message === `hi ${m.channel}`));
  // Our own unsubscribe is no move: no gap, nothing resubscribed, the idle connection closes.
  await two.unsubscribe();
  await waitFor("b's connection to close", () => host.opened[1]!.status === "closed");
  assert.equal(await callNode(await ownerOf(host, inB), ["SPUBLISH", inB, "x"]), 0);
  await one.unsubscribe();
  assert.equal(host.events.length, 0);
  assert.equal(pubsub.orphans, 0);
});

Deno.test("ClusterPubSub follows a shard channel across a reshard and a master's kill", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const host = await TestClusterHost.create(cluster);
  await using pubsub = new ClusterPubSub(host);
  const [a, b, c] = cluster.nodes;
  const map = host.topology();
  const slotOf = (node: RedisClusterNode): number =>
    map.shards.find((shard) => shard.master?.id === node.id)!.slots[0]![0];
  const moving = channelIn(slotOf(a!), "m"); // a's lowest slot: the reshard moves it first
  const staying = channelIn(slotOf(c!), "s");
  const seen: PubSubMessage[] = [];
  const onMessage = (m: PubSubMessage): void => void seen.push(m);
  await pubsub.subscribe("shard", [moving, staying], { onMessage });
  const classic = await pubsub.subscribe("channel", "news", { onMessage });

  await reshard(cluster, { from: a!.id, to: b!.id, slots: 10 });
  await waitFor("a gap for the moved channel", () => host.events.length === 1);
  const gap = host.events[0]!.gap!;
  assert.equal(gap.kind, "sharded");
  assert.equal(gap.channel, moving);
  assert.ok(gap.until >= gap.since);
  assert.equal((await ownerOf(host, moving)).id, b!.id);
  assert.equal(await callNode(b!, ["SPUBLISH", moving, "after reshard"]), 1);
  assert.equal(await callNode(c!, ["SPUBLISH", staying, "unmoved"]), 1);
  await waitSeen(seen, "after reshard");
  await waitSeen(seen, "unmoved");

  // Kill the moving channel's master (b now); its replica takes over and the channel follows.
  await waitClusterStable(cluster.nodes);
  b!.kill("SIGKILL");
  host.dead.add(b!.port);
  // Wait for the moving channel's own second gap: the classic channel's connection may have been
  // on b too, and its gap can come first.
  const gapsOf = (channel: string) => host.events.filter((event) => event.gap!.channel === channel);
  await waitFor("a second gap after the kill", () => gapsOf(moving).length >= 2, 30_000);
  const killed = host.events.filter((event) => event.gap!.channel === moving);
  assert.equal(killed.length, 2);
  const promoted = await ownerOf(host, moving);
  assert.notEqual(promoted.id, b!.id);
  assert.equal(await callNode(promoted, ["SPUBLISH", moving, "after kill"]), 1);
  await waitSeen(seen, "after kill");
  // Each message once: no duplicate delivery after the moves.
  const texts = seen.map((m) => `${m.channel}/${m.message}`);
  assert.equal(new Set(texts).size, texts.length);
  // The classic connection was on some node: a PUBLISH anywhere still reaches it.
  const live = host.live().find((node) => node.id !== promoted.id)!;
  assert.ok(Number(await callNode(live, ["PUBLISH", "news", "classic"])) >= 0);
  await waitFor("the classic message", () => seen.some((m) => m.message === "classic"));
  assert.ok(classic.active);
  assert.ok(host.events.every((event) => event.gap!.channel !== staying));
});

Deno.test("ClusterPubSub moves the classic connection when its node dies", async () => {
  await using cluster = await startCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
  });
  const host = await TestClusterHost.create(cluster);
  await using pubsub = new ClusterPubSub(host);
  const seen: PubSubMessage[] = [];
  await pubsub.subscribe("pattern", "news.*", { onMessage: (m) => void seen.push(m) });
  const used = host.opened[0]!;
  const port = (used.transport!.remoteAddr as Deno.NetAddr).port;
  const node = cluster.nodes.find((node) => node.port === port)!;
  node.kill("SIGKILL");
  host.dead.add(port);
  await waitFor("a gap for the pattern", () => host.events.length === 1, 30_000);
  assert.equal(host.events[0]!.gap!.kind, "pattern");
  assert.equal(host.events[0]!.gap!.channel, "news.*");
  assert.ok(host.downs.length >= 1);
  const other = host.live()[0]!;
  // A PUBLISH reaches the other nodes through the cluster bus: publish until it arrives.
  for (let i = 0; !seen.some((m) => m.message === "moved" && m.pattern === "news.*"); i++) {
    assert.ok(i < 100, "the message on the moved connection never arrived");
    await callNode(other, ["PUBLISH", "news.eu", "moved"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
