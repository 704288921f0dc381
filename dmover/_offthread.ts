// The driver shared by the backends that run off the event-loop thread (native-async, worker):
// pinning, staging, splitting and detach detection around an engine that runs one part of a
// request whose every buffer is a view of a SharedArrayBuffer.
//
// Pinning (native/_pin.ts says why, for any off-thread call). Work running on another thread holds
// raw memory while JavaScript runs. A SharedArrayBuffer can be neither transferred, detached nor
// shrunk, and stays alive while referenced, so views of one are used in place (for native-async,
// fixed-length ones only: Deno refuses growable buffers in nonblocking calls). An ArrayBuffer can
// be transferred at any time (structuredClone, postMessage, ArrayBuffer.prototype.transfer, which
// may reallocate): Deno would keep its old memory alive for a nonblocking call, but C's writes
// would land in the new owner's memory, or in an orphaned copy, and a Worker cannot share it at
// all. Such sides are staged, part by part, through SharedArrayBuffers the backend owns. Before
// each copy into staging and each copy back, the caller's buffers are checked: one that was
// detached or transferred (or shrunk) fails the request with EFAULT, and nothing is written to it
// (or to the memory it moved to) after that. Another thread never sees a caller's ArrayBuffer.
//
// This is native/_pin.ts's OffThreadCall grown for dmover: parts instead of whole spans (so that
// each copy on the event-loop thread stays short), staging buffers reused from a pool instead of
// allocated per call, iovec lists, and EFAULT completions instead of TypeErrors.

import { catalogRow } from "./_catalog.ts";
import { isDetached } from "../native/_checks.ts";
import { isPinned, pinnedBytes } from "../native/_pin.ts";
import type { DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import type { DmoverFunction } from "./functions.ts";
import { patternBytes } from "./_ts_ops.ts";
import { overlaps } from "./_overlap.ts";
import type { DmoverBuffer, DmoverIovec, DmoverRequest } from "./types.ts";

/** Runs one part of a request whose every side is a view (or iovecs) of SharedArrayBuffers. */
export interface OffThreadEngine {
  /** How many parts may run at once. */
  readonly parallel: number;
  /** The most distinct SharedArrayBuffers one part may use (native: 12), or Infinity. */
  readonly maxMemories: number;
  /**
   * Whether growable SharedArrayBuffers can be used in place (workers: yes; nonblocking FFI calls:
   * no, Deno refuses them), or must be staged like ArrayBuffers.
   */
  readonly growable: boolean;
  /** Runs a part; resolves with the immediate result (a CRC, an offset or -1), if any. */
  run(fn: DmoverFunction, request: DmoverRequest, length: number): Promise<number | undefined>;
}

/** Options of the driver. */
export interface OffThreadOptions {
  /** Staging bytes per part, over all staged sides (default 2 MiB). */
  stageBytes?: number;
  /** A request of only pinned sides is split into parts from this length (default 4 MiB). */
  splitFrom?: number;
}

/** How a function's parts combine. */
type Kind = "independent" | "search" | "sequential";

function kindOf(name: string): Kind {
  const result = catalogRow(name)?.result;
  // A CRC continues from the part before; a search keeps the first offset found over all parts.
  return result === "crc" ? "sequential" : result === "offset" ? "search" : "independent";
}

/** The functions the driver knows how to split (every built-in). */
export const OFF_THREAD_FUNCTIONS: ReadonlySet<string> = new Set([
  "zero",
  "fill8",
  "copy",
  "xor2",
  "xor3",
  "xor4",
  "xor5",
  "xor6",
  "xor7",
  "xor8",
  "xor",
  "iscsi-crc32c",
  "compare",
  "compare-pattern",
  "copy-crc32c",
  "dualcast",
  "xor-check",
  "pq",
  "pq-recover",
]);

/** The bytes [start, start + length) of a validated buffer, as a buffer. */
export function sliceBuffer(buffer: DmoverBuffer, start: number, length: number): DmoverBuffer {
  if (buffer instanceof Uint8Array) return buffer.subarray(start, start + length);
  const out: DmoverIovec[] = [];
  let at = 0;
  const end = start + length;
  for (const iov of buffer) {
    const next = at + iov.length;
    if (next > start && at < end && iov.length > 0) {
      const from = Math.max(start, at) - at;
      const to = Math.min(end, next) - at;
      out.push({ buffer: iov.buffer, offset: iov.offset + from, length: to - from });
    }
    at = next;
    if (at >= end) break;
  }
  return out;
}

/** Whether a view's memory can go to the engine as it is (see the header). */
function usable(view: Uint8Array, growable: boolean): boolean {
  return growable ? view.buffer instanceof SharedArrayBuffer : isPinned(view);
}

function pinned(buffer: DmoverBuffer, growable: boolean): boolean {
  if (buffer instanceof Uint8Array) return usable(buffer, growable);
  for (const iov of buffer) {
    if (iov.length !== 0 && !usable(iov.buffer, growable)) return false;
  }
  return true;
}

function memoriesOf(buffer: DmoverBuffer): SharedArrayBuffer[] {
  if (buffer instanceof Uint8Array) return [buffer.buffer as SharedArrayBuffer];
  const out: SharedArrayBuffer[] = [];
  for (const iov of buffer) {
    const m = iov.buffer.buffer as SharedArrayBuffer;
    if (iov.length !== 0 && !out.includes(m)) out.push(m);
  }
  return out;
}

/** Whether every piece of a buffer is still where it was: not detached, transferred or shrunk. */
function intact(buffer: DmoverBuffer, start: number, length: number): boolean {
  if (buffer instanceof Uint8Array) {
    // A view of a detached buffer has length 0, of a shrunk resizable one fewer bytes.
    return !isDetached(buffer) && buffer.length >= start + length;
  }
  const part = sliceBuffer(buffer, start, length);
  let total = 0;
  for (const iov of part as readonly DmoverIovec[]) {
    const view = iov.buffer;
    if (isDetached(view)) return false;
    if (iov.offset + iov.length > view.length) return false;
    total += iov.length;
  }
  return total === length;
}

/** Copies bytes [start, start + into.length) of `from` into `into`. */
function gather(into: Uint8Array, from: DmoverBuffer, start: number): void {
  const part = sliceBuffer(from, start, into.length);
  if (part instanceof Uint8Array) {
    into.set(part);
    return;
  }
  let at = 0;
  for (const iov of part) {
    into.set(iov.buffer.subarray(iov.offset, iov.offset + iov.length), at);
    at += iov.length;
  }
}

/** Copies `from` into bytes [start, start + from.length) of `to`. */
function scatter(to: DmoverBuffer, start: number, from: Uint8Array): void {
  const part = sliceBuffer(to, start, from.length);
  if (part instanceof Uint8Array) {
    part.set(from);
    return;
  }
  let at = 0;
  for (const iov of part) {
    iov.buffer.set(from.subarray(at, at + iov.length), iov.offset);
    at += iov.length;
  }
}

function moved(which: string, id: number): DmoverError {
  return new DmoverError(
    "EFAULT",
    `Cannot complete request '${id}': ${which}'s buffer was detached or transferred while the request was in flight`,
  );
}

/** Rounds up to a multiple of 64 (parts start on cache lines of the request). */
function round64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/**
 * Makes the kernel of an off-thread backend for `fn` over `engine`. Staging memory is kept in
 * `pool` (SharedArrayBuffers reused across requests; dropped by the backend when it closes).
 */
export function offThreadKernel(
  fn: DmoverFunction,
  engine: OffThreadEngine,
  pool: StagingPool,
  options: OffThreadOptions = {},
): DmoverKernel {
  const kind = kindOf(fn.name);
  // Small parts keep each copy on the event-loop thread short (a 2 MiB part of xor2 is about 0.2
  // ms of copying) and cost little: a part's call or message is ~20-100 µs against ~1 ms of work.
  const stageBytes = options.stageBytes ?? 2 << 20;
  const splitFrom = options.splitFrom ?? 4 << 20;
  const outs = fn.output ? fn.outputs ?? 1 : 0;

  return async (request: DmoverRequest, length: number): Promise<number | undefined> => {
    const outputs = outs === 0 ? [] : outs === 1 ? [request.output!] : [...request.outputs!];
    const inputs = [...(request.inputs ?? [])];
    const sides = [...outputs, ...inputs];
    if (fn.name === "copy" && overlaps(outputs[0]!, inputs[0]!)) {
      // memmove across threads and parts would need the whole input staged first: do that.
      const staged = pool.take(length);
      try {
        gather(staged, inputs[0]!, 0);
        if (!intact(outputs[0]!, 0, length)) throw moved("the output", request.id);
        scatter(outputs[0]!, 0, staged);
      } finally {
        pool.give(staged);
      }
      return undefined;
    }
    // Which sides run in place: pinned, and within the engine's memory budget (one memory is
    // kept for staging).
    const inPlace = sides.map((side) => pinned(side, engine.growable));
    if (engine.maxMemories !== Infinity) {
      const seen: SharedArrayBuffer[] = [];
      for (let s = 0; s < sides.length; s++) {
        if (!inPlace[s]) continue;
        const mems = memoriesOf(sides[s]!);
        const fresh = mems.filter((m) => !seen.includes(m));
        if (mems.length > 1 || seen.length + fresh.length > engine.maxMemories - 1) {
          inPlace[s] = false;
        } else {
          seen.push(...fresh);
        }
      }
    }
    const stagedSides = sides.map((_, s) => s).filter((s) => !inPlace[s]);
    const anyStaged = stagedSides.length > 0;

    // Parts: staged requests go in parts of stageBytes over all staged sides; pinned ones are cut
    // into one part per engine slot when large (and splittable), at most 1 GiB each.
    let part: number;
    if (anyStaged) {
      part = Math.max(64 << 10, round64(Math.floor(stageBytes / stagedSides.length)));
    } else if (kind !== "sequential" && length >= splitFrom && engine.parallel > 1) {
      part = round64(Math.ceil(length / engine.parallel));
    } else {
      part = length;
    }
    part = Math.min(part, 1 << 30);
    const count = Math.ceil(length / part);
    // Staged parts run in at least two lanes, so that one is copied while another computes (the
    // engine bounds how many actually run).
    const width = anyStaged ? Math.max(2, engine.parallel) : engine.parallel;
    const parallel = kind === "sequential" ? 1 : Math.min(width, count);

    let crc = (request.immediate as number | undefined) ?? 0;
    let found = -1;
    let failure: unknown;
    let next = 0;

    const runPart = async (index: number): Promise<void> => {
      const start = index * part;
      const len = Math.min(part, length - start);
      const staging = anyStaged ? pool.take(stagedSides.length * len) : undefined;
      try {
        const subSides: DmoverBuffer[] = new Array(sides.length);
        let k = 0;
        for (let s = 0; s < sides.length; s++) {
          if (inPlace[s]) {
            subSides[s] = sliceBuffer(sides[s]!, start, len);
            continue;
          }
          const view = staging!.subarray(k * len, (k + 1) * len);
          k++;
          subSides[s] = view;
          if (s >= outs) {
            if (!intact(sides[s]!, start, len)) throw moved(`input ${s - outs}`, request.id);
            gather(view, sides[s]!, start);
          }
        }
        let immediate = request.immediate;
        if (kind === "sequential") immediate = crc;
        else if (catalogRow(fn.name)?.args === "pattern" && start % 8 !== 0) {
          const bytes = patternBytes(immediate as number | bigint);
          let rotated = 0n;
          for (let j = 7; j >= 0; j--) rotated = (rotated << 8n) | BigInt(bytes[(start + j) & 7]!);
          immediate = rotated;
        }
        const sub: DmoverRequest = {
          id: request.id,
          ...(outs === 1 ? { output: subSides[0]! } : {}),
          ...(outs > 1 ? { outputs: subSides.slice(0, outs) } : {}),
          ...(inputs.length > 0 ? { inputs: subSides.slice(outs) } : {}),
          ...(immediate === undefined ? {} : { immediate }),
        };
        const result = await engine.run(fn, sub, len);
        if (failure !== undefined) return;
        for (let s = 0; s < outs; s++) {
          if (inPlace[s]) continue;
          if (!intact(sides[s]!, start, len)) {
            throw moved(outs === 1 ? "the output" : `output ${s}`, request.id);
          }
          scatter(sides[s]!, start, subSides[s] as Uint8Array);
        }
        if (kind === "sequential") crc = result!;
        else if (kind === "search" && result !== undefined && result >= 0) {
          const at = start + result;
          if (found < 0 || at < found) found = at;
        }
      } finally {
        if (staging !== undefined) pool.give(staging);
      }
    };

    const lane = async (): Promise<void> => {
      while (failure === undefined && next < count) {
        const index = next++;
        // A search stops at the first part past what it found.
        if (kind === "search" && found >= 0 && index * part > found) return;
        try {
          await runPart(index);
        } catch (error) {
          if (failure === undefined) failure = error;
        }
      }
    };
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < parallel; i++) lanes.push(lane());
    await Promise.all(lanes);
    if (failure !== undefined) throw failure;
    if (kind === "sequential") return crc;
    if (kind === "search") return found;
    return undefined;
  };
}

/**
 * SharedArrayBuffers for staging, reused: `take` gives a view of at least `length` bytes, `give`
 * returns it. At most `keep` buffers are kept between requests.
 */
export class StagingPool {
  #free: Uint8Array[] = [];
  #keep: number;

  constructor(keep = 8) {
    this.#keep = keep;
  }

  take(length: number): Uint8Array {
    const i = this.#free.findIndex((b) => b.length >= length);
    if (i >= 0) return this.#free.splice(i, 1)[0]!.subarray(0, length);
    return pinnedBytes(Math.max(length, 64 << 10)).subarray(0, length);
  }

  give(view: Uint8Array): void {
    const whole = new Uint8Array(view.buffer);
    if (this.#free.length < this.#keep) this.#free.push(whole);
  }

  /** Drops every kept buffer. */
  clear(): void {
    this.#free = [];
  }
}
