// Where commands wait between two attempts: each for its own backoff, or less when the client
// closes or a new slot map is installed. On a new map they all go again at once, in the order
// the commands were first issued, so a command is not overtaken on its connection by one issued
// after it (an `RPUSH` is not stuck behind the `WAIT` its writer sent next).

interface Parked {
  readonly seq: number;
  readonly finish: () => void;
}

/** The waiting room of a cluster client's retries. */
export class RetryPark {
  #parked = new Set<Parked>();
  #issued = 0;

  /** A number for a command's place in the issue order (the first time it fails). */
  next(): number {
    return ++this.#issued;
  }

  /** How many commands wait. */
  get size(): number {
    return this.#parked.size;
  }

  /** Waits `ms`, or less when `signal` aborts or {@linkcode RetryPark.wake} is called. */
  pause(ms: number, seq: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let done = false;
      const parked: Parked = { seq, finish: () => finish() };
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(id);
        signal.removeEventListener("abort", finish);
        this.#parked.delete(parked);
        resolve();
      };
      const id = setTimeout(finish, ms);
      signal.addEventListener("abort", finish);
      this.#parked.add(parked);
    });
  }

  /** Ends every wait now, the earliest issued command first. */
  wake(): void {
    if (this.#parked.size === 0) return;
    const parked = [...this.#parked].sort((a, b) => a.seq - b.seq);
    this.#parked = new Set();
    for (const { finish } of parked) finish();
  }
}
