// Client-side caching (CLIENT TRACKING over RESP3) against real servers, and scripted peers for
// the races a real server rarely shows.
import assert from "node:assert/strict";
import { connect, RedisClient, ReplyError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, HELLO3, startScriptedPeer, VARIANTS } from "./_client_helpers.ts";

for (const variant of VARIANTS) {
  Deno.test({
    name: `ClientCache serves reads from memory and never a stale value (${variant.name})`,
    ignore: variant.ignore,
    async fn() {
      await using server = await startRedisServer();
      await using reader = await connectVia(variant, server, { cache: {} });
      await using writer = await connect(server.url);
      const cache = reader.cache!;
      assert.ok(cache.enabled);
      await writer.set("k", "0");
      assert.equal(await cache.get("k"), "0");
      assert.equal(await cache.get("k"), "0");
      assert.deepEqual(cache.stats, { hits: 1, misses: 1, invalidations: 0, flushes: 0 });
      // Another connection writes; reads race with the writes; after a round trip on the reader
      // (which comes after the invalidation push), the cache must agree with the server.
      let last = "0";
      for (let round = 1; round <= 200; round++) {
        const writes: Promise<unknown>[] = [];
        if (round % 3 !== 0) {
          last = String(round);
          writes.push(writer.set("k", last));
        }
        const racing = [cache.get("k"), cache.get("k")];
        await Promise.all(writes);
        await reader.ping(); // the invalidation of a write that finished is read before PONG
        assert.equal(await cache.get("k"), last, `round ${round}`);
        for (const value of await Promise.all(racing)) assert.equal(typeof value, "string");
      }
      assert.ok(cache.stats.hits > 0 && cache.stats.invalidations > 0, JSON.stringify(cache.stats));
      // The reader's own writes invalidate too (no NOLOOP).
      await reader.set("k", "mine");
      await reader.ping();
      assert.equal(await cache.get("k"), "mine");
    },
  });
}

Deno.test("ClientCache caches hashes, multi-key reads and bytes, each invalidated by its keys", async () => {
  await using server = await startRedisServer();
  await using reader = await connect(server.url, { cache: {} });
  await using writer = await connect(server.url);
  const cache = reader.cache!;
  await writer.hset("h", { a: "1" });
  await writer.mset({ x: "1", y: "2" });
  assert.deepEqual(await cache.hgetall("h"), { a: "1" });
  assert.deepEqual(await cache.mget(["x", "y"]), ["1", "2"]);
  const bytes = await cache.sendCommand(["GET", "x"], { returnBuffers: true });
  assert.deepEqual(bytes, new TextEncoder().encode("1"));
  assert.equal(await cache.sendCommand(["GET", "x"]), "1", "strings and bytes are cached apart");
  assert.equal(cache.size, 4);
  await writer.set("y", "3");
  await reader.ping();
  assert.equal(cache.size, 3, "only MGET read y");
  assert.deepEqual(await cache.mget(["x", "y"]), ["1", "3"]);
  // Error replies are not cached.
  await assert.rejects(cache.get("h"), ReplyError);
  await assert.rejects(cache.get("h"), ReplyError);
  assert.equal(cache.size, 4);
  // Writes, and reads whose reply changes by itself, are refused.
  await assert.rejects(cache.set("x", "2"), TypeError);
  await assert.rejects(cache.sendCommand(["TTL", "x"]), TypeError);
  await assert.rejects(cache.sendCommand(["SRANDMEMBER", "s"]), TypeError);
  await assert.rejects(cache.sendCommand(["PING"]), TypeError);
});

Deno.test("ClientCache empties on FLUSHALL (an invalidation with no keys) and on select()", async () => {
  await using server = await startRedisServer();
  await using reader = await connect(server.url, { cache: {} });
  await using writer = await connect(server.url);
  const cache = reader.cache!;
  await writer.set("a", "1");
  await cache.get("a");
  await cache.get("b");
  assert.equal(cache.size, 2);
  await writer.sendCommand(["FLUSHALL"]);
  await reader.ping();
  assert.equal(cache.size, 0);
  assert.equal(cache.stats.flushes, 1);
  assert.equal(await cache.get("a"), null);
  await reader.select(1);
  assert.equal(cache.size, 0, "another database, another keyspace");
  await writer.select(1);
  await writer.set("a", "db1");
  assert.equal(await cache.get("a"), "db1");
});

Deno.test("ClientCache in broadcast mode caches only keys under its prefixes", async () => {
  await using server = await startRedisServer();
  await using reader = await connect(server.url, {
    cache: { mode: "broadcast", prefixes: ["user:"] },
  });
  await using writer = await connect(server.url);
  const cache = reader.cache!;
  await writer.mset({ "user:1": "ann", "other": "x" });
  assert.equal(await cache.get("user:1"), "ann");
  assert.equal(await cache.get("user:1"), "ann");
  assert.equal(await cache.get("other"), "x");
  assert.equal(await cache.get("other"), "x");
  assert.equal(cache.stats.hits, 1, "keys outside the prefixes are not cached");
  assert.equal(cache.size, 1);
  const before = cache.stats.invalidations;
  await writer.set("user:1", "bob");
  await writer.set("user:2", "eve"); // never read: broadcast invalidates it anyway
  await writer.set("other", "y"); // not under the prefix: no invalidation
  await reader.ping();
  assert.equal(cache.stats.invalidations - before, 2);
  assert.equal(await cache.get("user:1"), "bob");
});

Deno.test("ClientCache is emptied and off once the connection ends; a new client starts empty", async () => {
  await using server = await startRedisServer();
  await using admin = await connect(server.url);
  const reader = await connect(server.url, { cache: {}, name: "cached", reconnect: false });
  const cache = reader.cache!;
  await admin.set("k", "v");
  await cache.get("k");
  assert.equal(cache.size, 1);
  await admin.sendCommand(["CLIENT", "KILL", "SKIPME", "yes"]);
  await reader.finished;
  assert.equal(cache.enabled, false);
  assert.equal(cache.size, 0);
  await assert.rejects(cache.get("k"), Error, "no stale answer from a dead connection");
  await using again = await connect(server.url, { cache: {} });
  assert.equal(again.cache!.size, 0);
  assert.equal(await again.cache!.get("k"), "v");
  // Tracking is set up on every connection, as part of its handshake.
  const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
  assert.match(list, /flags=t/);
});

Deno.test("ClientCache keeps at most maxEntries replies, dropping the least recently used", async () => {
  await using server = await startRedisServer();
  await using reader = await connect(server.url, { cache: { maxEntries: 2 } });
  const cache = reader.cache!;
  await cache.get("a");
  await cache.get("b");
  await cache.get("a"); // a is now the most recent
  await cache.get("c"); // drops b
  assert.equal(cache.size, 2);
  const misses = cache.stats.misses;
  await cache.get("a");
  await cache.get("b");
  assert.equal(cache.stats.misses, misses + 1);
});

Deno.test("ClientCache options are checked; protocol 2 cannot track", () => {
  assert.throws(() => new RedisClient({ protocol: 2, cache: {} }), TypeError);
  assert.throws(() => new RedisClient({ cache: { maxEntries: 0 } }), RangeError);
  assert.throws(() => new RedisClient({ cache: { prefixes: ["a"] } }), TypeError);
  assert.throws(
    () => new RedisClient({ cache: { mode: "sometimes" as unknown as "default" } }),
    TypeError,
  );
});

Deno.test("ClientCache does not cache a reply whose key was invalidated while it was in flight", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1); // HELLO 3, then CLIENT TRACKING ON as part of the handshake
    await conn.write(HELLO3);
    await conn.commands(2);
    await conn.write("+OK\r\n");
    await conn.commands(3);
    // GET's reply, then in the same bytes the invalidation of its key by a later write.
    await conn.write("$3\r\nold\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
    await conn.commands(4);
    await conn.write("$3\r\nnew\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  await using client = await connect(peer.url, { cache: {} });
  assert.deepEqual(peer.received[0]!.includes("TRACKING"), true);
  assert.equal(await client.cache!.get("k"), "old");
  assert.equal(client.cache!.size, 0, "not cached: it changed after it was read");
  assert.equal(await client.cache!.get("k"), "new");
});

Deno.test("ClientCache is off, and reads pass through, on a server that only speaks RESP2", async () => {
  await using peer = startScriptedPeer(async (conn) => {
    await conn.commands(1);
    await conn.write("-ERR unknown command 'HELLO'\r\n");
    await conn.commands(2);
    await conn.write("$1\r\nv\r\n");
    await conn.commands(3);
    await conn.write("$1\r\nv\r\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  await using client = await connect(peer.url, { cache: {} });
  assert.equal(client.protocol, 2);
  assert.equal(client.cache!.enabled, false);
  assert.equal(await client.cache!.get("k"), "v");
  assert.equal(await client.cache!.get("k"), "v");
  assert.equal(client.cache!.size, 0);
  assert.ok(!peer.received[0]!.includes("TRACKING"), "no tracking without pushes");
});
