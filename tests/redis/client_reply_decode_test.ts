// A reply too large to decode as a string, against a real redis-server: SETBIT at the last bit
// of Redis's largest string makes a 512 MiB value, which no JavaScript string can hold. GET
// rejects with a typed error that names returnBuffers, the same connection answers the next
// command, and the same GET with returnBuffers returns all of it. One such value: mind memory.
import assert from "node:assert/strict";
import { connect, RedisError, ReplyDecodeError, ReplyError } from "../../redis/mod.ts";
import { replyToStrings, toStrings } from "../../redis/context/_to_strings.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

const SIZE = 512 * 1024 * 1024;

Deno.test("RedisClient.sendCommand rejects a 512 MiB string read as text with a ReplyDecodeError and the connection stays usable", async () => {
  await using server = await startRedisServer();
  await using client = await connect({ url: server.url });
  assert.equal(await client.sendCommand(["SETBIT", "k", 4294967295, 1]), 0);
  const pending = client.sendCommand(["GET", "k"]);
  const ping = client.sendCommand(["PING"]); // pipelined behind it
  await assert.rejects(pending, (error) => {
    assert.ok(error instanceof ReplyDecodeError, String(error));
    assert.ok(error instanceof RedisError);
    assert.match(error.message, /536870912 bytes is too long to decode .*returnBuffers/);
    return true;
  });
  assert.equal(await ping, "PONG");
  assert.equal(client.status, "ready");
  const bytes = await client.sendCommand<Uint8Array>(["GET", "k"], { returnBuffers: true });
  assert.ok(bytes instanceof Uint8Array);
  assert.equal(bytes.length, SIZE);
  assert.equal(bytes[SIZE - 1], 1);
  assert.equal(bytes[0], 0);
  assert.equal(await client.sendCommand(["PING"]), "PONG");
});

Deno.test("toStrings leaves a ReplyDecodeError in place of a string too long to decode; replyToStrings replaces the reply", () => {
  const huge = new Uint8Array(SIZE); // never written: the pages stay untouched
  const small = new TextEncoder().encode("ok");
  const inPlace = toStrings([small, huge]) as unknown[];
  assert.equal(inPlace[0], "ok");
  assert.ok(inPlace[1] instanceof ReplyDecodeError && inPlace[1] instanceof ReplyError);
  const whole = replyToStrings([small, new Map([[small, huge]])]);
  assert.ok(whole instanceof ReplyDecodeError);
  assert.match(whole.message, /^A bulk string of 536870912 bytes .*: read it with returnBuffers$/);
  assert.deepEqual(replyToStrings([small, new Set([small])]), ["ok", new Set(["ok"])]);
});
