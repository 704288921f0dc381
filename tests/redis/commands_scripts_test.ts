// Scripts and functions on every surface: runScript on the client (EVALSHA with the NOSCRIPT →
// EVAL fallback), in pipelines and in transactions (EVAL, where a NOSCRIPT reply would come too
// late), FUNCTION LOAD and FCALL, with the reply type the caller declares.

import assert from "node:assert/strict";
import { Script } from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { openSender } from "./_test_sender.ts";

const incrTo = new Script("return redis.call('INCRBY', KEYS[1], ARGV[1])");

Deno.test("ScriptingCommands runScript works on the client, in pipelines and in transactions after SCRIPT FLUSH", async () => {
  await using server = await startRedisServer();
  for (const protocol of [2, 3] as const) {
    await using redis = await openSender(server.port, protocol);
    await redis.del("n");
    await redis.scriptFlush();
    assert.equal(await redis.runScript<number>(incrTo, { keys: ["n"], args: [2] }), 2);
    await redis.scriptFlush();
    const pipeline = redis.pipeline();
    const inPipeline = pipeline.runScript<number>(incrTo, { keys: ["n"], args: [3] });
    await pipeline.exec();
    assert.equal(await inPipeline, 5);
    await redis.scriptFlush();
    const transaction = redis.multi();
    const inTransaction = transaction.runScript<number>(incrTo, { keys: ["n"], args: [4] });
    const results = await transaction.exec();
    assert.deepEqual(results, [9]);
    assert.equal(await inTransaction, 9);
    // The pipeline's EVAL cached the script: the client's EVALSHA finds it.
    redis.sent.length = 0;
    assert.equal(await redis.runScript<number>(incrTo, { keys: ["n"], args: [1] }), 10);
    assert.deepEqual(redis.sent.map((argv) => argv[0]), ["EVALSHA"]);
  }
});

Deno.test("ScriptingCommands functionLoad and fcall are typed, the reply declared by the caller", async () => {
  await using server = await startRedisServer();
  await using redis = await openSender(server.port, 3);
  const code = "#!lua name=dray\n" +
    "redis.register_function('echo1', function(keys, args) return args[1] end)";
  assert.equal(await redis.functionLoad(code), "dray");
  await assert.rejects(redis.functionLoad(code), /already exists/);
  assert.equal(await redis.functionLoad(code, { replace: true }), "dray");
  const echoed: string = await redis.fcall<string>("echo1", { args: ["hi"] });
  assert.equal(echoed, "hi");
  const n: number = await redis.eval<number>("return 41 + 1");
  assert.equal(n, 42);
});
