// The machinery under both kinds of session, private to dmover/: slots, the ring of unread
// completions, running requests on backends, and the rings of waiting readers, writers and polls
// served at the end of a loop tick. The public classes (session.ts, blocking_session.ts,
// nonblocking_session.ts) decide what to return; the dependency rules live in _dependencies.ts.

import { defaultLoop, type EventLoop, type LoopHandle } from "../loop/mod.ts";
import type { DmoverBackend, DmoverKernel } from "./backend.ts";
import { DmoverError } from "./errors.ts";
import { type DmoverFunction, getFunction } from "./functions.ts";
import { type Chooser, resolveBackend } from "./_registry.ts";
import { checkedRequest, checkRequest, keepChecked } from "./_validate.ts";
import { emptyResult } from "./_catalog.ts";
import { Ring } from "./_ring.ts";
import { afterAll, Dependencies, NONE, type Pending, type Prerequisites } from "./_dependencies.ts";
import type { DmoverCompletion, DmoverRequest } from "./types.ts";

const DEFAULT_MAX_IN_FLIGHT = 64;

/** What a waiting reader wants: one completion, several, or an iterator result. */
export type ReadKind = "one" | "many" | "iterate";

interface ReaderWait {
  kind: ReadKind;
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
  resolve: (value: { readable: boolean; writable: boolean }) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The options the core needs (SessionOptions without the blocking mode). */
export interface CoreOptions {
  maxInFlight?: number;
  backend?: string | DmoverBackend;
  loop?: EventLoop;
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

/** The EBADF every call after close gets. */
export function closedError(what: string): DmoverError {
  return new DmoverError("EBADF", `Cannot ${what}: the session is closed`);
}

/** Checks readMany's `max`: an integer >= 1, or Infinity. */
export function checkReadMax(max: number): void {
  if (max !== Infinity && (!Number.isSafeInteger(max) || max < 1)) {
    throw new RangeError(`Cannot read '${max}' completions: expected an integer >= 1`);
  }
}

/** The same error, saying how many requests of a batch went in before it. */
export function withAccepted(error: unknown, accepted: number): unknown {
  if (!(error instanceof DmoverError)) return error;
  return new DmoverError(error.code, error.message, { accepted, cause: error.cause });
}

/** One session's state; see the public classes for what each operation means. */
export class SessionCore {
  readonly fn: DmoverFunction;
  readonly chooser: Chooser;
  readonly max: number;
  #only: DmoverKernel | undefined;
  #kernels: readonly DmoverKernel[];
  #handle: LoopHandle;

  #held = 0; // slots taken: accepted and completion not yet read (dmover_io's ds_nreqs)
  #pending = 0; // accepted and not yet completed
  #done: Ring<DmoverCompletion>; // unread completions, in completion order, tagged with seq
  #seq = 0; // submission numbers, for dependsOn and fences
  #deps = new Dependencies();

  #readers = new Ring<ReaderWait>();
  #writers = new Ring<WriterWait>();
  #pollers = new Ring<PollWait>();
  #waking = false;

  #closed = false;
  #finished: Promise<void> | undefined;
  #resolveFinished: (() => void) | undefined;

  constructor(functionName: string, options: CoreOptions) {
    const fn = getFunction(functionName);
    const max = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(max) || max < 1 || max > 0x7fff_ffff) {
      throw new RangeError(
        `Cannot open a session with maxInFlight '${max}': expected an integer from 1 to 2^31 - 1`,
      );
    }
    const chooser = resolveBackend(fn, options.backend ?? "auto", false);
    this.fn = fn;
    this.chooser = chooser;
    this.#kernels = chooser.kernels;
    this.#only = chooser.kernels.length === 1 ? chooser.kernels[0] : undefined;
    this.max = max;
    const capacity = Math.min(max, 1024);
    this.#done = new Ring(capacity, true);
    this.#handle = (options.loop ?? defaultLoop()).attach({ onDeferred: () => this.#wake() });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inFlight(): number {
    return this.#closed ? this.#pending : this.#held;
  }

  /** Completions wait to be read. */
  get readable(): boolean {
    return this.#done.length > 0;
  }

  /** A request would be accepted now: a slot is free and no blocked submit waits ahead. */
  get writable(): boolean {
    return this.#held < this.max && this.#writers.length === 0;
  }

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
   * Validates `request` and, when a slot is free and nobody waits ahead, starts it and returns
   * true; returns false (the request validated, not started) when it would have to wait.
   */
  submitOne(request: DmoverRequest): boolean {
    if (this.#closed) throw closedError("submit");
    const length = checkRequest(this.fn, request);
    if (this.#held < this.max && this.#writers.length === 0) {
      const trusted = checkedRequest();
      this.#start(trusted, length, this.#deps.prerequisites(trusted, false, this.#done));
      return true;
    }
    return false;
  }

  /**
   * Starts requests from the head of a batch while slots are free; returns how many started.
   * @throws {DmoverError} the first invalid request's error, with `accepted`.
   */
  submitBatch(requests: readonly DmoverRequest[], fenceAt: number): number {
    if (this.#closed) throw closedError("submit");
    if (!Array.isArray(requests)) {
      throw new TypeError(`Cannot submit '${typeof requests}': expected an array of requests`);
    }
    let accepted = 0;
    if (this.#writers.length !== 0) return 0;
    while (accepted < requests.length && this.#held < this.max) {
      let request = requests[accepted]!;
      let length: number;
      let before: Prerequisites;
      try {
        length = checkRequest(this.fn, request);
        request = checkedRequest();
        before = this.#deps.prerequisites(request, accepted === fenceAt, this.#done);
      } catch (error) {
        throw withAccepted(error, accepted);
      }
      this.#start(request, length, before);
      accepted++;
    }
    return accepted;
  }

  /** Waits for slots for the rest of a batch (or one request): settles once all are accepted. */
  waitToSubmit<T>(
    requests: readonly DmoverRequest[],
    accepted: number,
    single: boolean,
    fenceAt: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#writers.push({ requests, index: accepted, accepted, single, fenceAt, resolve, reject });
    });
  }

  /** Takes the oldest completion (there must be one), freeing its slot. */
  take(): DmoverCompletion {
    const completion = this.#done.shift()!;
    this.#held--;
    if ((this.#writers.length !== 0 || this.#pollers.length !== 0) && !this.#waking) {
      this.#handle.defer();
    }
    return completion;
  }

  /** Takes up to `max` completions (at least one must wait). */
  takeMany(max: number): DmoverCompletion[] {
    const n = Math.min(max, this.#done.length);
    const out: DmoverCompletion[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.take();
    return out;
  }

  /** Waits for completions: settles with what `kind` asks for. */
  waitToRead<T>(kind: ReadKind, max: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#readers.push({ kind, max, resolve, reject });
    });
  }

  /** Waits until an asked-for condition holds, at the end of a loop tick. */
  poll(
    readable: boolean,
    writable: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ readable: boolean; writable: boolean }> {
    return new Promise((resolve, reject) => {
      const wait: PollWait = { readable, writable, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        wait.onAbort = () => {
          this.#pollers.delete(wait);
          reject(signal.reason);
        };
        signal.addEventListener("abort", wait.onAbort, { once: true });
      }
      this.#pollers.push(wait);
      this.#handle.defer();
    });
  }

  /** An async iterator over completions that ends at close (see Session's asyncIterator). */
  iterate(): AsyncIterableIterator<DmoverCompletion> {
    // The read this iterator is waiting on, so that return() can withdraw it: a completion must
    // never be handed to an iteration that has ended.
    let waiting: ReaderWait | undefined;
    let ended = false;
    const done: IteratorResult<DmoverCompletion> = { done: true, value: undefined };
    const next = (): Promise<IteratorResult<DmoverCompletion>> => {
      if (ended || this.#closed) return Promise.resolve(done);
      if (this.#done.length > 0) return Promise.resolve({ done: false, value: this.take() });
      return new Promise((resolve, reject) => {
        waiting = {
          kind: "iterate",
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
          this.#readers.delete(waiting);
          waiting.resolve(done);
        }
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Closes: drops unread completions, rejects (or ends) every waiter, detaches from the loop. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#done.drain();
    this.#held = this.#pending;
    for (const r of this.#readers.drain()) {
      if (r.kind === "iterate") r.resolve({ done: true, value: undefined });
      else r.reject(closedError("read"));
    }
    for (const w of this.#writers.drain()) {
      w.reject(
        w.single ? closedError("submit") : withAccepted(closedError("submit"), w.accepted),
      );
    }
    for (const p of this.#pollers.drain()) {
      if (p.onAbort !== undefined) p.signal!.removeEventListener("abort", p.onAbort);
      p.reject(closedError("poll"));
    }
    this.#handle.cleanup();
    if (this.#pending === 0) this.#resolveFinished?.();
  }

  // ---- running requests ----

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
    const kept = keepChecked(request);
    const pending = this.#deps.track(id, seq);
    afterAll(before.wait, (anyFailed) => {
      if (anyFailed) {
        this.#finish(id, seq, canceled(id, "a request it waits for failed"), undefined, pending);
      } else if (this.#closed) {
        this.#finish(id, seq, undefined, undefined, pending); // closed meanwhile: never started
      } else {
        this.#run(kept, length, seq, pending);
      }
    });
  }

  #run(request: DmoverRequest, length: number, seq: number, pending: Pending | undefined): void {
    const id = request.id;
    if (length === 0) {
      // Nothing to move: no backend is asked (see emptyResult).
      this.#finish(id, seq, undefined, emptyResult(this.fn, request), pending);
      return;
    }
    const chooser = this.chooser;
    const index = this.#only === undefined ? chooser.pick(length) : 0;
    const kernel = this.#kernels[index]!;
    let result: number | undefined | PromiseLike<number | undefined>;
    try {
      result = kernel(chooser.scratchSafe[index] ? request : keepChecked(request), length);
    } catch (error) {
      this.#finish(id, seq, asError(error), undefined, pending);
      return;
    }
    if (typeof result === "object" && result !== null) {
      const tracked = pending ?? this.#deps.track(id, seq);
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
      this.#deps.settle(pending, error !== undefined);
      if (this.#pending === 0) this.#resolveFinished?.();
      return;
    }
    this.#done.push({ id, error, immediate }, seq);
    if ((this.#readers.length !== 0 || this.#pollers.length !== 0) && !this.#waking) {
      this.#handle.defer();
    }
    // After the completion is in the ring, so that a dependent's completion comes after it.
    this.#deps.settle(pending, error !== undefined);
  }

  // End of a tick in which something may have changed: hand completions to waiting readers, free
  // slots to waiting writers (in the order they waited), then answer polls.
  #wake(): void {
    if (this.#closed) return;
    this.#waking = true;
    try {
      for (let progress = true; progress;) {
        progress = false;
        while (this.#readers.length > 0 && this.#done.length > 0) {
          const reader = this.#readers.shift()!;
          if (reader.kind === "one") reader.resolve(this.take());
          else if (reader.kind === "many") reader.resolve(this.takeMany(reader.max));
          else reader.resolve({ done: false, value: this.take() });
          progress = true;
        }
        while (this.#writers.length > 0 && this.#held < this.max) {
          progress = true;
          this.#admitWriter(this.#writers.peek()!);
        }
      }
      if (this.#pollers.length > 0) {
        const readable = this.#done.length > 0;
        const writable = this.#held < this.max && this.#writers.length === 0;
        this.#pollers.removeWhere((p) => {
          if (!((p.readable && readable) || (p.writable && writable))) return false;
          if (p.onAbort !== undefined) p.signal!.removeEventListener("abort", p.onAbort);
          p.resolve({ readable, writable });
          return true;
        });
      }
    } finally {
      this.#waking = false;
    }
  }

  // Starts the next request of the writer at the head (a slot is free).
  #admitWriter(writer: WriterWait): void {
    let request = writer.requests[writer.index]!;
    let length: number;
    let before: Prerequisites;
    try {
      length = checkRequest(this.fn, request);
      request = checkedRequest();
      before = this.#deps.prerequisites(request, writer.index === writer.fenceAt, this.#done);
    } catch (error) {
      this.#writers.shift();
      writer.reject(writer.single ? error : withAccepted(error, writer.accepted));
      return;
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
