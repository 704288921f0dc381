import type { DmoverError } from "./errors.ts";

/**
 * One piece of a scatter/gather list: `length` bytes of `buffer` from `offset`.
 *
 * @example
 * ```ts
 * import type { DmoverIovec } from "@dray/dray/dmover";
 *
 * const arena = new Uint8Array(4096);
 * const iovec: DmoverIovec = { buffer: arena, offset: 512, length: 1024 };
 * ```
 */
export interface DmoverIovec {
  /** The memory. */
  readonly buffer: Uint8Array;
  /** Where the piece starts in `buffer`, an integer from 0 to `buffer.length`. */
  readonly offset: number;
  /** How many bytes, an integer from 0 to 2^53 - 1 that fits in `buffer` after `offset`. */
  readonly length: number;
}

/**
 * The memory a request reads or writes: a whole `Uint8Array`, or a list of 0 to 1024 iovecs
 * walked in order. Empty buffers are valid: a request of length 0 changes no byte (the CRC of
 * nothing is the seed, a comparison of nothing finds no difference).
 *
 * @example
 * ```ts
 * import type { DmoverBuffer } from "@dray/dray/dmover";
 *
 * const whole: DmoverBuffer = new Uint8Array(64);
 * const arena = new Uint8Array(256);
 * const scattered: DmoverBuffer = [
 *   { buffer: arena, offset: 0, length: 32 },
 *   { buffer: arena, offset: 128, length: 32 },
 * ];
 * ```
 */
export type DmoverBuffer = Uint8Array | readonly DmoverIovec[];

/**
 * A request to a session: a caller id that comes back in the completion, and the buffers and
 * immediate its function takes (see {@linkcode DmoverFunction}).
 *
 * The buffers belong to the request until its completion is read: do not read, write, transfer
 * or detach them before. A backend that runs off the event-loop thread (`native-async`, a worker
 * pool) works in place on views of a `SharedArrayBuffer` (which cannot be detached) and copies
 * any other buffer through memory it owns, chunk by chunk; an `ArrayBuffer` transferred or
 * detached meanwhile fails the request with `EFAULT` and is never written again.
 *
 * A request may name an earlier request of the same session with `dependsOn`: it then starts only
 * once that one has completed, and completes with `ECANCELED` if that one failed. With `fence`, it
 * starts only once every earlier request of the session has completed, and completes with
 * `ECANCELED` if one of them failed.
 *
 * @example A request for a session bound to `xor2`
 * ```ts
 * import type { DmoverRequest } from "@dray/dray/dmover";
 *
 * const request: DmoverRequest = {
 *   id: 7,
 *   output: new Uint8Array(512),
 *   inputs: [new Uint8Array(512), new Uint8Array(512)],
 * };
 * ```
 */
export interface DmoverRequest {
  /** The caller's id for the request; the completion carries it back. */
  readonly id: number;
  /** Where the result goes, for functions with one output (all but the checks and `*-crc32c`). */
  readonly output?: DmoverBuffer;
  /** Where the results go, for functions with several outputs (`dualcast`, `pq`, `pq-recover`). */
  readonly outputs?: readonly DmoverBuffer[];
  /** The inputs, as many as the function takes (none for `zero` and `fill8`). */
  readonly inputs?: readonly DmoverBuffer[];
  /**
   * The immediate: the byte of `fill8`, the seed of the CRC functions (default 0), the pattern of
   * `compare-pattern` (8 bytes, little-endian: a `bigint` up to 2^64 - 1, or a number), the lost
   * positions of `pq-recover` (a list of the two positions, e.g. `[3, 33]`, or a bit mask: a
   * number, since `1 << 31` is negative in JavaScript).
   */
  readonly immediate?: number | bigint | readonly number[];
  /**
   * The id of an earlier request of the session that still holds a slot (submitted, completion
   * not yet read): this one runs after it completes, or completes with `ECANCELED` if it failed.
   * With several such requests, the latest one.
   */
  readonly dependsOn?: number;
  /** Start only after every earlier request of the session has completed (`ECANCELED` if one failed). */
  readonly fence?: boolean;
}

/**
 * The outcome of a request, read back from its session in completion order.
 *
 * @example
 * ```ts
 * import type { DmoverCompletion } from "@dray/dray/dmover";
 *
 * function report(completion: DmoverCompletion): string {
 *   if (completion.error) return `${completion.id} failed: ${completion.error.code}`;
 *   return `${completion.id} done${completion.immediate === undefined ? "" : `: ${completion.immediate}`}`;
 * }
 * ```
 */
export interface DmoverCompletion {
  /** The request's id. */
  readonly id: number;
  /** Why the request failed, or `undefined` when it succeeded. */
  readonly error: DmoverError | undefined;
  /**
   * The immediate result, for functions that give one: the CRC of `iscsi-crc32c` and
   * `copy-crc32c`; the offset where `compare`, `compare-pattern` and `xor-check` found a
   * difference, or -1.
   */
  readonly immediate: number | undefined;
}
