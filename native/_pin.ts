// Memory for off-thread (nonblocking) FFI calls. C gets a raw pointer into each buffer's backing
// store, and while the call runs on another thread the event loop runs JavaScript, which may
// transfer or detach that buffer (structuredClone or postMessage with `transfer`,
// `ArrayBuffer.prototype.transfer`). Deno 2.9 holds the backing stores until the call returns
// (ext/ffi's BackingStoreHolder; older versions kept only the raw pointer, and the memory could be
// freed under C) and refuses resizable ones, so the memory is not freed; but C then writes into
// memory the caller gave away: the new owner's after a transfer (measured: a structuredClone'd
// buffer received the poller's output), an orphaned store after `transfer(newLength)`, and the
// caller is not told. So an off-thread call is only ever given pinned memory:
//
// - a view over a SharedArrayBuffer, which can be neither detached, transferred, nor shrunk, and
//   whose memory lives as long as a reference to it (not a growable one: Deno refuses resizable
//   and growable buffers in nonblocking calls, with a TypeError);
// - or a private staging copy in such memory, which the caller never sees: inputs are copied in
//   before the call, outputs copied back when it completes, after checking that the caller's view
//   still holds them (a view detached or shrunk meanwhile is an error, not a write into freed
//   memory).
//
// Every object handed to the call (views, tables, control words) is held until the call settles,
// so the garbage collector cannot free it either. Synchronous calls need none of this: no
// JavaScript runs while they do.

import { bufferOf, isDetached, isGrowable, isSharedMemory, lengthOf } from "./_checks.ts";

/**
 * Whether `view`'s memory stays valid while referenced: it lies in a SharedArrayBuffer that is not
 * growable (Deno refuses growable and resizable buffers for nonblocking calls: "Resizable backing
 * stores are not supported for nonblocking FFI calls").
 */
export function isPinned(view: ArrayBufferView): boolean {
  const buffer = bufferOf(view);
  return isSharedMemory(buffer) && !isGrowable(buffer);
}

/** `length` zero bytes in pinned memory (a new SharedArrayBuffer). */
export function pinnedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/** A copy of `bytes` in pinned memory. */
export function pinnedCopy(bytes: Uint8Array): Uint8Array {
  const copy = pinnedBytes(lengthOf(bytes));
  copy.set(bytes);
  return copy;
}

/** How an off-thread call uses a span: reads it, writes it, or both. */
export type PinAccess = "read" | "write" | "readwrite";

/** What to pass to C for a span: a view and the span's offset in it. */
export interface PinnedSpan {
  /** The caller's view when its memory is pinned, else a staging copy of the span. */
  readonly view: Uint8Array;
  /** Where the span starts in `view`. */
  readonly offset: number;
}

interface Staged {
  caller: Uint8Array;
  offset: number;
  length: number;
  staging: Uint8Array;
  name: string;
}

/**
 * The memory of one off-thread call. Pin each span before the call, hold every other object the
 * call uses, and call {@linkcode OffThreadCall.finish} when the call's promise settles (from its
 * continuation, which also keeps this object reachable until then).
 */
export class OffThreadCall {
  #held: unknown[] = [];
  #staged: Staged[] = [];
  #finished = false;

  /**
   * Pins [offset, offset + length) of `view` (already checked by the caller) for the call.
   *
   * @param name The span's name, for error messages.
   * @param view The caller's view.
   * @param offset Where the span starts.
   * @param length Its length.
   * @param access Whether the call reads the span, writes it, or both.
   * @returns The view and offset to pass to C.
   */
  pin(
    name: string,
    view: Uint8Array,
    offset: number,
    length: number,
    access: PinAccess,
  ): PinnedSpan {
    if (this.#finished) throw new TypeError("Cannot pin memory: the call has finished");
    this.#held.push(view);
    if (isPinned(view)) return { view, offset };
    const staging = pinnedBytes(length);
    if (access !== "write") staging.set(view.subarray(offset, offset + length));
    if (access !== "read") this.#staged.push({ caller: view, offset, length, staging, name });
    else this.#held.push(staging);
    return { view: staging, offset: 0 };
  }

  /**
   * Keeps `value` (a table, control words, a staging buffer) alive until the call finishes.
   *
   * @param value Anything the call uses.
   */
  hold(value: object): void {
    this.#held.push(value);
  }

  /**
   * Ends the call: copies each staged output back into the caller's view, then releases
   * everything. Call it once the C call has returned, whatever it returned.
   *
   * @param copyBack Whether to copy outputs back (false when the call failed and wrote nothing).
   * @throws {TypeError} When a caller's view was detached, transferred or shrunk while the call
   * ran: its bytes are not copied (the other outputs are).
   */
  finish(copyBack = true): void {
    if (this.#finished) return;
    this.#finished = true;
    const staged = this.#staged;
    this.#staged = [];
    this.#held = [];
    let lost: string | undefined;
    for (const s of staged) {
      if (!copyBack) continue;
      if (isDetached(s.caller) || lengthOf(s.caller) < s.offset + s.length) {
        lost ??= s.name;
        continue;
      }
      s.caller.set(s.staging, s.offset);
    }
    if (lost !== undefined) {
      throw new TypeError(
        `Cannot complete the call: '${lost}' was detached, transferred or shrunk before it completed`,
      );
    }
  }
}
