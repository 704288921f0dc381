import type { DmoverBackend } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { getFunction } from "./functions.ts";
import { resolveBackend } from "./_registry.ts";
import { checkedRequest, checkOneShot, keepChecked } from "./_validate.ts";
import { emptyResult } from "./_catalog.ts";
import type { DmoverBuffer, DmoverRequest } from "./types.ts";

/**
 * Options for the asynchronous one-shot helpers.
 *
 * @example
 * ```ts
 * import type { AsyncOneShotOptions } from "@dray/dray/dmover";
 *
 * const options: AsyncOneShotOptions = { backend: "native-async" };
 * ```
 */
export interface AsyncOneShotOptions {
  /**
   * `auto` (the default: among every registered backend, synchronous or not, the one with the
   * best estimate for the length), a registered backend's name (`native-async`, ...), or a
   * backend object such as a worker pool from `createWorkerBackend`.
   */
  backend?: string | DmoverBackend;
}

/** A request without its id, for {@linkcode runOnce}. */
export type OneShotRequest = Omit<DmoverRequest, "id" | "dependsOn" | "fence">;

/**
 * Runs one request of any function on any backend, off-thread ones included, without opening a
 * session: validates it as a session would, runs it, and settles with its immediate result (the
 * CRC, the offset or -1 of a comparison), or `undefined` for functions without one.
 *
 * @param functionName The function, e.g. `xor` or `pq-recover`.
 * @param request Its buffers and immediate, as for `Session.submit` (without id).
 * @param options The backend (default `auto` over every registered backend).
 * @returns A promise of the immediate result.
 * @throws {DmoverError} `EINVAL` for an invalid request, `ENXIO` for an unknown function or
 * backend (thrown before a promise is returned); the promise rejects with the backend's error.
 *
 * @example A CRC through whatever backend is best for 1 MiB
 * ```ts
 * import { crc32c, runOnce } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8Array(new SharedArrayBuffer(1 << 20)).fill(7);
 * assert.equal(await runOnce("iscsi-crc32c", { inputs: [data] }), crc32c(data));
 * ```
 */
export function runOnce(
  functionName: string,
  request: OneShotRequest,
  options: AsyncOneShotOptions = {},
): Promise<number | undefined> {
  return run(functionName, functionName, request, options);
}

function run(
  helper: string,
  functionName: string,
  request: OneShotRequest,
  options: AsyncOneShotOptions,
): Promise<number | undefined> {
  const fn = getFunction(functionName);
  const length = checkOneShot(helper, fn, { ...request, id: 0 });
  const trusted = keepChecked(checkedRequest()); // kept across an await
  const chooser = resolveBackend(fn, options.backend ?? "auto", false);
  if (length === 0) return Promise.resolve(emptyResult(fn, trusted));
  const kernel = chooser.kernels[chooser.pick(length)]!;
  let result;
  try {
    result = kernel(trusted, length);
  } catch (error) {
    return Promise.reject(wrap(helper, error));
  }
  return Promise.resolve(result).catch((error: unknown) => {
    throw wrap(helper, error);
  });
}

function wrap(helper: string, error: unknown): DmoverError {
  if (error instanceof DmoverError) return error;
  return new DmoverError("EIO", `Cannot run '${helper}': the backend failed (${error})`, {
    cause: error,
  });
}

/**
 * The CRC-32C of `bytes`, on any backend (off-thread ones included) without a session; see
 * `crc32c` for the synchronous helper.
 *
 * @param bytes A Uint8Array or an iovec list.
 * @param seed 0 (the default), or the CRC of the bytes before these.
 * @param options The backend (default `auto` over every registered backend).
 * @returns A promise of the CRC, an unsigned 32-bit integer.
 * @throws {DmoverError} `EINVAL` when the buffer is invalid or `seed` is not a uint32, `ENXIO`
 * for an unknown backend.
 *
 * @example
 * ```ts
 * import { crc32cAsync } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * assert.equal(await crc32cAsync(bytes), 0xe3069283);
 * assert.equal(await crc32cAsync(new Uint8Array(0), 7), 7); // the CRC of nothing is the seed
 * ```
 */
export async function crc32cAsync(
  bytes: DmoverBuffer,
  seed: number = 0,
  options: AsyncOneShotOptions = {},
): Promise<number> {
  return (await run("crc32cAsync", "iscsi-crc32c", { inputs: [bytes], immediate: seed }, options))!;
}

/**
 * Copies `input` into `output` (memmove semantics) on any backend, without a session.
 *
 * @param output Where the bytes go.
 * @param input Where they come from, of the same total length.
 * @param options The backend (default `auto` over every registered backend).
 * @returns A promise that settles when the bytes are there.
 * @throws {DmoverError} `EINVAL` when a buffer is invalid or the lengths differ, `ENXIO` for an
 * unknown backend.
 *
 * @example
 * ```ts
 * import { copyAsync } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const out = new Uint8Array(3);
 * await copyAsync(out, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(out, new Uint8Array([1, 2, 3]));
 * ```
 */
export async function copyAsync(
  output: DmoverBuffer,
  input: DmoverBuffer,
  options: AsyncOneShotOptions = {},
): Promise<void> {
  await run("copyAsync", "copy", { output, inputs: [input] }, options);
}

/**
 * Writes the xor of 2 to 32 inputs to `output` on any backend, without a session.
 *
 * @param output Where the xor goes; it must not overlap the inputs.
 * @param inputs 2 to 32 inputs of the output's length.
 * @param options The backend (default `auto` over every registered backend).
 * @returns A promise that settles when the bytes are there.
 * @throws {DmoverError} `EINVAL` when a buffer is invalid, the lengths differ or an input overlaps
 * the output; `ENXIO` for an unknown backend.
 *
 * @example
 * ```ts
 * import { xorAsync } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const out = new Uint8Array(2);
 * await xorAsync(out, [new Uint8Array([1, 2]), new Uint8Array([3, 3])]);
 * assert.deepEqual(out, new Uint8Array([2, 1]));
 * ```
 */
export async function xorAsync(
  output: DmoverBuffer,
  inputs: readonly DmoverBuffer[],
  options: AsyncOneShotOptions = {},
): Promise<void> {
  await run("xorAsync", "xor", { output, inputs }, options);
}

/**
 * Rebuilds two lost blocks of a RAID-6 stripe on any backend, without a session: `lost` names
 * their positions (0 to n - 1 the data blocks, n P, n + 1 Q), `survivors` are the n other blocks
 * in stripe order.
 *
 * @param outputs Where the two lost blocks go, in stripe order.
 * @param survivors The n surviving blocks (n from 2 to 32), in stripe order.
 * @param lost The two lost positions.
 * @param options The backend (default `auto` over every registered backend).
 * @returns A promise that settles when the blocks are rebuilt.
 * @throws {DmoverError} `EINVAL` when the positions do not name two of the n + 2, a buffer is
 * invalid, the lengths differ or buffers overlap; `ENXIO` for an unknown backend.
 *
 * @example Losing data block 1 and Q of a stripe of three
 * ```ts
 * import { pq, pqRecoverAsync } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const [d0, d1, d2] = [new Uint8Array([1, 2]), new Uint8Array([3, 4]), new Uint8Array([5, 6])];
 * const [p, q] = [new Uint8Array(2), new Uint8Array(2)];
 * pq([p, q], [d0, d1, d2]);
 * const [block, rebuiltQ] = [new Uint8Array(2), new Uint8Array(2)];
 * await pqRecoverAsync([block, rebuiltQ], [d0, d2, p], [1, 4]);
 * assert.deepEqual(block, d1);
 * assert.deepEqual(rebuiltQ, q);
 * ```
 */
export async function pqRecoverAsync(
  outputs: readonly [DmoverBuffer, DmoverBuffer],
  survivors: readonly DmoverBuffer[],
  lost: readonly [number, number],
  options: AsyncOneShotOptions = {},
): Promise<void> {
  await run(
    "pqRecoverAsync",
    "pq-recover",
    { outputs, inputs: survivors, immediate: lost },
    options,
  );
}
