import { BlockingSession } from "./blocking_session.ts";
import { NonBlockingSession } from "./nonblocking_session.ts";
import type { Session, SessionOptions } from "./session.ts";

/**
 * Opens a non-blocking session bound to one function (dmover_io's open plus DMIO_SETFUNC in one
 * call): its `submit` and `read` return values and throw `EWOULDBLOCK` instead of waiting.
 *
 * @param functionName `zero`, `fill8`, `copy`, `xor2`..`xor8`, `iscsi-crc32c`, or another
 * function of {@linkcode listFunctions}.
 * @param options `nonBlocking: true`, `maxInFlight` (default 64), `backend` (default `auto`) and
 * `loop`.
 * @returns The session; close it (or declare it with `using`).
 * @throws {DmoverError} `ENXIO` for an unknown function, an unknown or unavailable backend, or
 * no backend that implements the function.
 * @throws {RangeError} When `maxInFlight` is not an integer from 1 to 2^31 - 1.
 *
 * @example
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("zero", { nonBlocking: true });
 * session.submit({ id: 1, output: new Uint8Array(8) });
 * assert.equal(session.read().id, 1);
 * ```
 */
export function openSession(
  functionName: string,
  options: SessionOptions & { nonBlocking: true },
): NonBlockingSession;
/**
 * Opens a blocking session bound to one function (the default): its `submit`, `submitMany`,
 * `read` and `readMany` always return promises, and wait when they must.
 *
 * @param functionName `zero`, `fill8`, `copy`, `xor2`..`xor8`, `iscsi-crc32c`, or another
 * function of {@linkcode listFunctions}.
 * @param options `maxInFlight` (default 64), `backend` (default `auto`) and `loop`.
 * @returns The session; close it (or declare it with `using`).
 * @throws {DmoverError} `ENXIO` for an unknown function, an unknown or unavailable backend, or
 * no backend that implements the function.
 * @throws {RangeError} When `maxInFlight` is not an integer from 1 to 2^31 - 1.
 *
 * @example Xor parity over scatter/gather inputs
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("xor2");
 * const arena = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
 * const parity = new Uint8Array(4);
 * await session.submit({
 *   id: 1,
 *   output: parity,
 *   inputs: [
 *     [{ buffer: arena, offset: 0, length: 2 }, { buffer: arena, offset: 2, length: 2 }],
 *     [{ buffer: arena, offset: 4, length: 4 }],
 *   ],
 * });
 * const completion = await session.read();
 * assert.equal(completion.error, undefined);
 * assert.deepEqual(parity, new Uint8Array([1 ^ 5, 2 ^ 6, 3 ^ 7, 4 ^ 8]));
 * ```
 */
export function openSession(
  functionName: string,
  options?: SessionOptions & { nonBlocking?: false },
): BlockingSession;
/**
 * Opens a session whose kind is known only at run time: a {@linkcode NonBlockingSession} when
 * `options.nonBlocking` is `true`, else a {@linkcode BlockingSession}.
 *
 * @param functionName The function.
 * @param options `maxInFlight`, `backend`, `nonBlocking` and `loop`.
 * @returns The session; close it (or declare it with `using`).
 * @throws {DmoverError} `ENXIO` for an unknown function or backend.
 * @throws {RangeError} When `maxInFlight` is not an integer from 1 to 2^31 - 1.
 *
 * @example
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * const nonBlocking = Math.random() < 2;
 * using session = openSession("zero", { nonBlocking });
 * await session.submit({ id: 1, output: new Uint8Array(8) });
 * assert.equal((await session.read()).id, 1);
 * ```
 */
export function openSession(functionName: string, options?: SessionOptions): Session;
export function openSession(functionName: string, options: SessionOptions = {}): Session {
  return options.nonBlocking === true
    ? new NonBlockingSession(functionName, options)
    : new BlockingSession(functionName, options);
}
