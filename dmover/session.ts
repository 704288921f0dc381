import { defaultLoop, type EventLoop, type LoopHandle } from "../loop/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { type DmoverFunction, getFunction } from "./functions.ts";
import { type Chooser, resolveBackend } from "./_registry.ts";
import { checkedRequest, checkRequest } from "./_validate.ts";
import { emptyResult } from "./_catalog.ts";
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
export interface SessionOptions<NB extends boolean = boolean> {
  /** How many requests may hold a slot at once, from submit until their completion is read (default 64). */
  maxInFlight?: number;
  /**
   * `auto` (the default: each request goes to the backend with the best speed estimate for its
   * length), the name of a registered backend (`ts`, `native`), or a backend object.
   */
  backend?: string | DmoverBackend;
  /**
   * When `true`, `submit` throws `EWOULDBLOCK` instead of waiting for a slot and `read` throws it
   * instead of waiting for a completion. Default `false`: both wait (they return a promise only
   * when they have to wait).
   */
  nonBlocking?: NB;
  /** The loop that delivers wake-ups and poll readiness (default `defaultLoop()`). */
  loop?: EventLoop;
}

/**
 * What a session call gives back: on a non-blocking session (`NB` is `true`) the value itself;
 * on a blocking one the value, or a promise of it when the call had to wait. `await` works for
 * both.
 *
 * @typeParam NB Whether the session is non-blocking.
 * @typeParam T The value.
 *
 * @example
 * ```ts
 * import type { DmoverCompletion, SessionResult } from "@dray/dray/dmover";
 *
 * const now: SessionResult<true, number> = 3;
 * const later: SessionResult<false, DmoverCompletion[]> = Promise.resolve([]);
 * ```
 */
export type SessionResult<NB extends boolean, T> = NB extends true ? T : T | Promise<T>;

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

const DEFAULT_MAX_IN_FLIGHT = 64;

// Waiting readers: read(), readMany() and async iteration.
const ONE = 0;
const MANY = 1;
const ITERATE = 2;

interface ReaderWait {
  kind: typeof ONE | typeof MANY | typeof ITERATE;
  max: number;
  // deno-lint-ignore no-explicit-any
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

interface WriterWait {
  requests: readonly DmoverRequest[];
  index: number;
  accepted: number;
  single: boolean;
  /** The index of the batch's request that carries the batch's fence, or -1. */
  fenceAt: number;
  // deno-lint-ignore no-explicit-any
  resolve: (value: any) => void;
  reject: (error: unknown) => void;
}

interface PollWait {
  readable: boolean;
  writable: boolean;
  resolve: (value: DmoverReadiness) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A request that has not completed and may be waited on: running on a backend that completes
 * later, or waiting for what it depends on. Requests that complete within `submit` never get one.
 */
interface Pending {
  readonly id: number;
  readonly seq: number;
  /** Called when the request completes, with whether it failed. */
  readonly waiters: ((failed: boolean) => void)[];
}

/** What a request waits for before it runs: pending requests, or an earlier failure. */
interface Prerequisites {
  wait: Pending[];
  failed: boolean;
}

const NONE: Prerequisites = Object.freeze({ wait: [], failed: false }) as Prerequisites;

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

function canceled(id: number, why: string): DmoverError {
  return new DmoverError("ECANCELED", `Cannot run request '${id}': ${why}`);
}

function asError(error: unknown): DmoverError {
  if (error instanceof DmoverError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new DmoverError("EIO", `Cannot complete the request: the backend failed (${text})`, {
    cause: error,
  });
}

function closedError(what: string): DmoverError {
  return new DmoverError("EBADF", `Cannot ${what}: the session is closed`);
}

function withAccepted(error: unknown, accepted: number): unknown {
  if (!(error instanceof DmoverError)) return error;
  return new DmoverError(error.code, error.message, { accepted, cause: error.cause });
}

/**
 * A session bound to one data-mover function, after NetBSD's dmover_io: requests go in with
 * {@linkcode Session.submit}, completions (id, error, immediate) come out with
 * {@linkcode Session.read} in the order requests complete. At most `maxInFlight` requests hold a
 * slot at once; a slot is freed when its completion is read. Open one with
 * {@linkcode openSession}; a session is `Disposable`.
 *
 * Blocking sessions (the default) wait when they must: `submit` on a full session and `read` on
 * an empty one return promises. Otherwise they return at once, without allocating a promise, so
 * that small requests stay cheap. Non-blocking sessions throw `EWOULDBLOCK` instead of waiting,
 * and their methods are typed as returning values, never promises.
 *
 * @typeParam NB Whether the session is non-blocking (see {@linkcode SessionResult}).
 *
 * @example Submitting a batch and reading the completions
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
export class Session<NB extends boolean = boolean> implements Disposable, AsyncDisposable {
  #fn: DmoverFunction;
  #chooser: Chooser;
  #only: DmoverKernel | undefined;
  #kernels: readonly DmoverKernel[];
  #max: number;
  #nonBlocking: boolean;
  #handle: LoopHandle;

  #held = 0; // slots taken: accepted and completion not yet read (dmover_io's ds_nreqs)
  #pending = 0; // accepted and not yet completed
  #ring: (DmoverCompletion | undefined)[];
  #ringSeq: Float64Array; // the submission number of each completion in the ring
  #head = 0;
  #count = 0;
  #seq = 0; // submission numbers, for dependsOn and fences
  #live = new Set<Pending>(); // requests not completed, in submission order
  #liveById = new Map<number, Pending>(); // the latest of them per id

  #readers: ReaderWait[] = [];
  #writers: WriterWait[] = [];
  #pollers: PollWait[] = [];
  #waking = false;

  #closed = false;
  #finished: Promise<void> | undefined;
  #resolveFinished: (() => void) | undefined;

  /**
   * Use {@linkcode openSession}.
   *
   * @param functionName The function the session runs.
   * @param options Slots, backend, blocking mode and loop.
   */
  constructor(functionName: string, options: SessionOptions<NB> = {}) {
    const fn = getFunction(functionName);
    const max = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(max) || max < 1 || max > 0x7fff_ffff) {
      throw new RangeError(
        `Cannot open a session with maxInFlight '${max}': expected an integer from 1 to 2^31 - 1`,
      );
    }
    const chooser = resolveBackend(fn, options.backend ?? "auto", false);
    this.#fn = fn;
    this.#chooser = chooser;
    this.#kernels = chooser.kernels;
    this.#only = chooser.kernels.length === 1 ? chooser.kernels[0] : undefined;
    this.#max = max;
    this.#nonBlocking = options.nonBlocking === true;
    this.#ring = new Array(max).fill(undefined);
    this.#ringSeq = new Float64Array(max);
    this.#handle = (options.loop ?? defaultLoop()).attach({
      onDeferred: () => this.#wake(),
    });
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
    return this.#fn;
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
    return this.#max;
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
    return this.#closed ? this.#pending : this.#held;
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
    if (this.#closed) throw closedError("check readable");
    return this.#count > 0;
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
    if (this.#closed) throw closedError("check writable");
    return this.#held < this.#max && this.#writers.length === 0;
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
    return this.#closed;
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
    if (this.#finished === undefined) {
      if (this.#closed && this.#pending === 0) {
        this.#finished = Promise.resolve();
      } else {
        this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
      }
    }
    return this.#finished;
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
    return this.#chooser.backends[this.#chooser.pick(length)]!.name;
  }

  /**
   * Submits a request. It is validated first (a rejected request never takes a slot), then takes
   * a slot and goes to its backend; with `ts` and `native` it has completed when `submit`
   * returns, and its completion waits to be read. A request with `dependsOn` or `fence` takes its
   * slot at once and starts when what it waits for has completed (or completes with `ECANCELED`
   * when that failed).
   *
   * When every slot is taken (or blocked submits wait ahead), a non-blocking session throws
   * `EWOULDBLOCK` and a blocking one returns a promise that settles once the request has a slot.
   * Otherwise `submit` returns `undefined` at once: `await session.submit(request)` is right in
   * both cases.
   *
   * @param request The request.
   * @returns `undefined` when accepted at once, else a promise of acceptance (blocking mode).
   * @throws {DmoverError} `EINVAL` for an invalid request (or a `dependsOn` naming no request that
   * holds a slot), `EWOULDBLOCK` when non-blocking and full, `EBADF` after `close` (a waiting
   * submit rejects with `EBADF` when the session closes).
   *
   * @example
   * ```ts
   * import { DmoverError, openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("fill8");
   * const out = new Uint8Array(4);
   * assert.equal(session.submit({ id: 1, output: out, immediate: 0xab }), undefined);
   * assert.deepEqual(out, new Uint8Array([0xab, 0xab, 0xab, 0xab]));
   * assert.throws(
   *   () => session.submit({ id: 2, output: out }), // fill8 needs its byte
   *   (error) => error instanceof DmoverError && error.code === "EINVAL",
   * );
   * ```
   */
  submit(request: DmoverRequest): SessionResult<NB, void> {
    if (this.#closed) throw closedError("submit");
    const length = checkRequest(this.#fn, request);
    if (this.#held < this.#max && this.#writers.length === 0) {
      const trusted = checkedRequest();
      this.#start(trusted, length, this.#prerequisites(trusted, false));
      return undefined as SessionResult<NB, void>;
    }
    if (this.#nonBlocking) {
      throw new DmoverError(
        "EWOULDBLOCK",
        `Cannot submit request '${request.id}': all ${this.#max} slots are taken`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#writers.push({
        requests: [request],
        index: 0,
        accepted: 0,
        single: true,
        fenceAt: -1,
        resolve,
        reject,
      });
    }) as SessionResult<NB, void>;
  }

  /**
   * Submits requests in order, as one write of several requests to dmover_io. Each is validated
   * when its turn comes; the first invalid one stops the batch with a `DmoverError` whose
   * `accepted` says how many went in before it.
   *
   * When the slots run out, a non-blocking session returns how many it accepted (throwing
   * `EWOULDBLOCK` when that is none) and a blocking one returns a promise that settles with the
   * batch's length once every request has a slot.
   *
   * @param requests The requests.
   * @param options `fence`: the batch starts after every request submitted before it completes.
   * @returns How many were accepted, or (blocking mode, when it had to wait) a promise of it.
   * @throws {DmoverError} `EINVAL` (with `accepted`) at the first invalid request, `EWOULDBLOCK`
   * when non-blocking and no request fit, `EBADF` after `close`.
   *
   * @example A non-blocking batch larger than the session
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
  submitMany(
    requests: readonly DmoverRequest[],
    options: SubmitManyOptions = {},
  ): SessionResult<NB, number> {
    if (this.#closed) throw closedError("submit");
    if (!Array.isArray(requests)) {
      throw new TypeError(`Cannot submit '${typeof requests}': expected an array of requests`);
    }
    const total = requests.length;
    const fenceAt = options.fence === true ? 0 : -1;
    let accepted = 0;
    if (this.#writers.length === 0) {
      while (accepted < total && this.#held < this.#max) {
        let request = requests[accepted]!;
        let length: number;
        let before: Prerequisites;
        try {
          length = checkRequest(this.#fn, request);
          request = checkedRequest();
          before = this.#prerequisites(request, accepted === fenceAt);
        } catch (error) {
          throw withAccepted(error, accepted);
        }
        this.#start(request, length, before);
        accepted++;
      }
      if (accepted === total) return total as SessionResult<NB, number>;
    }
    if (this.#nonBlocking) {
      if (accepted > 0) return accepted as SessionResult<NB, number>;
      throw new DmoverError("EWOULDBLOCK", `Cannot submit: all ${this.#max} slots are taken`, {
        accepted: 0,
      });
    }
    return new Promise<number>((resolve, reject) => {
      this.#writers.push({
        requests,
        index: accepted,
        accepted,
        single: false,
        fenceAt,
        resolve,
        reject,
      });
    }) as SessionResult<NB, number>;
  }

  /**
   * Reads the oldest completion, freeing its slot (which wakes a blocked `submit`). When none is
   * waiting, a non-blocking session throws `EWOULDBLOCK` and a blocking one returns a promise of
   * the next completion.
   *
   * @returns The completion, or (blocking mode, when it had to wait) a promise of it.
   * @throws {DmoverError} `EWOULDBLOCK` when non-blocking and nothing is waiting, `EBADF` after
   * `close` (a waiting read rejects with `EBADF` when the session closes).
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("iscsi-crc32c");
   * session.submit({ id: 9, inputs: [new TextEncoder().encode("123456789")] });
   * const { id, error, immediate } = await session.read();
   * assert.deepEqual([id, error, immediate], [9, undefined, 0xe3069283]);
   * ```
   */
  read(): SessionResult<NB, DmoverCompletion> {
    if (this.#closed) throw closedError("read");
    if (this.#count > 0) return this.#take() as SessionResult<NB, DmoverCompletion>;
    if (this.#nonBlocking) {
      throw new DmoverError("EWOULDBLOCK", "Cannot read: no completion is waiting");
    }
    return new Promise<DmoverCompletion>((resolve, reject) => {
      this.#readers.push({ kind: ONE, max: 1, resolve, reject });
    }) as SessionResult<NB, DmoverCompletion>;
  }

  /**
   * Reads every waiting completion, up to `max`, oldest first, freeing their slots. When none is
   * waiting, a non-blocking session throws `EWOULDBLOCK` and a blocking one returns a promise of
   * the completions waiting once at least one is.
   *
   * @param max The most completions to return (default: all waiting).
   * @returns At least one completion, or (blocking mode, when it had to wait) a promise of them.
   * @throws {DmoverError} `EWOULDBLOCK` when non-blocking and nothing is waiting, `EBADF` after
   * `close`.
   * @throws {RangeError} When `max` is not an integer >= 1.
   *
   * @example
   * ```ts
   * import { openSession } from "@dray/dray/dmover";
   * import assert from "node:assert/strict";
   *
   * using session = openSession("zero");
   * for (let id = 0; id < 3; id++) session.submit({ id, output: new Uint8Array(8) });
   * const completions = await session.readMany();
   * assert.deepEqual(completions.map((c) => c.id), [0, 1, 2]);
   * ```
   */
  readMany(max: number = Infinity): SessionResult<NB, DmoverCompletion[]> {
    if (this.#closed) throw closedError("read");
    if (max !== Infinity && (!Number.isSafeInteger(max) || max < 1)) {
      throw new RangeError(`Cannot read '${max}' completions: expected an integer >= 1`);
    }
    if (this.#count > 0) return this.#takeMany(max) as SessionResult<NB, DmoverCompletion[]>;
    if (this.#nonBlocking) {
      throw new DmoverError("EWOULDBLOCK", "Cannot read: no completion is waiting");
    }
    return new Promise<DmoverCompletion[]>((resolve, reject) => {
      this.#readers.push({ kind: MANY, max, resolve, reject });
    }) as SessionResult<NB, DmoverCompletion[]>;
  }

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
    if (this.#closed) return Promise.reject(closedError("poll"));
    const readable = options.readable ?? true;
    const writable = options.writable ?? true;
    if (!readable && !writable) {
      throw new TypeError("Cannot poll: ask for readable, writable or both");
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const wait: PollWait = { readable, writable, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        wait.onAbort = () => {
          const index = this.#pollers.indexOf(wait);
          if (index >= 0) this.#pollers.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", wait.onAbort, { once: true });
      }
      this.#pollers.push(wait);
      this.#handle.defer();
    });
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
    if (this.#closed) throw closedError("iterate");
    // The read this iterator is waiting on, so that return() can withdraw it: a completion must
    // never be handed to an iteration that has ended.
    let waiting: ReaderWait | undefined;
    let ended = false;
    const done: IteratorResult<DmoverCompletion> = { done: true, value: undefined };
    const next = (): Promise<IteratorResult<DmoverCompletion>> => {
      if (ended || this.#closed) return Promise.resolve(done);
      if (this.#count > 0) return Promise.resolve({ done: false, value: this.#take() });
      return new Promise((resolve, reject) => {
        waiting = {
          kind: ITERATE,
          max: 1,
          resolve: (result: IteratorResult<DmoverCompletion>) => {
            waiting = undefined;
            resolve(result);
          },
          reject,
        };
        this.#readers.push(waiting);
      });
    };
    const iterator: AsyncIterableIterator<DmoverCompletion> = {
      next,
      return: (): Promise<IteratorResult<DmoverCompletion>> => {
        ended = true;
        if (waiting !== undefined) {
          const index = this.#readers.indexOf(waiting);
          if (index >= 0) this.#readers.splice(index, 1);
          waiting.resolve(done);
        }
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
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
    if (this.#closed) return;
    this.#closed = true;
    this.#ring.fill(undefined);
    this.#count = 0;
    this.#head = 0;
    this.#held = this.#pending;
    const readers = this.#readers;
    const writers = this.#writers;
    const pollers = this.#pollers;
    this.#readers = [];
    this.#writers = [];
    this.#pollers = [];
    for (const r of readers) {
      if (r.kind === ITERATE) r.resolve({ done: true, value: undefined });
      else r.reject(closedError("read"));
    }
    for (const w of writers) {
      w.reject(
        w.single ? closedError("submit") : withAccepted(closedError("submit"), w.accepted),
      );
    }
    for (const p of pollers) {
      if (p.onAbort !== undefined) p.signal!.removeEventListener("abort", p.onAbort);
      p.reject(closedError("poll"));
    }
    this.#handle.cleanup();
    if (this.#pending === 0) this.#resolveFinished?.();
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

  // ---- internals ----

  /**
   * What a request must wait for: with `dependsOn`, the latest request of that id still holding
   * a slot (EINVAL when there is none); with a fence, every request still running, and a failure
   * if one whose completion is unread failed. Checked before the request takes a slot.
   */
  #prerequisites(request: DmoverRequest, batchFence: boolean): Prerequisites {
    const on = request.dependsOn;
    const fence = batchFence || request.fence === true;
    if (on === undefined && !fence) return NONE;
    const wait: Pending[] = [];
    let failed = false;
    if (on !== undefined) {
      const running = this.#liveById.get(on);
      let seq = running?.seq ?? -1;
      let error: DmoverError | undefined;
      let found = running !== undefined;
      for (let i = 0; i < this.#count; i++) {
        let at = this.#head + i;
        if (at >= this.#max) at -= this.#max;
        const done = this.#ring[at]!;
        if (done.id === on && this.#ringSeq[at]! > seq) {
          seq = this.#ringSeq[at]!;
          error = done.error;
          found = true;
        }
      }
      if (!found) {
        throw new DmoverError(
          "EINVAL",
          `Cannot submit request '${request.id}': it depends on request '${on}', which holds no slot (never submitted, or its completion was read)`,
        );
      }
      if (running !== undefined && running.seq === seq) wait.push(running);
      else if (error !== undefined) failed = true;
    }
    if (fence) {
      for (const pending of this.#live) if (!wait.includes(pending)) wait.push(pending);
      for (let i = 0; i < this.#count && !failed; i++) {
        let at = this.#head + i;
        if (at >= this.#max) at -= this.#max;
        if (this.#ring[at]!.error !== undefined) failed = true;
      }
    }
    return { wait, failed };
  }

  #start(request: DmoverRequest, length: number, before: Prerequisites): void {
    this.#held++;
    this.#pending++;
    const seq = ++this.#seq;
    if (before === NONE) {
      this.#run(request, length, seq, undefined);
      return;
    }
    const id = request.id;
    if (before.failed) {
      this.#finish(id, seq, canceled(id, "a request it waits for failed"), undefined, undefined);
      return;
    }
    if (before.wait.length === 0) {
      this.#run(request, length, seq, undefined);
      return;
    }
    // Wait: the request holds its slot and can itself be waited on.
    const pending = this.#track(id, seq);
    let left = before.wait.length;
    let anyFailed = false;
    const onDone = (failed: boolean): void => {
      anyFailed ||= failed;
      if (--left > 0) return;
      if (anyFailed) {
        this.#finish(id, seq, canceled(id, "a request it waits for failed"), undefined, pending);
      } else if (this.#closed) {
        this.#finish(id, seq, undefined, undefined, pending); // closed meanwhile: never started
      } else {
        this.#run(request, length, seq, pending);
      }
    };
    for (const p of before.wait) p.waiters.push(onDone);
  }

  #track(id: number, seq: number): Pending {
    const pending: Pending = { id, seq, waiters: [] };
    this.#live.add(pending);
    this.#liveById.set(id, pending);
    return pending;
  }

  #run(request: DmoverRequest, length: number, seq: number, pending: Pending | undefined): void {
    const id = request.id;
    if (length === 0) {
      // Nothing to move: no backend is asked (see emptyResult).
      this.#finish(id, seq, undefined, emptyResult(this.#fn, request), pending);
      return;
    }
    const kernel = this.#only ?? this.#kernels[this.#chooser.pick(length)]!;
    let result: number | undefined | PromiseLike<number | undefined>;
    try {
      result = kernel(request, length);
    } catch (error) {
      this.#finish(id, seq, asError(error), undefined, pending);
      return;
    }
    if (typeof result === "object" && result !== null) {
      const tracked = pending ?? this.#track(id, seq);
      result.then(
        (immediate) => this.#finish(id, seq, undefined, immediate, tracked),
        (error) => this.#finish(id, seq, asError(error), undefined, tracked),
      );
      return;
    }
    this.#finish(id, seq, undefined, result, pending);
  }

  #finish(
    id: number,
    seq: number,
    error: DmoverError | undefined,
    immediate: number | undefined,
    pending: Pending | undefined,
  ): void {
    this.#pending--;
    if (this.#closed) {
      // Finished after close: nobody is told (dmover_io frees it in its done callback).
      this.#held--;
      this.#settle(pending, error !== undefined);
      if (this.#pending === 0) this.#resolveFinished?.();
      return;
    }
    let at = this.#head + this.#count;
    if (at >= this.#max) at -= this.#max;
    this.#ring[at] = { id, error, immediate };
    this.#ringSeq[at] = seq;
    this.#count++;
    if ((this.#readers.length !== 0 || this.#pollers.length !== 0) && !this.#waking) {
      this.#handle.defer();
    }
    // After the completion is in the ring, so that a dependent's completion comes after it.
    this.#settle(pending, error !== undefined);
  }

  #settle(pending: Pending | undefined, failed: boolean): void {
    if (pending === undefined) return;
    this.#live.delete(pending);
    if (this.#liveById.get(pending.id) === pending) {
      // An older request of the same id may still be running: it becomes the latest.
      this.#liveById.delete(pending.id);
      let latest: Pending | undefined;
      for (const p of this.#live) if (p.id === pending.id) latest = p;
      if (latest !== undefined) this.#liveById.set(pending.id, latest);
    }
    for (const waiter of pending.waiters) waiter(failed);
  }

  #take(): DmoverCompletion {
    const head = this.#head;
    const completion = this.#ring[head]!;
    this.#ring[head] = undefined;
    this.#head = head + 1 === this.#max ? 0 : head + 1;
    this.#count--;
    this.#held--;
    if ((this.#writers.length !== 0 || this.#pollers.length !== 0) && !this.#waking) {
      this.#handle.defer();
    }
    return completion;
  }

  #takeMany(max: number): DmoverCompletion[] {
    const n = Math.min(max, this.#count);
    const out: DmoverCompletion[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#take();
    return out;
  }

  // End of a tick in which something may have changed: hand completions to waiting readers, free
  // slots to waiting writers (in the order they waited), then answer polls.
  #wake(): void {
    if (this.#closed) return;
    this.#waking = true;
    try {
      for (let progress = true; progress;) {
        progress = false;
        while (this.#readers.length > 0 && this.#count > 0) {
          const reader = this.#readers.shift()!;
          if (reader.kind === ONE) reader.resolve(this.#take());
          else if (reader.kind === MANY) reader.resolve(this.#takeMany(reader.max));
          else reader.resolve({ done: false, value: this.#take() });
          progress = true;
        }
        while (this.#writers.length > 0 && this.#held < this.#max) {
          const writer = this.#writers[0]!;
          let request = writer.requests[writer.index]!;
          progress = true;
          let length: number;
          let before: Prerequisites;
          try {
            length = checkRequest(this.#fn, request);
            request = checkedRequest();
            before = this.#prerequisites(request, writer.index === writer.fenceAt);
          } catch (error) {
            this.#writers.shift();
            writer.reject(writer.single ? error : withAccepted(error, writer.accepted));
            continue;
          }
          this.#start(request, length, before);
          writer.index++;
          writer.accepted++;
          if (writer.index === writer.requests.length) {
            this.#writers.shift();
            writer.resolve(writer.single ? undefined : writer.accepted);
          }
        }
      }
      if (this.#pollers.length > 0) {
        const readable = this.#count > 0;
        const writable = this.#held < this.#max && this.#writers.length === 0;
        const waiting: PollWait[] = [];
        for (const p of this.#pollers) {
          if ((p.readable && readable) || (p.writable && writable)) {
            if (p.onAbort !== undefined) p.signal!.removeEventListener("abort", p.onAbort);
            p.resolve({ readable, writable });
          } else {
            waiting.push(p);
          }
        }
        this.#pollers = waiting;
      }
    } finally {
      this.#waking = false;
    }
  }
}

/**
 * Opens a session bound to one function (dmover_io's open plus DMIO_SETFUNC in one call).
 *
 * @typeParam NB Whether the session is non-blocking: `true` when `options.nonBlocking` is `true`,
 * which types `submit` and `read` as returning their values directly.
 * @param functionName `zero`, `fill8`, `copy`, `xor2`..`xor8`, `iscsi-crc32c`, or a registered
 * function.
 * @param options `maxInFlight` (default 64), `backend` (default `auto`), `nonBlocking` (default
 * `false`) and `loop`.
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
 * session.submit({
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
export function openSession<NB extends boolean = false>(
  functionName: string,
  options: SessionOptions<NB> = {},
): Session<NB> {
  return new Session<NB>(functionName, options);
}
