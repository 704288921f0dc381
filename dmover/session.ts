import type { EventLoop } from "../loop/mod.ts";
import type { DmoverBackend } from "./backend.ts";
import type { DmoverFunction } from "./functions.ts";
import { closedError, type SessionCore } from "./_session_core.ts";
import type { DmoverCompletion, DmoverRequest } from "./types.ts";

/**
 * Options for {@linkcode openSession}.
 *
 * @example
 * ```ts
 * import type { SessionOptions } from "@dray/dray/dmover";
 *
 * const options: SessionOptions = { maxInFlight: 128, backend: "auto", nonBlocking: true };
 * ```
 */
export interface SessionOptions {
  /** How many requests may hold a slot at once, from submit until their completion is read (default 64). */
  maxInFlight?: number;
  /**
   * `auto` (the default: each request goes to the backend with the best speed estimate for its
   * length), the name of a registered backend (`ts`, `native`), or a backend object.
   */
  backend?: string | DmoverBackend;
  /**
   * When `true`, the session is a {@linkcode NonBlockingSession}: `submit` throws `EWOULDBLOCK`
   * instead of waiting for a slot and `read` throws it instead of waiting for a completion, and
   * both return values. Default `false`: a {@linkcode BlockingSession}, whose `submit` and `read`
   * always return promises.
   */
  nonBlocking?: boolean;
  /** The loop that delivers wake-ups and poll readiness (default `defaultLoop()`). */
  loop?: EventLoop;
}

/**
 * What {@linkcode Session.poll} reports.
 *
 * @example
 * ```ts
 * import type { DmoverReadiness } from "@dray/dray/dmover";
 *
 * const ready: DmoverReadiness = { readable: true, writable: false };
 * ```
 */
export interface DmoverReadiness {
  /** Completions are waiting to be read. */
  readonly readable: boolean;
  /** A slot is free for a request. */
  readonly writable: boolean;
}

/**
 * Options for {@linkcode Session.poll}.
 *
 * @example
 * ```ts
 * import type { SessionPollOptions } from "@dray/dray/dmover";
 *
 * const options: SessionPollOptions = { readable: true, writable: false, signal: AbortSignal.timeout(1000) };
 * ```
 */
export interface SessionPollOptions {
  /** Wake when a completion is waiting (default `true`). */
  readable?: boolean;
  /** Wake when a slot is free (default `true`). */
  writable?: boolean;
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options for {@linkcode Session.submitMany}.
 *
 * @example
 * ```ts
 * import type { SubmitManyOptions } from "@dray/dray/dmover";
 *
 * const options: SubmitManyOptions = { fence: true };
 * ```
 */
export interface SubmitManyOptions {
  /**
   * The batch starts only after every request submitted before it has completed, and each of its
   * requests completes with `ECANCELED` if one of those failed (a fence on its first request).
   */
  fence?: boolean;
}

/**
 * A session bound to one data-mover function, after NetBSD's dmover_io: requests go in with
 * `submit`, completions (id, error, immediate) come out with `read` in the order requests
 * complete. At most `maxInFlight` requests hold a slot at once; a slot is freed when its
 * completion is read. Open one with {@linkcode openSession}; a session is `Disposable`.
 *
 * There are two kinds, with honest types: a {@linkcode BlockingSession} (the default) whose
 * `submit`, `submitMany`, `read` and `readMany` always return promises and wait when they must,
 * and a {@linkcode NonBlockingSession} whose same methods return values and throw `EWOULDBLOCK`
 * instead of waiting. This class holds what both share.
 *
 * @example Submitting a request and reading its completion
 * ```ts
 * import { openSession } from "@dray/dray/dmover";
 * import assert from "node:assert/strict";
 *
 * using session = openSession("copy");
 * const src = new TextEncoder().encode("hello, dmover");
 * const dst = new Uint8Array(src.length);
 * await session.submit({ id: 1, output: dst, inputs: [src] });
 * const completion = await session.read();
 * assert.equal(completion.id, 1);
 * assert.equal(completion.error, undefined);
 * assert.equal(new TextDecoder().decode(dst), "hello, dmover");
 * ```
 */
export abstract class Session implements Disposable, AsyncDisposable {
  #core: SessionCore;
  #nonBlocking: boolean;

  /**
   * Use {@linkcode openSession}.
   *
   * @param core The session's state, made by the subclass.
   * @param nonBlocking Whether the subclass throws `EWOULDBLOCK` instead of waiting.
   */
  protected constructor(core: SessionCore, nonBlocking: boolean) {
    this.#core = core;
    this.#nonBlocking = nonBlocking;
  }

  /**
   * The function's descriptor.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("xor4");
   * assert.equal(session.function.inputs, 4);
   * ```
   */
  get function(): DmoverFunction {
    return this.#core.fn;
  }

  /**
   * How many requests may hold a slot at once.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * assert.equal(session.maxInFlight, 64);
   * ```
   */
  get maxInFlight(): number {
    return this.#core.max;
  }

  /**
   * Whether `submit` and `read` throw `EWOULDBLOCK` instead of waiting.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { nonBlocking: true });
   * assert.equal(session.nonBlocking, true);
   * ```
   */
  get nonBlocking(): boolean {
    return this.#nonBlocking;
  }

  /**
   * How many requests hold a slot: submitted, and their completion not yet read. After `close`,
   * how many are still running.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * assert.equal(session.inFlight, 1); // done, but its completion is unread
   * session.read();
   * assert.equal(session.inFlight, 0);
   * ```
   */
  get inFlight(): number {
    return this.#core.inFlight;
  }

  /**
   * Whether completions are waiting to be read (poll's POLLIN).
   *
   * @throws {DmoverError} `EBADF` after `close`.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * assert.equal(session.readable, false);
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * assert.equal(session.readable, true);
   * ```
   */
  get readable(): boolean {
    if (this.#core.closed) throw closedError("check readable");
    return this.#core.readable;
  }

  /**
   * Whether a request would be accepted now (poll's POLLOUT): a slot is free and no blocked
   * `submit` is waiting ahead.
   *
   * @throws {DmoverError} `EBADF` after `close`.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { maxInFlight: 1 });
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * assert.equal(session.writable, false); // the slot stays taken until the completion is read
   * session.read();
   * assert.equal(session.writable, true);
   * ```
   */
  get writable(): boolean {
    if (this.#core.closed) throw closedError("check writable");
    return this.#core.writable;
  }

  /**
   * Whether the session is closed.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * const session = openSession("zero");
   * session.close();
   * assert.equal(session.closed, true);
   * ```
   */
  get closed(): boolean {
    return this.#core.closed;
  }

  /**
   * Settles once the session is closed and every request it accepted has finished running (a
   * backend that completes later may still be working after `close`).
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   *
   * const session = openSession("zero");
   * session.close();
   * await session.finished;
   * ```
   */
  get finished(): Promise<void> {
    return this.#core.finished;
  }

  /**
   * The name of the backend that would run a request of `length` bytes.
   *
   * @param length A request length in bytes, from 1.
   * @returns The backend's name.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("copy");
   * assert.equal(session.backendFor(64), "ts"); // Uint8Array.prototype.set beats an FFI call
   * ```
   */
  backendFor(length: number): string {
    if (!Number.isSafeInteger(length) || length < 1) {
      throw new RangeError(`Cannot choose for length '${length}': expected an integer from 1`);
    }
    const chooser = this.#core.chooser;
    return chooser.backends[chooser.pick(length)]!.name;
  }

  /**
   * Submits a request; see {@linkcode BlockingSession.submit} and
   * {@linkcode NonBlockingSession.submit}.
   *
   * @param request The request.
   * @returns Nothing (non-blocking), or a promise of acceptance (blocking).
   *
   * @example
   * ```ts
   * import { openSession, type Session } from "@dray/dray/dmover";
   *
   * using session: Session = openSession("zero");
   * await session.submit({ id: 1, output: new Uint8Array(8) });
   * ```
   */
  abstract submit(request: DmoverRequest): void | Promise<void>;

  /**
   * Submits requests in order; see {@linkcode BlockingSession.submitMany} and
   * {@linkcode NonBlockingSession.submitMany}.
   *
   * @param requests The requests.
   * @param options `fence`: the batch starts after every request submitted before it completes.
   * @returns How many were accepted, or a promise of it (blocking).
   *
   * @example
   * ```ts
   * import { openSession, type Session } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session: Session = openSession("zero");
   * assert.equal(await session.submitMany([{ id: 1, output: new Uint8Array(8) }]), 1);
   * ```
   */
  abstract submitMany(
    requests: readonly DmoverRequest[],
    options?: SubmitManyOptions,
  ): number | Promise<number>;

  /**
   * Reads the oldest completion; see {@linkcode BlockingSession.read} and
   * {@linkcode NonBlockingSession.read}.
   *
   * @returns The completion, or a promise of it (blocking).
   *
   * @example
   * ```ts
   * import { openSession, type Session } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session: Session = openSession("zero");
   * await session.submit({ id: 4, output: new Uint8Array(8) });
   * assert.equal((await session.read()).id, 4);
   * ```
   */
  abstract read(): DmoverCompletion | Promise<DmoverCompletion>;

  /**
   * Reads the waiting completions; see {@linkcode BlockingSession.readMany} and
   * {@linkcode NonBlockingSession.readMany}.
   *
   * @param max The most completions to return (default: all waiting).
   * @returns The completions, or a promise of them (blocking).
   *
   * @example
   * ```ts
   * import { openSession, type Session } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session: Session = openSession("zero");
   * await session.submit({ id: 4, output: new Uint8Array(8) });
   * assert.equal((await session.readMany()).length, 1);
   * ```
   */
  abstract readMany(max?: number): DmoverCompletion[] | Promise<DmoverCompletion[]>;

  /**
   * Waits, through the session's loop, until a completion is waiting (`readable`) or a slot is
   * free (`writable`), whichever was asked for, like poll(2) on a dmover descriptor. Readiness is
   * delivered at the end of a loop tick, never synchronously.
   *
   * @param options Which conditions to wait for (default both), and an abort signal.
   * @returns The readiness when one asked-for condition holds.
   * @throws {DmoverError} `EBADF` (as a rejection) after `close`, or when the session closes while
   * waiting.
   * @throws {TypeError} When neither condition is asked for.
   *
   * @example Waiting for a free slot
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero", { maxInFlight: 1, nonBlocking: true });
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * const ready = session.poll({ writable: true, readable: false });
   * session.read(); // frees the slot
   * assert.deepEqual(await ready, { readable: false, writable: true });
   * ```
   */
  poll(options: SessionPollOptions = {}): Promise<DmoverReadiness> {
    if (this.#core.closed) return Promise.reject(closedError("poll"));
    const readable = options.readable ?? true;
    const writable = options.writable ?? true;
    if (!readable && !writable) {
      throw new TypeError("Cannot poll: ask for readable, writable or both");
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.#core.poll(readable, writable, signal);
  }

  /**
   * Iterates over completions as they arrive, oldest first, reading each (which frees its slot).
   * The iteration ends when the session closes; leaving the loop early does not close it.
   *
   * @returns An async iterator of completions.
   * @throws {DmoverError} `EBADF` when the session is already closed.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * session.submitMany([1, 2, 3].map((id) => ({ id, output: new Uint8Array(8) })));
   * const ids: number[] = [];
   * for await (const completion of session) {
   *   ids.push(completion.id);
   *   if (ids.length === 3) break;
   * }
   * assert.deepEqual(ids, [1, 2, 3]);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<DmoverCompletion> {
    if (this.#core.closed) throw closedError("iterate");
    return this.#core.iterate();
  }

  /**
   * Closes the session: completions nobody read are dropped, requests still running finish
   * without reporting back, waiting `submit`/`read`/`poll` calls reject with `EBADF` (async
   * iterations end), and every later call throws `EBADF`. Closing twice does nothing.
   *
   * @example
   * ```ts
   * import { DmoverError, openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * const session = openSession("zero");
   * session.submit({ id: 1, output: new Uint8Array(8) });
   * session.close(); // the unread completion is dropped
   * assert.throws(
   *   () => session.read(),
   *   (error) => error instanceof DmoverError && error.code === "EBADF",
   * );
   * ```
   */
  close(): void {
    this.#core.close();
  }

  /**
   * Closes the session (for `using`).
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   *
   * {
   *   using session = openSession("zero");
   *   session.submit({ id: 1, output: new Uint8Array(8) });
   * } // closed here
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes the session and waits until every accepted request has finished (for `await using`).
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   *
   * {
   *   await using session = openSession("zero");
   *   session.submit({ id: 1, output: new Uint8Array(8) });
   * } // closed, and drained, here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }
}
