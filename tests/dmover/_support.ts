// Shared by the dmover tests: the backends every suite runs over, random data, a bitwise CRC-32C
// written independently of both implementations, and a deadline so that nothing hangs.
import { type DmoverBackend, type DmoverKernel, tsBackend } from "../../dmover/mod.ts";
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
