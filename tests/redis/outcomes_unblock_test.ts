// Issue 14, item 9: aborting a blocking command frees its connection. An aborted or timed-out
// BLPOP is unblocked on the server (CLIENT UNBLOCK from a side connection), so the commands
// behind it go on and close() does not wait for it. Against real redis-servers.
import assert from "node:assert/strict";
import { AbortError, connect, type RedisClient, TimeoutError } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { faultTest, until, withDeadline } from "./_fault_helpers.ts";

async function blockedClients(admin: RedisClient): Promise<number> {
  const info = String(await admin.sendCommand(["INFO", "clients"]));
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

faultTest(
  "RedisClient unblocks an aborted BLPOP on the server, so a GET issued right after resolves " +
    "within a second on the same connection",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    await client.set("k", "v");
    const controller = new AbortController();
    const blpop = client.blpop("empty", 0, { signal: controller.signal });
    await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
    controller.abort();
    await assert.rejects(blpop, AbortError);
    const get = await withDeadline(1000, "GET right after the abort", client.get("k"));
    assert.equal(get, "v");
    assert.equal(await blockedClients(admin), 0);
    assert.equal(client.stats.connections, 1, "the same connection, not a new one");
  },
);

faultTest(
  "RedisClient unblocks a BLPOP whose timeoutMs ran out, and the commands queued behind it run",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    const blpop = client.blpop("empty", 0, { timeoutMs: 200 });
    const behind = client.incr("counter"); // written after BLPOP, waits for it on the server
    await assert.rejects(blpop, TimeoutError);
    assert.equal(await withDeadline(1000, "INCR behind the BLPOP", behind), 1);
    assert.equal(await blockedClients(admin), 0);
    await admin.rpush("empty", "late");
    assert.deepEqual(
      await admin.lrange("empty", 0, -1),
      ["late"],
      "the aborted BLPOP took nothing",
    );
  },
);

faultTest(
  "RedisClient.close() unblocks a pending BLPOP instead of waiting closeTimeoutMs",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    const client = await connect(server.url, { closeTimeoutMs: 10_000 });
    const blpop = client.blpop("empty", 0);
    await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
    await withDeadline(2000, "close()", client.close());
    assert.equal(await blpop, null, "answered as if its timeout ran out");
    assert.equal(await client.finished, undefined, "a clean close");
    assert.equal(await blockedClients(admin), 0);
  },
);

faultTest(
  "RedisClient.close() does not wait for an aborted BLPOP (await using)",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    const controller = new AbortController();
    let blpop: Promise<unknown>;
    {
      await using client = await connect(server.url);
      blpop = client.blpop("empty", 0, { signal: controller.signal }).catch((error) => error);
      await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
      controller.abort();
      const started = Date.now();
      await withDeadline(2000, "close()", client.close());
      assert.ok(Date.now() - started < 2000);
    }
    assert.ok((await blpop) instanceof AbortError);
    assert.equal(await blockedClients(admin), 0);
  },
);

faultTest(
  "RedisClient closes and reconnects a connection whose aborted BLPOP it may not unblock",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await admin.sendCommand(["ACL", "SETUSER", "app", "on", ">secret", "~*", "+@all", "-client"]);
    await using client = await connect(server.url, {
      username: "app",
      password: "secret",
      reconnect: { strategy: () => 10 },
    });
    const controller = new AbortController();
    const blpop = client.blpop("empty", 0, { signal: controller.signal });
    await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
    controller.abort();
    await assert.rejects(blpop, AbortError);
    assert.equal(await withDeadline(2000, "PING after the abort", client.ping()), "PONG");
    assert.equal(await blockedClients(admin), 0);
    assert.equal(client.stats.connections, 2, "a new connection");
  },
);

faultTest(
  "RedisClient unblocks a BLPOP of a pipeline whose exec() was aborted",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    const controller = new AbortController();
    const pipeline = client.pipeline();
    pipeline.sendCommand(["SET", "k", "v"]);
    pipeline.sendCommand(["BLPOP", "empty", 0]);
    const exec = pipeline.exec({ signal: controller.signal });
    await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
    controller.abort();
    await assert.rejects(exec, AbortError);
    assert.equal(await withDeadline(1000, "GET right after the abort", client.get("k")), "v");
    assert.equal(await blockedClients(admin), 0);
  },
);

faultTest(
  "RedisClient.destroy() right after aborting a BLPOP ends the unblocking with the client",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    const client = await connect(server.url);
    const controller = new AbortController();
    const blpop = client.blpop("empty", 0, { signal: controller.signal });
    await until(async () => (await blockedClients(admin)) === 1, "BLPOP blocked");
    controller.abort();
    client.destroy();
    await assert.rejects(blpop, AbortError);
    await withDeadline(2000, "close() after destroy()", client.close());
    await until(async () => (await blockedClients(admin)) === 0, "the server dropped the client");
  },
);

faultTest(
  "RedisClient unblocks an aborted BLPOP queued behind another blocking command once that one " +
    "is answered",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    const first = client.blpop("first", 0.3); // awaited: left alone
    const controller = new AbortController();
    const second = client.blpop("second", 0, { signal: controller.signal });
    await until(async () => (await blockedClients(admin)) === 1, "the first BLPOP blocked");
    controller.abort();
    await assert.rejects(second, AbortError);
    assert.equal(await first, null, "the first one ran its own course");
    assert.equal(await withDeadline(1000, "PING after both", client.ping()), "PONG");
    assert.equal(await blockedClients(admin), 0);
    assert.equal(client.stats.connections, 1);
  },
);
