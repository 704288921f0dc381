// Whether two sides of a request share bytes: the overlap rules of validation (an output may not
// meet an input, or another output, unless its function allows it), over whole views and iovec
// lists, SharedArrayBuffers seen through several objects included (their addresses read once,
// through FFI when it is allowed). Views are read through their internal slots (native/_checks.ts).

import {
  bufferOf,
  byteOffsetOf,
  isSharedMemory,
  isUint8Array,
  lengthOf,
} from "../native/_checks.ts";
import type { DmoverBuffer } from "./types.ts";

// A span of memory by its ArrayBuffer and absolute byte range, for overlap checks.
interface Span {
  memory: ArrayBufferLike;
  start: number;
  end: number;
}

// Base addresses of SharedArrayBuffers, for telling whether two of them are one memory (a
// SharedArrayBuffer posted to a worker and back is a new object over the same bytes).
const bases = new WeakMap<SharedArrayBuffer, bigint | null>();

function baseOf(memory: SharedArrayBuffer): bigint | null {
  let base = bases.get(memory);
  if (base === undefined) {
    try {
      base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(memory as unknown as BufferSource));
    } catch {
      base = null; // no FFI permission: the address cannot be known
    }
    bases.set(memory, base);
  }
  return base;
}

/**
 * Whether two ArrayBuffers are the same memory: the same object, or two SharedArrayBuffer objects
 * over the same bytes. Without the FFI permission the address of a SharedArrayBuffer cannot be
 * read: two of the same size are then taken to be one memory (a false alarm refuses a request,
 * never lets an overlapping one through).
 */
export function sameMemory(a: ArrayBufferLike, b: ArrayBufferLike): boolean {
  if (a === b) return true;
  if (!(a instanceof SharedArrayBuffer) || !(b instanceof SharedArrayBuffer)) return false;
  if (!isSharedMemory(a) || !isSharedMemory(b)) return false;
  const x = baseOf(a);
  const y = baseOf(b);
  if (x === null || y === null) return a.byteLength === b.byteLength;
  return x === y;
}

function includesMemory(list: readonly ArrayBufferLike[], memory: ArrayBufferLike): number {
  for (let i = 0; i < list.length; i++) if (sameMemory(list[i]!, memory)) return i;
  return -1;
}

// The ArrayBuffers behind a buffer, without duplicates. Pieces usually repeat one view (an
// arena), and the .buffer getter is the costly part, so a view equal to the previous one is skipped.
function memoriesOf(buffer: DmoverBuffer): ArrayBufferLike[] {
  if (isUint8Array(buffer)) return [bufferOf(buffer)];
  const out: ArrayBufferLike[] = [];
  let previous: Uint8Array | undefined;
  for (const iov of buffer) {
    const view = iov.buffer;
    if (view === previous || iov.length === 0) continue;
    previous = view;
    const memory = bufferOf(view);
    if (!out.includes(memory)) out.push(memory);
  }
  return out;
}

function spansIn(buffer: DmoverBuffer, memory: ArrayBufferLike, into: Span[]): void {
  if (isUint8Array(buffer)) {
    if (sameMemory(bufferOf(buffer), memory)) {
      const start = byteOffsetOf(buffer);
      into.push({ memory, start, end: start + lengthOf(buffer) });
    }
    return;
  }
  let previous: Uint8Array | undefined;
  let shared = false;
  let base = 0;
  for (const iov of buffer) {
    if (iov.length === 0) continue;
    const view = iov.buffer;
    if (view !== previous) {
      previous = view;
      shared = sameMemory(bufferOf(view), memory);
      base = byteOffsetOf(view);
    }
    if (!shared) continue;
    const start = base + iov.offset;
    into.push({ memory, start, end: start + iov.length });
  }
}

function byStart(a: Span, b: Span): number {
  return a.start - b.start;
}

/** Whether two views of one memory share a byte (by their internal slots). */
export function rangesMeet(a: Uint8Array, b: Uint8Array): boolean {
  const x = byteOffsetOf(a);
  const y = byteOffsetOf(b);
  return x < y + lengthOf(b) && y < x + lengthOf(a);
}

/**
 * Whether any byte of `input` is also a byte of `output` (views of one memory whose ranges meet).
 * Both must have passed bufferLength. Only memory both share is compared span by span, sorted, so
 * that two lists of 1024 iovecs cost O(n log n). Views are read through their internal slots.
 */
export function overlaps(output: DmoverBuffer, input: DmoverBuffer): boolean {
  if (isUint8Array(output) && isUint8Array(input)) {
    if (lengthOf(output) === 0 || lengthOf(input) === 0) return false;
    return sameMemory(bufferOf(output), bufferOf(input)) && rangesMeet(output, input);
  }
  const outMemories = memoriesOf(output);
  for (const memory of memoriesOf(input)) {
    if (includesMemory(outMemories, memory) < 0) continue;
    const outs: Span[] = [];
    const ins: Span[] = [];
    spansIn(output, memory, outs);
    spansIn(input, memory, ins);
    if (outs.length * ins.length <= 64) {
      for (const o of outs) {
        for (const i of ins) if (o.start < i.end && i.start < o.end) return true;
      }
      continue;
    }
    // Sort the output's spans; for each input span, the last output span starting before its
    // end meets it when any span up to there reaches past its start (a running maximum of ends).
    outs.sort(byStart);
    const maxEnd: number[] = [];
    let reach = -1;
    for (const o of outs) {
      reach = Math.max(reach, o.end);
      maxEnd.push(reach);
    }
    for (const i of ins) {
      let lo = 0;
      let hi = outs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (outs[mid]!.start < i.end) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0 && maxEnd[lo - 1]! > i.start) return true;
    }
  }
  return false;
}

/** Records the memory of a whole-view side (undefined for an iovec list or an empty view). */
export function noteMemory(
  memories: (ArrayBufferLike | undefined)[],
  shared: boolean[],
  at: number,
  side: DmoverBuffer,
): void {
  const memory = isUint8Array(side) && lengthOf(side) !== 0 ? bufferOf(side) : undefined;
  memories[at] = memory;
  shared[at] = memory instanceof SharedArrayBuffer;
}

/** overlaps() for two sides whose memories noteMemory recorded. */
export function sidesMeet(
  a: DmoverBuffer,
  aMemories: readonly (ArrayBufferLike | undefined)[],
  aShared: readonly boolean[],
  i: number,
  b: DmoverBuffer,
  bMemories: readonly (ArrayBufferLike | undefined)[],
  bShared: readonly boolean[],
  j: number,
): boolean {
  const x = aMemories[i];
  const y = bMemories[j];
  if (x === undefined || y === undefined) return overlaps(a, b);
  const same = x === y || (aShared[i]! && bShared[j]! && sameMemory(x, y));
  return same && rangesMeet(a as Uint8Array, b as Uint8Array);
}
