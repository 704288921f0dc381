// examples/tracing_otel.ts against a real redis-server: its spans, and the program as it runs.
import assert from "node:assert/strict";
import { connect } from "../../redis/mod.ts";
import { startServer } from "../../redis/testing/mod.ts";
import { instrumentRedis, MemoryTracer } from "../../examples/tracing_otel.ts";

Deno.test("examples/tracing_otel makes a client span per command, errors marked", async () => {
  const tracer = new MemoryTracer();
  const stop = instrumentRedis(tracer);
  let port = 0;
  try {
    await using server = await startServer();
    port = server.port;
    await using redis = await connect(server.url, { traceArguments: true, db: 2 });
    await redis.set("k", "v");
    await assert.rejects(redis.incr("k"));
  } finally {
    stop();
  }
  const commands = tracer.finished.filter((span) => !span.name.startsWith("redis."));
  assert.deepEqual(commands.map((span) => span.name), ["SET", "INCR"]);
  const [set, incr] = commands;
  assert.equal(set!.attributes["db.system.name"], "redis");
  assert.equal(set!.attributes["db.namespace"], "2");
  assert.equal(set!.attributes["db.query.text"], "SET k v");
  assert.equal(set!.attributes["server.port"], port);
  assert.equal(set!.status, undefined);
  assert.equal(incr!.status?.code, 2);
  assert.equal(incr!.exceptions.length, 1);
  const lifecycle = tracer.finished.filter((span) => span.name.startsWith("redis."));
  assert.deepEqual(lifecycle.map((span) => span.name), [
    "redis.connect",
    "redis.ready",
    "redis.close",
    "redis.end",
  ]);
});

Deno.test("examples/tracing_otel runs with a throwaway server and prints its spans", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../examples/tracing_otel.ts", import.meta.url).pathname],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.match(stdout, /^SET .*"db\.query\.text":"SET visits 41"/m);
  assert.match(stdout, /^LPUSH .*"dray\.batch\.mode":"PIPELINE".* ERROR WRONGTYPE/m);
});
