// RedisClient.duplicate(): a second client with the same options, connected.
import assert from "node:assert/strict";
import { connect, ConnectError, RedisClient } from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";

Deno.test("RedisClient.duplicate connects a new client with the same options, overrides winning", async () => {
  await using server = await startServer();
  await using client = await connect(server.url, { name: "main", db: 3 });
  await client.set("k", "in db 3");
  await using twin = await client.duplicate();
  assert.notEqual(twin, client);
  assert.equal(twin.status, "ready");
  assert.equal(twin.db, 3);
  assert.equal(await twin.get("k"), "in db 3");
  assert.equal(await twin.clientGetname(), "main");
  assert.notEqual(await twin.clientId(), await client.clientId());
  await using other = await client.duplicate({ name: "other", db: 0 });
  assert.equal(await other.clientGetname(), "other");
  assert.equal(await other.get("k"), null);
  await twin.close();
  assert.equal(client.status, "ready"); // the original goes on
  assert.equal(await client.get("k"), "in db 3");
});

Deno.test("RedisClient.duplicate rejects and closes the new client when it cannot connect", async () => {
  const server = await startServer();
  const url = server.url;
  const client = new RedisClient({ url, reconnect: false });
  await client.connect();
  await server.stop();
  await client.finished;
  await assert.rejects(client.duplicate({ connectTimeoutMs: 2000 }), ConnectError);
  await client.close();
});

Deno.test("RedisClient.duplicate goes through the same connector", async () => {
  await using server = await startServer();
  let calls = 0;
  await using client = await connect(server.url, {
    connector: async (options) => {
      calls++;
      const { connectTransport } = await import("../../redis/mod.ts");
      return await connectTransport(options);
    },
  });
  await using twin = await client.duplicate();
  assert.equal(await twin.ping(), "PONG");
  assert.equal(calls, 2);
});
