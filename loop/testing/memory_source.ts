import type { IoSource } from "../types.ts";

interface Waiter {
  into: Uint8Array;
  resolve: (n: number | null) => void;
  reject: (error: Error) => void;
}

/**
 * Options for {@linkcode MemorySource}.
 *
 * @example
 * ```ts
 * import { MemorySource, type MemorySourceOptions } from "@dray/dray/loop/testing";
 *
 * const options: MemorySourceOptions = { maxWriteSize: 3 };
 * const source = new MemorySource(options);
 * ```
 */
export interface MemorySourceOptions {
  /** Each write accepts at most this many bytes, to exercise partial writes (default: all). */
  maxWriteSize?: number;
}

/**
 * An {@linkcode IoSource} in memory: the test pushes the bytes a peer would send, reads back what
 * was written, and can end, fail or stall the stream. Works with every loop.
 *
 * @example A round trip
 * ```ts
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import assert from "node:assert/strict";
 *
 * const source = new MemorySource();
 * source.push(new Uint8Array([1, 2, 3]));
 * const into = new Uint8Array(2);
 * assert.equal(await source.read(into), 2);
 * assert.equal(await source.read(into), 1);
 * await source.write(new Uint8Array([9]));
 * assert.deepEqual(source.writtenBytes(), new Uint8Array([9]));
 * ```
 */
export class MemorySource implements IoSource {
  #incoming: Uint8Array[] = [];
  #ended = false;
  #failure: Error | undefined;
  #waiter: Waiter | undefined;
  #closed = false;
  #maxWrite: number;
  #held: Array<() => void> | undefined;
  /** Every chunk written, in order, as the source received it (one entry per write call). */
  readonly written: Uint8Array[] = [];

  /**
   * Makes an empty, open source.
   *
   * @param options How writes behave.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource({ maxWriteSize: 1 });
   * assert.equal(await source.write(new Uint8Array([1, 2])), 1);
   * ```
   */
  constructor(options: MemorySourceOptions = {}) {
    this.#maxWrite = options.maxWriteSize ?? Infinity;
  }

  /**
   * Whether `close` was called.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * source.close();
   * assert.equal(source.closed, true);
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues bytes for reading, as if the peer sent them (the bytes are copied).
   *
   * @param bytes What the peer sends.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * const pending = source.read(new Uint8Array(8));
   * source.push(new Uint8Array([7]));
   * assert.equal(await pending, 1);
   * ```
   */
  push(bytes: Uint8Array): void {
    if (this.#ended || this.#closed || bytes.length === 0) return;
    this.#incoming.push(bytes.slice());
    this.#serve();
  }

  /**
   * Ends the stream once the queued bytes are read, as if the peer closed.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * source.end();
   * assert.equal(await source.read(new Uint8Array(1)), null);
   * ```
   */
  end(): void {
    this.#ended = true;
    this.#serve();
  }

  /**
   * Makes the next read reject with `error`, as if the connection was reset.
   *
   * @param error The error reads reject with.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * source.fail(new Deno.errors.ConnectionReset("reset"));
   * await assert.rejects(source.read(new Uint8Array(1)), Deno.errors.ConnectionReset);
   * ```
   */
  fail(error: Error): void {
    this.#failure = error;
    this.#serve();
  }

  /**
   * Holds every write until {@linkcode MemorySource.releaseWrites}, as a peer that stops reading.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * source.holdWrites();
   * const pending = source.write(new Uint8Array([1]));
   * assert.equal(source.written.length, 0);
   * source.releaseWrites();
   * assert.equal(await pending, 1);
   * ```
   */
  holdWrites(): void {
    this.#held ??= [];
  }

  /**
   * Lets held writes, and later ones, complete.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   *
   * const source = new MemorySource();
   * source.holdWrites();
   * source.releaseWrites();
   * ```
   */
  releaseWrites(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const release of held) release();
  }

  /**
   * Everything written so far, concatenated.
   *
   * @returns A copy of the written bytes.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * await source.write(new Uint8Array([1]));
   * await source.write(new Uint8Array([2]));
   * assert.deepEqual(source.writtenBytes(), new Uint8Array([1, 2]));
   * ```
   */
  writtenBytes(): Uint8Array {
    let size = 0;
    for (const chunk of this.written) size += chunk.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const chunk of this.written) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /**
   * Reads queued bytes into `into`, waiting for a push when nothing is queued.
   *
   * @param into Where to copy the bytes.
   * @returns How many bytes were copied, or `null` at end of stream.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * source.push(new Uint8Array([5]));
   * const into = new Uint8Array(4);
   * assert.equal(await source.read(into), 1);
   * assert.equal(into[0], 5);
   * ```
   */
  read(into: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Source is closed"));
    if (this.#waiter !== undefined) {
      return Promise.reject(new Deno.errors.Busy("A read is already pending"));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { into, resolve, reject };
      this.#serve();
    });
  }

  /**
   * Records a copy of (a prefix of) `bytes`.
   *
   * @param bytes What to write.
   * @returns How many bytes were accepted.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * assert.equal(await source.write(new Uint8Array([1, 2])), 2);
   * ```
   */
  async write(bytes: Uint8Array): Promise<number> {
    if (this.#held !== undefined) {
      await new Promise<void>((resolve) => this.#held!.push(resolve));
    }
    if (this.#closed) throw new Deno.errors.BadResource("Source is closed");
    const n = Math.min(bytes.length, this.#maxWrite);
    this.written.push(bytes.slice(0, n));
    return n;
  }

  /**
   * Closes the source: a pending read rejects with `Deno.errors.Interrupted`, held writes reject.
   *
   * @example
   * ```ts
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import assert from "node:assert/strict";
   *
   * const source = new MemorySource();
   * const pending = source.read(new Uint8Array(1));
   * source.close();
   * await assert.rejects(pending, Deno.errors.Interrupted);
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new Deno.errors.Interrupted("Source was closed"));
    this.releaseWrites();
  }

  #serve(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const chunk = this.#incoming[0];
    if (chunk !== undefined) {
      this.#waiter = undefined;
      const n = Math.min(chunk.length, waiter.into.length);
      waiter.into.set(chunk.subarray(0, n));
      if (n === chunk.length) this.#incoming.shift();
      else this.#incoming[0] = chunk.subarray(n);
      waiter.resolve(n);
    } else if (this.#failure !== undefined) {
      this.#waiter = undefined;
      waiter.reject(this.#failure);
      this.#failure = undefined;
    } else if (this.#ended) {
      this.#waiter = undefined;
      waiter.resolve(null);
    }
  }
}
