/**
 * {@linkcode RefreshDriver} runs a {@linkcode RefreshScheduler} on an event loop: it calls the
 * refresh function when the scheduler says so and keeps the one timer it asks for. With
 * `ManualLoop` from `loop/` and a fake clock, tests drive it without waiting.
 *
 * @module
 */

import { defaultLoop } from "../../loop/deno_loop.ts";
import type { EventLoop, LoopHandle, LoopTimer } from "../../loop/types.ts";
import {
  type RefreshReason,
  RefreshScheduler,
  type RefreshSchedulerOptions,
  type RefreshStart,
  type RefreshStep,
} from "./refresh.ts";

/**
 * Options for {@linkcode RefreshDriver}: the scheduler's, plus the refresh itself and the loop.
 *
 * @example
 * ```ts
 * import type { RefreshDriverOptions } from "./mod.ts";
 *
 * const options: RefreshDriverOptions = {
 *   refresh: async (start) => {
 *     console.log("refreshing because of", [...start.reasons]);
 *     return true;
 *   },
 *   minGapMs: 100,
 * };
 * ```
 */
export interface RefreshDriverOptions extends RefreshSchedulerOptions {
  /**
   * Fetches and installs a topology. Resolving with `false` or rejecting counts as a failure
   * (retried with backoff); resolving otherwise counts as a success.
   */
  refresh(start: RefreshStart): Promise<boolean | void>;
  /** Called with what a failing refresh rejected with. */
  onError?: (error: unknown) => void;
  /** The loop whose timers to use (default: Deno's own). */
  loop?: EventLoop;
  /** The clock, in ms (default `performance.now`); with `ManualLoop`, `() => loop.now`. */
  now?: () => number;
}

/**
 * Runs topology refreshes when a {@linkcode RefreshScheduler} says so: one at a time, the
 * triggers that arrive meanwhile coalesced into one trailing refresh, a minimum gap, backoff on
 * failure, a periodic refresh with jitter. Its timers are unref'd: they never keep a process
 * alive on their own. Close it (or leave a `using` scope) to stop; a refresh under way finishes
 * but nothing follows it.
 *
 * @example Coalescing a burst on a manual loop
 * ```ts
 * import { RefreshDriver } from "./mod.ts";
 * import { ManualLoop } from "../../loop/mod.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = new ManualLoop();
 * let refreshes = 0;
 * using driver = new RefreshDriver({
 *   loop,
 *   now: () => loop.now,
 *   periodicMs: 0,
 *   refresh: () => {
 *     refreshes++;
 *     return Promise.resolve(true);
 *   },
 * });
 * for (let i = 0; i < 1000; i++) driver.trigger("moved");
 * await driver.settled();
 * loop.advance(100);
 * await driver.settled();
 * assert.equal(refreshes, 2); // one at once, one trailing
 * ```
 */
export class RefreshDriver implements Disposable {
  #scheduler: RefreshScheduler;
  #handle: LoopHandle;
  #timer: LoopTimer | undefined;
  #timerAt: number | undefined;
  #now: () => number;
  #refresh: (start: RefreshStart) => Promise<boolean | void>;
  #onError: ((error: unknown) => void) | undefined;
  #current: Promise<void> | undefined;
  #runs = 0;
  #closed = false;

  /**
   * Makes a driver and arms the periodic refresh. Nothing else runs until a trigger.
   *
   * @param options The refresh function, the loop, the clock and the scheduler's options.
   * @throws {RangeError} When a scheduler option is invalid.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * using driver = new RefreshDriver({ refresh: () => Promise.resolve(true) });
   * assert.equal(driver.running, false);
   * ```
   */
  constructor(options: RefreshDriverOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#scheduler = new RefreshScheduler(this.#now(), options);
    this.#handle = (options.loop ?? defaultLoop()).attach({});
    this.#refresh = options.refresh;
    this.#onError = options.onError;
    this.#apply(this.#scheduler.wake(this.#now()));
  }

  /**
   * Whether a refresh is under way.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * using driver = new RefreshDriver({ refresh: () => new Promise(() => {}) });
   * driver.trigger("manual");
   * assert.equal(driver.running, true);
   * ```
   */
  get running(): boolean {
    return this.#scheduler.running;
  }

  /**
   * Asks for a refresh (see {@linkcode RefreshScheduler.trigger}).
   *
   * @param reason Why.
   * @param node The node concerned, as `host:port`.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   *
   * using driver = new RefreshDriver({ refresh: () => Promise.resolve(true) });
   * driver.trigger("moved", "127.0.0.1:7000");
   * await driver.settled();
   * ```
   */
  trigger(reason: RefreshReason, node?: string): void {
    if (this.#closed) return;
    this.#apply(this.#scheduler.trigger(reason, this.#now(), node));
  }

  /**
   * Reports a node whose connection dropped or was refused: a refresh at once, subject to the
   * minimum gap.
   *
   * @param node The node, as `host:port`.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * const seen: string[] = [];
   * using driver = new RefreshDriver({
   *   refresh: (start) => {
   *     seen.push(...start.nodes);
   *     return Promise.resolve(true);
   *   },
   * });
   * driver.nodeDown("127.0.0.1:7002");
   * await driver.settled();
   * assert.deepEqual(seen, ["127.0.0.1:7002"]);
   * ```
   */
  nodeDown(node: string): void {
    this.trigger("node-down", node);
  }

  /**
   * Waits until no refresh is running (including a trailing one started at the end of another).
   *
   * @returns A promise that settles when the driver is idle.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   * import assert from "node:assert/strict";
   *
   * let done = false;
   * using driver = new RefreshDriver({
   *   refresh: async () => {
   *     await new Promise((resolve) => setTimeout(resolve, 1));
   *     done = true;
   *   },
   * });
   * driver.trigger("manual");
   * await driver.settled();
   * assert.equal(done, true);
   * ```
   */
  async settled(): Promise<void> {
    while (this.#current !== undefined) await this.#current;
  }

  /**
   * Stops: cancels the timer and ignores later triggers. Idempotent.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   *
   * const driver = new RefreshDriver({ refresh: () => Promise.resolve(true) });
   * driver.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.stop();
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#handle.cleanup();
  }

  /**
   * Same as {@linkcode RefreshDriver.close}, for `using`.
   *
   * @example
   * ```ts
   * import { RefreshDriver } from "./mod.ts";
   *
   * using _driver = new RefreshDriver({ refresh: () => Promise.resolve(true) });
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  #apply(step: RefreshStep): void {
    if (this.#closed) return;
    if (step.start !== undefined) this.#run(step.start);
    // A burst of triggers inside the gap asks for the same wake-up again and again: keep it.
    if (this.#timer?.active && step.wakeAt === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = step.wakeAt;
    if (step.wakeAt !== undefined) {
      const delay = Math.max(0, step.wakeAt - this.#now());
      this.#timer = this.#handle.scheduleTimer(delay, () => {
        this.#timer = undefined;
        this.#timerAt = undefined;
        this.#apply(this.#scheduler.wake(this.#now()));
      }, { unref: true });
    }
  }

  #run(start: RefreshStart): void {
    const run = ++this.#runs;
    this.#current = (async () => {
      let ok = false;
      try {
        ok = (await this.#refresh(start)) !== false;
      } catch (error) {
        this.#onError?.(error);
      }
      if (this.#runs === run) this.#current = undefined;
      const step = this.#scheduler.finished(ok, this.#now());
      this.#apply(step);
    })();
  }
}
