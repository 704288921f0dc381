// defineScript and withScripts against a real server: named, typed scripts on the client (EVALSHA
// with the NOSCRIPT → EVAL fallback), in pipelines and in transactions (EVAL), in RESP2 and RESP3,
// and the typed errors of bad definitions and bad calls, which send nothing.

import assert from "node:assert/strict";
import { DefinedScript, defineScript, ReplyError, withScripts } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

const incrBy = defineScript("incrBy", {
  lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])",
  keys: 1,
  decode: Number,
});
const move = defineScript("move", {
  lua: "local v = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[2], v); return v",
  keys: 2,
});
const lengthOf = defineScript("lengthOf", {
  lua: "return redis.call('STRLEN', KEYS[1])",
  keys: 1,
  readOnly: true,
});
const scripts = [incrBy, move, lengthOf] as const;

Deno.test("defineScript runs on the client, in pipelines and in transactions, after SCRIPT FLUSH", async () => {
  await using server = await startRedisServer();
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await redis.sendCommand(["FLUSHALL"]);
    await redis.scriptFlush();
    redis.sent.length = 0;
    const two: number = await incrBy.run(redis, "n", 2);
    assert.equal(two, 2);
    // NOSCRIPT, then EVAL with the source; the next call finds it cached.
    assert.deepEqual(redis.sent.map((argv) => argv[0]), ["EVALSHA", "EVAL"]);
    assert.equal(await withScripts(redis, scripts).incrBy("n", 3), 5);
    assert.deepEqual(redis.sent.map((argv) => argv[0]), ["EVALSHA", "EVAL", "EVALSHA"]);

    await redis.scriptFlush();
    const pipeline = redis.pipeline();
    const inPipeline = withScripts(pipeline, scripts);
    const seven = inPipeline.incrBy("n", 2);
    const moved = inPipeline.move("n", "copy");
    await pipeline.exec();
    assert.equal(await seven, 7);
    assert.equal(await moved, "7");

    const transaction = redis.multi();
    const inTransaction = withScripts(transaction, scripts);
    const length = inTransaction.lengthOf("copy");
    const eight = inTransaction.incrBy("n", 1);
    assert.deepEqual(await transaction.exec(), [1, 8]);
    assert.equal(await length, 1);
    assert.equal(await eight, 8);

    // A transaction takes no per-command deadline: the rejection says so, nothing is queued.
    await assert.rejects(
      withScripts(redis.multi(), scripts).incrBy("n", 1, { timeoutMs: 500 }),
      TypeError,
    );
    redis.sent.length = 0;
    assert.equal(await lengthOf.run(redis, "copy", { timeoutMs: 5_000 }), 1);
    assert.deepEqual(redis.sent.map((argv) => argv[0]), ["EVALSHA_RO"]);
  }
});

Deno.test("defineScript reports a script error and a write in a read-only script as ReplyError", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const broken = defineScript("broken", { lua: "return redis.call('NOPE')", keys: 0 });
  await assert.rejects(broken.run(redis), ReplyError);
  const writes = defineScript("writes", {
    lua: "return redis.call('SET', KEYS[1], 'x')",
    keys: 1,
    readOnly: true,
  });
  await assert.rejects(writes.run(redis, "k"), ReplyError);
  assert.equal(await redis.exists("k"), 0);
  // decode checks the reply: a reply it refuses rejects the call.
  const strict = defineScript("strict", {
    lua: "return 'x'",
    keys: 0,
    decode(reply) {
      if (typeof reply !== "number") throw new TypeError(`Expected a number, got "${reply}"`);
      return reply;
    },
  });
  await assert.rejects(strict.run(redis), /Expected a number, got "x"/);
});

Deno.test("defineScript refuses bad definitions and bad calls with a TypeError, sending nothing", async () => {
  assert.throws(() => defineScript("not a name", { lua: "return 1", keys: 0 }), TypeError);
  assert.throws(() => defineScript("x", { lua: 1 as unknown as string, keys: 0 }), TypeError);
  assert.throws(() => defineScript("x", { lua: "return 1", keys: -1 }), TypeError);
  assert.throws(() => defineScript("x", { lua: "return 1", keys: 1.5 }), TypeError);
  assert.throws(
    () => withScripts({ runScript: <T>() => Promise.resolve(null as T) }, [incrBy, incrBy]),
    /Two scripts/,
  );
  assert.ok(incrBy instanceof DefinedScript);

  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 2);
  redis.sent.length = 0;
  const untyped = incrBy as unknown as { run(...args: unknown[]): Promise<unknown> };
  await assert.rejects(untyped.run(redis), /takes at least 1 key\(s\), got 0/);
  await assert.rejects(untyped.run(redis, "n", null), /argument 2 is not a string/);
  await assert.rejects(untyped.run(redis, "n", 1, { nope: true }), /has no option "nope"/);
  await assert.rejects(untyped.run(redis, "n", [1]), /has no option "0"/);
  assert.deepEqual(redis.sent, []);
});

Deno.test("defineScript in a batch delivers a script error to exec() without an unhandled rejection", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const broken = defineScript("broken", { lua: "return redis.call('NOPE')", keys: 0 });
  const pipeline = redis.pipeline();
  broken.run(pipeline); // never awaited: the error belongs to exec()'s result
  const fine = incrBy.run(pipeline, "n", 1);
  const results = await pipeline.exec();
  assert.ok(results[0] instanceof ReplyError);
  assert.equal(results[1], 1);
  assert.equal(await fine, 1);
});
