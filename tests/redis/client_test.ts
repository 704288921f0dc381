// RedisClient against real redis-servers, one suite run over every transport (Deno.connect, the
// native connect driven by node:net or by the shim) and over TCP and the unix socket.
import assert from "node:assert/strict";
import { ConnectionClosedError, RedisClient, ReplyError, type RespValue } from "../../redis/mod.ts";
import { type RedisServer, startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, type Variant, VARIANTS } from "./_client_helpers.ts";

function suite(behaviour: string, fn: (variant: Variant, server: RedisServer) => Promise<void>) {
  for (const variant of VARIANTS) {
    Deno.test({
      name: `RedisClient (${variant.name}) ${behaviour}`,
      ignore: variant.ignore,
      async fn() {
        await using server = await startRedisServer();
        await fn(variant, server);
      },
    });
  }
}

suite("connects with HELLO 3 and round-trips strings, bytes and RESP3 shapes", async (v, s) => {
  await using client = await connectVia(v, s, { name: "suite" });
  assert.equal(client.status, "ready");
  assert.equal(client.protocol, 3);
  const transport = client.transport!;
  assert.equal(transport.kind, v.name.startsWith("deno") ? "deno" : "native");
  assert.equal(transport.remoteAddr.transport, v.name.endsWith("unix") ? "unix" : "tcp");
  assert.equal(await client.sendCommand(["SET", "text", "héllo"]), "OK");
  assert.equal(await client.sendCommand(["GET", "text"]), "héllo");
  const binary = new Uint8Array([0, 255, 13, 10, 128]);
  await client.sendCommand(["SET", "bytes", binary]);
  assert.deepEqual(await client.sendCommand(["GET", "bytes"], { returnBuffers: true }), binary);
  assert.equal(await client.sendCommand(["GET", "missing"]), null);
  await client.sendCommand(["HSET", "h", "a", "1", "b", "2"]);
  assert.deepEqual(
    await client.sendCommand(["HGETALL", "h"]),
    new Map<RespValue, RespValue>([["a", "1"], ["b", "2"]]),
  );
  assert.equal(await client.sendCommand(["INCRBYFLOAT", "f", "1.5"]), "1.5");
  assert.equal(await client.sendCommand(["CLIENT", "GETNAME"]), "suite");
});

suite("writes every command of a tick at once and matches replies in order", async (v, s) => {
  await using client = await connectVia(v, s);
  const writes = client.stats.writes;
  const replies = await Promise.all(
    Array.from({ length: 500 }, (_, i) => client.sendCommand(["INCRBY", "n", i])),
  );
  assert.equal(client.stats.writes - writes, 1, "one write for the whole tick");
  let sum = 0;
  replies.forEach((reply, i) => assert.equal(reply, sum += i));
});

suite("an error reply fails only its own command, in a pipeline and inside EXEC", async (v, s) => {
  await using client = await connectVia(v, s);
  await client.sendCommand(["SET", "str", "x"]);
  // Auto-pipelined commands.
  const [a, b, c] = await Promise.allSettled([
    client.sendCommand(["INCR", "count"]),
    client.sendCommand(["LPUSH", "str", "y"]),
    client.sendCommand(["INCR", "count"]),
  ]);
  assert.deepEqual([a, c], [{ status: "fulfilled", value: 1 }, { status: "fulfilled", value: 2 }]);
  assert.ok(b.status === "rejected" && b.reason instanceof ReplyError);
  assert.equal(b.reason.code, "WRONGTYPE");
  // An explicit pipeline.
  const pipeline = client.pipeline();
  const first = pipeline.sendCommand(["INCR", "count"]);
  const wrong = pipeline.sendCommand(["LPUSH", "str", "y"]);
  const last = pipeline.sendCommand(["GET", "str"]);
  const results = await pipeline.exec();
  assert.equal(results.length, 3);
  assert.equal(results[0], 3);
  assert.ok(results[1] instanceof ReplyError && results[1].code === "WRONGTYPE");
  assert.equal(results[2], "x");
  assert.equal(await first, 3);
  await assert.rejects(wrong, (e) => e instanceof ReplyError && e.code === "WRONGTYPE");
  assert.equal(await last, "x");
  // A transaction.
  const transaction = client.multi();
  const incr = transaction.sendCommand(["INCR", "count"]);
  const push = transaction.sendCommand(["LPUSH", "str", "y"]);
  const get = transaction.sendCommand(["GET", "str"]);
  const exec = await transaction.exec();
  assert.ok(exec !== null && exec.length === 3);
  assert.equal(exec[0], 4);
  assert.ok(exec[1] instanceof ReplyError && exec[1].code === "WRONGTYPE");
  assert.equal(exec[2], "x");
  assert.equal(await incr, 4);
  await assert.rejects(push, (e) => e instanceof ReplyError && e.code === "WRONGTYPE");
  assert.equal(await get, "x");
  // Later commands are still in step.
  assert.equal(await client.sendCommand(["GET", "count"]), "4");
});

suite("round-trips 1 MiB values as bytes", async (v, s) => {
  await using client = await connectVia(v, s);
  const value = new Uint8Array(1 << 20);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31 + 7) & 0xff;
  const sets = [];
  for (let i = 0; i < 4; i++) sets.push(client.sendCommand(["SET", `big${i}`, value]));
  await Promise.all(sets);
  const gets = await Promise.all(
    [0, 1, 2, 3].map((i) =>
      client.sendCommand<Uint8Array>(["GET", `big${i}`], { returnBuffers: true })
    ),
  );
  for (const got of gets) assert.deepEqual(got, value);
  assert.equal(await client.sendCommand(["STRLEN", "big0"]), 1 << 20);
});

suite("close() lets commands in flight get their replies; destroy() rejects them", async (v, s) => {
  const client = await connectVia(v, s);
  const slow = client.sendCommand(["DEBUG", "SLEEP", "0.2"]);
  const after = client.sendCommand(["ECHO", "after"]);
  const closing = client.close();
  assert.equal(client.status, "closing");
  await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
  assert.equal(await slow, "OK");
  assert.equal(await after, "after");
  await closing;
  assert.equal(client.status, "closed");
  assert.equal(await client.finished, undefined);

  const other = await connectVia(v, s);
  const blocked = other.sendCommand(["BLPOP", "nothing", "0"]);
  const queued = other.sendCommand(["PING"]);
  other.destroy();
  await assert.rejects(blocked, ConnectionClosedError);
  await assert.rejects(queued, ConnectionClosedError);
  assert.ok((await other.finished) instanceof ConnectionClosedError);
});

Deno.test("RedisClient rejects commands before connect() and after close()", async () => {
  const client = new RedisClient();
  await assert.rejects(client.sendCommand(["PING"]), ConnectionClosedError);
  await client.close();
  await assert.rejects(client.connect(), ConnectionClosedError);
  assert.equal(client.status, "closed");
});
