import { Session, type SessionOptions, type SubmitManyOptions } from "./session.ts";
import { checkReadMax, closedError, SessionCore } from "./_session_core.ts";
import type { DmoverCompletion, DmoverRequest } from "./types.ts";

// What every accepted-at-once submit returns: one settled promise, shared, so that a request that
// needs no wait allocates none.
const ACCEPTED: Promise<void> = Promise.resolve();

/**
 * A session that waits when it must (the default kind, from {@linkcode openSession}): `submit`,
 * `submitMany`, `read` and `readMany` always return promises. The work itself happens when the
 * call is made: a request that finds a free slot is accepted (and, with a synchronous backend,
 * completed) before `submit` returns, and a completion that is waiting is taken, and its slot
 * freed, before `read` returns; only the settling of the promise is later. An invalid request
 * throws at once (it never takes a slot).
 *
 * @example Submitting and reading
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("fill8", { maxInFlight: 1 });
 * const out = new Uint8Array(4);
 * await session.submit({ id: 1, output: out, immediate: 0xab });
 * const second = session.submit({ id: 2, output: out, immediate: 0xcd }); // waits for a slot
 * assert.equal((await session.read()).id, 1); // frees the slot: the second goes in
 * await second;
 * assert.equal((await session.read()).id, 2);
 * assert.deepEqual(out, new Uint8Array([0xcd, 0xcd, 0xcd, 0xcd]));
 * ```
 */
export class BlockingSession extends Session {
  #core: SessionCore;

  /**
   * Use {@linkcode openSession}.
   *
   * @param functionName The function the session runs.
   * @param options Slots, backend and loop (`nonBlocking` is ignored).
   */
  constructor(functionName: string, options: SessionOptions = {}) {
    const core = new SessionCore(functionName, options);
    super(core, false);
    this.#core = core;
  }

  /**
   * Submits a request. It is validated first (a rejected request throws and never takes a
   * slot), then takes a slot and goes to its backend; with `ts` and `native` it has completed
   * when `submit` returns, and its completion waits to be read. A request with `dependsOn` or
   * `fence` takes its slot at once and starts when what it waits for has completed (or completes
   * with `ECANCELED` when that failed). When every slot is taken (or blocked submits wait ahead),
   * the promise settles once the request has a slot.
   *
   * @param request The request.
   * @returns A promise that settles when the request is accepted (already settled when it was
   * accepted at once).
   * @throws {DmoverError} `EINVAL` for an invalid request (or a `dependsOn` naming no request that
   * holds a slot), `EBADF` after `close`; a waiting submit rejects with `EBADF` when the session
   * closes.
   *
   * @example
   * ```ts
   * import { DmoverError, openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("fill8");
   * const out = new Uint8Array(4);
   * await session.submit({ id: 1, output: out, immediate: 0xab });
   * assert.deepEqual(out, new Uint8Array([0xab, 0xab, 0xab, 0xab]));
   * assert.throws(
   *   () => session.submit({ id: 2, output: out }), // fill8 needs its byte
   *   (error) => error instanceof DmoverError && error.code === "EINVAL",
   * );
   * ```
   */
  submit(request: DmoverRequest): Promise<void> {
    const core = this.#core;
    if (core.submitOne(request)) return ACCEPTED;
    return core.waitToSubmit<void>([request], 0, true, -1);
  }

  /**
   * Submits requests in order, as one write of several requests to dmover_io. Each is validated
   * when its turn comes; the first invalid one stops the batch with a `DmoverError` whose
   * `accepted` says how many went in before it (thrown when it is found at once, else the
   * promise rejects with it). When the slots run out, the promise settles with the batch's length
   * once every request has a slot.
   *
   * @param requests The requests.
   * @param options `fence`: the batch starts after every request submitted before it completes.
   * @returns A promise of how many were accepted: all of them.
   * @throws {DmoverError} `EINVAL` (with `accepted`) at the first invalid request, `EBADF` after
   * `close`.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { maxInFlight: 2 });
   * const requests = [1, 2, 3].map((id) => ({ id, output: new Uint8Array(16) }));
   * const all = session.submitMany(requests); // the third waits for a slot
   * assert.equal((await session.readMany()).length, 2);
   * assert.equal(await all, 3);
   * ```
   */
  submitMany(
    requests: readonly DmoverRequest[],
    options: SubmitManyOptions = {},
  ): Promise<number> {
    const core = this.#core;
    const fenceAt = options.fence === true ? 0 : -1;
    const accepted = core.submitBatch(requests, fenceAt);
    if (accepted === requests.length) return Promise.resolve(accepted);
    return core.waitToSubmit<number>(requests, accepted, false, fenceAt);
  }

  /**
   * Reads the oldest completion, freeing its slot (which wakes a blocked `submit`); when none is
   * waiting, the promise settles with the next one.
   *
   * @returns A promise of the completion.
   * @throws {DmoverError} `EBADF` after `close` (a waiting read rejects with `EBADF` when the
   * session closes).
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("iscsi-crc32c");
   * await session.submit({ id: 9, inputs: [new TextEncoder().encode("123456789")] });
   * const { id, error, immediate } = await session.read();
   * assert.deepEqual([id, error, immediate], [9, undefined, 0xe3069283]);
   * ```
   */
  read(): Promise<DmoverCompletion> {
    const core = this.#core;
    if (core.closed) throw closedError("read");
    if (core.readable) return Promise.resolve(core.take());
    return core.waitToRead<DmoverCompletion>("one", 1);
  }

  /**
   * Reads every waiting completion, up to `max`, oldest first, freeing their slots; when none is
   * waiting, the promise settles with the completions waiting once at least one is.
   *
   * @param max The most completions to return (default: all waiting).
   * @returns A promise of at least one completion.
   * @throws {DmoverError} `EBADF` after `close`.
   * @throws {RangeError} When `max` is not an integer >= 1.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * for (let id = 0; id < 3; id++) await session.submit({ id, output: new Uint8Array(8) });
   * const completions = await session.readMany();
   * assert.deepEqual(completions.map((c) => c.id), [0, 1, 2]);
   * ```
   */
  readMany(max: number = Infinity): Promise<DmoverCompletion[]> {
    const core = this.#core;
    if (core.closed) throw closedError("read");
    checkReadMax(max);
    if (core.readable) return Promise.resolve(core.takeMany(max));
    return core.waitToRead<DmoverCompletion[]>("many", max);
  }
}
