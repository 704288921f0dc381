// A typed method inside a pipeline or transaction whose reply is an error: the error is an element
// of exec()'s result, and the method's own promise, awaited or not, never surfaces as an unhandled
// rejection (Deno fails a test that leaves one).
import assert from "node:assert/strict";
import { connect, ReplyError } from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";

Deno.test("Pipeline typed methods leave an error reply to exec() without an unhandled rejection", async () => {
  await using server = await startServer();
  await using redis = await connect(server.url);
  await redis.set("s", "text");
  const pipeline = redis.pipeline();
  pipeline.incr("s"); // not awaited: WRONGTYPE-like error reply
  pipeline.set("t", "1");
  const results = await pipeline.exec();
  assert.ok(results[0] instanceof ReplyError);
  assert.equal(results[1], "OK");
  await new Promise((resolve) => setTimeout(resolve, 50));
});

Deno.test("Transaction typed methods leave an error reply to exec() without an unhandled rejection", async () => {
  await using server = await startServer();
  await using redis = await connect(server.url);
  await redis.set("s", "text");
  const transaction = redis.multi();
  const awaited = transaction.incr("s");
  transaction.incr("s"); // not awaited
  const results = await transaction.exec();
  assert.ok(
    results !== null && results[0] instanceof ReplyError && results[1] instanceof ReplyError,
  );
  await assert.rejects(awaited, ReplyError); // the promise still rejects for whoever awaits it
  await new Promise((resolve) => setTimeout(resolve, 50));
});
