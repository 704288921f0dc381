// The one-shot helpers' commonest cases, run without building a request: whole Uint8Arrays (no
// iovecs), a length from 1 to 2^32 - 1, a uint32 seed. The helper resolves its backend first, then
// checks exactly that through the intrinsic getters (native/_checks.ts) and calls a built-in
// backend's direct op here, one call into C or one TypedArray built-in, with no other code run in
// between: the lengths it read are the views' lengths when the op runs. Whether outputs meet
// inputs is the direct op's to find (C compares addresses); it then declines, and the request,
// like everything else (iovecs, empty or detached views, bad arguments, registered backends),
// takes the validated path of oneshot.ts, which gives the errors.

import type { DmoverBackend } from "./backend.ts";

/** A built-in backend's direct ops over validated views of `length` bytes each. */
export interface DirectOps {
  /** The CRC-32C of the whole view, continuing `seed` (a uint32). */
  crc32c(view: Uint8Array, length: number, seed: number): number;
  /** memmove of the whole of `src` into `dst`, both `length` bytes long. */
  copy(dst: Uint8Array, src: Uint8Array, length: number): void;
  /**
   * The xor of the `n` (2 to 8) whole views `memories[1..n]` into `memories[0]`, all `length`
   * bytes. False, with nothing written, when an input shares a byte with the output: the
   * validated path then names the error.
   */
  xor(memories: readonly Uint8Array[], n: number, length: number): boolean;
  /**
   * P and Q (`memories[0]`, `[1]`) of the `n` data views after them, all `length` bytes; false,
   * nothing written, when it cannot run the request (an output meets another view).
   */
  pq?(memories: readonly Uint8Array[], n: number, length: number): boolean;
  /**
   * The blocks lost at stripe positions `lostA` < `lostB` into `memories[0]`, `[1]`, from the
   * `n` survivors after them, all `length` bytes; false, nothing written, as pq.
   */
  pqRecover?(
    memories: readonly Uint8Array[],
    n: number,
    lostA: number,
    lostB: number,
    length: number,
  ): boolean;
}

const direct = new WeakMap<DmoverBackend, DirectOps>();

/** Gives a built-in backend its direct ops (a backend made by the registry's own factories). */
export function registerDirect(backend: DmoverBackend, ops: DirectOps): void {
  direct.set(backend, ops);
}

/** The direct ops of a backend, or undefined for one that has none (a registered backend). */
export function directOps(backend: DmoverBackend): DirectOps | undefined {
  return direct.get(backend);
}
