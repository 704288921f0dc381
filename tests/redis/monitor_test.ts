// MONITOR: the line parser, and RedisClient.monitor() against real servers over every transport.
import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  type MonitorEvent,
  parseMonitorLine,
  ProtocolError,
  SubscriberOverflowError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { connectVia, settledWithin, VARIANTS } from "./_client_helpers.ts";

Deno.test("parseMonitorLine reads the timestamp, db, client and unescaped arguments", () => {
  assert.deepEqual(
    parseMonitorLine('1795422528.093127 [0 127.0.0.1:46588] "SET" "a b" "x\\x00\\"y\\xff"'),
    {
      timestamp: 1795422528.093127,
      db: 0,
      client: "127.0.0.1:46588",
      args: ["SET", "a b", 'x\u0000"y\ufffd'],
      line: '1795422528.093127 [0 127.0.0.1:46588] "SET" "a b" "x\\x00\\"y\\xff"',
    },
  );
  assert.equal(parseMonitorLine('1.5 [3 lua] "get" "k"').client, "lua");
  assert.equal(parseMonitorLine('1.5 [0 [::1]:6380] "PING"').client, "[::1]:6380");
  assert.equal(parseMonitorLine('1.5 [0 unix:/tmp/r.sock] "PING"').client, "unix:/tmp/r.sock");
  assert.deepEqual(
    parseMonitorLine('1.5 [0 lua] "a\\n\\r\\t\\a\\b\\\\"').args,
    ["a\n\r\t\u0007\b\\"],
  );
  assert.deepEqual(parseMonitorLine("1.5 [0 lua]").args, []);
  for (
    const bad of ["PONG", 'x [0 lua] "a"', '1.5 [z lua] "a"', '1.5 [0 lua] "a', '1.5 [0 lua] "\\q"']
  ) {
    assert.throws(() => parseMonitorLine(bad), ProtocolError, bad);
  }
});

/** Reads events until `match` finds one, with a deadline. */
async function find(
  iterator: AsyncIterator<MonitorEvent>,
  match: (event: MonitorEvent) => boolean,
): Promise<MonitorEvent> {
  for (let i = 0; i < 100; i++) {
    const result = await settledWithin(iterator.next(), 5000);
    assert.ok(result !== "pending", "an event arrived");
    if ("error" in result) throw result.error;
    assert.ok(!result.value.done, "the monitor is still running");
    if (match(result.value.value)) return result.value.value;
  }
  throw new Error("No matching event");
}

for (const variant of VARIANTS) {
  for (const protocol of [2, 3] as const) {
    Deno.test({
      name:
        `RedisClient monitor() streams parsed events and stops cleanly (${variant.name} RESP${protocol})`,
      ignore: variant.ignore,
      async fn() {
        await using server = await startRedisServer();
        await using client = await connectVia(variant, server, { protocol, name: "watcher" });
        await using writer = await connect(server.url, { db: 1 });
        const monitor = await client.monitor();
        const iterator = monitor[Symbol.asyncIterator]();
        const binary = new Uint8Array([0x00, 0xff, 0x22]);
        await writer.sendCommand(["SET", "clé", binary]);
        const event = await find(iterator, (e) => e.args[0] === "SET");
        assert.equal(event.db, 1);
        assert.deepEqual(event.args.slice(0, 2), ["SET", "clé"]);
        assert.ok(event.line.endsWith('"\\x00\\xff\\""'), event.line);
        const [, info] = /addr=(\S+)/.exec(String(await writer.clientInfo()))!;
        assert.equal(event.client, info);
        assert.ok(Math.abs(event.timestamp - Date.now() / 1000) < 60);
        // The client itself stays free for commands while its monitor runs.
        assert.equal(await client.sendCommand(["GET", "nothing"]), null);
        await find(iterator, (e) => e.args[0] === "GET" && e.args[1] === "nothing");
        const listed = String(await writer.sendCommand(["CLIENT", "LIST"]));
        assert.match(listed, /flags=O/, "a monitor is connected");
        await monitor.stop();
        assert.deepEqual(await iterator.next(), { done: true, value: undefined });
        assert.equal(await monitor.finished, undefined);
        await writer.sendCommand(["SET", "after", "stop"]);
        assert.doesNotMatch(String(await writer.sendCommand(["CLIENT", "LIST"])), /flags=O/);
        assert.deepEqual(await iterator.next(), { done: true, value: undefined });
      },
    });
  }
}

Deno.test("RedisClient monitor() stops when the loop is left, and when the client closes", async () => {
  await using server = await startRedisServer();
  await using admin = await connect(server.url);
  const client = await connect(server.url);
  const first = await client.monitor();
  await admin.ping();
  for await (const event of first) {
    assert.equal(event.args[0], "PING");
    break;
  }
  assert.equal(await first.finished, undefined);
  const second = await client.monitor();
  const next = second[Symbol.asyncIterator]().next();
  await client.close();
  assert.deepEqual(await next, { done: true, value: undefined });
  assert.doesNotMatch(String(await admin.sendCommand(["CLIENT", "LIST"])), /flags=O/);
});

Deno.test("RedisClient monitor() ends with an error when the server drops it, or it falls behind", async () => {
  await using server = await startRedisServer();
  await using admin = await connect(server.url);
  await using client = await connect(server.url);
  const dropped = await client.monitor();
  const outcome = settledWithin(dropped[Symbol.asyncIterator]().next(), 5000);
  const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
  const [, id] = /id=(\d+) [^\n]*flags=O/.exec(list)!;
  assert.equal(await admin.sendCommand(["CLIENT", "KILL", "ID", id!]), 1);
  const result = await outcome;
  assert.ok(result !== "pending" && "error" in result);
  assert.ok(result.error instanceof ConnectionClosedError);
  assert.ok((await dropped.finished) instanceof ConnectionClosedError);

  const slow = await client.monitor({ maxQueued: 3 });
  for (let i = 0; i < 10; i++) await admin.sendCommand(["ECHO", `e${i}`]);
  await slow.finished;
  const iterator = slow[Symbol.asyncIterator]();
  const kept: string[] = [];
  await assert.rejects(async () => {
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) return;
      kept.push(value.args[1]!);
    }
  }, (e) => e instanceof SubscriberOverflowError && e.limit === 3);
  assert.deepEqual(kept, ["e0", "e1", "e2"]);
  assert.ok((await slow.finished) instanceof SubscriberOverflowError);
  assert.equal(await client.ping(), "PONG");
});

Deno.test("RedisClient monitor() needs a connected client and a sane maxQueued", async () => {
  await using server = await startRedisServer();
  await using client = await connect(server.url);
  await assert.rejects(client.monitor({ maxQueued: 0 }), RangeError);
  await client.close();
  await assert.rejects(client.monitor(), ConnectionClosedError);
});
