// One connection to a real cluster node, subscribed to two shard channels in different slots of
// that node: while our SUNSUBSCRIBE of one is pending, the other's slot moves away and the server
// sends its own SUNSUBSCRIBE for it. The two are told apart by name: ours answers our call, the
// server's ends the other subscription, and the connection carries on.
//
// Ordering the server's push before the answer to our call: the node sleeps (DEBUG SLEEP), the
// step of a migration that takes the slot away from it (CLUSTER SETSLOT … NODE <other>) is
// written to it, then our SUNSUBSCRIBE; once awake, the node reads them in the order they came.
// (Only that node is told: had the new owner taken the slot first, the node would learn of it
// through the cluster bus at once, before the sleep.)

import assert from "node:assert/strict";
import { connect, RedisError } from "../../redis/mod.ts";
import { keySlot } from "../../redis/cluster/slot.ts";
import { clusterMap, startCluster } from "../../redis/testing/mod.ts";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function channelIn(slot: number, prefix: string): string {
  for (let i = 0;; i++) if (keySlot(`${prefix}${i}`) === slot) return `${prefix}${i}`;
}

/**
 * A raw connection to a node's unix socket, already accepted by the node (it answered a PING):
 * `send` writes one inline command and returns a function that reads its reply's first line.
 */
async function rawConnection(path: string): Promise<
  Disposable & { send(line: string): Promise<() => Promise<string>> }
> {
  const conn = await Deno.connect({ transport: "unix", path });
  const encoder = new TextEncoder();
  const read = async (): Promise<string> => {
    const buffer = new Uint8Array(256);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0)).split("\r\n")[0]!;
  };
  await conn.write(encoder.encode("PING\r\n"));
  assert.equal(await read(), "+PONG");
  return {
    async send(line) {
      await conn.write(encoder.encode(`${line}\r\n`));
      return read;
    },
    [Symbol.dispose]: () => conn.close(),
  };
}

Deno.test("RedisClient tells the server's SUNSUBSCRIBE from the answer to its own pending one", async () => {
  await using cluster = await startCluster({ masters: 3 });
  const [node, target] = cluster.nodes;
  const map = await clusterMap(cluster.nodes);
  const [from] = map.shards.find((shard) => shard.master?.id === node!.id)!.slots[0]!;
  let slot = from;
  for (const protocol of [2, 3] as const) {
    const kept = channelIn(slot++, "kept");
    const moved = channelIn(slot++, "moved");
    const movedSlot = keySlot(moved);
    await using client = await connect(node!.url, { protocol, reconnect: false });
    const leaving = await client.ssubscribe(kept);
    const dropped = await client.ssubscribe(moved);

    using sleeper = await rawConnection(node!.socketPath);
    using migrator = await rawConnection(node!.socketPath);
    const sleeping = await sleeper.send("DEBUG SLEEP 0.4");
    await delay(50);
    const setslot = await migrator.send(`CLUSTER SETSLOT ${movedSlot} NODE ${target!.id}`);
    await delay(50);
    const left = leaving.unsubscribe();
    assert.equal(await sleeping(), "+OK");
    assert.equal(await setslot(), "+OK");
    await left;
    // The server's push ended the other subscription; ours was answered.
    const error = await dropped.finished;
    assert.ok(error instanceof RedisError, `RESP${protocol}: ${error}`);
    assert.match(error.message, /on its own/);
    assert.equal(await leaving.finished, undefined);
    assert.equal(await client.ping(), "PONG");
    // Neither channel is subscribed on the node any more.
    assert.deepEqual(
      await client.sendCommand(["PUBSUB", "SHARDNUMSUB", kept, moved]),
      [kept, 0, moved, 0],
    );
  }
});
