/**
 * The errno-like conditions of the data mover:
 * - `EINVAL`: a request (or a one-shot call) does not fit its function: a wrong number of inputs,
 *   an iovec list outside 1..1024 entries, a length that is not an integer from 0 to 2^53 - 1, a
 *   span outside its buffer, a total of 0, unequal totals, an input overlapping the output, or an
 *   immediate the function does not take or needs;
 * - `EWOULDBLOCK`: a non-blocking session has no free slot (submit) or no completion (read);
 * - `ENXIO`: no such function, or no backend that can run it (an unknown or unavailable backend);
 * - `EBUSY`: a function or backend name is already registered;
 * - `EBADF`: the session is closed;
 * - `EIO`: a backend failed while running a request (reported in the completion, never thrown by
 *   `submit`);
 * - `ECANCELED`: a request did not run because the request it depends on (`dependsOn`), or one
 *   before its fence, failed (reported in the completion);
 * - `EFAULT`: a buffer of a request running off the event-loop thread was detached or transferred
 *   before the request completed (reported in the completion; nothing was written to the memory
 *   it moved to).
 *
 * @example
 * ```ts
 * import type { DmoverErrorCode } from "@dray/dray/dmover";
 *
 * const code: DmoverErrorCode = "EWOULDBLOCK";
 * ```
 */
export type DmoverErrorCode =
  | "EINVAL"
  | "EWOULDBLOCK"
  | "ENXIO"
  | "EBUSY"
  | "EBADF"
  | "EIO"
  | "ECANCELED"
  | "EFAULT";

/**
 * Options for the {@linkcode DmoverError} constructor.
 *
 * @example
 * ```ts
 * import type { DmoverErrorOptions } from "@dray/dray/dmover";
 *
 * const options: DmoverErrorOptions = { accepted: 3 };
 * ```
 */
export interface DmoverErrorOptions extends ErrorOptions {
  /** For `submitMany`: how many requests of the batch were accepted before this one failed. */
  accepted?: number;
}

/**
 * A data-mover condition a caller is meant to handle, with an errno-like {@linkcode code}.
 *
 * @example Telling a full non-blocking session from a bad request
 * ```ts
 * import { DmoverError, openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("zero", { maxInFlight: 1, nonBlocking: true });
 * session.submit({ id: 1, output: new Uint8Array(8) });
 * try {
 *   session.submit({ id: 2, output: new Uint8Array(8) });
 *   assert.fail("expected EWOULDBLOCK");
 * } catch (error) {
 *   assert.ok(error instanceof DmoverError);
 *   assert.equal(error.code, "EWOULDBLOCK");
 * }
 * ```
 */
export class DmoverError extends Error {
  /** The condition. */
  readonly code: DmoverErrorCode;
  /**
   * For an error thrown by `submitMany`: how many requests of the batch were accepted (and hold
   * slots) before the one that failed; `undefined` otherwise.
   */
  readonly accepted: number | undefined;

  /**
   * Makes an error; the message should say what was wrong, quoting the offending value.
   *
   * @param code The condition.
   * @param message A sentence for people.
   * @param options A cause, and for `submitMany` how many requests were accepted.
   */
  constructor(code: DmoverErrorCode, message: string, options: DmoverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DmoverError";
    this.code = code;
    this.accepted = options.accepted;
  }
}
