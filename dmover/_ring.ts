// A FIFO over a power-of-two ring buffer, private to dmover/: a session's unread completions, the
// submission numbers beside them, and its waiting readers, writers and polls. Push and shift are
// O(1) at both ends (Array.prototype.shift is O(n)), and slots are reused, so a steady flow of
// requests allocates nothing.

const MIN_CAPACITY = 8;

/** A first-in, first-out queue that grows by doubling and reuses its slots. */
export class Ring<T> {
  #slots: (T | undefined)[];
  // A number beside each element, for rings made with `tagged` (a session's completions carry
  // their submission numbers here): no second ring to keep in step.
  #tags: Float64Array | undefined;
  #mask: number;
  #head = 0;
  #length = 0;

  /**
   * @param capacity Slots to start with (rounded up to a power of two, at least 8).
   * @param tagged Keep a number beside each element (see `push` and `tagAt`).
   */
  constructor(capacity = MIN_CAPACITY, tagged = false) {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.#slots = new Array(size).fill(undefined);
    this.#tags = tagged ? new Float64Array(size) : undefined;
    this.#mask = size - 1;
  }

  /** How many elements are queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends an element at the tail, with its tag in a tagged ring. */
  push(item: T, tag = 0): void {
    if (this.#length === this.#slots.length) this.#grow();
    const at = (this.#head + this.#length) & this.#mask;
    this.#slots[at] = item;
    if (this.#tags !== undefined) this.#tags[at] = tag;
    this.#length++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const head = this.#head;
    const item = this.#slots[head];
    this.#slots[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** The head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** The element `index` places from the head (0 is the head), or undefined past the tail. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#slots[(this.#head + index) & this.#mask];
  }

  /** The tag of the element `index` places from the head (0 in an untagged ring). */
  tagAt(index: number): number {
    if (this.#tags === undefined || index < 0 || index >= this.#length) return 0;
    return this.#tags[(this.#head + index) & this.#mask]!;
  }

  /** Removes one element (the first equal to `item`), keeping the order of the rest (untagged rings). */
  delete(item: T): boolean {
    for (let i = 0; i < this.#length; i++) {
      if (this.at(i) === item) {
        this.#removeAt(i);
        return true;
      }
    }
    return false;
  }

  /**
   * Removes every element for which `take` returns true, in order, keeping the order of the rest;
   * `take` may not touch the ring (untagged rings).
   */
  removeWhere(take: (item: T) => boolean): void {
    let kept = 0;
    const n = this.#length;
    for (let i = 0; i < n; i++) {
      const at = (this.#head + i) & this.#mask;
      const item = this.#slots[at]!;
      this.#slots[at] = undefined;
      if (!take(item)) this.#slots[(this.#head + kept++) & this.#mask] = item;
    }
    this.#length = kept;
  }

  /** Removes every element and returns them, head first. */
  drain(): T[] {
    const out: T[] = new Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.shift()!;
    this.#head = 0;
    return out;
  }

  #removeAt(index: number): void {
    for (let i = index; i < this.#length - 1; i++) {
      this.#slots[(this.#head + i) & this.#mask] = this.#slots[(this.#head + i + 1) & this.#mask];
    }
    this.#slots[(this.#head + this.#length - 1) & this.#mask] = undefined;
    this.#length--;
  }

  #grow(): void {
    const old = this.#slots;
    const size = old.length * 2;
    const slots: (T | undefined)[] = new Array(size).fill(undefined);
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & this.#mask];
    const oldTags = this.#tags;
    if (oldTags !== undefined) {
      const tags = new Float64Array(size);
      for (let i = 0; i < this.#length; i++) tags[i] = oldTags[(this.#head + i) & this.#mask]!;
      this.#tags = tags;
    }
    this.#slots = slots;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
