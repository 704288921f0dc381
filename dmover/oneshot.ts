import type { DmoverBackend } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { HelperSite } from "./_registry.ts";
import { checkedRequest, checkOneShot, keepChecked } from "./_validate.ts";
import { emptyResult } from "./_catalog.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";
import { isUint8Array, lengthOf } from "../native/_checks.ts";
import { DIRECT_MAX_MEMORIES } from "../native/_direct_calls.ts";

// The most data blocks (pq) or survivors (pq-recover) a direct call takes: its memories less the
// two outputs. Wider stripes take the validated path.
const DIRECT_MAX_BLOCKS = DIRECT_MAX_MEMORIES - 2;

const U32_MAX = 0xffff_ffff;
// The default options, one object for every call (a literal default would be made per call).
const DEFAULTS: OneShotOptions = Object.freeze({});

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

// One site per helper (and per xor arity): the function and its `auto` chooser, found once.
const sites = new Map<string, HelperSite>();

function site(functionName: string): HelperSite {
  let found = sites.get(functionName);
  if (found === undefined) {
    found = new HelperSite(functionName);
    sites.set(functionName, found);
  }
  return found;
}

const COPY = site("copy");
const ZERO = site("zero");
const FILL8 = site("fill8");
const CRC32C = site("iscsi-crc32c");
const PQ = site("pq");
const PQ_RECOVER = site("pq-recover");
const XOR_SITES = ["", "", "xor2", "xor3", "xor4", "xor5", "xor6", "xor7", "xor8"].map((name) =>
  name === "" ? undefined : site(name)
);

/**
 * A one-shot's request, always of one shape (absent fields undefined): validation reads requests
 * of every helper, and a dozen shapes would make each of its reads a megamorphic lookup.
 */
function request(
  output: DmoverBuffer | undefined,
  outputs: readonly DmoverBuffer[] | undefined,
  inputs: readonly (DmoverBuffer | undefined)[] | undefined,
  immediate: unknown,
): DmoverRequest {
  return { id: 0, output, outputs, inputs, immediate } as DmoverRequest;
}

function run(
  helper: string,
  where: HelperSite | string,
  given: DmoverRequest,
  options: OneShotOptions,
): number | undefined {
  const at = typeof where === "string" ? site(where) : where;
  const fn = at.fn;
  // The chooser first: making one asks backends (maybe a registered one's code) for their kernels.
  const chooser = at.chooser(options.backend);
  const length = checkOneShot(helper, fn, given);
  const trusted = checkedRequest();
  if (length === 0) return emptyResult(fn, trusted);
  const index = chooser.pick(length);
  const kernel = chooser.kernels[index]!;
  const request = chooser.scratchSafe[index] ? trusted : keepChecked(trusted);
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
  options: OneShotOptions = DEFAULTS,
): void {
  // Two whole views of one length: straight to the chosen backend's direct copy (see _direct.ts).
  if (isUint8Array(output) && isUint8Array(input)) {
    const chooser = COPY.chooser(options.backend);
    const n = lengthOf(output);
    if (n !== 0 && n === lengthOf(input) && n <= U32_MAX) {
      const direct = chooser.directs[chooser.pick(n)];
      if (direct !== undefined) return direct.copy(output, input, n);
    }
  }
  run("copy", COPY, request(output, undefined, [input], undefined), options);
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
export function zero(output: DmoverBuffer, options: OneShotOptions = DEFAULTS): void {
  run("zero", ZERO, request(output, undefined, undefined, undefined), options);
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
export function fill8(
  output: DmoverBuffer,
  value: number,
  options: OneShotOptions = DEFAULTS,
): void {
  run("fill8", FILL8, request(output, undefined, undefined, value), options);
}

/**
 * Writes the xor of 2 to 32 inputs to `output` (RAID-5 parity, or its reconstruction). The inputs
 * must not overlap the output.
 *
 * @param output Where the xor goes.
 * @param inputs 2 to 32 inputs, each as long as `output`.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when there are not 2 to 32 inputs, a buffer is invalid, the
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
  options: OneShotOptions = DEFAULTS,
): void {
  const n = Array.isArray(inputs) ? inputs.length : -1;
  if (n < 2 || n > 32) {
    throw new DmoverError(
      "EINVAL",
      `Cannot run 'xor' with '${n < 0 ? typeof inputs : n}' inputs: expected 2 to 32`,
    );
  }
  if (n > 8 || !directXor(output, inputs, n, options)) {
    run("xor", XOR_SITES[n] ?? "xor", request(output, undefined, inputs, undefined), options);
  }
}

// The sides of a direct call, each read once from the caller's arrays (see directSides).
const SIDES: Uint8Array[] = [];

/**
 * Reads `count` sides into SIDES: `first` and `second` (when given), then `rest[0..]`, each once,
 * every element before any length (an element read can run a getter, which could change a view
 * whose length was already read). Returns their common length, or 0 when one is not a
 * Uint8Array, the lengths differ, or the length is 0 or beyond 2^32 - 1. No other code runs
 * between those length reads and the caller's direct call, so they are the views' lengths then.
 */
function directSides(
  first: unknown,
  second: unknown,
  rest: readonly unknown[],
  count: number,
): number {
  const head = second === undefined ? 1 : 2;
  const sides = SIDES as unknown[];
  sides[0] = first;
  if (head === 2) sides[1] = second;
  for (let k = head; k < count; k++) sides[k] = rest[k - head];
  if (!isUint8Array(first)) return 0;
  const length = lengthOf(first);
  if (length === 0 || length > U32_MAX) return 0;
  for (let k = 1; k < count; k++) {
    const side = sides[k];
    if (!isUint8Array(side) || lengthOf(side) !== length) return 0;
  }
  return length;
}

/**
 * xor's common case: an output and 2 to 8 inputs, all whole views of one length. Runs the chosen
 * backend's direct xor and returns true, or returns false (nothing done) for the validated path
 * to handle, or refuse, the request (also when an input meets the output).
 */
function directXor(
  output: DmoverBuffer,
  inputs: readonly DmoverBuffer[],
  n: number,
  options: OneShotOptions,
): boolean {
  // The chooser first: making one may run a registered backend's code, which could change inputs.
  const chooser = XOR_SITES[n]!.chooser(options.backend);
  const length = directSides(output, undefined, inputs, n + 1);
  if (length === 0) return false;
  const direct = chooser.directs[chooser.pick(length)];
  if (direct === undefined) return false;
  return direct.xor(SIDES, n, length);
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
  options: OneShotOptions = DEFAULTS,
): number {
  // A whole view and a uint32 seed: straight to the chosen backend's direct CRC (see _direct.ts).
  if (isUint8Array(bytes) && seed >>> 0 === seed) {
    const chooser = CRC32C.chooser(options.backend);
    const n = lengthOf(bytes);
    if (n !== 0 && n <= U32_MAX) {
      const direct = chooser.directs[chooser.pick(n)];
      if (direct !== undefined) return direct.crc32c(bytes, n, seed >>> 0);
    }
  }
  return run("crc32c", CRC32C, request(undefined, undefined, [bytes], seed), options)!;
}

/**
 * Compares two buffers of the same length.
 *
 * @param a The first.
 * @param b The second, as long as `a`.
 * @param options The backend (default `auto`).
 * @returns The offset of the first byte that differs, or -1 when they are equal.
 * @throws {DmoverError} `EINVAL` when a buffer is invalid or the lengths differ, `ENXIO` for an
 * unknown backend.
 *
 * @example
 * ```ts
 * import { compare } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * assert.equal(compare(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), -1);
 * assert.equal(compare(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3])), 1);
 * ```
 */
export function compare(
  a: DmoverBuffer,
  b: DmoverBuffer,
  options: OneShotOptions = DEFAULTS,
): number {
  return run("compare", "compare", request(undefined, undefined, [a, b], undefined), options)!;
}

/** An 8-byte pattern as compare-pattern's immediate: little-endian. */
function patternImmediate(pattern: number | bigint | Uint8Array): number | bigint {
  if (!(pattern instanceof Uint8Array)) return pattern;
  if (pattern.length !== 8) {
    throw new DmoverError(
      "EINVAL",
      `Cannot run 'comparePattern' with a pattern of '${pattern.length}' bytes: expected 8`,
    );
  }
  let value = 0n;
  for (let j = 7; j >= 0; j--) value = (value << 8n) | BigInt(pattern[j]!);
  return value;
}

/**
 * Checks `bytes` against an 8-byte pattern repeated from its first byte (DSA's compare pattern):
 * byte i must equal byte i % 8 of the pattern.
 *
 * @param bytes The bytes to check.
 * @param pattern The 8 bytes, or their value little-endian (byte 0 lowest) as a `bigint` (or a
 * number below 2^53).
 * @param options The backend (default `auto`).
 * @returns The offset of the first byte that differs from the pattern, or -1.
 * @throws {DmoverError} `EINVAL` when the buffer is invalid or the pattern is not 8 bytes or a
 * value from 0 to 2^64 - 1, `ENXIO` for an unknown backend.
 *
 * @example Checking that a block was zeroed, or filled with a stamp
 * ```ts
 * import { comparePattern } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * assert.equal(comparePattern(new Uint8Array(4096), 0n), -1);
 * const stamp = new TextEncoder().encode("DEADBEEF");
 * const block = new Uint8Array(64).map((_, i) => stamp[i % 8]!);
 * assert.equal(comparePattern(block, stamp), -1);
 * block[42] = 0;
 * assert.equal(comparePattern(block, stamp), 42);
 * ```
 */
export function comparePattern(
  bytes: DmoverBuffer,
  pattern: number | bigint | Uint8Array,
  options: OneShotOptions = DEFAULTS,
): number {
  const immediate = patternImmediate(pattern);
  return run(
    "comparePattern",
    "compare-pattern",
    request(undefined, undefined, [bytes], immediate),
    options,
  )!;
}

/**
 * Copies `input` into `output` and returns the CRC-32C of the bytes copied, in one pass.
 *
 * @param output Where the bytes go; must not overlap `input`.
 * @param input Where they come from.
 * @param seed 0 (the default), or the CRC of the bytes before these.
 * @param options The backend (default `auto`).
 * @returns The CRC, an unsigned 32-bit integer.
 * @throws {DmoverError} `EINVAL` when a buffer is invalid, the lengths differ, they overlap or
 * `seed` is not a uint32; `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { copyCrc32c } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const out = new Uint8Array(9);
 * assert.equal(copyCrc32c(out, new TextEncoder().encode("123456789")), 0xe3069283);
 * assert.equal(new TextDecoder().decode(out), "123456789");
 * ```
 */
export function copyCrc32c(
  output: DmoverBuffer,
  input: DmoverBuffer,
  seed: number = 0,
  options: OneShotOptions = DEFAULTS,
): number {
  return run(
    "copyCrc32c",
    "copy-crc32c",
    request(output, undefined, [input], seed),
    options,
  )!;
}

/**
 * Copies `input` to two outputs in one pass (DSA's dualcast).
 *
 * @param outputs The two destinations, each as long as `input`; none may overlap another buffer.
 * @param input Where the bytes come from.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when a buffer is invalid, the lengths differ or buffers overlap;
 * `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { dualcast } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = [new Uint8Array(3), new Uint8Array(3)];
 * dualcast([a, b], new Uint8Array([7, 8, 9]));
 * assert.deepEqual([...a, ...b], [7, 8, 9, 7, 8, 9]);
 * ```
 */
export function dualcast(
  outputs: readonly [DmoverBuffer, DmoverBuffer],
  input: DmoverBuffer,
  options: OneShotOptions = DEFAULTS,
): void {
  run("dualcast", "dualcast", request(undefined, outputs, [input], undefined), options);
}

/**
 * Checks that the xor of 2 to 32 inputs is zero everywhere: RAID-5 parity validation, with the
 * data blocks and their parity as the inputs.
 *
 * @param inputs 2 to 32 inputs of the same length.
 * @param options The backend (default `auto`).
 * @returns The first offset where the xor is not zero, or -1 when the parity is consistent.
 * @throws {DmoverError} `EINVAL` when there are not 2 to 32 inputs, a buffer is invalid or the
 * lengths differ; `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { xor, xorCheck } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const data = [new Uint8Array([1, 2]), new Uint8Array([4, 8])];
 * const parity = new Uint8Array(2);
 * xor(parity, data);
 * assert.equal(xorCheck([...data, parity]), -1);
 * parity[1] = 0;
 * assert.equal(xorCheck([...data, parity]), 1);
 * ```
 */
export function xorCheck(
  inputs: readonly DmoverBuffer[],
  options: OneShotOptions = DEFAULTS,
): number {
  return run("xorCheck", "xor-check", request(undefined, undefined, inputs, undefined), options)!;
}

/**
 * Computes the RAID-6 syndromes of 2 to 32 data blocks: P, their xor, and Q, the sum of 2^k times
 * block k in GF(2^8) (polynomial 0x11d, as Linux md and ISA-L).
 *
 * @param outputs P and Q, each as long as the blocks.
 * @param data 2 to 32 data blocks of the same length.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when there are not 2 to 32 blocks, a buffer is invalid, the
 * lengths differ or buffers overlap; `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { pq } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const [p, q] = [new Uint8Array(1), new Uint8Array(1)];
 * pq([p, q], [new Uint8Array([3]), new Uint8Array([5])]);
 * assert.deepEqual([p[0], q[0]], [3 ^ 5, 3 ^ (2 * 5)]);
 * ```
 */
export function pq(
  outputs: readonly [DmoverBuffer, DmoverBuffer],
  data: readonly DmoverBuffer[],
  options: OneShotOptions = DEFAULTS,
): void {
  // Two outputs and 2 to 7 blocks, whole views of one length: the chosen backend's direct pq.
  if (
    Array.isArray(outputs) && outputs.length === 2 && Array.isArray(data) && data.length >= 2 &&
    data.length <= DIRECT_MAX_BLOCKS
  ) {
    const chooser = PQ.chooser(options.backend);
    const n = data.length;
    const length = directSides(outputs[0], outputs[1], data, n + 2);
    const direct = length === 0 ? undefined : chooser.directs[chooser.pick(length)];
    if (direct?.pq !== undefined && direct.pq(SIDES, n, length)) return;
  }
  run("pq", PQ, request(undefined, outputs, data, undefined), options);
}

/**
 * Rebuilds two lost blocks of a RAID-6 stripe: two data blocks, a data block and P or Q, or P and
 * Q. The stripe lists the n data blocks, then P, then Q, with `undefined` in the two lost places.
 *
 * @param outputs Where the two lost blocks go, in stripe order.
 * @param stripe n + 2 entries (n from 2 to 32): the survivors, `undefined` for exactly two.
 * @param options The backend (default `auto`).
 * @throws {DmoverError} `EINVAL` when the stripe does not have exactly two missing entries, a
 * buffer is invalid, the lengths differ or buffers overlap; `ENXIO` for an unknown backend.
 *
 * @example Losing a data block and Q
 * ```ts
 * import { pq, pqRecover } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const data = [new Uint8Array([1, 2]), new Uint8Array([3, 4]), new Uint8Array([5, 6])];
 * const [p, q] = [new Uint8Array(2), new Uint8Array(2)];
 * pq([p, q], data);
 * const [lost, rebuiltQ] = [new Uint8Array(2), new Uint8Array(2)];
 * pqRecover([lost, rebuiltQ], [data[0], undefined, data[2], p, undefined]);
 * assert.deepEqual(lost, data[1]);
 * assert.deepEqual(rebuiltQ, q);
 * ```
 */
export function pqRecover(
  outputs: readonly [DmoverBuffer, DmoverBuffer],
  stripe: readonly (DmoverBuffer | undefined)[],
  options: OneShotOptions = DEFAULTS,
): void {
  if (!Array.isArray(stripe)) {
    throw new DmoverError("EINVAL", `Cannot run 'pqRecover' with stripe '${typeof stripe}'`);
  }
  let mask = 0;
  let lostA = -1;
  let lostB = -1;
  const survivors: DmoverBuffer[] = [];
  stripe.forEach((block, k) => {
    if (block === undefined) {
      mask += 2 ** k;
      if (lostA < 0) lostA = k;
      else lostB = k;
    } else {
      survivors.push(block);
    }
  });
  // Exactly two lost of 4 to 9 places, the rest whole views of one length: the direct call.
  const n = survivors.length;
  if (
    n >= 2 && n <= DIRECT_MAX_BLOCKS && n + 2 === stripe.length && lostB > 0 &&
    Array.isArray(outputs) &&
    outputs.length === 2
  ) {
    const chooser = PQ_RECOVER.chooser(options.backend);
    const length = directSides(outputs[0], outputs[1], survivors, n + 2);
    const direct = length === 0 ? undefined : chooser.directs[chooser.pick(length)];
    if (direct?.pqRecover !== undefined && direct.pqRecover(SIDES, n, lostA, lostB, length)) {
      return;
    }
  }
  run("pqRecover", PQ_RECOVER, request(undefined, outputs, survivors, mask), options);
}
