// The sequence-number workload of the cluster failure tests and bench:cluster: `writers` logical
// writers, each appending `<writer>:<seq>` to its own list `log:{<writer>}` one write at a time,
// through a contender's `push`. A push resolves `true` when the write is acknowledged (with the
// contender's notion of it: a plain reply, or a `WAIT 1` that saw a replica have it), `false`
// when it was answered but not acknowledged, and rejects when the application saw an error (the
// outcome is then unknown). At the end, `verify` compares the lists with what was acknowledged:
// lost (acknowledged, missing), duplicated (present twice), phantom (present, neither
// acknowledged nor unknown).

/** Appends `value` to `key`; see the file's header for what the result means. */
export type Push = (key: string, value: string) => Promise<boolean>;

/** The outcome of a run, as counts. */
export interface LoadReport {
  /** Writes issued. */
  issued: number;
  /** Writes acknowledged. */
  acked: number;
  /** Writes answered but not acknowledged (e.g. `WAIT` saw no replica). */
  unacked: number;
  /** Writes the application saw fail (outcome unknown). */
  errors: number;
  /** Acknowledged writes missing from the lists. */
  lost: number;
  /** Values present more than once. */
  duplicated: number;
  /** Values present that were neither acknowledged nor failed nor unacknowledged. */
  phantom: number;
  /** Error class names and how often each was seen. */
  errorKinds: Record<string, number>;
}

/** Every writer's list key (`prefix` keeps runs apart; the slot is the writer's tag's). */
export function logKey(writer: number, prefix = ""): string {
  return `${prefix}log:{${writer}}`;
}

export class SequenceLoad {
  readonly writers: number;
  readonly prefix: string;
  /** Errors seen, in order (the first 100). */
  readonly errorSamples: Error[] = [];
  #push: Push;
  #acked: Set<number>[];
  #unacked: Set<number>[];
  #failed: Set<number>[];
  #next: number[];
  #errorKinds: Record<string, number> = {};
  #running: Promise<void>[] = [];
  #stopped = false;
  #watches: { since: number; writers: Set<number>; resolve(at: number): void }[] = [];
  /**
   * Called with the writer and time (epoch ms) of each write the server answered (acknowledged
   * or not: after a failover the new master may have no replica for `WAIT` yet), when set.
   */
  onReply: ((writer: number, at: number) => void) | undefined = undefined;
  /** Acknowledged writes per writer (for throughput). */
  ackCount = 0;
  errorCount = 0;
  /** When each error was seen (epoch ms), for "errors after t" questions. */
  readonly errorTimes: number[] = [];

  constructor(writers: number, push: Push, prefix = "") {
    this.writers = writers;
    this.prefix = prefix;
    this.#push = push;
    this.#acked = Array.from({ length: writers }, () => new Set());
    this.#unacked = Array.from({ length: writers }, () => new Set());
    this.#failed = Array.from({ length: writers }, () => new Set());
    this.#next = Array(writers).fill(0);
  }

  /** Starts every writer (each loops until `stop()`). */
  start(): void {
    this.#stopped = false;
    for (let w = 0; w < this.writers; w++) this.#running.push(this.#loop(w));
  }

  /**
   * Stops the writers after their write in flight; resolves once each has stopped, or after
   * `timeoutMs`, with how many writers were still waiting for a write then (hung).
   */
  async stop(timeoutMs = Infinity): Promise<number> {
    this.#stopped = true;
    let pending = this.#running.length;
    const all = Promise.all(this.#running.map((loop) => loop.then(() => void pending--)));
    this.#running = [];
    if (timeoutMs === Infinity) {
      await all;
      return 0;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((resolve) => timer = setTimeout(resolve, timeoutMs))]);
    clearTimeout(timer);
    return pending;
  }

  /**
   * Resolves with the time (epoch ms) of the first write by one of `writers` that the server
   * answered after `since` (acknowledged or not).
   */
  firstReplyAfter(since: number, writers: Iterable<number>): Promise<number> {
    return new Promise((resolve) => {
      this.#watches.push({ since, writers: new Set(writers), resolve });
    });
  }

  async #loop(writer: number): Promise<void> {
    const key = logKey(writer, this.prefix);
    while (!this.#stopped) {
      const seq = this.#next[writer]!++;
      try {
        const acked = await this.#push(key, `${writer}:${seq}`);
        if (acked) {
          this.#acked[writer]!.add(seq);
          this.ackCount++;
        } else {
          this.#unacked[writer]!.add(seq);
        }
        if (this.#watches.length > 0 || this.onReply !== undefined) this.#replied(writer);
      } catch (error) {
        this.#failed[writer]!.add(seq);
        this.errorCount++;
        this.errorTimes.push(performance.timeOrigin + performance.now());
        const name = error instanceof Error ? error.constructor.name : typeof error;
        this.#errorKinds[name] = (this.#errorKinds[name] ?? 0) + 1;
        if (this.errorSamples.length < 100) {
          this.errorSamples.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
    }
  }

  #replied(writer: number): void {
    const at = performance.timeOrigin + performance.now();
    this.onReply?.(writer, at);
    this.#watches = this.#watches.filter((watch) => {
      if (at <= watch.since || !watch.writers.has(writer)) return true;
      watch.resolve(at);
      return false;
    });
  }

  /** Compares every writer's list (its items, in order) with what was acknowledged. */
  verify(lists: readonly (readonly string[])[]): LoadReport {
    const report: LoadReport = {
      issued: 0,
      acked: 0,
      unacked: 0,
      errors: 0,
      lost: 0,
      duplicated: 0,
      phantom: 0,
      errorKinds: { ...this.#errorKinds },
    };
    for (let w = 0; w < this.writers; w++) {
      const acked = this.#acked[w]!;
      const unacked = this.#unacked[w]!;
      const failed = this.#failed[w]!;
      report.issued += this.#next[w]!;
      report.acked += acked.size;
      report.unacked += unacked.size;
      report.errors += failed.size;
      const seen = new Set<number>();
      for (const item of lists[w] ?? []) {
        const [writer, seq] = item.split(":").map(Number);
        if (writer !== w || !Number.isInteger(seq)) {
          report.phantom++;
          continue;
        }
        if (seen.has(seq!)) report.duplicated++;
        seen.add(seq!);
        if (!acked.has(seq!) && !unacked.has(seq!) && !failed.has(seq!)) report.phantom++;
      }
      for (const seq of acked) if (!seen.has(seq)) report.lost++;
    }
    return report;
  }
}
