// ClusterClient following a real cluster's answers: MOVED, ASK and TRYAGAIN produced by hand
// with CLUSTER SETSLOT IMPORTING/MIGRATING and MIGRATE; a write whose connection dies after it
// was sent (never re-sent) beside a read that is retried; announced addresses that nothing
// listens on (NAT) reached through mapAddress. TLS with the announced hostname as SNI is in
// cluster_tls_test.ts.

import assert from "node:assert/strict";
import {
  ClusterDownError,
  type ClusterEvent,
  ClusterOutcomeUnknownError,
  connectCluster,
  keySlot,
  NodeUnreachableError,
} from "../../redis/mod.ts";
import { startCluster } from "../../redis/testing/mod.ts";
import {
  beginMigration,
  finishMigration,
  keyOn,
  masterPorts,
  migrateKeys,
  moveSlot,
  ownerPort,
} from "./_cluster_client_helpers.ts";

function otherMaster(ports: number[], not: number): number {
  return ports.find((port) => port !== not)!;
}

Deno.test("ClusterClient follows MOVED, ASK and TRYAGAIN from a slot moved by hand", async (t) => {
  await using servers = await startCluster();
  await using cluster = await connectCluster({ nodes: servers.seeds });
  const redirects: ClusterEvent[] = [];
  cluster.addEventListener("redirect", (event) => redirects.push(event));
  const masters = masterPorts(servers);

  await t.step("commands of one tick leave as one write per node connection", async () => {
    await using fresh = await connectCluster({ nodes: servers.seeds });
    for (const port of masters) await fresh.set(await keyOn(servers, port, "warm:"), "1");
    const reads = async () =>
      await Promise.all(masters.map(async (port) => {
        const info = String(await servers.call(port, ["INFO", "stats"]));
        return Number(/total_reads_processed:(\d+)/.exec(info)![1]);
      }));
    // What reading INFO itself costs (its command, its connection's end).
    const first = await reads();
    const idle = await reads();
    await Promise.all(Array.from({ length: 300 }, (_, i) => fresh.set(`tick:${i}`, "x")));
    const after = await reads();
    const own = after.map((n, i) => n - idle[i]! - (idle[i]! - first[i]!));
    assert.deepEqual(own, masters.map(() => 1));
  });

  await t.step(
    "MOVED: the slot is patched, the command resent, the topology refreshed",
    async () => {
      const key = "moved:key";
      const slot = keySlot(key);
      await cluster.set(key, "before");
      const from = await ownerPort(servers, slot);
      const to = otherMaster(masters, from);
      await moveSlot(servers, slot, to);
      assert.equal(cluster.topology().masterOf(slot)?.port, from); // still the old view
      assert.equal(await cluster.get(key), "before");
      assert.equal(redirects.length, 1);
      assert.equal(redirects[0]!.redirect?.kind, "moved");
      assert.equal(redirects[0]!.redirect?.port, to);
      assert.equal(cluster.topology().masterOf(slot)?.port, to);
      await cluster.refreshTopology();
      assert.equal(cluster.topology().masterOf(slot)?.port, to);
      assert.equal(await cluster.set(key, "after"), "OK");
      assert.equal(redirects.length, 1);
    },
  );

  await t.step("ASK then TRYAGAIN during a migration, the slot map left alone", async () => {
    redirects.length = 0;
    const [a, b] = ["{mig}a", "{mig}b"];
    const slot = keySlot(a);
    await cluster.set(a, "va");
    await cluster.set(b, "vb");
    const from = await ownerPort(servers, slot);
    const to = otherMaster(masters, from);
    await beginMigration(servers, slot, from, to);
    await migrateKeys(servers, from, to, [a]);

    assert.equal(await cluster.get(a), "va"); // ASK, then ASKING + GET on the target
    assert.equal(await cluster.get(b), "vb"); // still on the source
    assert.equal(redirects.length, 1);
    assert.equal(redirects[0]!.redirect?.kind, "ask");
    assert.equal(cluster.topology().masterOf(slot)?.port, from);

    // One key moved, one not: the source answers TRYAGAIN until the other one moves too.
    const both = cluster.mget([a, b]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await migrateKeys(servers, from, to, [b]);
    assert.deepEqual(await both, ["va", "vb"]);

    await finishMigration(servers, slot, to);
    assert.deepEqual(await cluster.mget([a, b]), ["va", "vb"]);
    assert.equal(cluster.topology().masterOf(slot)?.port, to);
  });

  await t.step("a transaction follows a slot that moved", async () => {
    const key = "{txmove}n";
    const slot = keySlot(key);
    await cluster.set(key, "1");
    const from = await ownerPort(servers, slot);
    await moveSlot(servers, slot, otherMaster(masters, from));
    const tx = cluster.multi();
    tx.incr(key);
    tx.incr(key);
    assert.deepEqual(await tx.exec(), [2, 3]);
  });

  await t.step(
    "a transaction on a migrating slot follows ASK with ASKING before MULTI",
    async () => {
      const key = "{txask}n";
      const slot = keySlot(key);
      await cluster.set(key, "10");
      const from = await ownerPort(servers, slot);
      const to = otherMaster(masters, from);
      await beginMigration(servers, slot, from, to);
      await migrateKeys(servers, from, to, [key]);
      const tx = cluster.multi();
      tx.incr(key);
      tx.get(key);
      assert.deepEqual(await tx.exec(), [11, "11"]);
      const plain = await servers.call(to, ["GET", key]); // without ASKING the target refuses
      assert.ok(plain instanceof Error && plain.message.startsWith("MOVED"));
      await finishMigration(servers, slot, to);
      assert.equal(await cluster.get(key), "11");
    },
  );

  await t.step("a pipeline re-sends only the commands of the moved slot", async () => {
    const moved = "pipe:moved";
    const slot = keySlot(moved);
    await cluster.set(moved, "m");
    const from = await ownerPort(servers, slot);
    const to = otherMaster(masters, from);
    // Settle the refresh the previous step's MOVED asked for, so that no refresh learns of the
    // move below before the pipeline meets it.
    await cluster.refreshTopology();
    await moveSlot(servers, slot, to);
    const before = redirects.length;
    const batch = cluster.pipeline();
    batch.get(moved);
    for (let i = 0; i < 50; i++) batch.set(`pipe:${i}`, String(i));
    batch.get(moved);
    const results = await batch.exec();
    assert.equal(results[0], "m");
    assert.equal(results.at(-1), "m");
    assert.equal(redirects.length - before, 2);
  });

  await t.step(
    "a written write whose connection dies rejects, unknown, and is never re-sent; a read behind it is retried",
    async () => {
      const source = "ou:{src}";
      const slot = keySlot(source);
      const port = await ownerPort(servers, slot);
      await cluster.set("ou:{src}read", "r");
      // A blocking write, then a read queued behind it on the same connection.
      const blocked = cluster.sendCommand(["BLMOVE", source, "ou:{src}dst", "LEFT", "RIGHT", "0"]);
      const read = cluster.get("ou:{src}read");
      const outcome = blocked.then(() => undefined, (error: unknown) => error);
      for (let i = 0; i < 100; i++) {
        const list = String(await servers.call(port, ["CLIENT", "LIST", "TYPE", "normal"]));
        if (list.includes("cmd=blmove")) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await servers.call(port, ["CLIENT", "KILL", "TYPE", "normal"]);
      const error = await outcome;
      assert.ok(error instanceof ClusterOutcomeUnknownError);
      assert.equal(error.command, "BLMOVE");
      assert.equal(error.slot, slot);
      assert.equal(error.node, `127.0.0.1:${port}`);
      assert.equal(await read, "r");
      assert.equal(await cluster.llen(source), 0);
    },
  );
  await t.step(
    "CLUSTERDOWN is retried until the slot is served again, else ClusterDownError",
    async () => {
      const key = "down:key";
      const slot = keySlot(key);
      await cluster.set(key, "v");
      const owner = await ownerPort(servers, slot);
      const unassign = async () => {
        for (const port of masters) await servers.call(port, ["CLUSTER", "DELSLOTS", String(slot)]);
      };
      await unassign();
      const pending = cluster.get(key);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await servers.call(owner, ["CLUSTER", "ADDSLOTS", String(slot)]);
      assert.equal(await pending, "v");

      await using impatient = await connectCluster({ nodes: servers.seeds, retryDeadlineMs: 300 });
      await unassign();
      await assert.rejects(impatient.get(key), ClusterDownError);
      await servers.call(owner, ["CLUSTER", "ADDSLOTS", String(slot)]);
    },
  );
});

// Free ports for announcements: nothing listens on them.
function freePorts(count: number): number[] {
  const ports: number[] = [];
  while (ports.length < count) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (port + 10000 < 65536 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

Deno.test("ClusterClient reaches announced addresses nothing listens on through mapAddress", async () => {
  await using servers = await startCluster();
  const announced = freePorts(servers.nodes.length);
  const map: Record<string, string> = {};
  for (const [i, node] of servers.nodes.entries()) {
    await servers.call(node.port, ["CONFIG", "SET", "cluster-announce-port", String(announced[i])]);
    map[`127.0.0.1:${announced[i]}`] = `127.0.0.1:${node.port}`;
  }
  // Every node sees every announcement.
  for (let tries = 0;; tries++) {
    const views = await Promise.all(
      servers.nodes.map((node) => servers.call(node.port, ["CLUSTER", "SHARDS"])),
    );
    if (
      announced.every((port) => views.every((view) => JSON.stringify(view).includes(`${port}`)))
    ) break;
    assert.ok(tries < 300, "the announcements did not spread");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  await using mapped = await connectCluster({ nodes: servers.seeds, mapAddress: map });
  const keys = Array.from({ length: 30 }, (_, i) => `nat:${i}`);
  for (const key of keys) await mapped.set(key, key);
  assert.deepEqual(await mapped.mget(keys), keys);
  assert.ok(mapped.topology().nodes.every((node) => announced.includes(node.port!)));
  // A MOVED names an announced address too.
  const slot = keySlot("nat:0");
  const real = (port: number) => servers.nodes[announced.indexOf(port)]!.port;
  const from = real(await ownerPort(servers, slot));
  const to = masterPorts(servers).find((port) => port !== from)!;
  await beginMigration(servers, slot, from, to);
  await migrateKeys(servers, from, to, ["nat:0"]);
  await finishMigration(servers, slot, to);
  assert.equal(await mapped.get("nat:0"), "nat:0");
  assert.equal(real(mapped.topology().masterOf(slot)!.port!), to);

  // Without the map the announced addresses cannot be reached: the error names them.
  await using unmapped = await connectCluster({ nodes: servers.seeds, retryDeadlineMs: 200 });
  await assert.rejects(unmapped.get("nat:1"), (error: unknown) => {
    assert.ok(error instanceof NodeUnreachableError);
    assert.ok(announced.some((port) => error.message.includes(`:${port}`)));
    return true;
  });
  // With a map that leads nowhere, the error names both addresses.
  const dead = freePorts(1)[0]!;
  await using wrong = await connectCluster({
    nodes: servers.seeds,
    retryDeadlineMs: 200,
    mapAddress: () => ({ host: "127.0.0.1", port: dead }),
  });
  await assert.rejects(wrong.get("nat:1"), (error: unknown) => {
    assert.ok(error instanceof NodeUnreachableError);
    assert.equal(error.address, `127.0.0.1:${dead}`);
    assert.ok(announced.some((port) => error.announced === `127.0.0.1:${port}`));
    return true;
  });
});
