/**
 * When to refresh the cluster's topology: {@linkcode RefreshScheduler} is a pure state machine
 * (the caller passes the clock, starts the refreshes and sets the timers) that keeps one refresh
 * at a time, coalesces the triggers that arrive meanwhile into exactly one trailing refresh,
 * keeps a minimum gap between refreshes, backs off while they fail, and adds a periodic refresh
 * with jitter.
 *
 * @module
 */

/**
 * Why a refresh is wanted.
 *
 * - `initial`: the first topology;
 * - `periodic`: the periodic timer;
 * - `moved`: a `MOVED` reply (the slot was patched already; the rest may have changed too);
 * - `unknown-endpoint`: a redirect or a topology named a node without a usable endpoint;
 * - `node-down`: a node's connection dropped or was refused;
 * - `cluster-down`: a `CLUSTERDOWN` or `MASTERDOWN` reply;
 * - `readonly`: a `READONLY` reply (a master was demoted);
 * - `uncovered`: a command's slot has no known master;
 * - `shard-down`: commands wait for a shard whose master is unreachable (or `CLUSTERDOWN`):
 *   refreshed at the short `downGapMs` until the map changes;
 * - `sunsubscribe`: the server moved a sharded channel's slot away;
 * - `retry`: the previous refresh failed;
 * - `manual`: asked for by the user.
 *
 * @example
 * ```ts
 * import type { RefreshReason } from "./mod.ts";
 *
 * const reason: RefreshReason = "node-down";
 * ```
 */
export type RefreshReason =
  | "initial"
  | "periodic"
  | "moved"
  | "unknown-endpoint"
  | "node-down"
  | "cluster-down"
  | "readonly"
  | "uncovered"
  | "shard-down"
  | "sunsubscribe"
  | "retry"
  | "manual";

/**
 * Options for {@linkcode RefreshScheduler}.
 *
 * @example The defaults, spelled out
 * ```ts
 * import type { RefreshSchedulerOptions } from "./mod.ts";
 *
 * const options: RefreshSchedulerOptions = {
 *   minGapMs: 100,
 *   downGapMs: 20,
 *   maxBackoffMs: 2000,
 *   periodicMs: 30_000,
 *   jitter: 0.2,
 * };
 * ```
 */
export interface RefreshSchedulerOptions {
  /** The least time between the starts of two refreshes, in ms (default 100). */
  minGapMs?: number;
  /**
   * The gap instead while commands wait for a shard that is down (`shard-down`): a failover's
   * new master is seen this soon after it is promoted (default 20, ± `jitter`; at most
   * `minGapMs`).
   */
  downGapMs?: number;
  /**
   * While refreshes fail, the next waits `minGapMs · 2^failures` after the failure, capped at
   * this many ms (default 2000).
   */
  maxBackoffMs?: number;
  /** A refresh every this many ms after the last one finished; 0 turns it off (default 30000). */
  periodicMs?: number;
  /** The periodic interval varies by ± this fraction, 0..1 (default 0.2, i.e. ±20 %). */
  jitter?: number;
  /** A source of numbers in [0, 1) for the jitter (default `Math.random`). */
  random?: () => number;
}

/**
 * A refresh to start now, with what asked for it.
 *
 * @example
 * ```ts
 * import type { RefreshStart } from "./mod.ts";
 *
 * function firstAsk(start: RefreshStart, healthy: string[]): string[] {
 *   // Ask nodes that did not just drop first.
 *   return healthy.filter((node) => !start.nodes.has(node));
 * }
 * ```
 */
export interface RefreshStart {
  /** Every reason given since the previous refresh started. */
  readonly reasons: ReadonlySet<RefreshReason>;
  /** The nodes (`host:port`) the triggers named: redirect sources, dropped nodes. */
  readonly nodes: ReadonlySet<string>;
  /** 1 for the first refresh after a success, 2 after one failure, and so on. */
  readonly attempt: number;
}

/**
 * What the caller does next: start a refresh now (`start`), and/or call
 * {@linkcode RefreshScheduler.wake} at `wakeAt` (absolute, on the caller's clock). A new step
 * replaces the previous one's `wakeAt`.
 *
 * @example
 * ```ts
 * import type { RefreshStep } from "./mod.ts";
 *
 * const idle: RefreshStep = { start: undefined, wakeAt: 30_000 };
 * ```
 */
export interface RefreshStep {
  /** Start this refresh now, then report its end with `finished`. */
  readonly start: RefreshStart | undefined;
  /** Call `wake` at this time; `undefined` when nothing is due (a refresh runs, or stopped). */
  readonly wakeAt: number | undefined;
}

/**
 * Decides when to refresh the topology. Pure: every method takes the current time and returns a
 * {@linkcode RefreshStep}; the caller starts refreshes, reports their end, and keeps one timer.
 *
 * - One refresh at a time: triggers while one runs are remembered, and when it ends exactly one
 *   trailing refresh follows, however many triggers came.
 * - At least `minGapMs` between two starts; triggers inside the gap are coalesced into one refresh
 *   at its end. A node's dropped or refused connection is such a trigger: immediate, subject to
 *   the gap. While a `shard-down` trigger is pending (commands wait for an unreachable master),
 *   the gap is `downGapMs` (± `jitter`) instead, so a new master is found soon after a failover.
 * - After a failed refresh another is due `minGapMs · 2^failures` (capped at `maxBackoffMs`)
 *   after the failure.
 * - A periodic refresh `periodicMs` ± `jitter` after each refresh ends.
 *
 * @example A burst of triggers gives one refresh now and one trailing refresh
 * ```ts
 * import { RefreshScheduler } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const scheduler = new RefreshScheduler(0, { periodicMs: 0 });
 * assert.ok(scheduler.trigger("moved", 0).start); // the first starts at once
 * for (let i = 0; i < 100; i++) assert.equal(scheduler.trigger("moved", 1).start, undefined);
 * const after = scheduler.finished(true, 20); // the gap (100 ms) has not passed
 * assert.deepEqual(after, { start: undefined, wakeAt: 100 });
 * assert.ok(scheduler.wake(100).start); // the one trailing refresh
 * assert.deepEqual(scheduler.finished(true, 110), { start: undefined, wakeAt: undefined });
 * ```
 */
export class RefreshScheduler {
  #minGap: number;
  #downGap: number;
  // The down gap with its jitter, drawn once per start (`#downGapOf` is that start's time).
  #downGapNow: number;
  #downGapOf = NaN;
  #maxBackoff: number;
  #periodic: number;
  #jitter: number;
  #random: () => number;
  #running = false;
  #stopped = false;
  #reasons = new Set<RefreshReason>();
  #nodes = new Set<string>();
  #lastStart = -Infinity;
  #lastFailure = -Infinity;
  #failures = 0;
  #nextPeriodic: number;

  /**
   * Makes a scheduler; nothing is due until the first trigger, except the periodic refresh.
   *
   * @param now The current time in ms.
   * @param options The gap, backoff, period and jitter.
   * @throws {RangeError} When an option is negative, not finite, or `jitter` is above 1.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0, { periodicMs: 1000, jitter: 0 });
   * assert.deepEqual(scheduler.wake(0), { start: undefined, wakeAt: 1000 });
   * ```
   */
  constructor(now: number, options: RefreshSchedulerOptions = {}) {
    this.#minGap = nonNegative(options.minGapMs ?? 100, "minGapMs");
    this.#maxBackoff = nonNegative(options.maxBackoffMs ?? 2000, "maxBackoffMs");
    this.#periodic = nonNegative(options.periodicMs ?? 30_000, "periodicMs");
    this.#jitter = nonNegative(options.jitter ?? 0.2, "jitter");
    if (this.#jitter > 1) throw new RangeError(`jitter must be in 0..1, got ${this.#jitter}`);
    this.#random = options.random ?? Math.random;
    this.#downGap = Math.min(
      nonNegative(options.downGapMs ?? 20, "downGapMs"),
      this.#minGap,
    );
    this.#downGapNow = this.#downGap;
    this.#nextPeriodic = this.#periodicFrom(now);
  }

  /**
   * Whether a refresh has started and not yet finished.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0);
   * scheduler.trigger("initial", 0);
   * assert.equal(scheduler.running, true);
   * ```
   */
  get running(): boolean {
    return this.#running;
  }

  /**
   * How many refreshes in a row have failed.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0);
   * scheduler.trigger("initial", 0);
   * scheduler.finished(false, 5);
   * assert.equal(scheduler.failures, 1);
   * ```
   */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Asks for a refresh: at once when none runs and the gap since the last start has passed;
   * otherwise it joins the one pending refresh.
   *
   * @param reason Why.
   * @param now The current time in ms.
   * @param node The node concerned (`host:port`): the redirect's source, the dropped node.
   * @returns What to do next.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0, { periodicMs: 0 });
   * const step = scheduler.trigger("node-down", 0, "127.0.0.1:7002");
   * assert.deepEqual([...step.start!.nodes], ["127.0.0.1:7002"]);
   * ```
   */
  trigger(reason: RefreshReason, now: number, node?: string): RefreshStep {
    if (this.#stopped) return IDLE;
    this.#reasons.add(reason);
    if (node !== undefined) this.#nodes.add(node);
    return this.#step(now);
  }

  /**
   * Reports that a node's connection dropped or was refused: a `node-down` trigger naming it.
   *
   * @param node The node, as `host:port`.
   * @param now The current time in ms.
   * @returns What to do next.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0, { periodicMs: 0 });
   * assert.ok(scheduler.nodeDown("127.0.0.1:7002", 0).start?.reasons.has("node-down"));
   * ```
   */
  nodeDown(node: string, now: number): RefreshStep {
    return this.trigger("node-down", now, node);
  }

  /**
   * Reports the end of the running refresh. A failure makes another one due after the backoff;
   * a success resets the backoff and restarts the periodic interval.
   *
   * @param ok Whether it got a usable topology.
   * @param now The current time in ms.
   * @returns What to do next: the trailing refresh when triggers came meanwhile.
   * @throws {TypeError} When no refresh is running.
   *
   * @example Backing off after failures
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0, { periodicMs: 0, minGapMs: 100 });
   * scheduler.trigger("initial", 0);
   * assert.equal(scheduler.finished(false, 10).wakeAt, 210); // 100 · 2^1 after the failure
   * scheduler.wake(210);
   * assert.equal(scheduler.finished(false, 220).wakeAt, 620); // 100 · 2^2
   * ```
   */
  finished(ok: boolean, now: number): RefreshStep {
    if (!this.#running) throw new TypeError("Cannot finish a refresh: none is running");
    this.#running = false;
    if (ok) {
      this.#failures = 0;
      this.#nextPeriodic = this.#periodicFrom(now);
    } else {
      this.#failures++;
      this.#lastFailure = now;
      this.#reasons.add("retry");
    }
    if (this.#stopped) return IDLE;
    return this.#step(now);
  }

  /**
   * The time asked for in the last step has come (calling it early or late is harmless).
   *
   * @param now The current time in ms.
   * @returns What to do next.
   *
   * @example The periodic refresh
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0, { periodicMs: 1000, jitter: 0 });
   * assert.equal(scheduler.wake(999).start, undefined);
   * assert.ok(scheduler.wake(1000).start?.reasons.has("periodic"));
   * ```
   */
  wake(now: number): RefreshStep {
    if (this.#stopped) return IDLE;
    return this.#step(now);
  }

  /**
   * Stops scheduling: every later call returns an idle step. A running refresh may still be
   * reported with `finished`.
   *
   * @example
   * ```ts
   * import { RefreshScheduler } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const scheduler = new RefreshScheduler(0);
   * scheduler.stop();
   * assert.deepEqual(scheduler.trigger("manual", 0), { start: undefined, wakeAt: undefined });
   * ```
   */
  stop(): void {
    this.#stopped = true;
    this.#reasons.clear();
    this.#nodes.clear();
  }

  #step(now: number): RefreshStep {
    if (this.#running) return IDLE;
    if (this.#reasons.size === 0 && now >= this.#nextPeriodic) this.#reasons.add("periodic");
    if (this.#reasons.size === 0) {
      return {
        start: undefined,
        wakeAt: isFinite(this.#nextPeriodic) ? this.#nextPeriodic : undefined,
      };
    }
    const due = this.#due();
    if (now < due) return { start: undefined, wakeAt: due };
    const start: RefreshStart = {
      reasons: this.#reasons,
      nodes: this.#nodes,
      attempt: this.#failures + 1,
    };
    this.#reasons = new Set();
    this.#nodes = new Set();
    this.#running = true;
    this.#lastStart = now;
    return { start, wakeAt: undefined };
  }

  // The earliest start of the pending refresh.
  #due(): number {
    let gap = this.#minGap;
    if (this.#reasons.has("shard-down") && this.#lastStart !== -Infinity) {
      if (this.#downGapOf !== this.#lastStart) {
        this.#downGapOf = this.#lastStart;
        this.#downGapNow = Math.min(
          this.#minGap,
          this.#downGap * (1 + this.#jitter * (2 * this.#random() - 1)),
        );
      }
      gap = this.#downGapNow;
    }
    gap += this.#lastStart;
    if (this.#failures === 0) return gap;
    const backoff = Math.min(this.#maxBackoff, this.#minGap * 2 ** Math.min(this.#failures, 30));
    return Math.max(gap, this.#lastFailure + backoff);
  }

  #periodicFrom(now: number): number {
    if (this.#periodic === 0) return Infinity;
    return now + this.#periodic * (1 + this.#jitter * (2 * this.#random() - 1));
  }
}

const IDLE: RefreshStep = Object.freeze({ start: undefined, wakeAt: undefined });

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}
