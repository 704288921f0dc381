// The outbox of one connection, pure: it encodes commands into the write buffer while the bytes
// not yet taken stay under a bound, keeps the rest waiting unencoded (single commands and batches
// that nothing may interleave), gives large byte arguments chunks of their own, and counts which
// encoded commands are not yet wholly handed to the transport. Each command it encodes joins the
// reply FIFO it was given; one that cannot be encoded fails through the sink.

import type { RedisArgument } from "../resp/types.ts";
import { RespWriter } from "../resp/writer.ts";
import { encodeInChunks, hasLargeArgument } from "./_argv.ts";
import { Ring } from "./ring.ts";
import type { ContextEntry, ContextSink } from "./types.ts";

/**
 * Commands queued together: nothing else is encoded between them. A large batch is encoded a
 * write buffer at a time (from `next`), so the server starts on its first commands while the
 * rest are being encoded.
 */
class Batch<E> {
  readonly entries: E[];
  readonly argvs: readonly (readonly RedisArgument[])[];
  next = 0;
  started = false;
  constructor(entries: E[], argvs: readonly (readonly RedisArgument[])[]) {
    this.entries = entries;
    this.argvs = argvs;
  }
}

/** Encodes and bounds a connection's writes (see the file comment). */
export class Outbox<E extends ContextEntry> {
  #writer = new RespWriter();
  #max: number;
  #inflight: Ring<E>;
  #sink: Pick<ContextSink<E>, "fail" | "dropped">;
  // The last #unwritten commands of the FIFO are not yet wholly handed to the transport;
  // #inWriter of them are in the writer.
  #unwritten = 0;
  #inWriter = 0;
  // Chunks to hand over after the writer's bytes: commands with large byte arguments, each copied
  // once into a chunk of its own when encoded. Nothing is encoded into the writer while any
  // wait, so the writer's bytes always come first. #outCompletes: commands each chunk completes.
  #out = new Ring<Uint8Array>();
  #outCompletes = new Ring<number>();
  // Commands (or batches) waiting unencoded; a command's arguments wait in its `argv` slot.
  #backlog = new Ring<E | Batch<E>>();
  #writes = 0;
  #bytesWritten = 0;
  #peakBuffered = 0;

  /**
   * @param inflight The reply FIFO: each command encoded is pushed onto it.
   * @param sink Hears a waiting command that fails to encode, or that was dropped unsent.
   * @param maxBufferedBytes The bound on encoded bytes not yet taken.
   */
  constructor(
    inflight: Ring<E>,
    sink: Pick<ContextSink<E>, "fail" | "dropped">,
    maxBufferedBytes: number,
  ) {
    this.#inflight = inflight;
    this.#sink = sink;
    this.#max = maxBufferedBytes;
  }

  /** How many commands of the FIFO (its newest) are not yet wholly handed over. */
  get unwritten(): number {
    return this.#unwritten;
  }

  /** How many commands or batches wait unencoded. */
  get waiting(): number {
    return this.#backlog.length;
  }

  /** Writes taken so far. */
  get writes(): number {
    return this.#writes;
  }

  /** Bytes taken so far. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** The most bytes the write buffer held when taken. */
  get peakBufferedBytes(): number {
    return this.#peakBuffered;
  }

  /** Whether a command may be encoded at once: nothing waits and the buffer has room. */
  get open(): boolean {
    return this.#backlog.length === 0 && this.#out.length === 0 &&
      this.#writer.bufferedBytes < this.#max;
  }

  /** Encodes a command and pushes its entry onto the FIFO; a TypeError leaves both unchanged. */
  write(entry: E, argv: readonly RedisArgument[]): void {
    if (hasLargeArgument(argv)) {
      this.#queueChunks(encodeInChunks(argv));
    } else {
      this.#writer.append(argv);
      this.#inWriter++;
    }
    this.#inflight.push(entry);
    this.#unwritten++;
  }

  /** Encodes a command no entry waits for (the handshake's); it has no large argument. */
  writeBare(argv: readonly RedisArgument[]): void {
    this.#writer.append(argv);
  }

  /** Keeps a command waiting, unencoded, behind the others. */
  wait(entry: E, argv: readonly RedisArgument[]): void {
    entry.argv = argv;
    this.#backlog.push(entry);
  }

  /** Keeps a block of commands waiting; returns whether it is the only thing waiting. */
  waitBatch(entries: E[], argvs: readonly (readonly RedisArgument[])[]): boolean {
    this.#backlog.push(new Batch(entries, argvs));
    return this.#backlog.length === 1;
  }

  /** Encodes waiting commands while the write buffer is under its bound. */
  refill(): void {
    const backlog = this.#backlog;
    const writer = this.#writer;
    const max = this.#max;
    const out = this.#out;
    while (backlog.length > 0 && out.length === 0 && writer.bufferedBytes < max) {
      const item = backlog.peek()!;
      if (item instanceof Batch) {
        if (this.#encodeBatch(item, max)) backlog.shift();
        continue;
      }
      backlog.shift();
      const argv = item.argv!;
      item.argv = undefined;
      if (item.abandoned) {
        this.#sink.dropped?.(item);
        continue;
      }
      this.#encode(item, argv);
    }
  }

  /** The next bytes to hand over (the writer's, then chunks), or `undefined`. */
  take(): Uint8Array | undefined {
    const writer = this.#writer;
    const size = writer.bufferedBytes;
    let bytes: Uint8Array | undefined;
    if (size > 0) {
      if (size > this.#peakBuffered) this.#peakBuffered = size;
      this.#unwritten -= this.#inWriter;
      this.#inWriter = 0;
      bytes = writer.take()!;
    } else if (this.#out.length > 0) {
      this.#unwritten -= this.#outCompletes.shift()!;
      bytes = this.#out.shift()!;
    } else {
      return undefined;
    }
    this.#writes++;
    this.#bytesWritten += bytes.length;
    return bytes;
  }

  /** Forgets every encoded byte (the connection ended); what waits stays for `failWaiting`. */
  clear(): void {
    this.#unwritten = this.#inWriter = 0;
    this.#writer.clear();
    this.#out.drain();
    this.#outCompletes.drain();
  }

  /** Fails every command still waiting with `error` (those abandoned before a start: dropped). */
  failWaiting(error: Error): void {
    const sink = this.#sink;
    for (const item of this.#backlog.drain()) {
      if (item instanceof Batch) {
        const entries = item.entries;
        for (let i = item.next; i < entries.length; i++) {
          const entry = entries[i]!;
          if (item.started || !entry.abandoned) sink.fail(entry, error, false);
          else sink.dropped?.(entry);
        }
      } else {
        item.argv = undefined;
        if (!item.abandoned) sink.fail(item, error, false);
        else sink.dropped?.(item);
      }
    }
  }

  /** Encodes one waiting command; a TypeError fails it through the sink. */
  #encode(entry: E, argv: readonly RedisArgument[]): void {
    try {
      this.write(entry, argv);
    } catch (error) {
      this.#sink.fail(entry, error as Error, false);
    }
  }

  /** Queues the chunks of one command behind the writer's bytes; the last one completes it. */
  #queueChunks(chunks: Uint8Array[]): void {
    for (let i = 0; i < chunks.length; i++) {
      this.#out.push(chunks[i]!);
      this.#outCompletes.push(i === chunks.length - 1 ? 1 : 0);
    }
  }

  /** Encodes a batch while the buffer is under `max`; returns whether it is done. */
  #encodeBatch(batch: Batch<E>, max: number): boolean {
    const { entries, argvs } = batch;
    const writer = this.#writer;
    const out = this.#out;
    let i = batch.next;
    for (; i < entries.length && out.length === 0 && writer.bufferedBytes < max; i++) {
      const entry = entries[i]!;
      if (!batch.started) {
        if (entry.abandoned) {
          this.#sink.dropped?.(entry);
          continue;
        }
        batch.started = true;
      }
      this.#encode(entry, argvs[i]!);
    }
    batch.next = i;
    return i === entries.length;
  }
}
