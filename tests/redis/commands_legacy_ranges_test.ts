// The range commands ZRANGE replaced (ZRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGE, ZREVRANGEBYSCORE,
// ZREVRANGEBYLEX): typed options instead of loose words, one reply shape in RESP2 and RESP3, and
// a TypeError for a word where an option belongs.

import assert from "node:assert/strict";
import { GeneratedCommands, RedisCommands } from "../../redis/commands/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

Deno.test("SortedSetLegacyRangeCommands give ZRANGE's shapes in RESP2 and RESP3", async () => {
  await using server = await startRedisServer();
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await redis.sendCommand(["FLUSHALL"]);
    await redis.zadd("board", [
      { score: 10, member: "ada" },
      { score: 7, member: "alan" },
      { score: 3, member: "grace" },
    ]);
    await redis.zadd("letters", [
      { score: 0, member: "a" },
      { score: 0, member: "b" },
      { score: 0, member: "c" },
    ]);
    assert.deepEqual(await redis.zrangebyscore("board", "(3", "+inf"), ["alan", "ada"]);
    assert.deepEqual(
      await redis.zrangebyscore("board", "-inf", "+inf", {
        withScores: true,
        limit: { offset: 1, count: 1 },
      }),
      [{ member: "alan", score: 7 }],
    );
    assert.deepEqual(await redis.zrevrangebyscore("board", "+inf", 7, { withScores: true }), [
      { member: "ada", score: 10 },
      { member: "alan", score: 7 },
    ]);
    assert.deepEqual(await redis.zrevrange("board", 0, 0), ["ada"]);
    assert.deepEqual(await redis.zrevrange("board", -1, -1, { withScores: true }), [
      { member: "grace", score: 3 },
    ]);
    assert.deepEqual(await redis.zrangebylex("letters", "[b", "+"), ["b", "c"]);
    assert.deepEqual(
      await redis.zrevrangebylex("letters", "+", "-", { limit: { offset: 0, count: 2 } }),
      ["c", "b"],
    );
    const bytes = await redis.zrangebylex("letters", "-", "(b", { returnBuffers: true });
    assert.deepEqual(bytes, [new TextEncoder().encode("a")]);
  }
});

Deno.test("SortedSetLegacyRangeCommands refuse loose words with a TypeError before sending", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  redis.sent.length = 0;
  const untyped = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  await assert.rejects(untyped.zrangebyscore!("k", 0, 1, "WITHSCORES"), TypeError);
  await assert.rejects(untyped.zrevrange!("k", 0, 1, { withscores: true }), TypeError);
  await assert.rejects(untyped.zrangebylex!("k", "-", "+", { withScores: true }), TypeError);
  assert.deepEqual(redis.sent, []);
});

Deno.test("RedisCommands hand-written methods are each called by a command test", async () => {
  const names = Object.getOwnPropertyNames(RedisCommands.prototype).filter((name) =>
    name !== "constructor" && !Object.hasOwn(GeneratedCommands.prototype, name)
  );
  let sources = "";
  for await (const entry of Deno.readDir(new URL(".", import.meta.url))) {
    if (entry.name.startsWith("commands_")) {
      sources += await Deno.readTextFile(new URL(entry.name, import.meta.url));
    }
  }
  const missing = names.filter((name) => !new RegExp(`\\.${name}(<[^>]*>)?\\(`).test(sources));
  assert.ok(names.length > 150);
  assert.deepEqual(missing, []);
});
