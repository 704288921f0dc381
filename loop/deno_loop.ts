import { Attachment, type Scheduler } from "./_attachment.ts";
import type { AttachOptions, EventLoop, LoopCore, LoopHandle } from "./types.ts";

const denoScheduler: Scheduler = {
  queue(task: () => void): void {
    queueMicrotask(task);
  },
  setTimer(ms: number, fire: () => void, unref: boolean): unknown {
    const id = setTimeout(fire, ms);
    if (unref) Deno.unrefTimer(id);
    return id;
  },
  clearTimer(token: unknown): void {
    clearTimeout(token as ReturnType<typeof setTimeout>);
  },
};

/**
 * The default {@linkcode EventLoop}: Deno's own event loop. End-of-tick work (coalesced writes,
 * `defer`) runs as a microtask after the current synchronous job; timers are `setTimeout`s that
 * `cleanup` always clears, so nothing leaks under the test sanitizers.
 *
 * @example Coalescing writes within one tick
 * ```ts
 * import { DenoLoop } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import assert from "node:assert/strict";
 *
 * const source = new MemorySource();
 * let calls = 0;
 * let pending: Uint8Array | undefined;
 * const handle = new DenoLoop().attach({
 *   onWritable() {
 *     calls++;
 *     const out = pending;
 *     pending = undefined;
 *     return out;
 *   },
 * }, { source });
 * for (let i = 0; i < 100; i++) {
 *   pending = new TextEncoder().encode(`*1\r\n$4\r\nPING\r\n`.repeat(i + 1));
 *   handle.addWrite();
 * }
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(source.written.length, 1); // one write for the whole tick
 * assert.equal(calls, 2); // one call that wrote, one that found nothing more
 * handle.cleanup();
 * await handle.finished;
 * ```
 */
export class DenoLoop implements EventLoop {
  /**
   * Attaches a core to Deno's event loop.
   *
   * @param core The callbacks of the core.
   * @param options The source to drive and the read buffer sizes.
   * @returns The hooks the core uses to register interest.
   * @throws {TypeError} When the core is already attached.
   *
   * @example
   * ```ts
   * import { DenoLoop } from "@dray/dray/loop";
   * import assert from "node:assert/strict";
   *
   * let fired = false;
   * const handle = new DenoLoop().attach({ onDeferred: () => void (fired = true) });
   * handle.defer();
   * await Promise.resolve();
   * assert.equal(fired, true);
   * handle.cleanup();
   * ```
   */
  attach(core: LoopCore, options?: AttachOptions): LoopHandle {
    return new Attachment(core, denoScheduler, options);
  }
}

const shared = new DenoLoop();

/**
 * The process-wide {@linkcode DenoLoop} that the Redis client and the data mover use unless given
 * another loop.
 *
 * @returns The shared default loop.
 *
 * @example
 * ```ts
 * import { DenoLoop, defaultLoop } from "@dray/dray/loop";
 * import assert from "node:assert/strict";
 *
 * assert.ok(defaultLoop() instanceof DenoLoop);
 * assert.equal(defaultLoop(), defaultLoop());
 * ```
 */
export function defaultLoop(): EventLoop {
  return shared;
}
