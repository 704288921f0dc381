// Generated methods whose optional modifiers the grammar expresses take them as an options object
// (`restore(key, ttl, value, { replace: true, idletime: 5 })`): they send the words in the
// server's order, and refuse a loose word, an unknown key or a value outside a choice with a
// TypeError before sending.

import assert from "node:assert/strict";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

Deno.test("GeneratedCommands take the grammar's modifiers as options and send them in order", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  await redis.set("src", "v");
  const dump = await redis.dump("src", { returnBuffers: true });
  redis.sent.length = 0;
  assert.equal(
    await redis.restore("copy", 0, dump!, { idletime: 5, replace: true, timeoutMs: 5_000 }),
    "OK",
  );
  assert.deepEqual(redis.sent[0]!.slice(4).map(String), ["REPLACE", "IDLETIME", "5"]);
  assert.equal(await redis.lcs("src", "copy", { len: true }), 1);
  assert.equal(await redis.functionFlush({ mode: "SYNC" }), "OK");
  assert.equal(
    await redis.geoadd("g", { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }),
    1,
  );
  assert.equal(
    await redis.geoadd("g", [{ longitude: 15.087269, latitude: 37.502669, member: "Catania" }]),
    1,
  );
  const km = await redis.geodist("g", "Palermo", "Catania", { unit: "KM" });
  assert.ok(km !== null && km > 166 && km < 167);
  // A last optional value without a token is a last optional parameter.
  assert.ok((await redis.aclCat("dangerous")).includes("flushall"));
  assert.ok((await redis.aclCat()).includes("dangerous"));
});

Deno.test("GeneratedCommands refuse a loose word, an unknown option or a value outside a choice", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 2);
  const untyped = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  redis.sent.length = 0;
  await assert.rejects(untyped.restore!("k", 0, "x", "REPLACE"), TypeError);
  await assert.rejects(untyped.restore!("k", 0, "x", { replaced: true }), /Unknown option/);
  await assert.rejects(untyped.restore!("k", 0, "x", { replace: "yes" }), /must be a boolean/);
  await assert.rejects(untyped.functionFlush!({ mode: "LATER" }), /one of ASYNC, SYNC/);
  await assert.rejects(untyped.geodist!("g", "a", "b", "KM"), TypeError);
  await assert.rejects(untyped.aclCat!("dangerous", "more"), TypeError);
  assert.deepEqual(redis.sent, []);
});
