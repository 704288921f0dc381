// The bounded queue behind a subscription's or a monitor's async iterator: messages wait here
// until the consumer asks for them; at most `limit` wait (the owner decides what a full queue
// means). Ending it lets the consumer read what is queued, then finish or throw.

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: Error): void;
}

export class MessageQueue<T> {
  readonly limit: number;
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiters: Waiter<T>[] = [];
  #ended = false;
  #error: Error | undefined = undefined;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Messages waiting to be read. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Hands `item` to a waiting reader or queues it; `false` (nothing done) when full or ended. */
  push(item: T): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: item });
      return true;
    }
    if (this.#items.length - this.#head >= this.limit) return false;
    this.#items.push(item);
    return true;
  }

  /** No more messages: readers get what is queued, then `done` (or `error`, thrown once). */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (this.length > 0) return;
    this.#settleWaiters();
  }

  /** Ends now, dropping what is queued. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#ended = true;
    this.#settleWaiters();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value: item });
    }
    if (this.#ended) {
      const error = this.#error;
      if (error === undefined) return Promise.resolve(DONE);
      this.#error = undefined; // thrown once; later calls are done
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #settleWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    const error = this.#error;
    if (error !== undefined && waiters.length > 0) this.#error = undefined;
    for (let i = 0; i < waiters.length; i++) {
      if (i === 0 && error !== undefined) waiters[i]!.reject(error);
      else waiters[i]!.resolve(DONE);
    }
  }
}
