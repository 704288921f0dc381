// Helpers for the reliability and fault-injection tests: a test wrapper with its own deadline
// that fails on any unhandled rejection, a ledger of promises that must all settle, a recorder
// of client events, and small waits with deadlines.

import assert from "node:assert/strict";
import type { RedisClient, RedisClientEvent, RedisClientEventType } from "../../redis/mod.ts";

/** Runs `body` and rejects when it has not settled within `ms` (the test fails, never hangs). */
export async function withDeadline<T>(ms: number, what: string, body: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Deadline: ${what} did not finish within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([body, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a settled promise gave. */
export type Outcome = { value: unknown } | { error: unknown };

/** Promises a test issued, each of which must settle (once: promises cannot settle twice). */
export class Ledger {
  #entries: { label: string; promise: Promise<Outcome> }[] = [];

  /** Tracks `promise`; its rejection is handled here. Returns it as an outcome promise. */
  track(label: string, promise: Promise<unknown>): Promise<Outcome> {
    const outcome = promise.then((value) => ({ value }), (error) => ({ error }));
    this.#entries.push({ label, promise: outcome });
    return outcome;
  }

  /** Waits for every tracked promise (within `ms`) and returns the outcomes by label. */
  async settled(ms = 10_000): Promise<Map<string, Outcome>> {
    const outcomes = await withDeadline(
      ms,
      `${this.#entries.length} tracked promises`,
      Promise.all(this.#entries.map((entry) => entry.promise)),
    );
    const out = new Map<string, Outcome>();
    this.#entries.forEach((entry, i) => out.set(entry.label, outcomes[i]!));
    return out;
  }
}

/** Asserts that `outcome` is an error of class `type` (and passes `check`, if given). */
export function assertError<E extends Error>(
  outcome: Outcome | undefined,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  what: string,
  check?: (error: E) => boolean,
): E {
  assert.ok(outcome !== undefined, `${what}: not tracked`);
  assert.ok(
    "error" in outcome,
    `${what}: expected ${type.name}, got the value ${JSON.stringify(outcome)}`,
  );
  const error = outcome.error;
  assert.ok(
    error instanceof type,
    `${what}: expected ${type.name}, got ${error instanceof Error ? error.name : String(error)}: ${
      error instanceof Error ? error.message : ""
    }`,
  );
  if (check !== undefined) assert.ok(check(error), `${what}: ${error.message}`);
  return error;
}

/** Asserts that `outcome` is the value `expected`. */
export function assertValue(outcome: Outcome | undefined, expected: unknown, what: string): void {
  assert.ok(outcome !== undefined, `${what}: not tracked`);
  if ("error" in outcome) {
    const error = outcome.error;
    assert.fail(`${what}: expected ${JSON.stringify(expected)}, got ${String(error)}`);
  }
  assert.deepEqual(outcome.value, expected, what);
}

/** Records a client's lifecycle events in order. */
export class EventLog {
  readonly events: RedisClientEvent[] = [];
  #waiters: { type: RedisClientEventType; count: number; resolve: () => void }[] = [];

  constructor(client: RedisClient) {
    for (
      const type of ["connect", "ready", "error", "close", "reconnecting", "end"] as const
    ) {
      client.addEventListener(type, (event) => {
        this.events.push(event);
        this.#waiters = this.#waiters.filter((waiter) => {
          if (this.count(waiter.type) < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      });
    }
  }

  /** The types seen so far. */
  get types(): RedisClientEventType[] {
    return this.events.map((event) => event.type);
  }

  count(type: RedisClientEventType): number {
    return this.events.filter((event) => event.type === type).length;
  }

  /** Waits until `count` events of `type` were seen (within `ms`). */
  async until(type: RedisClientEventType, count = 1, ms = 10_000): Promise<void> {
    if (this.count(type) >= count) return;
    await withDeadline(
      ms,
      `${count} "${type}" events (saw ${this.types.join(", ")})`,
      new Promise<void>((resolve) => this.#waiters.push({ type, count, resolve })),
    );
  }
}

/** Waits until `check()` holds, polling; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Sleeps (between steps of a scenario; never as an assertion of speed). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@linkcode faultTest}. */
export interface FaultTestOptions {
  /** The test's own deadline (default 30 s). */
  deadlineMs?: number;
  /** Why the test cannot run here, when it cannot. */
  ignore?: boolean;
}

/**
 * A test with its own deadline that also fails when any promise rejection went unhandled while
 * it ran (the client must handle every internal rejection; the test, every promise it made).
 */
export function faultTest(
  name: string,
  body: () => Promise<void>,
  options: FaultTestOptions = {},
): void {
  const deadlineMs = options.deadlineMs ?? 8_000;
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    async fn() {
      const unhandled: unknown[] = [];
      const onUnhandled = (event: PromiseRejectionEvent) => {
        event.preventDefault();
        unhandled.push(event.reason);
      };
      globalThis.addEventListener("unhandledrejection", onUnhandled);
      try {
        await withDeadline(deadlineMs, name, body());
        await sleep(0); // let any stray rejection surface
        assert.deepEqual(
          unhandled.map((reason) => reason instanceof Error ? reason.message : String(reason)),
          [],
          "no unhandled rejection",
        );
      } finally {
        globalThis.removeEventListener("unhandledrejection", onUnhandled);
      }
    },
  });
}
