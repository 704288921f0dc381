// The one implementation of LoopHandle. A loop differs from another only in its scheduler: how it
// runs a task at the end of the current tick and how it keeps time. Private to loop/.

import type {
  AttachOptions,
  IoSource,
  LoopCore,
  LoopHandle,
  LoopTimer,
  TimerOptions,
} from "./types.ts";

/** How a loop runs end-of-tick tasks and timers. */
export interface Scheduler {
  /** Runs `task` at the end of the current tick. */
  queue(task: () => void): void;
  /** Starts a timer; returns a token for `clearTimer`. */
  setTimer(ms: number, fire: () => void, unref: boolean): unknown;
  /** Stops a timer started by `setTimer`. */
  clearTimer(token: unknown): void;
}

const DEFAULT_READ_BUFFER = 64 * 1024;
const DEFAULT_MAX_READ_BUFFER = 1024 * 1024;

// A core may be attached once at a time, whichever loop holds it (hiredis's adapters refuse a
// second attach too). Cleanup releases it so a reconnecting core can attach a new source.
const attachedCores = new WeakSet<LoopCore>();

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function checkSize(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot attach: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

class Timer implements LoopTimer {
  #owner: Attachment;
  token: unknown = undefined;
  active = true;
  constructor(owner: Attachment) {
    this.#owner = owner;
  }
  cancel(): void {
    this.#owner.cancelTimer(this);
  }
}

export class Attachment implements LoopHandle {
  #core: LoopCore;
  #scheduler: Scheduler;
  #source: IoSource | undefined;
  #buffer: Uint8Array;
  #maxBuffer: number;

  #depth = 0;
  #cleanupPending = false;
  #closed = false;

  #reading = false;
  #pumping = false;
  // Bytes (or end of stream, as null) that arrived after delRead; delivered by the next addRead.
  #parked: Uint8Array | null | undefined = undefined;

  #writeWanted = false;
  #writeScheduled = false;
  #writing = false;

  #deferScheduled = false;
  #timers = new Set<Timer>();

  #finished: Promise<void>;
  #resolveFinished!: () => void;

  constructor(core: LoopCore, scheduler: Scheduler, options: AttachOptions = {}) {
    if (attachedCores.has(core)) {
      throw new TypeError("Cannot attach: the core is already attached to a loop");
    }
    const size = checkSize("readBufferSize", options.readBufferSize ?? DEFAULT_READ_BUFFER);
    this.#maxBuffer = Math.max(
      size,
      checkSize("maxReadBufferSize", options.maxReadBufferSize ?? DEFAULT_MAX_READ_BUFFER),
    );
    attachedCores.add(core);
    this.#core = core;
    this.#scheduler = scheduler;
    this.#source = options.source;
    this.#buffer = new Uint8Array(options.source ? size : 0);
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get finished(): Promise<void> {
    return this.#finished;
  }

  addRead(): void {
    if (this.#closed || this.#reading) return;
    this.#requireSource("addRead");
    this.#reading = true;
    if (!this.#pumping) {
      this.#pumping = true;
      this.#scheduler.queue(() => void this.#pump());
    }
  }

  delRead(): void {
    this.#reading = false;
  }

  addWrite(): void {
    if (this.#closed) return;
    this.#requireSource("addWrite");
    this.#writeWanted = true;
    if (!this.#writing && !this.#writeScheduled) {
      this.#writeScheduled = true;
      this.#scheduler.queue(() => {
        this.#writeScheduled = false;
        if (this.#writeWanted && !this.#closed && !this.#writing) void this.#writeLoop();
      });
    }
  }

  delWrite(): void {
    this.#writeWanted = false;
  }

  defer(): void {
    if (this.#closed || this.#deferScheduled) return;
    this.#deferScheduled = true;
    this.#scheduler.queue(() => {
      this.#deferScheduled = false;
      if (!this.#closed) this.#call(this.#core.onDeferred);
    });
  }

  scheduleTimer(ms: number, callback: () => void, options: TimerOptions = {}): LoopTimer {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot schedule timer: delay must be a finite number >= 0, got ${ms}`);
    }
    const timer = new Timer(this);
    if (this.#closed) {
      timer.active = false;
      return timer;
    }
    this.#timers.add(timer);
    timer.token = this.#scheduler.setTimer(ms, () => {
      if (!timer.active) return;
      timer.active = false;
      this.#timers.delete(timer);
      this.#call(callback);
    }, options.unref === true);
    return timer;
  }

  /** Called by Timer#cancel. */
  cancelTimer(timer: Timer): void {
    if (!timer.active) return;
    timer.active = false;
    this.#timers.delete(timer);
    this.#scheduler.clearTimer(timer.token);
  }

  cleanup(): void {
    if (this.#closed) return;
    if (this.#depth > 0) {
      this.#cleanupPending = true;
      return;
    }
    this.#closed = true;
    this.#cleanupPending = false;
    this.#reading = false;
    this.#writeWanted = false;
    this.#parked = undefined;
    for (const timer of this.#timers) this.cancelTimer(timer);
    try {
      this.#source?.close();
    } catch {
      // Already closed by the peer or by the core: nothing left to release.
    }
    attachedCores.delete(this.#core);
    this.#core.onCleanup?.();
    this.#maybeFinish();
  }

  #requireSource(hook: string): IoSource {
    if (this.#source === undefined) {
      throw new TypeError(`Cannot ${hook}: the core was attached without a source`);
    }
    return this.#source;
  }

  // Calls a core callback, counting depth so that cleanup requested inside it is deferred until it
  // returns. A callback that throws is a bug in the core: tear down, then let the error surface.
  #call<A extends unknown[], R>(fn: ((...args: A) => R) | undefined, ...args: A): R | undefined {
    if (fn === undefined) return undefined;
    this.#depth++;
    try {
      return fn.apply(this.#core, args);
    } catch (error) {
      this.#cleanupPending = true;
      throw error;
    } finally {
      this.#depth--;
      if (this.#depth === 0 && this.#cleanupPending) this.cleanup();
    }
  }

  async #pump(): Promise<void> {
    const source = this.#source!;
    try {
      while (this.#reading && !this.#closed) {
        const parked = this.#parked;
        if (parked !== undefined) {
          this.#parked = undefined;
          if (parked === null) {
            this.#reading = false;
            this.#call(this.#core.onReadEnd, undefined);
          } else {
            this.#call(this.#core.onRead, parked);
          }
          continue;
        }
        let n: number | null;
        try {
          n = await source.read(this.#buffer);
        } catch (error) {
          if (this.#closed) return;
          this.#reading = false;
          this.#call(this.#core.onReadEnd, toError(error));
          return;
        }
        if (this.#closed) return;
        if (n === null) {
          if (this.#reading) {
            this.#reading = false;
            this.#call(this.#core.onReadEnd, undefined);
          } else {
            this.#parked = null;
          }
          return;
        }
        const bytes = this.#buffer.subarray(0, n);
        if (!this.#reading) {
          this.#parked = bytes.slice();
          return;
        }
        const full = n === this.#buffer.length;
        this.#call(this.#core.onRead, bytes);
        if (full && this.#buffer.length < this.#maxBuffer) {
          this.#buffer = new Uint8Array(Math.min(this.#buffer.length * 2, this.#maxBuffer));
        }
      }
    } finally {
      this.#pumping = false;
      this.#maybeFinish();
    }
  }

  async #writeLoop(): Promise<void> {
    const source = this.#source!;
    this.#writing = true;
    try {
      while (this.#writeWanted && !this.#closed) {
        const bytes = this.#call(this.#core.onWritable);
        if (bytes === undefined || bytes.length === 0) {
          this.#writeWanted = false;
          return;
        }
        let offset = 0;
        while (offset < bytes.length) {
          let n: number;
          try {
            n = await source.write(offset === 0 ? bytes : bytes.subarray(offset));
          } catch (error) {
            if (this.#closed) return;
            this.#writeWanted = false;
            this.#call(this.#core.onWriteError, toError(error));
            return;
          }
          if (this.#closed) return;
          offset += n;
        }
      }
    } finally {
      this.#writing = false;
      this.#maybeFinish();
    }
  }

  #maybeFinish(): void {
    if (this.#closed && !this.#pumping && !this.#writing) this.#resolveFinished();
  }
}
