// What a session request waits for before it runs (`dependsOn` and fences), private to dmover/.
// Pure bookkeeping: it knows the requests that have not completed and, through the session's
// rings, the completions nobody has read; it never runs a request or touches the loop.

import { DmoverError } from "./errors.ts";
import type { Ring } from "./_ring.ts";
import type { DmoverCompletion, DmoverRequest } from "./types.ts";

/**
 * A request that has not completed and may be waited on: running on a backend that completes
 * later, or waiting for what it depends on. Requests that complete within `submit` never get one.
 */
export interface Pending {
  readonly id: number;
  readonly seq: number;
  /** Called when the request completes, with whether it failed. */
  readonly waiters: ((failed: boolean) => void)[];
}

/** What a request waits for before it runs: pending requests, or an earlier failure. */
export interface Prerequisites {
  readonly wait: readonly Pending[];
  readonly failed: boolean;
}

/** Nothing to wait for: the request runs at once. */
export const NONE: Prerequisites = Object.freeze({ wait: Object.freeze([]), failed: false });

/** The requests of one session that have not completed, and what waits on them. */
export class Dependencies {
  #live = new Set<Pending>(); // in submission order
  #liveById = new Map<number, Pending>(); // the latest per id

  /** How many requests are tracked. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * What `request` must wait for: with `dependsOn`, the latest request of that id still holding a
   * slot (running, or completed and unread: `completions`, tagged with submission numbers; EINVAL
   * when there is none); with a fence, every
   * tracked request, and a failure when an unread completion failed.
   *
   * @throws {DmoverError} `EINVAL` when `dependsOn` names no request that holds a slot.
   */
  prerequisites(
    request: DmoverRequest,
    batchFence: boolean,
    completions: Ring<DmoverCompletion>,
  ): Prerequisites {
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
      for (let i = 0; i < completions.length; i++) {
        const done = completions.at(i)!;
        if (done.id === on && completions.tagAt(i) > seq) {
          seq = completions.tagAt(i);
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
      for (let i = 0; i < completions.length && !failed; i++) {
        if (completions.at(i)!.error !== undefined) failed = true;
      }
    }
    return { wait, failed };
  }

  /** Starts tracking a request that has not completed. */
  track(id: number, seq: number): Pending {
    const pending: Pending = { id, seq, waiters: [] };
    this.#live.add(pending);
    this.#liveById.set(id, pending);
    return pending;
  }

  /** A tracked request completed: stop tracking it and tell what waits on it. */
  settle(pending: Pending | undefined, failed: boolean): void {
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
}

/**
 * Calls `done` once every request in `wait` (at least one) has completed, with whether any of
 * them failed.
 */
export function afterAll(wait: readonly Pending[], done: (anyFailed: boolean) => void): void {
  let left = wait.length;
  let anyFailed = false;
  const onDone = (failed: boolean): void => {
    anyFailed ||= failed;
    if (--left === 0) done(anyFailed);
  };
  for (const p of wait) p.waiters.push(onDone);
}
