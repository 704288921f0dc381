// Issue 14, item 8: nothing waits forever. Commands issued while the client has no connection
// are bounded by offlineQueue.timeoutMs (15 s by default), commandTimeoutMs gives every command
// a default timeoutMs, and subscribe() takes timeoutMs and signal. Against real redis-servers.
import assert from "node:assert/strict";
import {
  AbortError,
  connect,
  type RedisClient,
  RedisError,
  TimeoutError,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { EventLog, faultTest, sleep, until, withDeadline } from "./_fault_helpers.ts";

const SLOW_RECONNECT = { reconnect: { strategy: () => 50 } };

async function settle(promise: Promise<unknown>): Promise<{ value: unknown } | { error: unknown }> {
  return await promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

faultTest(
  "RedisClient rejects a command issued while the server is down with TimeoutError after the " +
    "default offline queue time limit",
  async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, SLOW_RECONNECT);
    const log = new EventLog(client);
    await server.stop();
    await log.until("reconnecting");
    const started = Date.now();
    const outcome = await withDeadline(20_000, "GET settles", settle(client.get("k")));
    assert.ok("error" in outcome && outcome.error instanceof TimeoutError, String(outcome));
    assert.equal(outcome.error.timeoutMs, 15_000);
    // The cause: what ended the last connection, or the last attempt (ECONNREFUSED).
    assert.ok(outcome.error.cause instanceof RedisError, String(outcome.error.cause));
    assert.ok(Date.now() - started >= 14_000, "not before the time limit");
    assert.equal(client.stats.offline, 0, "nothing left in the queue");
  },
  { deadlineMs: 30_000 },
);

faultTest(
  "RedisClient offlineQueue.timeoutMs bounds commands, pipelines and transactions waiting for a " +
    "connection, and a connection that comes back in time sends them",
  async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, {
      ...SLOW_RECONNECT,
      // Long enough for a restart on a loaded machine to come back within it.
      offlineQueue: { timeoutMs: 3000 },
    });
    const log = new EventLog(client);
    await server.kill("SIGKILL");
    await server.exited();
    await log.until("reconnecting");
    const get = settle(client.get("k"));
    const pipeline = client.pipeline();
    pipeline.set("a", "1");
    const executed = settle(pipeline.exec());
    const transaction = client.multi();
    transaction.set("b", "1");
    const committed = settle(transaction.exec());
    for (
      const outcome of await withDeadline(8000, "settled", Promise.all([get, executed, committed]))
    ) {
      assert.ok("error" in outcome && outcome.error instanceof TimeoutError, String(outcome));
      assert.match((outcome.error as Error).message, /not sent.*3000 ms/);
    }
    // Back in time: a command issued now waits, and is sent once the server is back.
    const later = client.set("c", "1");
    await server.restart();
    assert.equal(await withDeadline(5000, "SET after restart", later), "OK");
    assert.equal(await client.get("a"), null, "the pipeline that timed out was never sent");
    assert.equal(await client.get("b"), null, "nor the transaction");
  },
);

faultTest(
  "RedisClient offlineQueue.timeoutMs of Infinity waits as long as the client reconnects",
  async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, {
      ...SLOW_RECONNECT,
      offlineQueue: { timeoutMs: Infinity },
    });
    const log = new EventLog(client);
    await server.kill("SIGKILL");
    await server.exited();
    await log.until("reconnecting");
    const waiting = client.set("k", "v");
    await sleep(500);
    await server.restart();
    assert.equal(await withDeadline(5000, "SET", waiting), "OK");
    assert.throws(
      () => new (client.constructor as typeof RedisClient)({ offlineQueue: { timeoutMs: -1 } }),
      RangeError,
    );
  },
);

faultTest(
  "RedisClient commandTimeoutMs gives commands without their own timeoutMs a time limit, not " +
    "blocking ones",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url, { commandTimeoutMs: 200 });
    const blpop = settle(client.blpop("nothing", 0.6));
    const sleeping = admin.sendCommand(["DEBUG", "SLEEP", "0.5"]);
    await sleep(50);
    const get = await withDeadline(5000, "GET", settle(client.get("k")));
    assert.ok("error" in get && get.error instanceof TimeoutError, String(get));
    assert.equal(get.error.timeoutMs, 200);
    const own = await withDeadline(
      5000,
      "own timeoutMs",
      settle(client.get("k", { timeoutMs: 2000 })),
    );
    assert.deepEqual(own, { value: null }, "a command's own timeoutMs wins");
    await sleeping;
    assert.deepEqual(await withDeadline(5000, "BLPOP", blpop), { value: null });
    const pipeline = client.pipeline();
    pipeline.sendCommand(["DEBUG", "SLEEP", "0.5"]);
    const exec = await withDeadline(5000, "exec", settle(pipeline.exec()));
    assert.ok("error" in exec && exec.error instanceof TimeoutError, "exec() as a whole too");
    assert.throws(
      () => new (client.constructor as typeof RedisClient)({ commandTimeoutMs: -5 }),
      RangeError,
    );
  },
);

async function numsub(admin: RedisClient, channel: string): Promise<number> {
  const reply = await admin.sendCommand(["PUBSUB", "NUMSUB", channel]);
  return Number((reply as unknown[])[1]);
}

faultTest(
  "RedisClient.subscribe rejects with TimeoutError or AbortError when it is not confirmed in " +
    "time, and unsubscribes what the server confirms later",
  async () => {
    await using server = await startRedisServer();
    await using admin = await connect(server.url, { reconnect: false });
    await using client = await connect(server.url);
    const sleeping = admin.sendCommand(["DEBUG", "SLEEP", "0.5"]);
    await sleep(50);
    const timed = await withDeadline(
      5000,
      "subscribe",
      settle(client.subscribe("news", { timeoutMs: 100 })),
    );
    assert.ok("error" in timed && timed.error instanceof TimeoutError, String(timed));
    const controller = new AbortController();
    const aborted = settle(client.subscribe("sport", { signal: controller.signal }));
    controller.abort();
    const abortedOutcome = await aborted;
    assert.ok("error" in abortedOutcome && abortedOutcome.error instanceof AbortError);
    await sleeping;
    await until(
      async () => (await numsub(admin, "news")) === 0 && (await numsub(admin, "sport")) === 0,
      "the late confirmations unsubscribed",
    );
    assert.deepEqual(client.subscriptions, { channel: [], pattern: [], shard: [] });
    const ok = await client.subscribe("news", { timeoutMs: 2000 });
    assert.equal(await numsub(admin, "news"), 1);
    await ok.unsubscribe();
  },
);

faultTest(
  "RedisClient.subscribe rejects with TimeoutError while the server is down",
  async () => {
    await using server = await startRedisServer();
    await using client = await connect(server.url, SLOW_RECONNECT);
    const log = new EventLog(client);
    await server.stop();
    await log.until("reconnecting");
    const outcome = await withDeadline(
      5000,
      "subscribe",
      settle(client.subscribe("news", { timeoutMs: 200 })),
    );
    assert.ok("error" in outcome && outcome.error instanceof TimeoutError, String(outcome));
    const already = new AbortController();
    already.abort();
    await assert.rejects(client.subscribe("news", { signal: already.signal }), AbortError);
  },
);
