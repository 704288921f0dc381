// createPool: dedicated connections leased one at a time, for what must not run on the shared
// auto-pipelined connection: blocking commands (BLPOP, BLMOVE, XREAD BLOCK, a standalone WAIT),
// WATCH/MULTI, long scripts. Min/max size, an acquire timeout, `await using` leases, health checks
// on acquire (status, a PING after an idle spell) and on release (status, nothing pending, no
// subscription; an UNWATCH queued ahead of the next user).

import { connectOrClose } from "../client/_connect_or_close.ts";
import { RedisClient } from "../client/client.ts";
import type { RedisClientOptions } from "../client/options.ts";
import { PoolClosedError, PoolTimeoutError } from "./errors.ts";

/**
 * Options for {@linkcode createPool}.
 *
 * @example
 * ```ts
 * import type { PoolOptions } from "@dray/dray/redis";
 *
 * const options: PoolOptions = { connection: { url: "redis://localhost:6379" }, max: 16 };
 * ```
 */
export interface PoolOptions {
  /** The options of every connection (ignored when `factory` is given). */
  connection?: RedisClientOptions;
  /** Makes a connected client (default: `new RedisClient(connection)` then `connect()`). */
  factory?: () => Promise<RedisClient>;
  /** Connections kept open even when idle, opened by `createPool` (default 0). */
  min?: number;
  /** The most connections open at once, leased or idle (default 10). */
  max?: number;
  /** How long `acquire()` waits for a free connection (default 10,000 ms). */
  acquireTimeoutMs?: number;
  /** A connection idle longer than this answers a `PING` before it is leased (default 5,000 ms). */
  pingAfterIdleMs?: number;
  /** Idle connections above `min` are closed after this long (default 30,000 ms). */
  idleTimeoutMs?: number;
}

/**
 * Options for {@linkcode Pool.acquire}.
 *
 * @example
 * ```ts
 * import type { AcquireOptions } from "@dray/dray/redis";
 *
 * const options: AcquireOptions = { timeoutMs: 500 };
 * ```
 */
export interface AcquireOptions {
  /** Overrides the pool's `acquireTimeoutMs`. */
  timeoutMs?: number;
  /** Gives up when it aborts. */
  signal?: AbortSignal;
}

/**
 * What a pool holds now.
 *
 * @example
 * ```ts
 * import type { PoolStats } from "@dray/dray/redis";
 *
 * const stats: PoolStats = { size: 2, idle: 1, leased: 1, waiting: 0 };
 * ```
 */
export interface PoolStats {
  /** Connections open or opening. */
  readonly size: number;
  /** Connections free to lease. */
  readonly idle: number;
  /** Connections leased. */
  readonly leased: number;
  /** `acquire()` calls waiting for a connection. */
  readonly waiting: number;
}

interface Idle {
  client: RedisClient;
  since: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Waiter {
  resolve: (lease: Lease) => void;
  reject: (error: Error) => void;
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create the pool: ${name} must be an integer >= ${min}, got "${value}"`,
    );
  }
  return value;
}

/**
 * One connection taken from a {@linkcode Pool}: use `client`, then `release()` it (or let
 * `await using` do it). A lease is released once; later calls do nothing.
 *
 * @example
 * ```ts
 * import { createPool } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer();
 * await using pool = await createPool({ connection: { url: server.url } });
 * {
 *   await using lease = await pool.acquire();
 *   assert.equal(await lease.client.ping(), "PONG");
 * } // released here
 * assert.equal(pool.stats.idle, 1);
 * ```
 */
export class Lease implements AsyncDisposable {
  /** The leased connection. */
  readonly client: RedisClient;
  #pool: Pool;
  #done = false;

  /**
   * Made by the pool.
   *
   * @param pool The pool it goes back to.
   * @param client The connection.
   *
   * @example
   * ```ts
   * import type { Lease } from "@dray/dray/redis";
   *
   * const use = (lease: Lease) => lease.client.ping();
   * ```
   */
  constructor(pool: Pool, client: RedisClient) {
    this.#pool = pool;
    this.client = client;
  }

  /**
   * Gives the connection back to the pool, which checks it first (closed, replies still
   * pending, or subscribed: it is destroyed instead).
   *
   * @example
   * ```ts
   * import type { Lease } from "@dray/dray/redis";
   *
   * const done = (lease: Lease) => lease.release();
   * ```
   */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#pool._giveBack(this.client, false);
  }

  /**
   * Destroys the connection instead of giving it back (after a `MULTI` left open, a
   * `CLIENT SETNAME`, a `SELECT`…): the pool opens a new one when needed.
   *
   * @example
   * ```ts
   * import type { Lease } from "@dray/dray/redis";
   *
   * const discard = (lease: Lease) => lease.destroy();
   * ```
   */
  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#pool._giveBack(this.client, true);
  }

  /**
   * Releases the lease (`await using`).
   *
   * @returns Once released.
   *
   * @example
   * ```ts
   * import type { Lease } from "@dray/dray/redis";
   *
   * const dispose = (lease: Lease) => lease[Symbol.asyncDispose]();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/**
 * A pool of dedicated connections (see {@linkcode createPool}).
 *
 * @example A blocking pop that never holds up the shared connection
 * ```ts
 * import { connect, createPool } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer();
 * await using client = await connect(server.url);
 * await using pool = await createPool({ connection: { url: server.url }, max: 4 });
 * const popped = pool.use((c) => c.blpop("jobs", 5));
 * assert.equal(await client.ping(), "PONG"); // not behind the BLPOP
 * await client.rpush("jobs", "job-1");
 * assert.deepEqual(await popped, { key: "jobs", element: "job-1" });
 * ```
 */
export class Pool implements AsyncDisposable {
  #options: PoolOptions;
  #min: number;
  #max: number;
  #acquireTimeoutMs: number;
  #pingAfterIdleMs: number;
  #idleTimeoutMs: number;
  #idle: Idle[] = [];
  #leased = new Set<RedisClient>();
  #opening = 0;
  #waiters: Waiter[] = [];
  #closed = false;
  #all = new Set<RedisClient>();
  /** The pool's own UNWATCHes not answered yet, per connection. */
  #unwatching = new Map<RedisClient, number>();

  /**
   * Makes a pool without opening anything; {@linkcode createPool} also opens `min` connections.
   *
   * @param options The connections' options or factory, the sizes, the timeouts.
   * @throws {RangeError} A size or timeout out of range.
   *
   * @example
   * ```ts
   * import { Pool } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * await using pool = new Pool({ max: 4 });
   * assert.equal(pool.stats.size, 0);
   * ```
   */
  constructor(options: PoolOptions = {}) {
    this.#options = options;
    this.#min = checkCount("min", options.min ?? 0, 0);
    this.#max = checkCount("max", options.max ?? 10, 1);
    if (this.#min > this.#max) {
      throw new RangeError(`Cannot create the pool: min ${this.#min} is above max ${this.#max}`);
    }
    this.#acquireTimeoutMs = checkCount("acquireTimeoutMs", options.acquireTimeoutMs ?? 10_000, 0);
    this.#pingAfterIdleMs = checkCount("pingAfterIdleMs", options.pingAfterIdleMs ?? 5_000, 0);
    this.#idleTimeoutMs = checkCount("idleTimeoutMs", options.idleTimeoutMs ?? 30_000, 1);
  }

  /**
   * What the pool holds now.
   *
   * @example
   * ```ts
   * import { Pool } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * await using pool = new Pool();
   * assert.deepEqual(pool.stats, { size: 0, idle: 0, leased: 0, waiting: 0 });
   * ```
   */
  get stats(): PoolStats {
    return {
      size: this.#idle.length + this.#leased.size + this.#opening,
      idle: this.#idle.length,
      leased: this.#leased.size,
      waiting: this.#waiters.length,
    };
  }

  /**
   * Opens `min` connections.
   *
   * @returns Once they are ready.
   * @throws {ConnectError} When one cannot be opened (the pool stays usable).
   *
   * @example
   * ```ts
   * import { Pool } from "@dray/dray/redis";
   *
   * await using pool = new Pool({ min: 0 });
   * await pool.fill();
   * ```
   */
  async fill(): Promise<void> {
    const missing = this.#min - this.stats.size;
    const made = await Promise.allSettled(
      Array.from({ length: Math.max(0, missing) }, () => this.#open()),
    );
    for (const result of made) {
      if (result.status === "fulfilled") this.#putIdle(result.value);
    }
    const failed = made.find((r) => r.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Leases a connection: an idle one (checked), a new one while the pool is below `max`, or the
   * next one released.
   *
   * @param options `timeoutMs`, `signal`.
   * @returns The lease; release it with `await using` or `release()`.
   * @throws {PoolTimeoutError} No connection was free in time, or the signal aborted.
   * @throws {PoolClosedError} The pool is closed.
   * @throws {ConnectError} A new connection could not be opened.
   *
   * @example
   * ```ts
   * import { Pool, PoolClosedError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const pool = new Pool();
   * await pool.close();
   * await assert.rejects(pool.acquire(), PoolClosedError);
   * ```
   */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    if (this.#closed) throw new PoolClosedError("Cannot acquire a connection: the pool is closed");
    for (;;) {
      const idle = this.#idle.pop();
      if (idle === undefined) break;
      clearTimeout(idle.timer);
      if (await this.#healthy(idle)) return this.#lease(idle.client);
      this.#discard(idle.client);
    }
    if (this.stats.size < this.#max) return this.#lease(await this.#open());
    const timeoutMs = options.timeoutMs ?? this.#acquireTimeoutMs;
    return await new Promise<Lease>((resolve, reject) => {
      const timer: { id?: ReturnType<typeof setTimeout> } = {};
      const signal = options.signal;
      const settle = (): void => {
        clearTimeout(timer.id);
        signal?.removeEventListener("abort", onAbort);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      };
      const waiter: Waiter = {
        resolve: (lease) => {
          settle();
          resolve(lease);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = (): void =>
        waiter.reject(
          new PoolTimeoutError("Gave up waiting for a connection: aborted", {
            cause: signal?.reason,
          }),
        );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      timer.id = setTimeout(() =>
        waiter.reject(
          new PoolTimeoutError(
            `No connection was free within ${timeoutMs} ms (all ${this.#max} leased)`,
            { timeoutMs },
          ),
        ), timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /**
   * Leases a connection for the time of `fn`, and releases it after (destroys it when `fn`
   * throws something other than a reply error, as its state is unknown).
   *
   * @typeParam T What `fn` resolves with.
   * @param fn Runs with the leased client.
   * @param options `timeoutMs`, `signal` for the acquire.
   * @returns What `fn` returned.
   * @throws {PoolTimeoutError} No connection was free in time.
   *
   * @example
   * ```ts
   * import { createPool } from "@dray/dray/redis";
   * import { startServer } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using server = await startServer();
   * await using pool = await createPool({ connection: { url: server.url } });
   * const result = await pool.use(async (c) => {
   *   await c.watch("balance");
   *   const tx = c.multi();
   *   tx.incrby("balance", 10);
   *   return await tx.exec();
   * });
   * assert.deepEqual(result, [10]);
   * ```
   */
  async use<T>(fn: (client: RedisClient) => Promise<T>, options?: AcquireOptions): Promise<T> {
    const lease = await this.acquire(options);
    try {
      const result = await fn(lease.client);
      lease.release();
      return result;
    } catch (error) {
      if (error instanceof Error && error.name === "ReplyError") lease.release();
      else lease.destroy();
      throw error;
    }
  }

  /**
   * Closes every idle connection, rejects the waiting `acquire()` calls, and closes the leased
   * connections as they come back (or now, after `timeoutMs`, default 10,000 ms).
   *
   * @param options `timeoutMs` for each connection's graceful close.
   * @returns Once every connection is closed.
   *
   * @example
   * ```ts
   * import { Pool } from "@dray/dray/redis";
   *
   * const pool = new Pool();
   * await pool.close();
   * ```
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) {
      waiter.reject(new PoolClosedError("The pool was closed while waiting for a connection"));
    }
    const all = [...this.#all];
    for (const idle of this.#idle.splice(0)) clearTimeout(idle.timer);
    await Promise.all(all.map((client) => client.close(options)));
  }

  /**
   * Closes the pool (`await using`).
   *
   * @returns Once closed.
   *
   * @example
   * ```ts
   * import { Pool } from "@dray/dray/redis";
   *
   * await using _pool = new Pool();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Called by a lease: checks the connection and hands it to a waiter or back to idle. */
  _giveBack(client: RedisClient, destroy: boolean): void {
    if (!this.#leased.delete(client)) return;
    const stats = client.stats;
    const subscribed = Object.values(client.subscriptions).some((names) => names.length > 0);
    if (
      destroy || this.#closed || client.status !== "ready" || subscribed ||
      stats.inFlight + stats.waiting + stats.offline > (this.#unwatching.get(client) ?? 0)
    ) {
      this.#discard(client);
      this.#refill();
      return;
    }
    // A WATCH left behind ends here, ahead of anything the next user sends.
    this.#unwatching.set(client, (this.#unwatching.get(client) ?? 0) + 1);
    client.sendCommand(["UNWATCH"]).catch(() => {}).finally(() => {
      const left = (this.#unwatching.get(client) ?? 1) - 1;
      if (left === 0) this.#unwatching.delete(client);
      else this.#unwatching.set(client, left);
    });
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(this.#lease(client));
    else this.#putIdle(client);
  }

  #lease(client: RedisClient): Lease {
    this.#leased.add(client);
    return new Lease(this, client);
  }

  async #open(): Promise<RedisClient> {
    this.#opening++;
    try {
      let client: RedisClient;
      if (this.#options.factory !== undefined) client = await this.#options.factory();
      else {
        client = await connectOrClose(new RedisClient(this.#options.connection ?? {}));
      }
      this.#all.add(client);
      client.finished.then(() => this.#all.delete(client));
      if (this.#closed) {
        await client.close();
        throw new PoolClosedError("The pool was closed while a connection was opened");
      }
      return client;
    } finally {
      this.#opening--;
    }
  }

  async #healthy(idle: Idle): Promise<boolean> {
    if (idle.client.status !== "ready") return false;
    if (performance.now() - idle.since < this.#pingAfterIdleMs) return true;
    try {
      return await idle.client.sendCommand(["PING"], { timeoutMs: 1000 }) === "PONG";
    } catch {
      return false;
    }
  }

  #putIdle(client: RedisClient): void {
    const idle: Idle = { client, since: performance.now(), timer: undefined };
    idle.timer = setTimeout(() => {
      if (this.#idle.length + this.#leased.size <= this.#min) return;
      const at = this.#idle.indexOf(idle);
      if (at < 0) return;
      this.#idle.splice(at, 1);
      this.#discard(client);
    }, this.#idleTimeoutMs);
    this.#idle.push(idle);
  }

  #discard(client: RedisClient): void {
    client.destroy();
  }

  /** A connection went away while callers wait: open one for the first of them. */
  #refill(): void {
    if (this.#closed || this.#waiters.length === 0 || this.stats.size >= this.#max) return;
    this.#open().then(
      (client) => {
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) waiter.resolve(this.#lease(client));
        else this.#putIdle(client);
      },
      (error) => this.#waiters.shift()?.reject(error),
    );
  }
}

/**
 * Makes a pool of dedicated connections and opens its `min` connections. Lease one for a
 * blocking command (`BLPOP`, `BLMOVE`, `XREAD BLOCK`, a standalone `WAIT`), a `WATCH`/`MULTI`
 * transaction or a long script, so that the shared auto-pipelined client never waits behind it.
 *
 * @param options The connections' options (or a `factory`), `min`, `max`, the timeouts.
 * @returns The pool.
 * @throws {RangeError} A size or timeout out of range.
 * @throws {ConnectError} One of the `min` connections could not be opened.
 *
 * @example Leases with `await using`
 * ```ts
 * import { createPool } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * await using server = await startServer();
 * await using pool = await createPool({ connection: { url: server.url }, min: 1, max: 2 });
 * await using lease = await pool.acquire({ timeoutMs: 1000 });
 * await lease.client.rpush("q", "a");
 * assert.deepEqual(await lease.client.blpop("q", 1), { key: "q", element: "a" });
 * ```
 */
export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  const pool = new Pool(options);
  try {
    await pool.fill();
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}
