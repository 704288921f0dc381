import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import { tsBackend } from "./ts_backend.ts";
import {
  OFF_THREAD_FUNCTIONS,
  type OffThreadEngine,
  offThreadKernel,
  StagingPool,
} from "./_offthread.ts";
import {
  SLOT_BYTES,
  STATE_DONE,
  STATE_RUNNING,
  type WireJob,
  type WirePiece,
} from "./_worker_wire.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";

/**
 * What handing a part to a worker and hearing back costs, in nanoseconds (postMessage, then an
 * Atomics.waitAsync wake-up): 80-100 µs on the 2-core development VM.
 */
const ROUND_TRIP_NS = 100_000;

/**
 * Options for {@linkcode createWorkerBackend}.
 *
 * @example
 * ```ts
 * import type { WorkerBackendOptions } from "@dray/dray/dmover/backends";
 *
 * const options: WorkerBackendOptions = { workers: 2 };
 * ```
 */
export interface WorkerBackendOptions {
  /**
   * How many workers (default: one per CPU but one, from 1 to 8, leaving a CPU to the event
   * loop). They start on first use.
   */
  workers?: number;
  /** The backend's name (default `worker`). */
  name?: string;
  /** Bytes of staging per part for buffers that are not SharedArrayBuffers (default 2 MiB). */
  stageBytes?: number;
}

/**
 * A backend that runs the TypeScript kernels on a pool of Workers. Close it (or declare it with
 * `using`) to terminate the workers; requests still running then fail with `EBADF`.
 *
 * @example
 * ```ts
 * import { createWorkerBackend, type WorkerBackend } from "@dray/dray/dmover/backends";
 *
 * using pool: WorkerBackend = createWorkerBackend({ workers: 1 });
 * console.log(pool.name, pool.workers);
 * ```
 */
export interface WorkerBackend extends DmoverBackend, Disposable {
  /** How many workers the pool runs (started on first use). */
  readonly workers: number;
  /** Whether `close` was called. */
  readonly closed: boolean;
  /** Terminates the workers; running requests fail with `EBADF`, later ones too. */
  close(): void;
}

interface Job {
  slot: number;
  resolve: (value: number | undefined) => void;
  reject: (error: unknown) => void;
}

/** One worker per CPU but one, which the event loop keeps: from 1 to 8. */
function defaultWorkers(): number {
  const cpus = typeof navigator === "object" ? navigator.hardwareConcurrency ?? 2 : 2;
  return Math.max(1, Math.min(8, cpus - 1));
}

function wireSide(buffer: DmoverBuffer): WirePiece[] {
  if (buffer instanceof Uint8Array) {
    return [[buffer.buffer as SharedArrayBuffer, buffer.byteOffset, buffer.length]];
  }
  const out: WirePiece[] = [];
  for (const iov of buffer) {
    if (iov.length === 0) continue;
    const view = iov.buffer;
    out.push([view.buffer as SharedArrayBuffer, view.byteOffset + iov.offset, iov.length]);
  }
  return out;
}

/**
 * Creates a pool of Workers that run data-mover work off the event-loop thread with the
 * TypeScript kernels: for when FFI is not allowed (no `--allow-ffi`, or no shim), or to spread a
 * large request over several cores. Every built-in function is implemented; a large request is
 * split across the workers where its function allows (all but the CRCs).
 *
 * Workers share memory with the caller through `SharedArrayBuffer`s: views of one are worked on
 * in place, and any other buffer is copied through staging memory the pool owns, part by part, on
 * the event-loop thread (an `ArrayBuffer` cannot be shared, only copied or transferred). A staged
 * buffer detached or transferred before its request completes fails the request with `EFAULT`.
 * Completion comes back through `Atomics.waitAsync` on a shared control block.
 *
 * The pool is not registered by default: pass it as a session's `backend`, or `registerBackend`
 * it so that `auto` sessions use it for requests large enough to repay a round trip to a worker
 * (about 100 µs). Close it when done: live workers keep the process running.
 *
 * @param options How many workers, the name, the staging size.
 * @returns The pool, a backend that is not synchronous.
 * @throws {RangeError} When `workers` is not an integer from 1 to 64.
 *
 * @example Xor parity on a worker, without FFI
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import { createWorkerBackend } from "@dray/dray/dmover/backends";
 * import assert from "node:assert/strict";
 *
 * using pool = createWorkerBackend({ workers: 1 });
 * using session = openSession("xor2", { backend: pool });
 * const out = new Uint8Array(4);
 * session.submit({
 *   id: 1,
 *   output: out,
 *   inputs: [new Uint8Array([1, 2, 3, 4]), new Uint8Array([4, 3, 2, 1])],
 * });
 * const completion = await session.read();
 * assert.equal(completion.error, undefined);
 * assert.deepEqual(out, new Uint8Array([5, 1, 1, 5]));
 * ```
 */
export function createWorkerBackend(options: WorkerBackendOptions = {}): WorkerBackend {
  const count = options.workers ?? defaultWorkers();
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new RangeError(`Cannot start '${count}' workers: expected an integer from 1 to 64`);
  }
  const control = new SharedArrayBuffer(SLOT_BYTES * count);
  const workers: Worker[] = [];
  const idle: number[] = [];
  const waiting: ((slot: number) => void)[] = [];
  const running = new Map<number, Job>();
  let closed = false;

  function start(): void {
    for (let slot = 0; slot < count; slot++) {
      const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, { type: "module" });
      worker.onerror = (event: ErrorEvent): void => {
        event.preventDefault();
        const job = running.get(slot);
        if (job !== undefined) {
          running.delete(slot);
          job.reject(
            new DmoverError(
              "EIO",
              `Cannot complete the request: worker ${slot} failed (${event.message})`,
            ),
          );
        }
      };
      workers.push(worker);
      idle.push(slot);
    }
  }

  function acquire(): Promise<number> | number {
    if (workers.length === 0) start();
    const slot = idle.pop();
    if (slot !== undefined) return slot;
    return new Promise((resolve) => waiting.push(resolve));
  }

  function release(slot: number): void {
    const next = waiting.shift();
    if (next !== undefined) next(slot);
    else idle.push(slot);
  }

  function closedError(): DmoverError {
    return new DmoverError("EBADF", "Cannot run the request: the worker pool is closed");
  }

  const engine: OffThreadEngine = {
    parallel: count,
    maxMemories: Infinity,
    growable: true, // a Worker shares a growable SharedArrayBuffer like any other
    async run(fn: DmoverFunction, request: DmoverRequest, length: number) {
      if (closed) throw closedError();
      const slot = await acquire();
      if (closed) throw closedError();
      const outputs = fn.output ? fn.outputs ?? 1 : 0;
      const sides: DmoverBuffer[] = [
        ...(outputs === 0 ? [] : outputs === 1 ? [request.output!] : request.outputs!),
        ...(request.inputs ?? []),
      ];
      const job: WireJob = {
        fn: fn.name,
        outputs,
        single: outputs === 1,
        sides: sides.map(wireSide),
        immediate: request.immediate as number | bigint | undefined,
        length,
        control,
        slot,
      };
      const state = new Int32Array(control, slot * SLOT_BYTES, 2);
      Atomics.store(state, 0, STATE_RUNNING);
      try {
        return await new Promise<number | undefined>((resolve, reject) => {
          running.set(slot, { slot, resolve, reject });
          workers[slot]!.postMessage(job);
          const wait = Atomics.waitAsync(state, 0, STATE_RUNNING);
          const settle = (): void => {
            if (running.get(slot)?.resolve !== resolve) return; // closed or failed meanwhile
            running.delete(slot);
            const done = Atomics.load(state, 0);
            if (done === STATE_DONE) {
              const value = new Float64Array(control, slot * SLOT_BYTES + 8, 1)[0]!;
              resolve(Number.isNaN(value) ? undefined : value);
            } else {
              const bytes = new Uint8Array(control, slot * SLOT_BYTES + 16, SLOT_BYTES - 16);
              const end = bytes.indexOf(0);
              const text = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
              reject(
                new DmoverError("EIO", `Cannot complete the request: the worker failed (${text})`),
              );
            }
          };
          if (wait.async) wait.value.then(settle);
          else settle();
        });
      } finally {
        if (!closed) release(slot);
      }
    },
  };
  const pool = new StagingPool(2 * count);
  const kernels = new Map<string, DmoverKernel>();
  const stageBytes = options.stageBytes;

  return {
    name: options.name ?? "worker",
    synchronous: false,
    workers: count,
    get closed(): boolean {
      return closed;
    },
    speed(fn: DmoverFunction, length: number): number {
      const rate = tsBackend.speed(fn, length);
      if (rate === 0 || !OFF_THREAD_FUNCTIONS.has(fn.name)) return 0;
      // Split across the workers (the CRCs run on one), after a round trip.
      const lanes = fn.name === "iscsi-crc32c" || fn.name === "copy-crc32c" ? 1 : count;
      const ns = length / rate;
      // Once the work outlasts a round trip, off the loop (and over the lanes) wins.
      if (ns >= ROUND_TRIP_NS) return rate * (lanes > 1 ? 0.9 * lanes : 1.05);
      return length / (ROUND_TRIP_NS + ns / lanes);
    },
    kernel(fn: DmoverFunction): DmoverKernel | undefined {
      if (!OFF_THREAD_FUNCTIONS.has(fn.name)) return undefined;
      let kernel = kernels.get(fn.name);
      if (kernel === undefined) {
        kernel = offThreadKernel(fn, engine, pool, stageBytes === undefined ? {} : { stageBytes });
        kernels.set(fn.name, kernel);
      }
      return kernel;
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const worker of workers) worker.terminate();
      for (const job of running.values()) job.reject(closedError());
      running.clear();
      for (const next of waiting.splice(0)) next(-1);
      pool.clear();
    },
    [Symbol.dispose](): void {
      this.close();
    },
  };
}
