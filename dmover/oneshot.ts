import type { DmoverBackend } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { getFunction } from "./functions.ts";
import { resolveBackend } from "./_registry.ts";
import { checkOneShot } from "./_validate.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";

/**
 * Options for the one-shot helpers.
 *
 * @example
 * ```ts
 * import type { OneShotOptions } from "@dray/dray/dmover";
 *
 * const options: OneShotOptions = { backend: "ts" };
 * ```
 */
export interface OneShotOptions {
  /**
   * `auto` (the default: the synchronous backend with the best estimate for the length), a
   * registered backend's name, or a synchronous backend object.
   */
  backend?: string | DmoverBackend;
}

const XOR_NAMES = ["", "", "xor2", "xor3", "xor4", "xor5", "xor6", "xor7", "xor8"];

function run(
  helper: string,
  functionName: string,
  request: DmoverRequest,
  options: OneShotOptions,
): number | undefined {
  const fn = getFunction(functionName);
  const length = checkOneShot(helper, fn, request);
  const chooser = resolveBackend(fn, options.backend ?? "auto", true);
  const kernel = chooser.kernels[chooser.pick(length)]!;
  let result;
  try {
    result = kernel(request, length);
  } catch (error) {
    if (error instanceof DmoverError) throw error;
    throw new DmoverError("EIO", `Cannot run '${helper}': the backend failed (${error})`, {
      cause: error,
    });
  }
  if (typeof result === "object" && result !== null) {
    throw new TypeError(`Cannot run '${helper}': the backend returned a promise`);
  }
  return result;
}

/**
 * Copies `input` into `output` (memmove: they may overlap), with the best synchronous backend for
 * the length. Both may be Uint8Arrays or iovec lists, of the same total length.
 *
 * @param output Where the bytes go.
 * @param input Where they come from.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when a buffer is invalid or the lengths differ, `ENXIO` for an
 * unknown backend.
 *
 * @example
 * ```ts
 * import { copy } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([1, 2, 3, 4, 5]);
 * copy(bytes.subarray(1), bytes.subarray(0, 4)); // overlapping, like memmove
 * assert.deepEqual(bytes, new Uint8Array([1, 1, 2, 3, 4]));
 * ```
 */
export function copy(
  output: DmoverBuffer,
  input: DmoverBuffer,
  options: OneShotOptions = {},
): void {
  run("copy", "copy", { id: 0, output, inputs: [input] }, options);
}

/**
 * Sets every byte of `output` to 0.
 *
 * @param output The bytes to clear.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when the buffer is invalid, `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { zero } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const arena = new Uint8Array([9, 9, 9, 9]);
 * zero([{ buffer: arena, offset: 1, length: 2 }]);
 * assert.deepEqual(arena, new Uint8Array([9, 0, 0, 9]));
 * ```
 */
export function zero(output: DmoverBuffer, options: OneShotOptions = {}): void {
  run("zero", "zero", { id: 0, output }, options);
}

/**
 * Sets every byte of `output` to `value`.
 *
 * @param output The bytes to set.
 * @param value A byte, an integer from 0 to 255.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when the buffer is invalid or `value` is not a byte, `ENXIO` for
 * an unknown backend.
 *
 * @example
 * ```ts
 * import { fill8 } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(3);
 * fill8(bytes, 0x7f);
 * assert.deepEqual(bytes, new Uint8Array([0x7f, 0x7f, 0x7f]));
 * ```
 */
export function fill8(output: DmoverBuffer, value: number, options: OneShotOptions = {}): void {
  run("fill8", "fill8", { id: 0, output, immediate: value }, options);
}

/**
 * Writes the xor of 2 to 8 inputs to `output` (RAID-5 parity, or its reconstruction). The inputs
 * must not overlap the output.
 *
 * @param output Where the xor goes.
 * @param inputs 2 to 8 inputs, each as long as `output`.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when there are not 2 to 8 inputs, a buffer is invalid, the
 * lengths differ or an input overlaps the output; `ENXIO` for an unknown backend.
 *
 * @example Rebuilding a lost block from parity
 * ```ts
 * import { xor } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const a = new Uint8Array([1, 2, 3, 4]);
 * const b = new Uint8Array([9, 8, 7, 6]);
 * const parity = new Uint8Array(4);
 * xor(parity, [a, b]);
 * const rebuilt = new Uint8Array(4);
 * xor(rebuilt, [parity, b]);
 * assert.deepEqual(rebuilt, a);
 * ```
 */
export function xor(
  output: DmoverBuffer,
  inputs: readonly DmoverBuffer[],
  options: OneShotOptions = {},
): void {
  const n = Array.isArray(inputs) ? inputs.length : -1;
  if (n < 2 || n > 8) {
    throw new DmoverError(
      "EINVAL",
      `Cannot run 'xor' with '${n < 0 ? typeof inputs : n}' inputs: expected 2 to 8`,
    );
  }
  run("xor", XOR_NAMES[n]!, { id: 0, output, inputs }, options);
}

/**
 * The CRC-32C (iSCSI, Castagnoli polynomial) of `bytes`. A seed of 0 gives the standard CRC; an
 * earlier result as the seed continues it, so a CRC can be computed piece by piece.
 *
 * @param bytes A Uint8Array or an iovec list.
 * @param seed 0 (the default), or the CRC of the bytes before these.
 * @param options The backend (default `auto`).
 * @returns The CRC, an unsigned 32-bit integer.
 * @throws {DmoverError} `EINVAL` when the buffer is invalid or `seed` is not a uint32, `ENXIO`
 * for an unknown backend.
 *
 * @example
 * ```ts
 * import { crc32c } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * assert.equal(crc32c(bytes), 0xe3069283);
 * assert.equal(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4))), 0xe3069283);
 * ```
 */
export function crc32c(
  bytes: DmoverBuffer,
  seed: number = 0,
  options: OneShotOptions = {},
): number {
  return run("crc32c", "iscsi-crc32c", { id: 0, inputs: [bytes], immediate: seed }, options)!;
}
