// A reply too large to decode as a string, against a real redis-server: SETBIT at the last bit
// of Redis's largest string makes a 512 MiB value, which no JavaScript string can hold. GET
// rejects with a typed error that names returnBuffers, the same connection answers the next
// command, and the same GET with returnBuffers returns all of it. One such value: mind memory.
import assert from "node:assert/strict";
import { connect, RedisError, ReplyDecodeError, ReplyError } from "../../redis/mod.ts";
import { Context, type ContextEntry } from "../../redis/protocol.ts";
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

Deno.test("Context answers a PING whose 512 MiB message cannot be a string with a ReplyDecodeError while subscribed over RESP2", () => {
  // Subscribed over RESP2, replies are read as bytes (pub/sub frames are binary-safe) and turned
  // into strings for a command that did not ask for bytes: that conversion must not throw.
  const encoder = new TextEncoder();
  const replies: [string, unknown][] = [];
  type Entry = ContextEntry & { name: string };
  const context = new Context<Entry>(
    {
      reply: (entry, value) => void replies.push([entry.name, value]),
      fail: (entry, error) => void replies.push([entry.name, error]),
      subscribed: () => {},
      unsubscribed: () => {},
      message: () => {},
    },
    { wantWrite: () => {}, ready: () => {}, end: () => {} },
    { protocol: 2 },
  );
  const drain = () => {
    while (context.take() !== undefined);
  };
  context.connected();
  drain();
  context.feed(encoder.encode("+PONG\r\n"));
  context.subscribe({ name: "sub", buffers: false, abandoned: false }, "channel", ["a"]);
  drain();
  context.feed(encoder.encode("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"));
  context.submit({ name: "ping", buffers: false, abandoned: false }, ["PING", "big"]);
  context.submit({ name: "again", buffers: false, abandoned: false }, ["PING", "small"]);
  drain();
  context.feed(encoder.encode(`*2\r\n$4\r\npong\r\n$${SIZE}\r\n`));
  const piece = new Uint8Array(1024 * 1024).fill(120);
  for (let sent = 0; sent < SIZE; sent += piece.length) context.feed(piece);
  context.feed(encoder.encode("\r\n*2\r\n$4\r\npong\r\n$5\r\nsmall\r\n"));
  assert.deepEqual(replies.map(([name]) => name), ["sub", "ping", "again"]);
  const value = replies[1]![1];
  assert.ok(value instanceof ReplyDecodeError, String(value));
  assert.match(value.message, /536870912 bytes is too long to decode .*returnBuffers/);
  assert.deepEqual(replies[2], ["again", "small"]);
  assert.equal(context.state, "ready");
  assert.equal(context.mode, "subscribed");
});
