// ClusterClient against one real cluster (3 masters, 1 replica each, redis-server 7.0.15):
// routing, pipelines across nodes, one-slot transactions, cross-slot splitting, fan-out by the
// catalog's tips, scanning every shard, readFrom, and no leaked connections or memory.

import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import {
  ClusterClient,
  type ClusterEvent,
  connectCluster,
  CrossSlotError,
  keySlot,
  TopologyRefreshError,
} from "../../redis/mod.ts";
import { startCluster } from "../../redis/testing/mod.ts";
import {
  callsOf,
  connectionCounts,
  keyOn,
  masterPorts,
  ownerPort,
  replicaPorts,
} from "./_cluster_client_helpers.ts";

// A full garbage collection on demand, without `--v8-flags=--expose-gc` on the command line:
// the flag set now exposes `gc` to contexts made from now on.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

/** The heap in use once garbage is collected (twice: weak references, then what they held). */
function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return Deno.memoryUsage().heapUsed;
}

Deno.test("ClusterClient routes, batches, splits and fans out on a real cluster", async (t) => {
  await using servers = await startCluster({ replicasPerMaster: 1 });
  const seeds = servers.seeds;

  await t.step("connectCluster works from one seed with default options", async () => {
    const topologies: ClusterEvent[] = [];
    const cluster = new ClusterClient({ nodes: [`${seeds[0]!.host}:${seeds[0]!.port}`] });
    cluster.addEventListener("topology", (event) => topologies.push(event));
    await cluster.connect();
    try {
      assert.equal(cluster.topology().shards.length, 3);
      assert.equal(cluster.topology().covered, true);
      assert.equal(topologies.length, 1);
      assert.equal(topologies[0]!.changedSlots.length, 16384);
    } finally {
      await cluster.close();
    }
  });

  await using cluster = await connectCluster({ nodes: seeds });

  await t.step("sendCommand routes every key to the master of its slot", async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `route:${i}`);
    await Promise.all(keys.map((key, i) => cluster.set(key, String(i))));
    for (const key of keys.slice(0, 30)) {
      const port = await ownerPort(servers, keySlot(key));
      assert.equal(await servers.call(port, ["GET", key]), key.slice(6));
    }
    assert.deepEqual(await cluster.mget(keys), keys.map((_, i) => String(i)));
  });

  await t.step("sendCommand routes on the bytes of binary keys and hash tags", async () => {
    const key = new Uint8Array([0xff, 0x00, 0x7b, 0x61, 0x7d, 0x80]); // "\xff\0{a}\x80"
    await cluster.sendCommand(["SET", key, "bin"]);
    assert.equal(await cluster.sendCommand(["GET", key]), "bin");
    const port = await ownerPort(servers, keySlot("a"));
    assert.equal(await servers.call(port, ["EXISTS", key]), 1);
  });

  await t.step(
    "sendCommand with a key runs WAIT on that key's master after the write",
    async () => {
      const pushed = cluster.rpush("acked:{w}", "1");
      const waited = cluster.sendCommand(["WAIT", "1", "2000"], { key: "acked:{w}" });
      assert.deepEqual(await Promise.all([pushed, waited]), [1, 1]);
      // Without a key, WAIT goes to every shard and the smallest count wins (agg_min).
      assert.equal(await cluster.sendCommand(["WAIT", "1", "2000"]), 1);
    },
  );

  await t.step("pipeline splits by node and returns replies in the caller's order", async () => {
    const batch = cluster.pipeline();
    const expected: unknown[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) {
        batch.set(`p:${i}`, String(i));
        expected.push("OK");
      } else {
        batch.get(`p:${i - 1}`);
        expected.push(String(i - 1));
      }
    }
    batch.rpush("plog:{p}", "x");
    batch.sendCommand(["WAIT", "1", "2000"], { key: "plog:{p}" });
    batch.mget(["p:0", "p:2", "p:4"]);
    expected.push(1, 1, ["0", "2", "4"]);
    assert.deepEqual(await batch.exec(), expected);
  });

  await t.step("pipeline reports each command's own error in place", async () => {
    await cluster.set("perr", "text");
    const batch = cluster.pipeline();
    const incr = batch.incr("perr");
    batch.set("perr2", "v");
    const results = await batch.exec();
    assert.ok(results[0] instanceof Error);
    assert.equal(results[1], "OK");
    await assert.rejects(incr, /not an integer/);
  });

  await t.step("multi runs in one slot and refuses a second slot before sending", async () => {
    const tx = cluster.multi();
    tx.incr("{cart}:n");
    tx.incrby("{cart}:n", 5);
    assert.deepEqual(await tx.exec(), [1, 6]);
    const bad = cluster.multi();
    bad.set("{a}x", "1");
    const second = bad.set("{b}x", "1");
    await assert.rejects(second, (error: unknown) => {
      assert.ok(error instanceof CrossSlotError);
      assert.deepEqual(error.slots, [keySlot("a"), keySlot("b")]);
      return true;
    });
    await assert.rejects(bad.exec(), CrossSlotError);
    assert.equal(await cluster.exists("{a}x"), 0);
    // A typed call refused before it is queued (from plain JavaScript) fails it as a whole too.
    const refused = cluster.multi();
    refused.set("{a}x", "1");
    const extra = (refused.get as (...args: unknown[]) => Promise<unknown>)("{a}x", "more");
    await assert.rejects(extra, TypeError);
    await assert.rejects(refused.exec(), TypeError);
    assert.equal(await cluster.exists("{a}x"), 0);
  });

  await t.step("withSlot pins WATCH/MULTI/EXEC to the slot's master", async () => {
    await cluster.set("watched", "1");
    const result = await cluster.withSlot("watched", async (node) => {
      await node.sendCommand(["WATCH", "watched"]);
      await cluster.set("watched", "2"); // another connection changes it
      const tx = node.multi();
      tx.set("watched", "3");
      return await tx.exec();
    });
    assert.equal(result, null);
    assert.equal(await cluster.get("watched"), "2");
  });

  await t.step(
    "cross-slot MGET, DEL, EXISTS, TOUCH, UNLINK are split and reassembled",
    async () => {
      const keys = ["x:1", "x:2", "x:3", "x:4", "x:5", "x:6"];
      assert.ok(new Set(keys.map(keySlot)).size > 3);
      for (const key of keys.slice(0, 4)) await cluster.set(key, key);
      assert.deepEqual(await cluster.mget(keys), ["x:1", "x:2", "x:3", "x:4", null, null]);
      assert.equal(await cluster.exists(keys), 4);
      assert.equal(await cluster.touch(keys), 4);
      assert.equal(await cluster.unlink(["x:1", "x:5"]), 1);
      assert.equal(await cluster.del(keys), 3);
    },
  );

  await t.step("MSET across slots needs split-all; MSETNX is never split", async () => {
    await assert.rejects(cluster.mset({ "m:1": "a", "m:2": "b" }), CrossSlotError);
    await assert.rejects(
      cluster.sendCommand(["MSETNX", "m:1", "a", "m:2", "b"]),
      CrossSlotError,
    );
    await using splitting = await connectCluster({ nodes: seeds, crossSlot: "split-all" });
    assert.equal(await splitting.mset({ "m:1": "a", "m:2": "b", "m:3": "c" }), "OK");
    assert.deepEqual(await splitting.mget(["m:3", "m:1", "m:2"]), ["c", "a", "b"]);
    await assert.rejects(splitting.sendCommand(["MSETNX", "m:1", "a", "m:2", "b"]), CrossSlotError);
  });

  await t.step("DBSIZE, KEYS and SCRIPT LOAD fan out by the catalog's tips", async () => {
    let sum = 0;
    for (const port of masterPorts(servers)) {
      sum += Number(await servers.call(port, ["DBSIZE"]));
    }
    assert.equal(await cluster.dbsize(), sum);
    assert.equal((await cluster.keys("p:*")).length, 500);
    const sha = await cluster.sendCommand<string>(["SCRIPT", "LOAD", "return 7"]);
    for (const node of servers.nodes) {
      assert.deepEqual(await servers.call(node.port, ["SCRIPT", "EXISTS", sha]), [1]);
    }
    assert.deepEqual(await cluster.sendCommand(["SCRIPT", "EXISTS", sha, "0".repeat(40)]), [1, 0]);
    assert.equal(await cluster.sendCommand(["EVALSHA", sha, "1", "any:key"]), 7);
  });

  await t.step("scanIterator yields every key of every shard", async () => {
    const seen = new Set<string>();
    for await (const key of cluster.scanIterator({ match: "p:*", count: 100 })) seen.add(key);
    assert.equal(seen.size, 500);
  });

  await t.step("readFrom replica sends reads to replicas and writes to masters", async () => {
    await using reading = await connectCluster({ nodes: seeds, readFrom: "replica" });
    const replicas = replicaPorts(servers);
    const before = await Promise.all(replicas.map((port) => callsOf(servers, port, "get")));
    const keys = Array.from({ length: 60 }, (_, i) => `r:${i}`);
    for (const key of keys) await reading.set(key, "v");
    assert.equal(await reading.sendCommand(["WAIT", "1", "2000"]), 1);
    for (const key of keys) assert.equal(await reading.get(key), "v");
    const after = await Promise.all(replicas.map((port) => callsOf(servers, port, "get")));
    const served = after.map((n, i) => n - before[i]!);
    assert.equal(served.reduce((a, b) => a + b, 0), 60);
    assert.ok(served.every((n) => n > 0), `every replica served reads: ${served}`);
  });

  await t.step("readFrom as a function chooses the node, and nearest stays correct", async () => {
    const chosen: number[] = [];
    await using custom = await connectCluster({
      nodes: seeds,
      readFrom: ({ master, replicas, slot }) => {
        chosen.push(slot);
        return replicas[0] ?? master;
      },
    });
    assert.equal(await custom.get("r:1"), "v");
    assert.ok(chosen.length > 0 && chosen.every((slot) => slot === keySlot("r:1")));
    await using nearest = await connectCluster({ nodes: seeds, readFrom: "nearest" });
    for (let i = 0; i < 20; i++) assert.equal(await nearest.get(`r:${i}`), "v");
  });

  await t.step("a key on each master is served by that master", async () => {
    for (const port of masterPorts(servers)) {
      const key = await keyOn(servers, port, "own:");
      await cluster.set(key, String(port));
      assert.equal(await servers.call(port, ["GET", key]), String(port));
    }
  });

  await t.step(
    "1,000 forced refreshes and 100 connect/close cycles leak no connection and no memory",
    async () => {
      const before = await connectionCounts(servers);
      await using refreshing = await connectCluster({ nodes: seeds, refresh: { minGapMs: 0 } });
      await refreshing.set("leak", "1");
      const opened = await connectionCounts(servers);
      // The heap is measured after the first half of each run, once the code is warm: what the
      // second half adds stays within a bound far below what it would keep if each refresh kept
      // a slot map (tens of KB) or each cycle a closed client (~10 KB; ~1 KB measured without).
      let heap = 0;
      for (let i = 0; i < 1000; i++) {
        if (i === 500) heap = heapUsed();
        await refreshing.refreshTopology();
      }
      const perRefresh = (heapUsed() - heap) / 500;
      assert.ok(refreshing.refreshes >= 1000);
      assert.deepEqual(await connectionCounts(servers), opened);
      assert.ok(perRefresh < 1024, `the heap grew by ${perRefresh} bytes per refresh`);
      for (let i = 0; i < 100; i++) {
        if (i === 40) heap = heapUsed();
        const short = await connectCluster({ nodes: seeds });
        await short.get("leak");
        await short.close();
      }
      const perCycle = (heapUsed() - heap) / 60;
      await refreshing.close();
      assert.deepEqual(await connectionCounts(servers), before);
      assert.ok(perCycle < 4096, `the heap grew by ${perCycle} bytes per connect/close cycle`);
    },
  );
});

Deno.test("connectCluster rejects with TopologyRefreshError naming each seed's cause", async () => {
  const error = await connectCluster({ nodes: ["127.0.0.1:1", "127.0.0.1:2"] }).then(
    () => undefined,
    (error) => error,
  );
  assert.ok(error instanceof TopologyRefreshError);
  assert.deepEqual(error.failures.map((failure) => failure.node), ["127.0.0.1:1", "127.0.0.1:2"]);
});

Deno.test("ClusterClient refuses bad options before connecting", () => {
  assert.throws(() => new ClusterClient({ nodes: [] }), TypeError);
  assert.throws(() => new ClusterClient({ nodes: ["nohostport"] }), TypeError);
  assert.throws(
    () => new ClusterClient({ nodes: ["127.0.0.1:7000"], crossSlot: "never" as "split" }),
    TypeError,
  );
});
