// RefreshScheduler as tables of (time, event) → expected step, and RefreshDriver on ManualLoop
// with a fake clock: no sockets, no real waiting.

import assert from "node:assert/strict";
import { ManualLoop } from "../../loop/mod.ts";
import {
  RefreshDriver,
  type RefreshReason,
  RefreshScheduler,
  type RefreshStep,
} from "../../redis/cluster/mod.ts";

type Event =
  | ["trigger", RefreshReason, string?]
  | ["down", string]
  | ["ok"]
  | ["fail"]
  | ["wake"];

// A row: at `time`, `event`; expect a start (with these reasons) or none, and this wakeAt.
type Row = [time: number, event: Event, start: RefreshReason[] | null, wakeAt: number | undefined];

function run(scheduler: RefreshScheduler, rows: Row[]): void {
  for (const [time, event, start, wakeAt] of rows) {
    let step: RefreshStep;
    switch (event[0]) {
      case "trigger":
        step = scheduler.trigger(event[1], time, event[2]);
        break;
      case "down":
        step = scheduler.nodeDown(event[1], time);
        break;
      case "ok":
        step = scheduler.finished(true, time);
        break;
      case "fail":
        step = scheduler.finished(false, time);
        break;
      case "wake":
        step = scheduler.wake(time);
        break;
    }
    const label = `at ${time}: ${event.join(" ")}`;
    assert.deepEqual(
      step.start && [...step.start.reasons].sort(),
      start?.sort() ?? undefined,
      label,
    );
    assert.equal(step.wakeAt, wakeAt, label);
  }
}

const noPeriodic = { periodicMs: 0 };

Deno.test("RefreshScheduler starts at once when idle and coalesces triggers into one trailing refresh", () => {
  run(new RefreshScheduler(0, noPeriodic), [
    [0, ["trigger", "initial"], ["initial"], undefined],
    [1, ["trigger", "moved"], null, undefined],
    [2, ["trigger", "moved"], null, undefined],
    [3, ["trigger", "cluster-down"], null, undefined],
    [150, ["ok"], ["moved", "cluster-down"], undefined], // gap passed: the trailing one
    [160, ["ok"], null, undefined], // nothing came meanwhile: no second trailing refresh
  ]);
});

Deno.test("RefreshScheduler keeps the minimum gap between starts", () => {
  run(new RefreshScheduler(0, noPeriodic), [
    [0, ["trigger", "moved"], ["moved"], undefined],
    [10, ["ok"], null, undefined],
    [20, ["trigger", "moved"], null, 100],
    [30, ["trigger", "readonly"], null, 100],
    [50, ["wake"], null, 100], // early: still waiting
    [100, ["wake"], ["moved", "readonly"], undefined],
    [105, ["ok"], null, undefined],
    [250, ["trigger", "moved"], ["moved"], undefined], // past the gap: at once
  ]);
});

Deno.test("RefreshScheduler refreshes on a dropped node at once, subject to the gap, naming it", () => {
  const scheduler = new RefreshScheduler(0, noPeriodic);
  const first = scheduler.nodeDown("127.0.0.1:7001", 0);
  assert.deepEqual([...first.start!.nodes], ["127.0.0.1:7001"]);
  scheduler.finished(true, 5);
  assert.deepEqual(scheduler.nodeDown("127.0.0.1:7002", 40), { start: undefined, wakeAt: 100 });
  scheduler.trigger("moved", 50, "127.0.0.1:7003");
  const trailing = scheduler.wake(100).start!;
  assert.deepEqual([...trailing.reasons], ["node-down", "moved"]);
  assert.deepEqual([...trailing.nodes], ["127.0.0.1:7002", "127.0.0.1:7003"]);
});

Deno.test("RefreshScheduler retries failed refreshes with doubling backoff up to the cap", () => {
  run(new RefreshScheduler(0, { ...noPeriodic, minGapMs: 100, maxBackoffMs: 1000 }), [
    [0, ["trigger", "initial"], ["initial"], undefined],
    [10, ["fail"], null, 210], // 10 + 100·2
    [210, ["wake"], ["retry"], undefined],
    [220, ["fail"], null, 620], // + 400
    [620, ["wake"], ["retry"], undefined],
    [630, ["fail"], null, 1430], // + 800
    [1430, ["wake"], ["retry"], undefined],
    [1440, ["fail"], null, 2440], // + 1600, capped at 1000
    [1500, ["trigger", "moved"], null, 2440], // a trigger does not cut the backoff short
    [2440, ["wake"], ["retry", "moved"], undefined],
    [2450, ["ok"], null, undefined], // success: back to the plain gap
    [2460, ["trigger", "moved"], null, 2540],
  ]);
});

Deno.test("RefreshScheduler counts attempts from the last success", () => {
  const scheduler = new RefreshScheduler(0, noPeriodic);
  assert.equal(scheduler.trigger("initial", 0).start?.attempt, 1);
  scheduler.finished(false, 1);
  assert.equal(scheduler.failures, 1);
  assert.equal(scheduler.wake(1000).start?.attempt, 2);
  scheduler.finished(true, 1001);
  assert.equal(scheduler.failures, 0);
  assert.equal(scheduler.trigger("moved", 2000).start?.attempt, 1);
});

Deno.test("RefreshScheduler refreshes periodically with jitter, counted from the last refresh", () => {
  const draws = [0, 1 - 2 ** -52, 0.5];
  const scheduler = new RefreshScheduler(0, {
    periodicMs: 1000,
    jitter: 0.2,
    random: () => draws.shift()!,
  });
  run(scheduler, [
    [0, ["wake"], null, 800], // draw 0: -20 %
    [799, ["wake"], null, 800],
    [800, ["wake"], ["periodic"], undefined],
    [810, ["ok"], null, 810 + 1200 - 2 ** -52 * 400], // draw ~1: +20 %
  ]);
  // A triggered refresh pushes the periodic one back.
  run(scheduler, [
    [900, ["trigger", "moved"], ["moved"], undefined],
    [910, ["ok"], null, 1910], // draw 0.5: no jitter
    [1910, ["wake"], ["periodic"], undefined],
  ]);
});

Deno.test("RefreshScheduler stops scheduling after stop, and a running refresh may still finish", () => {
  const scheduler = new RefreshScheduler(0, { periodicMs: 1000 });
  assert.ok(scheduler.trigger("initial", 0).start);
  scheduler.stop();
  assert.deepEqual(scheduler.trigger("moved", 1), { start: undefined, wakeAt: undefined });
  assert.deepEqual(scheduler.finished(false, 2), { start: undefined, wakeAt: undefined });
  assert.deepEqual(scheduler.wake(5000), { start: undefined, wakeAt: undefined });
});

Deno.test("RefreshScheduler rejects finishing a refresh that never started, and bad options", () => {
  assert.throws(() => new RefreshScheduler(0).finished(true, 0), TypeError);
  assert.throws(() => new RefreshScheduler(0, { minGapMs: -1 }), RangeError);
  assert.throws(() => new RefreshScheduler(0, { periodicMs: Infinity }), RangeError);
  assert.throws(() => new RefreshScheduler(0, { jitter: 1.5 }), RangeError);
  assert.throws(() => new RefreshScheduler(0, { maxBackoffMs: NaN }), RangeError);
});

// Lets promise continuations run (the refresh's end) without real time passing.
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

Deno.test("RefreshDriver turns 5,000 MOVED triggers in 1 s into at most 11 refreshes, the last after the last trigger", async () => {
  const loop = new ManualLoop();
  const timers = loop.attach({});
  const starts: number[] = [];
  let running = 0;
  let maxRunning = 0;
  using driver = new RefreshDriver({
    loop,
    now: () => loop.now,
    periodicMs: 0,
    minGapMs: 100,
    refresh: () => {
      starts.push(loop.now);
      maxRunning = Math.max(maxRunning, ++running);
      // Each refresh takes 7 ms of fake time.
      return new Promise((resolve) =>
        timers.scheduleTimer(7, () => {
          running--;
          resolve(true);
        })
      );
    },
  });
  let lastTrigger = 0;
  for (let ms = 0; ms < 1000; ms++) {
    for (let i = 0; i < 5; i++) driver.trigger("moved", "127.0.0.1:7000");
    lastTrigger = loop.now;
    loop.advance(1);
    await flush();
  }
  loop.advance(1000);
  await flush();
  loop.advance(1000);
  await flush();
  assert.equal(maxRunning, 1, "one refresh at a time");
  assert.ok(starts.length <= 11, `${starts.length} refreshes`);
  assert.ok(starts.length >= 10, `${starts.length} refreshes: the gap is the only limit`);
  assert.ok(starts.at(-1)! >= lastTrigger, "the last refresh starts after the last trigger");
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 100);
  timers.cleanup();
});

Deno.test("RefreshDriver retries a failing refresh after the backoff and reports each error", async () => {
  const loop = new ManualLoop();
  const errors: unknown[] = [];
  const starts: number[] = [];
  using driver = new RefreshDriver({
    loop,
    now: () => loop.now,
    periodicMs: 0,
    refresh: () => {
      starts.push(loop.now);
      return starts.length < 3
        ? Promise.reject(new Error(`refused ${starts.length}`))
        : Promise.resolve(true);
    },
    onError: (error) => errors.push(error),
  });
  driver.trigger("initial");
  await driver.settled();
  loop.advance(200);
  await driver.settled();
  loop.advance(400);
  await driver.settled();
  loop.advance(10_000);
  await driver.settled();
  assert.deepEqual(starts, [0, 200, 600]);
  assert.deepEqual(errors.map((error) => (error as Error).message), ["refused 1", "refused 2"]);
});

Deno.test("RefreshDriver counts a refresh that resolves false as failed", async () => {
  const loop = new ManualLoop();
  let calls = 0;
  using driver = new RefreshDriver({
    loop,
    now: () => loop.now,
    periodicMs: 0,
    refresh: () => Promise.resolve(++calls > 1),
  });
  driver.trigger("initial");
  await driver.settled();
  loop.advance(200);
  await driver.settled();
  assert.equal(calls, 2);
});

Deno.test("RefreshDriver fires the periodic refresh on the loop's clock", async () => {
  const loop = new ManualLoop();
  const starts: number[] = [];
  using _driver = new RefreshDriver({
    loop,
    now: () => loop.now,
    periodicMs: 30_000,
    random: () => 0.5,
    refresh: () => {
      starts.push(loop.now);
      return Promise.resolve(true);
    },
  });
  loop.advance(29_999);
  await flush();
  assert.deepEqual(starts, []);
  loop.advance(1);
  await flush();
  loop.advance(30_000);
  await flush();
  assert.deepEqual(starts, [30_000, 60_000]);
});

Deno.test("RefreshDriver close cancels its timer and ignores later triggers", async () => {
  const loop = new ManualLoop();
  let calls = 0;
  const driver = new RefreshDriver({
    loop,
    now: () => loop.now,
    refresh: () => Promise.resolve(void calls++),
  });
  assert.equal(loop.pendingTimers, 1, "the periodic timer");
  driver.close();
  assert.equal(loop.pendingTimers, 0);
  driver.trigger("manual");
  loop.advance(60_000);
  await flush();
  assert.equal(calls, 0);
});
