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

Deno.test("Transaction fails as a whole when a typed call in it is refused before it is queued", async () => {
  await using server = await startServer();
  await using redis = await connect(server.url);
  const transaction = redis.multi();
  const set = transaction.set("applied", "1");
  // From plain JavaScript: one argument too many, refused before anything is queued.
  const refused = (transaction.get as (...args: unknown[]) => Promise<unknown>)("a", "b");
  await assert.rejects(refused, TypeError);
  await assert.rejects(transaction.exec(), TypeError);
  await assert.rejects(set, TypeError);
  assert.equal(await redis.exists("applied"), 0, "nothing of the transaction ran");
  // An option the method itself refuses counts too.
  const second = redis.multi();
  second.set("applied", "1");
  const bad = (second.set as (...args: unknown[]) => Promise<unknown>)("k", "v", { nope: 1 });
  await assert.rejects(bad, TypeError);
  await assert.rejects(second.exec(), TypeError);
  assert.equal(await redis.exists("applied"), 0);
});

Deno.test("Pipeline runs the rest when a typed call in it is refused", async () => {
  await using server = await startServer();
  await using redis = await connect(server.url);
  const pipeline = redis.pipeline();
  pipeline.set("applied", "1");
  const refused = (pipeline.get as (...args: unknown[]) => Promise<unknown>)("a", "b");
  await assert.rejects(refused, TypeError);
  assert.deepEqual(await pipeline.exec(), ["OK"]);
});
