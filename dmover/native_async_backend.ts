import type { NativeLibrary } from "../native/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import { createNativeBackend } from "./native_backend.ts";
import {
  OFF_THREAD_FUNCTIONS,
  type OffThreadEngine,
  offThreadKernel,
  StagingPool,
} from "./_offthread.ts";
import { OpTable } from "./_op_table.ts";
import { catalogRow } from "./_catalog.ts";

/**
 * What one nonblocking FFI call costs beyond its kernel, in nanoseconds: a blocking-pool thread
 * wakes up, runs the call and wakes the event loop. Measured at 20-90 µs on the 2-core
 * development VM (`deno task bench:dmover` reports it); the break-even below follows from it.
 */
const ROUND_TRIP_NS = 60_000;

/**
 * Options for {@linkcode createNativeAsyncBackend}.
 *
 * @example
 * ```ts
 * import type { NativeAsyncOptions } from "@dray/dray/dmover/backends";
 *
 * const options: NativeAsyncOptions = { maxConcurrent: 4, name: "native-async-4" };
 * ```
 */
export interface NativeAsyncOptions {
  /**
   * The most nonblocking calls outstanding at once, over every request of this backend (default:
   * one per CPU but one, from 1 to 8: a CPU is left to the event loop, which otherwise waits for
   * the scheduler behind the kernels). Deno runs at most 32 nonblocking FFI calls at once, shared
   * with file-system work, so keep this small.
   */
  maxConcurrent?: number;
  /** The backend's name (default `native-async`). */
  name?: string;
  /** Bytes of staging per part for buffers that are not SharedArrayBuffers (default 2 MiB). */
  stageBytes?: number;
}

interface Waiter {
  resolve: () => void;
}

/**
 * The backend {@linkcode createNativeAsyncBackend} makes, with its concurrency bound and the
 * number of calls it has outstanding.
 *
 * @example
 * ```ts
 * import type { NativeAsyncBackend } from "@dray/dray/dmover/backends";
 *
 * function busy(backend: NativeAsyncBackend): boolean {
 *   return backend.running === backend.maxConcurrent;
 * }
 * ```
 */
export interface NativeAsyncBackend extends DmoverBackend {
  /** The most nonblocking calls it has outstanding at once. */
  readonly maxConcurrent: number;
  /** How many nonblocking calls it has outstanding now. */
  readonly running: number;
}

/** One call per CPU but one, which the event loop keeps: from 1 to 8. */
function defaultConcurrency(): number {
  const cpus = typeof navigator === "object" ? navigator.hardwareConcurrency ?? 2 : 2;
  return Math.max(1, Math.min(8, cpus - 1));
}

/**
 * Creates a backend that runs the shim's kernels off the event-loop thread, as nonblocking FFI
 * calls, so that large requests never stall the loop. Every built-in function is implemented.
 *
 * Buffers in flight: views of a `SharedArrayBuffer` are worked on in place (zero copy); any other
 * buffer is copied through staging memory the backend owns, in parts of a few MiB, each part
 * copied in and out on the event-loop thread between calls (the loop stays responsive, at the cost
 * of those copies). A staged buffer that is detached or transferred before its request completes
 * fails the request with `EFAULT`; C never holds a pointer into it. At most `maxConcurrent` calls
 * run at once; a large request of pinned buffers is split across them.
 *
 * `auto` prefers this backend over `native` for a request whose kernel would take longer than one
 * off-thread round trip (about 60 µs: from about 1.8 MB for xor2, less for slower functions),
 * where the event loop gains more than the request loses. It is registered as `native-async`
 * whenever the shim loads.
 *
 * @param library The loaded shim, from `nativeStatus()`.
 * @param options Concurrency, name and staging size.
 * @returns The backend (not synchronous: its kernels return promises).
 * @throws {DmoverError} `ENXIO` when the library has no dmover kernels.
 *
 * @example Zero-copy xor of SharedArrayBuffer views, off the event-loop thread
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import { createNativeAsyncBackend } from "@dray/dray/dmover/backends";
 * import { nativeStatus } from "@dray/dray/native";
 * import assert from "node:assert/strict";
 *
 * const status = nativeStatus();
 * if (status.available && status.library.hasDmoverKernels) {
 *   const backend = createNativeAsyncBackend(status.library);
 *   using session = openSession("xor2", { backend });
 *   const shared = (n: number) => new Uint8Array(new SharedArrayBuffer(n));
 *   const [a, b, out] = [shared(4), shared(4), shared(4)];
 *   a.set([1, 2, 3, 4]);
 *   b.set([4, 3, 2, 1]);
 *   session.submit({ id: 1, output: out, inputs: [a, b] });
 *   const completion = await session.read(); // the call ran on another thread
 *   assert.equal(completion.error, undefined);
 *   assert.deepEqual(out, new Uint8Array([5, 1, 1, 5]));
 * }
 * ```
 */
export function createNativeAsyncBackend(
  library: NativeLibrary,
  options: NativeAsyncOptions = {},
): NativeAsyncBackend {
  if (!library.hasDmoverKernels) {
    throw new DmoverError(
      "ENXIO",
      `Cannot use ${library.path} for dmover: it has no dmover kernels; rebuild it with 'deno task native'`,
    );
  }
  const max = options.maxConcurrent ?? defaultConcurrency();
  if (!Number.isInteger(max) || max < 1 || max > 16) {
    throw new RangeError(
      `Cannot use maxConcurrent '${max}': expected an integer from 1 to 16`,
    );
  }
  const sync = createNativeBackend(library);
  const lib = library;
  const tables: OpTable[] = [];
  let running = 0;
  const waiting: Waiter[] = [];

  async function acquire(): Promise<OpTable> {
    if (running >= max) await new Promise<void>((resolve) => waiting.push({ resolve }));
    running++;
    return tables.pop() ?? new OpTable(true);
  }

  function release(table: OpTable): void {
    tables.push(table);
    running--;
    waiting.shift()?.resolve();
  }

  const engine: OffThreadEngine = {
    parallel: max,
    maxMemories: 12,
    growable: false, // Deno refuses growable buffers in nonblocking calls
    async run(fn, request, _length) {
      const table = await acquire();
      try {
        const row = catalogRow(fn.name)!;
        const outputs = row.outputs;
        table.beginRequest(row.op, outputs, row.args, request);
        if (!table.addRequest(request, outputs)) {
          // The driver keeps parts within the table's limits; reaching this is a bug.
          throw new DmoverError(
            "EIO",
            `Cannot run request '${request.id}' off-thread: its part does not fit one call`,
          );
        }
        await lib.dmoverOpAsync(table.table, table.memories, table.words);
        return row.result === "crc"
          ? table.crc
          : row.result === "offset"
          ? table.offset
          : undefined;
      } finally {
        release(table);
      }
    },
  };
  const pool = new StagingPool(2 * max);
  const kernels = new Map<string, DmoverKernel>();
  const stageBytes = options.stageBytes;

  return Object.freeze({
    name: options.name ?? "native-async",
    synchronous: false,
    maxConcurrent: max,
    get running(): number {
      return running;
    },
    speed(fn: DmoverFunction, length: number): number {
      const rate = sync.speed(fn, length);
      if (rate === 0 || !OFF_THREAD_FUNCTIONS.has(fn.name)) return 0;
      // Above the break-even (the kernel takes longer than a round trip) off the loop wins;
      // below it the round trip is pure loss.
      const ns = length / rate;
      return ns >= ROUND_TRIP_NS ? rate * 1.05 : length / (ROUND_TRIP_NS + ns);
    },
    kernel(fn: DmoverFunction): DmoverKernel | undefined {
      if (!OFF_THREAD_FUNCTIONS.has(fn.name) || sync.kernel(fn) === undefined) return undefined;
      let kernel = kernels.get(fn.name);
      if (kernel === undefined) {
        kernel = offThreadKernel(fn, engine, pool, stageBytes === undefined ? {} : { stageBytes });
        kernels.set(fn.name, kernel);
      }
      return kernel;
    },
  });
}
