const MIN_CAPACITY = 16;
// When the ring empties with more than this many slots, and more than four times as many as it
// held at most since it last emptied, it is replaced by a small one: one burst of a million
// commands does not pin megabytes of slots for the life of the connection, while steady bursts
// of the same size do not pay for growing again each time.
const RETAINED_CAPACITY = 4096;

/**
 * A FIFO queue over a power-of-two ring buffer: `push` and `shift` are O(1) at both ends (an
 * `Array.prototype.shift` is O(n) once an array is large), and slots are reused, so a steady flow
 * of commands allocates nothing. The reply FIFO of a Redis connection is one.
 *
 * @typeParam T The element type.
 *
 * @example First in, first out
 * ```ts
 * import { Ring } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const ring = new Ring<string>();
 * ring.push("SET");
 * ring.push("GET");
 * assert.equal(ring.peek(), "SET");
 * assert.equal(ring.shift(), "SET");
 * assert.equal(ring.shift(), "GET");
 * assert.equal(ring.shift(), undefined);
 * ```
 */
export class Ring<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;
  #peak = 0;

  /**
   * Makes an empty ring.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Ring<number>().length, 0);
   * ```
   */
  constructor() {
    this.#slots = new Array(MIN_CAPACITY).fill(undefined);
    this.#mask = MIN_CAPACITY - 1;
  }

  /**
   * How many elements are queued.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<number>();
   * for (let i = 0; i < 100; i++) ring.push(i);
   * assert.equal(ring.length, 100);
   * ```
   */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends an element at the tail.
   *
   * @param item The element.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<number>();
   * ring.push(7);
   * assert.equal(ring.peek(), 7);
   * ```
   */
  push(item: T): void {
    if (this.#length === this.#slots.length) this.#grow();
    this.#slots[(this.#head + this.#length) & this.#mask] = item;
    if (++this.#length > this.#peak) this.#peak = this.#length;
  }

  /**
   * Removes and returns the element at the head.
   *
   * @returns The oldest element, or `undefined` when the ring is empty.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<number>();
   * ring.push(1);
   * assert.equal(ring.shift(), 1);
   * assert.equal(ring.length, 0);
   * ```
   */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const slots = this.#slots;
    const head = this.#head;
    const item = slots[head];
    slots[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    if (--this.#length === 0) this.#emptied();
    return item;
  }

  /**
   * The element at the head, left in place.
   *
   * @returns The oldest element, or `undefined` when the ring is empty.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<string>();
   * assert.equal(ring.peek(), undefined);
   * ring.push("a");
   * assert.equal(ring.peek(), "a");
   * assert.equal(ring.length, 1);
   * ```
   */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /**
   * The element `index` places behind the head.
   *
   * @param index 0 for the head, `length - 1` for the tail.
   * @returns The element, or `undefined` when `index` is outside the ring.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<string>();
   * ring.push("a");
   * ring.push("b");
   * assert.equal(ring.at(1), "b");
   * assert.equal(ring.at(2), undefined);
   * ```
   */
  at(index: number): T | undefined {
    if (!(index >= 0 && index < this.#length) || (index | 0) !== index) return undefined;
    return this.#slots[(this.#head + index) & this.#mask];
  }

  /**
   * Removes every element, returning them oldest first.
   *
   * @returns The elements that were queued.
   *
   * @example
   * ```ts
   * import { Ring } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const ring = new Ring<number>();
   * ring.push(1);
   * ring.push(2);
   * assert.deepEqual(ring.drain(), [1, 2]);
   * assert.equal(ring.length, 0);
   * ```
   */
  drain(): T[] {
    const out = new Array<T>(this.#length);
    for (let i = 0; i < out.length; i++) {
      const at = (this.#head + i) & this.#mask;
      out[i] = this.#slots[at]!;
      this.#slots[at] = undefined;
    }
    this.#head = 0;
    this.#length = 0;
    this.#emptied();
    return out;
  }

  #grow(): void {
    const old = this.#slots;
    const capacity = old.length * 2;
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & this.#mask];
    this.#slots = slots;
    this.#mask = capacity - 1;
    this.#head = 0;
  }

  #emptied(): void {
    const capacity = this.#slots.length;
    if (capacity > RETAINED_CAPACITY && capacity > 4 * this.#peak) {
      this.#slots = new Array(MIN_CAPACITY).fill(undefined);
      this.#mask = MIN_CAPACITY - 1;
      this.#head = 0;
    }
    this.#peak = 0;
  }
}
