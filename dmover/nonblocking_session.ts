import { DmoverError } from "./errors.ts";
import { Session, type SessionOptions, type SubmitManyOptions } from "./session.ts";
import { checkReadMax, closedError, SessionCore } from "./_session_core.ts";
import type { DmoverCompletion, DmoverRequest } from "./types.ts";

function wouldBlock(what: string): DmoverError {
  return new DmoverError("EWOULDBLOCK", `Cannot ${what}`);
}

/**
 * A session that never waits (from {@linkcode openSession} with `nonBlocking: true`): `submit`,
 * `submitMany`, `read` and `readMany` return their values, and throw `EWOULDBLOCK` where a
 * {@linkcode BlockingSession} would wait. Use {@linkcode Session.poll} (or the `readable` and
 * `writable` getters) to learn when to call again.
 *
 * @example A batch larger than the session
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("zero", { maxInFlight: 2, nonBlocking: true });
 * const requests = [1, 2, 3].map((id) => ({ id, output: new Uint8Array(16) }));
 * assert.equal(session.submitMany(requests), 2); // the third did not fit
 * assert.equal(session.readMany().length, 2);
 * assert.equal(session.submitMany(requests.slice(2)), 1);
 * ```
 */
export class NonBlockingSession extends Session {
  #core: SessionCore;

  /**
   * Use {@linkcode openSession} with `nonBlocking: true`.
   *
   * @param functionName The function the session runs.
   * @param options Slots, backend and loop (`nonBlocking` is ignored).
   */
  constructor(functionName: string, options: SessionOptions = {}) {
    const core = new SessionCore(functionName, options);
    super(core, true);
    this.#core = core;
  }

  /**
   * Submits a request. It is validated first (a rejected request never takes a slot), then takes
   * a slot and goes to its backend; with `ts` and `native` it has completed when `submit`
   * returns, and its completion waits to be read. A request with `dependsOn` or `fence` takes its
   * slot at once and starts when what it waits for has completed (or completes with `ECANCELED`
   * when that failed).
   *
   * @param request The request.
   * @throws {DmoverError} `EINVAL` for an invalid request (or a `dependsOn` naming no request that
   * holds a slot), `EWOULDBLOCK` when every slot is taken, `EBADF` after `close`.
   *
   * @example
   * ```ts
   * import { DmoverError, openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { maxInFlight: 1, nonBlocking: true });
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * assert.throws(
   *   () => session.submit({ id: 2, output: new Uint8Array(8) }),
   *   (error) => error instanceof DmoverError && error.code === "EWOULDBLOCK",
   * );
   * ```
   */
  submit(request: DmoverRequest): void {
    if (this.#core.submitOne(request)) return;
    throw wouldBlock(`submit request '${request.id}': all ${this.#core.max} slots are taken`);
  }

  /**
   * Submits requests in order while slots are free. Each is validated when its turn comes; the
   * first invalid one stops the batch with a `DmoverError` whose `accepted` says how many went in
   * before it.
   *
   * @param requests The requests.
   * @param options `fence`: the batch starts after every request submitted before it completes.
   * @returns How many were accepted (the rest did not fit).
   * @throws {DmoverError} `EINVAL` (with `accepted`) at the first invalid request, `EWOULDBLOCK`
   * when no request fit, `EBADF` after `close`.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { nonBlocking: true });
   * assert.equal(session.submitMany([{ id: 1, output: new Uint8Array(8) }], { fence: true }), 1);
   * ```
   */
  submitMany(requests: readonly DmoverRequest[], options: SubmitManyOptions = {}): number {
    const accepted = this.#core.submitBatch(requests, options.fence === true ? 0 : -1);
    if (accepted > 0 || requests.length === 0) return accepted;
    throw new DmoverError(
      "EWOULDBLOCK",
      `Cannot submit: all ${this.#core.max} slots are taken`,
      { accepted: 0 },
    );
  }

  /**
   * Reads the oldest completion, freeing its slot.
   *
   * @returns The completion.
   * @throws {DmoverError} `EWOULDBLOCK` when nothing is waiting, `EBADF` after `close`.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("iscsi-crc32c", { nonBlocking: true });
   * session.submit({ id: 9, inputs: [new TextEncoder().encode("123456789")] });
   * const { id, error, immediate } = session.read();
   * assert.deepEqual([id, error, immediate], [9, undefined, 0xe3069283]);
   * ```
   */
  read(): DmoverCompletion {
    const core = this.#core;
    if (core.closed) throw closedError("read");
    if (core.readable) return core.take();
    throw wouldBlock("read: no completion is waiting");
  }

  /**
   * Reads every waiting completion, up to `max`, oldest first, freeing their slots.
   *
   * @param max The most completions to return (default: all waiting).
   * @returns At least one completion.
   * @throws {DmoverError} `EWOULDBLOCK` when nothing is waiting, `EBADF` after `close`.
   * @throws {RangeError} When `max` is not an integer >= 1.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { nonBlocking: true });
   * for (let id = 0; id < 3; id++) session.submit({ id, output: new Uint8Array(8) });
   * assert.deepEqual(session.readMany(2).map((c) => c.id), [0, 1]);
   * ```
   */
  readMany(max: number = Infinity): DmoverCompletion[] {
    const core = this.#core;
    if (core.closed) throw closedError("read");
    checkReadMax(max);
    if (core.readable) return core.takeMany(max);
    throw wouldBlock("read: no completion is waiting");
  }
}
