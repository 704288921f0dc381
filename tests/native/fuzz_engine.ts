// The generic half of the native fuzz suite: a seeded generator, memory of every kind a caller can
// hand over (ArrayBuffer, SharedArrayBuffer, growable, on-heap, resizable, shrunk out of bounds,
// empty, detached) with guard bytes around each view, adversarial offsets and lengths, and the
// assertion that a call changed exactly the expected bytes. What each entry point takes and does
// is data, in fuzz_table.ts.
//
// Reproducing a failure: every run prints its seed; `DRAY_FUZZ_SEED=<seed>` repeats it, and
// `DRAY_FUZZ_SCALE=<n>` multiplies the number of cases (default 1; CI runs the default).

import assert from "node:assert/strict";
import { envNumber } from "../_helpers/env.ts";

/** The run's seed: `DRAY_FUZZ_SEED`, else random (and printed, so that a failure can be repeated). */
export const SEED: number = (envNumber("DRAY_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32)) >>>
  0;

/** How many times the default number of cases to run (`DRAY_FUZZ_SCALE`, default 1). */
export const SCALE: number = envNumber("DRAY_FUZZ_SCALE") ?? 1;

console.log(`native fuzz: seed ${SEED}, scale ${SCALE} (repeat with DRAY_FUZZ_SEED=${SEED})`);

/** The number of cases for a budget of `base` at scale 1. */
export function cases(base: number): number {
  return Math.max(1, Math.round(base * SCALE));
}

/** A string hash (FNV-1a), to derive per-row seeds. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seeded generator (mulberry32): the same seed gives the same cases. */
export class Rng {
  #s: number;

  constructor(...seeds: number[]) {
    let s = 0x9e3779b9;
    for (const x of seeds) s = Math.imul(s ^ (x >>> 0), 0x85ebca6b) + 0x27d4eb2f;
    this.#s = s >>> 0;
  }

  /** A uniform uint32. */
  u32(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n), n <= 2^32. */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 2 ** 32) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() < p * 2 ** 32;
  }

  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A size: mostly small (0..64), sometimes up to 4 KiB, rarely up to 64 KiB. */
  size(): number {
    const roll = this.below(100);
    if (roll < 70) return this.below(65);
    if (roll < 97) return this.below(4097);
    return this.below(65537);
  }
}

export const U32_MAX = 0xffff_ffff;

/** The memory a view can sit in. */
export type MemoryKind =
  | "array" // a subarray of an ArrayBuffer, guard bytes on both sides
  | "shared" // the same over a SharedArrayBuffer
  | "growable" // a growable SharedArrayBuffer
  | "heap" // a subarray of a small Uint8Array (V8 keeps up to 64 bytes inside its heap)
  | "resizable" // a fixed-length view over a resizable ArrayBuffer
  | "tracking" // a length-tracking view over a resizable ArrayBuffer (guard bytes before only)
  | "shrunk" // a view left out of bounds by shrinking its resizable ArrayBuffer: length 0, not detached
  | "empty" // new Uint8Array(0): C gets NULL
  | "detached"; // a view whose ArrayBuffer was transferred: length 0, C gets NULL

/** Every kind, for groups that accept any memory. */
export const ALL_KINDS: readonly MemoryKind[] = [
  "array",
  "array",
  "array",
  "shared",
  "shared",
  "growable",
  "heap",
  "heap",
  "resizable",
  "tracking",
  "shrunk",
  "empty",
  "detached",
];

/**
 * Kinds over resizable or growable memory: Deno refuses them in nonblocking calls (a TypeError,
 * "Resizable backing stores are not supported for nonblocking FFI calls"), before any call.
 */
export const RESIZABLE_KINDS: ReadonlySet<MemoryKind> = new Set([
  "growable",
  "resizable",
  "tracking",
  "shrunk",
]);

/** A copy of a view's bytes (empty for a detached or out-of-bounds view, where slice() throws). */
export function copyOf(view: Uint8Array): Uint8Array {
  return view.length === 0 ? new Uint8Array(0) : view.slice();
}

/** Kinds whose base address is known to be aligned to 16 bytes (heap views may not be). */
export const ALIGNED_KINDS: readonly MemoryKind[] = ALL_KINDS.filter((k) => k !== "heap");

/** A view and the memory around it. */
export interface Region {
  readonly kind: MemoryKind;
  /** The view passed to C (or to a wrapper). */
  readonly view: Uint8Array;
  /** Every byte around the view that the test can see (the guards and the view), or undefined. */
  readonly host: Uint8Array | undefined;
  /** Where the view starts in `host`. */
  readonly start: number;
  /** The view's length when it was made. */
  readonly length: number;
  /** Whether C gets NULL for it (empty or detached). */
  readonly isNull: boolean;
  /** Whether the view's start is misaligned for 32-bit words. */
  readonly misaligned: boolean;
  /** A copy of `host` taken just before the call. */
  before: Uint8Array;
}

const GUARD = 0xa5;

function guardFill(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (GUARD ^ i) & 0xff;
}

/** Options of {@linkcode makeRegion}. */
export interface RegionOptions {
  /** The kinds to choose from (default {@linkcode ALL_KINDS}). */
  kinds?: readonly MemoryKind[];
  /** Start the view at an odd address now and then (for word buffers). */
  misalign?: boolean;
  /** The view's contents (default random). */
  fill?: (view: Uint8Array) => void;
}

/**
 * Makes a view of `size` bytes of a random kind, with guard bytes before and after it in the same
 * memory, filled with random bytes (or by `fill`).
 */
export function makeRegion(r: Rng, size: number, options: RegionOptions = {}): Region {
  const kind = r.pick(options.kinds ?? ALL_KINDS);
  const pre = 4 * (2 + r.below(7)) + (options.misalign && r.chance(0.25) ? 1 + r.below(3) : 0);
  const post = 8 + r.below(25);
  const total = pre + size + post;
  let host: Uint8Array | undefined;
  let view: Uint8Array;
  let start = pre;
  let isNull = false;
  switch (kind) {
    case "array":
      host = new Uint8Array(new ArrayBuffer(total));
      break;
    case "shared":
      host = new Uint8Array(new SharedArrayBuffer(total));
      break;
    case "growable":
      host = new Uint8Array(new SharedArrayBuffer(total, { maxByteLength: total + 4096 }));
      break;
    case "heap":
      host = new Uint8Array(total);
      break;
    case "resizable":
    case "tracking":
    case "shrunk":
      host = new Uint8Array(new ArrayBuffer(total, { maxByteLength: total + 4096 }));
      break;
    case "empty":
    case "detached":
      host = undefined;
      start = 0;
      isNull = true;
      break;
  }
  // Deno 2.9 passes NULL for a view that its shrunk buffer left out of bounds (measured: a
  // misaligned one gets the NULL-table code, not the misaligned one); any other zero-length view
  // over live memory gets its address.
  if (kind === "shrunk") isNull = true;
  if (host !== undefined) {
    guardFill(host);
    if (kind === "tracking") {
      view = new Uint8Array(host.buffer, pre);
    } else {
      view = new Uint8Array(host.buffer, pre, size);
    }
    if (options.fill) options.fill(view);
    else view.set(r.bytes(view.length));
    if (kind === "shrunk") {
      // Shrink below the view's end: the view goes out of bounds (length 0) but stays attached.
      (host.buffer as ArrayBuffer).resize(r.below(pre + size));
      host = new Uint8Array(host.buffer); // the bytes still there (guards, part of the view)
    } else if (kind === "tracking") {
      host = new Uint8Array(host.buffer); // length-tracking: no guard after the view
    }
  } else if (kind === "empty") {
    view = new Uint8Array(0);
  } else {
    const buffer = new ArrayBuffer(size);
    view = new Uint8Array(buffer);
    if (r.chance(0.5)) structuredClone(buffer, { transfer: [buffer] });
    else buffer.transfer();
  }
  return {
    kind,
    view: view!,
    host,
    start,
    length: view!.length,
    isNull,
    misaligned: start % 4 !== 0,
    before: new Uint8Array(0),
  };
}

/** Takes the snapshot the checks compare against; call it right before the call. */
export function snapshot(region: Region): void {
  region.before = region.host === undefined ? new Uint8Array(0) : region.host.slice();
}

/** The view's bytes as they were before the call. */
export function viewBefore(region: Region): Uint8Array {
  return region.before.subarray(region.start, region.start + region.length);
}

/**
 * What a call may do to a view: `undefined` changes nothing, a Uint8Array is the view's exact new
 * contents, a list of [start, end) ranges may change in any way (what C writes there is not known
 * in advance, e.g. descriptors).
 */
export type Effect = undefined | Uint8Array | readonly (readonly [number, number])[];

/**
 * Asserts that the call changed exactly what `effect` allows inside the view, and nothing around it
 * (the guard bytes, and the rest of a shared or resizable buffer).
 */
export function assertEffect(region: Region, effect: Effect, where: string): void {
  const host = region.host;
  if (host === undefined) return; // nothing C could reach (NULL)
  const before = region.before;
  assert.equal(host.length, before.length, `${where}: the memory changed size`);
  const start = region.start;
  const end = Math.min(start + region.length, host.length);
  for (let i = 0; i < host.length; i++) {
    if (i >= start && i < end) continue;
    if (host[i] !== before[i]) {
      assert.fail(
        `${where}: byte ${i - start} relative to the view (a guard byte, outside it) changed from ${
          before[i]
        } to ${host[i]}`,
      );
    }
  }
  if (effect === undefined) {
    for (let i = start; i < end; i++) {
      if (host[i] !== before[i]) {
        assert.fail(
          `${where}: byte ${i - start} of the view changed from ${before[i]} to ${host[i]}`,
        );
      }
    }
  } else if (effect instanceof Uint8Array) {
    for (let i = start; i < end; i++) {
      if (host[i] !== effect[i - start]) {
        assert.fail(
          `${where}: byte ${i - start} of the view is ${host[i]}, expected ${
            effect[i - start]
          } (was ${before[i]})`,
        );
      }
    }
  } else {
    for (let i = start; i < end; i++) {
      const at = i - start;
      if (effect.some(([a, b]) => at >= a && at < b)) continue;
      if (host[i] !== before[i]) {
        assert.fail(`${where}: byte ${at} of the view changed outside the region C may write`);
      }
    }
  }
}

/**
 * An offset for a raw C call, a uint32: mostly inside or at the edges of `cap`, sometimes one past
 * it, near 2^31 or 2^32, or anything.
 */
export function rawOffset(r: Rng, cap: number): number {
  const picks = [
    0,
    cap,
    r.below(cap + 1),
    r.below(cap + 1),
    r.below(cap + 1),
    Math.min(cap + 1, U32_MAX),
    U32_MAX,
    U32_MAX - r.below(16),
    2 ** 31,
    r.u32(),
  ];
  return r.pick(picks);
}

/** A length for a raw C call given the room left after the offset(s); a uint32. */
export function rawLength(r: Rng, room: number, offset: number): number {
  const picks = [
    0,
    room,
    room,
    r.below(room + 1),
    r.below(room + 1),
    Math.min(room + 1, U32_MAX),
    U32_MAX,
    // offset + length wraps around 2^32 to a small number
    (U32_MAX - offset + 1 + r.below(8)) >>> 0,
    2 ** 31,
    r.u32(),
  ];
  return r.pick(picks);
}

/**
 * A number for a wrapper's offset or length: valid ones, the edges (the view's length, one past
 * it), and what FFI would mangle (near 2^32 and 2^53, negative, -0, fractions, NaN, Infinity, a
 * string).
 */
export function wrapperIndex(r: Rng, length: number, valid: number): number {
  const picks: number[] = [
    valid,
    valid,
    valid,
    valid,
    0,
    length,
    length + 1,
    -1,
    -0,
    0.5,
    valid + 0.5,
    NaN,
    Infinity,
    -Infinity,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 32 + valid,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    "1" as unknown as number,
  ];
  return r.pick(picks);
}

/** Whether `value` passes an index check: an integer from 0 to 2^53 - 1 (-0 included). */
export function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Something a wrapper must refuse with a TypeError before looking at offsets. */
export function notAView(r: Rng): unknown {
  return r.pick([
    null,
    undefined,
    [1, 2, 3],
    "bytes",
    new ArrayBuffer(8),
    new Uint16Array(4),
    new Int8Array(8),
    new DataView(new ArrayBuffer(8)),
    { length: 8, byteOffset: 0, buffer: new ArrayBuffer(8) },
  ]);
}

/** Awaits `value` when it is a promise (nonblocking symbols return one). */
export async function settle<T>(value: T | Promise<T>): Promise<T> {
  return await value;
}

/** CRC-32C one bit at a time: independent of both implementations. */
export function bitwiseCrc32c(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}
