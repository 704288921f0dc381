// Reconnect schedules on a fake clock (a ManualLoop drives the client's timers; the sockets are
// real), strategies that give up or break, and the options' checks.
import assert from "node:assert/strict";
import { ManualLoop } from "../../loop/mod.ts";
import {
  connect,
  ConnectionClosedError,
  exponentialBackoff,
  RedisClient,
} from "../../redis/mod.ts";
import { startRedisServer } from "../_helpers/redis_server.ts";
import { EventLog, faultTest, Ledger, sleep, withDeadline } from "./_fault_helpers.ts";

/** Ends a manual loop's ticks every millisecond, so socket writes go out; returns a stopper. */
function pump(loop: ManualLoop): () => void {
  const id = setInterval(() => loop.tick(), 1);
  return () => clearInterval(id);
}

faultTest(
  "RedisClient reconnects on the backoff schedule, attempt by attempt, then gives up",
  async () => {
    await using server = await startRedisServer();
    const loop = new ManualLoop();
    const stop = pump(loop);
    try {
      const client = new RedisClient({
        url: server.url,
        loop,
        connectTimeoutMs: 0, // the fake clock would never run it out
        reconnect: {
          strategy: exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 400, jitter: "none" }),
          maxAttempts: 4,
        },
      });
      const log = new EventLog(client);
      await client.connect();
      await client.set("k", "v");
      await server.stop(); // gone for good
      const ledger = new Ledger();
      const waiting = ledger.track("queued while reconnecting", client.get("k"));
      const schedule = [100, 200, 400, 400];
      for (let attempt = 1; attempt <= schedule.length; attempt++) {
        await log.until("reconnecting", attempt);
        const event = log.events.filter((e) => e.type === "reconnecting")[attempt - 1]!;
        assert.equal(event.attempt, attempt);
        assert.equal(event.delayMs, schedule[attempt - 1]);
        const errors = log.count("error");
        loop.advance(schedule[attempt - 1]! - 1);
        await sleep(30);
        assert.equal(log.count("error"), errors, `attempt ${attempt} waits for its delay`);
        loop.advance(1);
        await log.until("error", errors + 1); // the attempt ran, and was refused
      }
      const outcomes = await ledger.settled();
      const outcome = outcomes.get("queued while reconnecting")!;
      assert.ok("error" in outcome && outcome.error instanceof ConnectionClosedError);
      assert.match((outcome.error as Error).message, /after 4 failed attempts/);
      await waiting;
      const reason = await withDeadline(5000, "finished", client.finished);
      assert.equal(reason, (outcome as { error: Error }).error);
      assert.equal(log.types.at(-1), "end");
      assert.equal(log.count("reconnecting"), 4);
      assert.equal(
        log.count("connect"),
        1,
        "the first connection; every attempt after was refused",
      );
      assert.equal(loop.pendingTimers, 0, "no timer left behind");
    } finally {
      stop();
    }
  },
);

faultTest(
  "RedisClient reports a strategy that throws or returns nonsense, and gives up",
  async () => {
    const reported: unknown[] = [];
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      reported.push(event.error);
    };
    globalThis.addEventListener("error", onError);
    try {
      for (
        const strategy of [() => Number.NaN, () => {
          throw new Error("bad strategy");
        }]
      ) {
        await using server = await startRedisServer();
        const client = await connect(server.url, { reconnect: strategy });
        const log = new EventLog(client);
        await server.stop();
        await log.until("end");
        assert.ok((await client.finished) instanceof ConnectionClosedError);
        assert.equal(log.count("reconnecting"), 0);
      }
      assert.equal(reported.length, 2);
      assert.ok(reported[0] instanceof RangeError);
      assert.equal((reported[1] as Error).message, "bad strategy");
    } finally {
      globalThis.removeEventListener("error", onError);
    }
  },
);

faultTest("RedisClient destroy() during a reconnect attempt ends everything at once", async () => {
  await using server = await startRedisServer();
  const client = await connect(server.url, { reconnect: { strategy: () => 5 } });
  const log = new EventLog(client);
  await server.stop();
  await log.until("error", 2); // an attempt failed: it keeps trying
  const ledger = new Ledger();
  ledger.track("queued", client.ping());
  client.destroy();
  const outcomes = await ledger.settled();
  const queued = outcomes.get("queued")!;
  assert.ok("error" in queued && queued.error instanceof ConnectionClosedError);
  assert.match((queued.error as Error).message, /destroyed/);
  assert.ok((await client.finished) instanceof ConnectionClosedError);
  assert.equal(client.status, "closed");
  assert.equal(log.types.at(-1), "end");
});

Deno.test("RedisClient refuses nonsense reliability options when made", () => {
  assert.throws(() => new RedisClient({ retryReadOnly: -1 }), RangeError);
  assert.throws(() => new RedisClient({ retryReadOnly: 1.5 }), RangeError);
  assert.throws(() => new RedisClient({ offlineQueue: { maxCommands: -1 } }), RangeError);
  assert.throws(() => new RedisClient({ offlineQueue: { maxBytes: Number.NaN } }), RangeError);
  assert.throws(() => new RedisClient({ healthCheck: { intervalMs: 0 } }), RangeError);
  assert.throws(
    () => new RedisClient({ healthCheck: { intervalMs: 10, timeoutMs: -1 } }),
    RangeError,
  );
  assert.throws(() => new RedisClient({ blockingGraceMs: Infinity }), RangeError);
  assert.throws(() => new RedisClient({ reconnect: { maxAttempts: -2 } }), RangeError);
  assert.throws(
    () => new RedisClient({ reconnect: "always" as unknown as boolean }),
    TypeError,
  );
  assert.throws(
    () => new RedisClient({ reconnect: { strategy: 5 as unknown as () => number } }),
    TypeError,
  );
  assert.equal(new RedisClient({ reconnect: { maxAttempts: 0 } }).status, "idle");
});
