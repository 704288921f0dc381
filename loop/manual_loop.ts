import { Attachment, type Scheduler } from "./_attachment.ts";
import type { AttachOptions, EventLoop, LoopCore, LoopHandle } from "./types.ts";

interface PendingTimer {
  due: number;
  seq: number;
  fire: () => void;
}

/**
 * An {@linkcode EventLoop} whose ticks and clock the caller drives: end-of-tick work runs when
 * {@linkcode ManualLoop.tick} is called and timers fire when {@linkcode ManualLoop.advance} moves
 * the fake clock past them. It makes timeouts, retries and coalescing testable without waiting.
 * I/O on a source still completes through promises.
 *
 * @example Firing a timer without waiting
 * ```ts
 * import { ManualLoop } from "@dray/dray/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new ManualLoop();
 * const handle = loop.attach({});
 * let fired = 0;
 * handle.scheduleTimer(5000, () => fired++);
 * loop.advance(4999);
 * assert.equal(fired, 0);
 * loop.advance(1);
 * assert.equal(fired, 1);
 * handle.cleanup();
 * ```
 */
export class ManualLoop implements EventLoop {
  #queue: Array<() => void> = [];
  #timers = new Map<number, PendingTimer>();
  #seq = 0;
  #now = 0;
  #scheduler: Scheduler = {
    queue: (task) => void this.#queue.push(task),
    setTimer: (ms, fire) => {
      const seq = ++this.#seq;
      this.#timers.set(seq, { due: this.#now + ms, seq, fire });
      return seq;
    },
    clearTimer: (token) => void this.#timers.delete(token as number),
  };

  /**
   * Attaches a core to this loop.
   *
   * @param core The callbacks of the core.
   * @param options The source to drive and the read buffer sizes.
   * @returns The hooks the core uses to register interest.
   * @throws {TypeError} When the core is already attached.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * let deferred = 0;
   * const handle = loop.attach({ onDeferred: () => void deferred++ });
   * handle.defer();
   * handle.defer();
   * loop.tick();
   * assert.equal(deferred, 1);
   * handle.cleanup();
   * ```
   */
  attach(core: LoopCore, options?: AttachOptions): LoopHandle {
    return new Attachment(core, this.#scheduler, options);
  }

  /**
   * The fake clock in milliseconds since the loop was made.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * loop.advance(250);
   * assert.equal(loop.now, 250);
   * ```
   */
  get now(): number {
    return this.#now;
  }

  /**
   * How many timers are waiting to fire.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * const handle = loop.attach({});
   * handle.scheduleTimer(10, () => {});
   * assert.equal(loop.pendingTimers, 1);
   * handle.cleanup();
   * assert.equal(loop.pendingTimers, 0);
   * ```
   */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Ends the current tick: runs the queued end-of-tick tasks, including tasks they queue.
   *
   * @returns How many tasks ran.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * const handle = loop.attach({ onDeferred() {} });
   * handle.defer();
   * assert.equal(loop.tick(), 1);
   * assert.equal(loop.tick(), 0);
   * handle.cleanup();
   * ```
   */
  tick(): number {
    let ran = 0;
    while (this.#queue.length > 0) {
      const task = this.#queue.shift()!;
      ran++;
      task();
    }
    return ran;
  }

  /**
   * Moves the fake clock forward by `ms`, firing due timers in order of due time (then of
   * creation), each followed by a tick; timers scheduled by a firing timer fire too when they fall
   * within the window.
   *
   * @param ms How far to move the clock, a finite number >= 0.
   * @throws {RangeError} When `ms` is negative or not finite.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * const handle = loop.attach({});
   * const order: number[] = [];
   * handle.scheduleTimer(20, () => order.push(20));
   * handle.scheduleTimer(10, () => order.push(10));
   * loop.advance(30);
   * assert.deepEqual(order, [10, 20]);
   * handle.cleanup();
   * ```
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance: ms must be a finite number >= 0, got ${ms}`);
    }
    const target = this.#now + ms;
    this.tick();
    for (;;) {
      let next: PendingTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.due > target) continue;
        if (
          next === undefined || timer.due < next.due ||
          (timer.due === next.due && timer.seq < next.seq)
        ) {
          next = timer;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#now = next.due;
      next.fire();
      this.tick();
    }
    this.#now = target;
  }
}
