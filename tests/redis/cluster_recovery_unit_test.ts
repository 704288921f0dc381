// The pure pieces of the cluster client's recovery and batching: the short refresh gap while a
// shard is down (RefreshScheduler), the retry waiting room that lets commands go again in issue
// order (RetryPark), and a split command's reply put together as its parts arrive (SplitReply).

import assert from "node:assert/strict";
import { RefreshScheduler } from "../../redis/cluster/mod.ts";
import { RetryPark } from "../../redis/cluster/_retry_park.ts";
import { SplitReply } from "../../redis/cluster/_reduce.ts";
import { routeCommand } from "../../redis/cluster/_route.ts";

const steady = { periodicMs: 0, jitter: 0 };

Deno.test("RefreshScheduler refreshes at downGapMs while a shard-down trigger is pending", () => {
  const scheduler = new RefreshScheduler(0, steady);
  assert.ok(scheduler.trigger("shard-down", 0, "10.0.0.1:7000").start);
  scheduler.finished(true, 5);
  // Commands still wait for the shard: the next refresh is due 20 ms after the last start.
  assert.deepEqual(scheduler.trigger("shard-down", 6), { start: undefined, wakeAt: 20 });
  assert.deepEqual(scheduler.trigger("moved", 7), { start: undefined, wakeAt: 20 });
  const next = scheduler.wake(20).start!;
  assert.deepEqual([...next.reasons].sort(), ["moved", "shard-down"]);
  scheduler.finished(true, 25);
  // Without a shard down, the plain gap again.
  assert.deepEqual(scheduler.trigger("moved", 30), { start: undefined, wakeAt: 120 });
});

Deno.test("RefreshScheduler draws the down gap's jitter once per start and caps it at minGapMs", () => {
  const draws = [0, 1 - 2 ** -52];
  const scheduler = new RefreshScheduler(0, {
    periodicMs: 0,
    jitter: 0.2,
    downGapMs: 20,
    random: () => draws.shift() ?? 0.5,
  });
  scheduler.trigger("shard-down", 0);
  scheduler.finished(true, 1);
  assert.equal(scheduler.trigger("shard-down", 2).wakeAt, 16); // -20 %
  assert.equal(scheduler.trigger("shard-down", 3).wakeAt, 16); // the same draw
  assert.ok(scheduler.wake(16).start);
  scheduler.finished(true, 17);
  assert.ok(Math.abs(scheduler.trigger("shard-down", 18).wakeAt! - 40) < 1e-9); // 16 + 24
  const capped = new RefreshScheduler(0, { ...steady, minGapMs: 50, downGapMs: 500 });
  capped.trigger("shard-down", 0);
  capped.finished(true, 1);
  assert.equal(capped.trigger("shard-down", 2).wakeAt, 50);
  assert.throws(() => new RefreshScheduler(0, { downGapMs: -1 }), RangeError);
});

Deno.test("RetryPark wakes waiting commands in issue order, and each wait ends once", async () => {
  const park = new RetryPark();
  const first = park.next();
  const second = park.next();
  const third = park.next();
  const signal = new AbortController().signal;
  const order: number[] = [];
  const waits = [third, first, second].map((seq) =>
    park.pause(60_000, seq, signal).then(() => void order.push(seq))
  );
  assert.equal(park.size, 3);
  park.wake();
  await Promise.all(waits);
  assert.deepEqual(order, [first, second, third]);
  assert.equal(park.size, 0);
  park.wake(); // nothing waits: nothing happens
  // A wait also ends on its own timer, or when the client closes.
  await park.pause(1, park.next(), signal);
  const closing = new AbortController();
  const waiting = park.pause(60_000, park.next(), closing.signal);
  closing.abort();
  await waiting;
  assert.equal(park.size, 0);
  await park.pause(60_000, park.next(), closing.signal); // already closed: at once
});

Deno.test("SplitReply puts MGET values in key order as parts arrive, and rejects once", async () => {
  const route = routeCommand(["MGET", "a", "b", "{a}c"], undefined, "split");
  assert.ok(route.kind === "split");
  const reply = new SplitReply(route.parts, route.response, 3);
  reply.settled(1, ["vb"]); // the second part answers first
  reply.settled(0, ["va", "vc"]);
  assert.deepEqual(await reply.promise, ["va", "vb", "vc"]);
  const counted = routeCommand(["DEL", "a", "b", "{a}c"], undefined, "split");
  assert.ok(counted.kind === "split");
  const sum = new SplitReply(counted.parts, counted.response, 3);
  sum.settled(0, 2);
  sum.settled(1, 1);
  assert.equal(await sum.promise, 3);
  const failing = new SplitReply(route.parts, route.response, 3);
  const error = new Error("part failed");
  failing.failed(0, error);
  failing.failed(1, new Error("later"));
  failing.settled(1, ["vb"]);
  await assert.rejects(failing.promise, (e) => e === error);
  const shapeless = new SplitReply(route.parts, route.response, 3);
  shapeless.settled(0, "not an array");
  await assert.rejects(shapeless.promise, TypeError);
});
