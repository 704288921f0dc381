/**
 * The types of the event-loop seam shared by the Redis client and the data mover.
 *
 * The shape follows hiredis's adapter hooks (`addRead`, `delRead`, `addWrite`, `delWrite`,
 * `cleanup`, `scheduleTimer`): a {@linkcode LoopCore} is a pure state machine that says what it
 * wants through a {@linkcode LoopHandle}; an {@linkcode EventLoop} does the waiting and calls the
 * core back.
 *
 * @module
 */

/**
 * A byte stream the loop reads from and writes to on behalf of a core: a `Deno.Conn`, a socket
 * adopted from a native descriptor, or an in-memory pipe in tests.
 *
 * @example Wrapping a Deno connection
 * ```ts ignore
 * import type { IoSource } from "@dray/dray/loop";
 *
 * const conn = await Deno.connect({ port: 6380 });
 * const source: IoSource = conn; // Deno.Conn already has read, write and close
 * ```
 */
export interface IoSource {
  /** Reads into `into`; resolves with the number of bytes read, or `null` at end of stream. */
  read(into: Uint8Array): Promise<number | null>;
  /** Writes some prefix of `bytes`; resolves with how many bytes were written. */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the stream; a pending `read` settles soon after. */
  close(): void;
}

/**
 * The callbacks a core gives the loop. Every callback is optional; the loop calls only those that
 * the core's registered interests make relevant.
 *
 * @example A core that echoes what it reads
 * ```ts
 * import type { LoopCore } from "@dray/dray/loop";
 *
 * const pending: Uint8Array[] = [];
 * const core: LoopCore = {
 *   onRead(bytes) {
 *     pending.push(bytes.slice()); // bytes are only valid during the call
 *   },
 *   onWritable() {
 *     return pending.shift();
 *   },
 * };
 * ```
 */
export interface LoopCore {
  /**
   * Bytes arrived while read interest was registered. The view is only valid during the call:
   * the loop reuses its buffer, so a core that keeps bytes must copy them.
   */
  onRead?(bytes: Uint8Array): void;
  /**
   * The read side ended: `error` is `undefined` at end of stream, or the read error. Read
   * interest is dropped; the core decides whether to call `cleanup`.
   */
  onReadEnd?(error: Error | undefined): void;
  /**
   * The loop can write: return the next bytes to write, or `undefined` when there is nothing more
   * (which drops write interest). The loop writes every returned byte, handling partial writes,
   * before it calls `onWritable` again, so the core must not change the returned region until the
   * next call. The next call is also the signal that the previous bytes were handed to the stream.
   */
  onWritable?(): Uint8Array | undefined;
  /** A write failed; write interest is dropped. */
  onWriteError?(error: Error): void;
  /** Runs once at the end of a tick in which the core called `defer()`, however many times. */
  onDeferred?(): void;
  /** The attachment was torn down. Runs exactly once. */
  onCleanup?(): void;
}

/**
 * A timer started through {@linkcode LoopHandle.scheduleTimer}.
 *
 * @example Cancelling a timer
 * ```ts
 * import { DenoLoop } from "@dray/dray/loop";
 * import assert from "node:assert/strict";
 *
 * const handle = new DenoLoop().attach({});
 * const timer = handle.scheduleTimer(1000, () => {});
 * timer.cancel();
 * assert.equal(timer.active, false);
 * handle.cleanup();
 * ```
 */
export interface LoopTimer {
  /** Whether the timer is still waiting to fire. */
  readonly active: boolean;
  /** Stops the timer; idempotent. */
  cancel(): void;
}

/**
 * Options for {@linkcode LoopHandle.scheduleTimer}.
 *
 * @example
 * ```ts
 * import type { TimerOptions } from "@dray/dray/loop";
 *
 * const options: TimerOptions = { unref: true };
 * ```
 */
export interface TimerOptions {
  /** When `true`, the timer alone does not keep the process alive (a keepalive or health check). */
  unref?: boolean;
}

/**
 * What a core holds once attached to a loop: the hooks through which it registers and drops
 * interest. All hooks are idempotent and do nothing after cleanup.
 *
 * @example Registering read interest
 * ```ts
 * import { DenoLoop } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import assert from "node:assert/strict";
 *
 * const source = new MemorySource();
 * const seen: string[] = [];
 * const handle = new DenoLoop().attach({
 *   onRead: (bytes) => void seen.push(new TextDecoder().decode(bytes)),
 * }, { source });
 * handle.addRead();
 * source.push(new TextEncoder().encode("+OK\r\n"));
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.deepEqual(seen, ["+OK\r\n"]);
 * handle.cleanup();
 * await handle.finished;
 * ```
 */
export interface LoopHandle {
  /** Start delivering bytes from the source to `onRead`. */
  addRead(): void;
  /** Stop delivering bytes; bytes that arrive meanwhile are kept for the next `addRead`. */
  delRead(): void;
  /**
   * Ask to write: at the end of the current tick the loop calls `onWritable` and writes what it
   * returns. Many calls within one tick give one `onWritable` call (write coalescing).
   */
  addWrite(): void;
  /** Drop write interest; a write already under way completes. */
  delWrite(): void;
  /** Ask for one `onDeferred` call at the end of the current tick, however many calls came. */
  defer(): void;
  /** Calls `callback` after `ms` milliseconds unless cancelled or cleaned up first. */
  scheduleTimer(ms: number, callback: () => void, options?: TimerOptions): LoopTimer;
  /**
   * Tears the attachment down once: cancels timers, drops interests, closes the source and calls
   * `onCleanup`. Called from inside a core callback, it runs when that callback returns.
   */
  cleanup(): void;
  /** Whether `cleanup` has run. */
  readonly closed: boolean;
  /** Settles when cleanup has run and no read or write on the source is still outstanding. */
  readonly finished: Promise<void>;
}

/**
 * Options for {@linkcode EventLoop.attach}.
 *
 * @example
 * ```ts
 * import type { AttachOptions } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 *
 * const options: AttachOptions = { source: new MemorySource(), readBufferSize: 16384 };
 * ```
 */
export interface AttachOptions {
  /** The stream to read and write; without one, only timers and `defer` are available. */
  source?: IoSource;
  /** Initial size of the reusable read buffer in bytes (default 65536). */
  readBufferSize?: number;
  /** The read buffer doubles while reads fill it, up to this many bytes (default 1 MiB). */
  maxReadBufferSize?: number;
}

/**
 * An event loop that drives cores. Implementations: {@linkcode DenoLoop} (Deno's own event loop)
 * and {@linkcode ManualLoop} (a loop whose ticks and clock a test advances).
 *
 * @example
 * ```ts
 * import { defaultLoop, type EventLoop } from "@dray/dray/loop";
 *
 * const loop: EventLoop = defaultLoop();
 * const handle = loop.attach({});
 * handle.cleanup();
 * ```
 */
export interface EventLoop {
  /**
   * Attaches a core. A core can be attached once; a second attach throws a `TypeError`.
   *
   * @throws {TypeError} When the core is already attached.
   */
  attach(core: LoopCore, options?: AttachOptions): LoopHandle;
}
