// Tracing through node:diagnostics_channel against a real redis-server: the command tracing
// channel (start/end/asyncStart/asyncEnd/error per command, pipelines and transactions member by
// member, arguments only when asked and with secrets hidden) and the connection lifecycle channel.
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
import {
  COMMAND_CHANNEL,
  type CommandTraceContext,
  connect,
  CONNECTION_CHANNEL,
  type ConnectionTraceMessage,
  redactArguments,
  ReplyError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";

type Phase = "start" | "end" | "asyncStart" | "asyncEnd" | "error";

/** Subscribes to the command channel until disposed; records every event in order. */
function recordCommands(): { events: [Phase, CommandTraceContext][] } & Disposable {
  const channel = diagnostics.tracingChannel<unknown, CommandTraceContext>(COMMAND_CHANNEL);
  const events: [Phase, CommandTraceContext][] = [];
  const on = (phase: Phase) => (context: CommandTraceContext) => void events.push([phase, context]);
  const handlers = {
    start: on("start"),
    end: on("end"),
    asyncStart: on("asyncStart"),
    asyncEnd: on("asyncEnd"),
    error: on("error"),
  };
  channel.subscribe(handlers);
  return { events, [Symbol.dispose]: () => void channel.unsubscribe(handlers) };
}

function phasesOf(events: [Phase, CommandTraceContext][], command: string): Phase[] {
  return events.filter(([, context]) => context.command === command).map(([phase]) => phase);
}

Deno.test("RedisClient publishes start, end, asyncStart and asyncEnd for each command", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  using recorder = recordCommands();
  assert.equal(await client.set("greeting", "hello"), "OK");
  assert.equal(await client.sendCommand(["GET", "greeting"]), "hello");
  await client.sendCommand(["CLIENT", "SETNAME", "traced"]);
  const { events } = recorder;
  assert.deepEqual(phasesOf(events, "SET"), ["start", "end", "asyncStart", "asyncEnd"]);
  assert.deepEqual(phasesOf(events, "GET"), ["start", "end", "asyncStart", "asyncEnd"]);
  assert.deepEqual(phasesOf(events, "CLIENT SETNAME"), ["start", "end", "asyncStart", "asyncEnd"]);
  const get = events.find(([phase, context]) => phase === "asyncEnd" && context.command === "GET")!;
  const context = get[1];
  assert.equal(context.serverAddress, "127.0.0.1");
  assert.equal(context.serverPort, server.port);
  assert.equal(context.database, 0);
  assert.equal(context.result, "hello");
  assert.ok(typeof context.durationMs === "number" && context.durationMs >= 0);
  assert.equal(context.args, undefined); // arguments only with traceArguments
  assert.equal(context.batchMode, undefined);
  // The same object from start to asyncEnd.
  assert.equal(events.filter(([, c]) => c === context).length, 4);
});

Deno.test("RedisClient publishes a failed command on the error channel", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  await client.set("text", "not a number");
  using recorder = recordCommands();
  await assert.rejects(client.incr("text"), ReplyError);
  assert.deepEqual(phasesOf(recorder.events, "INCR"), [
    "start",
    "end",
    "error",
    "asyncStart",
    "asyncEnd",
  ]);
  const [, context] = recorder.events.find(([phase]) => phase === "error")!;
  assert.ok(context.error instanceof ReplyError);
  assert.equal((context.error as ReplyError).code, "ERR");
  assert.equal(context.result, undefined);
});

Deno.test("RedisClient traces nothing once the subscriber is gone", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  const recorder = recordCommands();
  await client.ping();
  recorder[Symbol.dispose]();
  await client.ping();
  await client.set("k", "v");
  assert.deepEqual(phasesOf(recorder.events, "PING"), ["start", "end", "asyncStart", "asyncEnd"]);
  assert.deepEqual(phasesOf(recorder.events, "SET"), []);
});

Deno.test("RedisClient gives traced commands their arguments with secrets hidden, when asked", async () => {
  const password = "hunter2-observe";
  await using server = await startRedisServer({ password });
  await using client = await connect(server.url, { traceArguments: true, db: 3 });
  using recorder = recordCommands();
  await client.sendCommand(["AUTH", "default", password]);
  await client.set("token", password); // the client's own password, even as a value
  await client.set("plain", new TextEncoder().encode("bytes"));
  const argsOf = (command: string) =>
    recorder.events.find(([phase, c]) => phase === "start" && c.command === command)![1];
  assert.deepEqual(argsOf("AUTH").args, ["default", "***"]);
  const sets = recorder.events.filter(([phase, c]) => phase === "start" && c.command === "SET");
  assert.deepEqual(sets.map(([, c]) => c.args), [["token", "***"], ["plain", "bytes"]]);
  assert.equal(argsOf("AUTH").database, 3);
  for (const [, context] of recorder.events) {
    assert.doesNotMatch(JSON.stringify(context.args), /hunter2/);
  }
});

Deno.test("redactArguments hides the passwords of HELLO, MIGRATE, CONFIG SET, ACL SETUSER and SENTINEL", () => {
  assert.deepEqual(redactArguments(["AUTH", "only-password"]), ["***"]);
  assert.deepEqual(
    redactArguments(["HELLO", "3", "AUTH", "app", "pw", "SETNAME", "n"]),
    ["3", "AUTH", "app", "***", "SETNAME", "n"],
  );
  assert.deepEqual(
    redactArguments(["MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "pw", "KEYS", "a"]),
    ["h", "6379", "", "0", "5000", "AUTH", "***", "KEYS", "a"],
  );
  assert.deepEqual(
    redactArguments(["MIGRATE", "h", "6379", "k", "0", "5000", "AUTH2", "u", "pw"]),
    ["h", "6379", "k", "0", "5000", "AUTH2", "u", "***"],
  );
  assert.deepEqual(
    redactArguments(["config", "set", "masterauth", "pw", "maxmemory", "1mb"]),
    ["set", "masterauth", "***", "maxmemory", "1mb"],
  );
  assert.deepEqual(
    redactArguments(["ACL", "SETUSER", "bob", "on", ">pw", "#abc", "~*", "+@all"]),
    ["SETUSER", "bob", "on", "***", "***", "~*", "+@all"],
  );
  assert.deepEqual(
    redactArguments(["SENTINEL", "SET", "mymaster", "auth-pass", "pw", "quorum", "2"]),
    ["SET", "mymaster", "auth-pass", "***", "quorum", "2"],
  );
  assert.deepEqual(redactArguments(["SET", "k", new Uint8Array(300)]), ["k", "<300 bytes>"]);
});

Deno.test("Pipeline and Transaction trace each command with batchMode and batchSize", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  using recorder = recordCommands();
  const pipeline = client.pipeline();
  pipeline.set("a", "1");
  pipeline.incr("a");
  pipeline.lpush("a", "x"); // WRONGTYPE
  await pipeline.exec();
  const transaction = client.multi();
  transaction.incr("a");
  transaction.get("a");
  await transaction.exec();
  const starts = recorder.events.filter(([phase]) => phase === "start").map(([, c]) => c);
  assert.deepEqual(
    starts.map((c) => [c.command, c.batchMode, c.batchSize]),
    [
      ["SET", "PIPELINE", 3],
      ["INCR", "PIPELINE", 3],
      ["LPUSH", "PIPELINE", 3],
      ["INCR", "MULTI", 2],
      ["GET", "MULTI", 2],
    ],
  );
  const ends = recorder.events.filter(([phase]) => phase === "asyncEnd").map(([, c]) => c);
  assert.equal(ends.length, 5);
  assert.ok(starts[2]!.error instanceof ReplyError); // the LPUSH
  assert.equal(starts[4]!.result, "3");
  assert.equal(phasesOf(recorder.events, "MULTI").length, 0);
  assert.equal(phasesOf(recorder.events, "EXEC").length, 0);
});

Deno.test("RedisClient publishes connect, ready, error, close, reconnecting and end on the connection channel", async () => {
  await using server = await startRedisServer();
  const messages: ConnectionTraceMessage[] = [];
  const listener = (message: unknown) => void messages.push(message as ConnectionTraceMessage);
  diagnostics.subscribe(CONNECTION_CHANNEL, listener);
  try {
    const client = await connect(server.url, { reconnect: { strategy: () => 10 } });
    const id = await client.sendCommand(["CLIENT", "ID"]);
    const ready = new Promise((resolve) => client.addEventListener("ready", resolve));
    // Killing its own connection: the server answers, then hangs up.
    await client.sendCommand(["CLIENT", "KILL", "ID", String(id), "SKIPME", "no"]);
    await ready;
    assert.equal(await client.ping(), "PONG");
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    diagnostics.unsubscribe(CONNECTION_CHANNEL, listener);
  }
  const events = messages.map((m) => m.event);
  assert.deepEqual(events.slice(0, 2), ["connect", "ready"]);
  const from = events.indexOf("reconnecting");
  assert.deepEqual(events.slice(2, from), ["error", "close"]);
  assert.deepEqual(events.slice(from), ["reconnecting", "connect", "ready", "close", "end"]);
  const reconnecting = messages[from]!;
  assert.equal(reconnecting.delayMs, 10);
  assert.equal(reconnecting.attempt, 1);
  assert.ok(reconnecting.error instanceof Error);
  assert.equal(messages[1]!.protocol, 3);
  for (const message of messages) {
    assert.equal(message.serverAddress, "127.0.0.1");
    assert.equal(message.serverPort, server.port);
  }
});

Deno.test("RedisClient runs a traced command inside the store bound to the channel's start", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  const store = new AsyncLocalStorage<string>();
  const channel = diagnostics.tracingChannel<unknown, CommandTraceContext>(COMMAND_CHANNEL);
  channel.start.bindStore(store, (context) => `span of ${context.command}`);
  const seen: (string | undefined)[] = [];
  const handlers = {
    start() {},
    end() {},
    asyncStart() {},
    asyncEnd: () => void seen.push(store.getStore()),
    error() {},
  };
  channel.subscribe(handlers);
  try {
    await client.get("k");
  } finally {
    channel.unsubscribe(handlers);
    channel.start.unbindStore(store);
  }
  // What an OpenTelemetry context manager relies on: the span's context reaches asyncEnd.
  assert.deepEqual(seen, ["span of GET"]);
  assert.equal(store.getStore(), undefined);
});
