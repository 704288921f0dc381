// The shim's entry points as dmover's native backend calls them once a request passed dmover's
// validation (dmover/_validate.ts): no TypeScript check is repeated here. C keeps the only second
// check, of every span against the capacity it is given, and that capacity is always the view's
// real length, read through the intrinsic getter (see _checks.ts), so a request that went wrong
// after validation is refused by C, never an access outside its memory. Private to dray.

import { lengthOf, U32_MAX } from "./_checks.ts";
import type { ShimSymbols } from "./_symbols.ts";
import { opCall, xorCall } from "./_dmover_calls.ts";
import { directCall, directControl } from "./_direct_calls.ts";

/** The trusted calls: views of at most 4 GiB - 1 bytes, spans within them. */
export interface TrustedOps {
  /** CRC-32C of the whole view, continuing `seed` (a uint32). */
  crc32c(view: Uint8Array, seed: number): number;
  /**
   * crc32c when the caller has just read the view's `length` through the intrinsic getter, with
   * no other code run since (a one-shot helper): that length is the capacity C gets.
   */
  crc32cOf(view: Uint8Array, length: number, seed: number): number;
  /** memmove of `length` bytes from the start of `src` to the start of `dst`. */
  copy(dst: Uint8Array, src: Uint8Array, length: number): void;
  /** The xor of the first `length` bytes of 2 to 8 sources into `dst` (no overlap with them). */
  xor(dst: Uint8Array, sources: readonly Uint8Array[], n: number, length: number): void;
  /**
   * The generic entry point (dray_op4 or dray_op12) over a table dmover built from a validated
   * request (see dmover/_op_table.ts) and 1 to 12 memories; results land in the table.
   */
  op(table: Uint32Array, memories: readonly Uint8Array[], words: number): void;
  /**
   * A direct call (dray_dop3..9): op code `op` (see _dmover_ops.ts) over `count` memories, the
   * outputs first, each a whole view of `length` bytes read through the intrinsic getter with no
   * other code run since. True when it ran; false, nothing written, when C refused it (an output
   * meets another memory, or a library without the direct entry points).
   */
  direct(
    op: number,
    outputs: number,
    memories: readonly Uint8Array[],
    count: number,
    length: number,
    lostA?: number,
    lostB?: number,
  ): boolean;
}

/** Thrown when C refused a trusted call: a request that changed after its validation. */
function refused(entry: string, code: number): never {
  throw new RangeError(
    `Cannot complete ${entry}: the native shim rejected its arguments (${code})`,
  );
}

const ops = new WeakMap<object, TrustedOps>();

/** Makes the trusted calls of a loaded library; NativeLibrary's constructor calls it. */
export function registerTrusted(library: object, symbols: ShimSymbols): void {
  const crc = symbols.dray_crc32c_span;
  const copy = symbols.dray_copy;
  const op4 = symbols.dray_op4;
  const op12 = symbols.dray_op12;
  const xorTable = new Uint32Array(3 * 9);
  ops.set(library, {
    crc32c(view: Uint8Array, seed: number): number {
      const n = lengthOf(view);
      // `>>> 0`: FFI refuses -0 for a u32 on its slow path (see _checks.ts).
      const result = crc === null || n > U32_MAX ? -1 : crc(view, n, 0, n, seed >>> 0);
      if (result < 0) refused("crc32c", result);
      return result;
    },
    crc32cOf(view: Uint8Array, length: number, seed: number): number {
      const result = crc === null || length > U32_MAX
        ? -1
        : crc(view, length, 0, length, seed >>> 0);
      if (result < 0) refused("crc32c", result);
      return result;
    },
    copy(dst: Uint8Array, src: Uint8Array, length: number): void {
      const rc = length > U32_MAX
        ? -1
        : copy(dst, lengthOf(dst), 0, src, lengthOf(src), 0, length >>> 0);
      if (rc !== 0) refused("copy", rc);
    },
    xor(dst: Uint8Array, sources: readonly Uint8Array[], n: number, length: number): void {
      if (n < 2 || n > 8 || length > U32_MAX) refused(`xor${n}`, -1);
      for (let k = 0; k <= n; k++) {
        xorTable[3 * k] = 1;
        xorTable[3 * k + 1] = 0;
        xorTable[3 * k + 2] = length;
      }
      xorCall(symbols, n, xorTable, 3 * (n + 1), dst, sources); // C checks every span
    },
    op(table: Uint32Array, m: readonly Uint8Array[], words: number): void {
      const rc = op4 === null || op12 === null || m.length > 12
        ? -1
        : opCall(symbols, table, words, m);
      if (rc !== 0) refused("a dmover op", rc);
    },
    direct(op, outputs, memories, count, length, lostA = 0, lostB = 0): boolean {
      if (length > U32_MAX) return false;
      const control = directControl(op, outputs, count - outputs, lostA, lostB);
      return directCall(symbols, control, length, memories, count) === 0;
    },
  });
}

/** The trusted calls of a library, or undefined for an object that is not a loaded library. */
export function trustedOps(library: object): TrustedOps | undefined {
  return ops.get(library);
}
