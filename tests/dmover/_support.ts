// Shared by the dmover tests: the backends every suite runs over, random data, a bitwise CRC-32C
// written independently of both implementations, and a deadline so that nothing hangs.
import type { DmoverBackend, DmoverBuffer, DmoverIovec, DmoverKernel } from "../../dmover/mod.ts";
import {
  createNativeAsyncBackend,
  createWorkerBackend,
  getBackend,
  tsBackend,
} from "../../dmover/backends/mod.ts";
import { nativeLibrary } from "../_helpers/native.ts";

/** A backend a suite runs over; `ignore` when it cannot run here (no shim). */
export interface BackendCase {
  name: string;
  /** What to pass as the `backend` option. */
  backend: string | DmoverBackend;
  ignore: boolean;
}

/** ts and native: the two implementations of the backend seam. */
export const BACKENDS: readonly BackendCase[] = [
  { name: "ts", backend: "ts", ignore: false },
  { name: "native", backend: "native", ignore: nativeLibrary === undefined },
];

/**
 * A backend that completes later: it runs the ts kernel when the test releases the request, in
 * the order the test chooses. It shows that sessions accept asynchronous completion.
 */
export class DeferredBackend implements DmoverBackend {
  readonly name = "deferred";
  readonly synchronous = false;
  readonly held: { id: number; release: () => void; fail: (error: unknown) => void }[] = [];

  speed(): number {
    return 1;
  }

  kernel(fn: Parameters<DmoverBackend["kernel"]>[0]): DmoverKernel | undefined {
    const inner = tsBackend.kernel(fn);
    if (inner === undefined) return undefined;
    return (request, length) =>
      new Promise((resolve, reject) => {
        this.held.push({
          id: request.id,
          release: () => resolve(inner(request, length) as number | undefined),
          fail: reject,
        });
      });
  }

  /** Completes the held request with this id. */
  release(id: number): void {
    const index = this.held.findIndex((h) => h.id === id);
    if (index < 0) throw new Error(`no held request ${id}`);
    const [held] = this.held.splice(index, 1);
    held!.release();
  }
}

/** Deterministic pseudo-random bytes (xorshift32), so that failures reproduce. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A small deterministic generator for sizes and offsets. */
export function rng(seed: number): (limit: number) => number {
  let x = seed | 0 || 1;
  return (limit: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % limit;
  };
}

/** CRC-32C one bit at a time, straight from the polynomial: independent of both backends. */
export function bitwiseCrc32c(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** Rejects if `promise` has not settled within `ms`; the timer is always cleared. */
export async function within<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `promise` is still pending after the current microtasks and one macrotask. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true, () => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return !settled;
}

/** A backend opened for one test: close it (or `using`) at the end. */
export type OpenedBackend = DmoverBackend & Disposable;

/** How a test opens a backend. */
export interface OpenOptions {
  stageBytes?: number;
  parallel?: number | "default";
}

function parallelism(options: OpenOptions): { stageBytes?: number; parallel?: number } {
  const parallel = options.parallel ?? 2;
  return {
    ...(options.stageBytes === undefined ? {} : { stageBytes: options.stageBytes }),
    ...(parallel === "default" ? {} : { parallel }),
  };
}

/** Every implementation of the backend seam, synchronous and off-thread, opened per test. */
export interface BackendFactory {
  name: string;
  /** Whether it completes within `submit`. */
  synchronous: boolean;
  ignore: boolean;
  /**
   * Opens the backend; small `stageBytes` make off-thread backends cut requests into many parts.
   * Off-thread backends run two calls or workers at once unless `parallel` says otherwise
   * (`"default"`: the backend's own default, a CPU left to the event loop).
   */
  open(options?: OpenOptions): OpenedBackend;
}

function lasting(backend: DmoverBackend): OpenedBackend {
  return Object.assign(Object.create(backend) as DmoverBackend, {
    [Symbol.dispose](): void {},
  });
}

/** ts, native, native-async and a pool of two workers. */
export const ALL_BACKENDS: readonly BackendFactory[] = [
  { name: "ts", synchronous: true, ignore: false, open: () => lasting(tsBackend) },
  {
    name: "native",
    synchronous: true,
    ignore: nativeLibrary === undefined,
    open: () => lasting(getBackend("native")),
  },
  {
    name: "native-async",
    synchronous: false,
    ignore: nativeLibrary === undefined,
    open: (options = {}) => {
      const { stageBytes, parallel } = parallelism(options);
      return lasting(
        createNativeAsyncBackend(nativeLibrary!, {
          ...(stageBytes === undefined ? {} : { stageBytes }),
          ...(parallel === undefined ? {} : { maxConcurrent: parallel }),
        }),
      );
    },
  },
  {
    name: "worker",
    synchronous: false,
    ignore: false,
    open: (options = {}) => {
      const { stageBytes, parallel } = parallelism(options);
      return createWorkerBackend({
        ...(stageBytes === undefined ? {} : { stageBytes }),
        ...(parallel === undefined ? {} : { workers: parallel }),
      });
    },
  },
];

/** Where a side's bytes live. */
export type Memory = "array" | "shared";
/** How a side is cut: one view, iovecs in one buffer, or iovecs over several buffers. */
export type Shape = "whole" | "one-buffer" | "many-buffers";

/** A side of a request: its buffer and a way to read its bytes back in walk order. */
export interface Side {
  buffer: DmoverBuffer;
  read(): Uint8Array;
}

function allocate(length: number, memory: Memory): Uint8Array {
  return memory === "shared"
    ? new Uint8Array(new SharedArrayBuffer(length))
    : new Uint8Array(length);
}

/** Lays `bytes` out as a side of the given shape and memory, at random offsets. */
export function makeSide(
  bytes: Uint8Array,
  shape: Shape,
  next: (n: number) => number,
  memory: Memory = "array",
): Side {
  const length = bytes.length;
  if (shape === "whole" || length < 4) {
    const offset = next(13);
    const host = allocate(length + offset + next(5), memory);
    host.set(bytes, offset);
    const view = host.subarray(offset, offset + length);
    return { buffer: view, read: () => view.slice() };
  }
  const list: DmoverIovec[] = [];
  const pieces = Math.min(1000, 1 + next(Math.min(length, 40)));
  const cuts = new Set<number>();
  while (cuts.size < pieces - 1) cuts.add(1 + next(length - 1 || 1));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), length];
  let arena = allocate(length + 64 + pieces * 4, memory);
  let where = next(9);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!;
    const end = bounds[i + 1]!;
    if (shape === "many-buffers" && i % 3 === 2) {
      arena = allocate(length - start + 64 + pieces * 4, memory);
      where = next(9);
    }
    arena.set(bytes.subarray(start, end), where);
    list.push({ buffer: arena, offset: where, length: end - start });
    if (next(7) === 0) list.push({ buffer: arena, offset: where, length: 0 });
    where += end - start + next(4);
  }
  return {
    buffer: list,
    read() {
      const out = new Uint8Array(length);
      let at = 0;
      for (const iov of list) {
        out.set(iov.buffer.subarray(iov.offset, iov.offset + iov.length), at);
        at += iov.length;
      }
      return out;
    },
  };
}

/** Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1, one bit at a time. */
export function gfMulRef(a: number, b: number): number {
  let product = 0;
  for (let x = a, y = b; y !== 0; y >>= 1) {
    if (y & 1) product ^= x;
    x = (x << 1) ^ (x & 0x80 ? 0x11d : 0);
  }
  return product;
}

/** RAID-6 P and Q of data blocks, byte by byte: Q = sum of 2^k * block k. */
export function pqRef(data: readonly Uint8Array[]): [Uint8Array, Uint8Array] {
  const length = data[0]!.length;
  const p = new Uint8Array(length);
  const q = new Uint8Array(length);
  let coefficient = 1;
  for (const block of data) {
    for (let i = 0; i < length; i++) {
      p[i] = p[i]! ^ block[i]!;
      q[i] = q[i]! ^ gfMulRef(coefficient, block[i]!);
    }
    coefficient = gfMulRef(coefficient, 2);
  }
  return [p, q];
}
