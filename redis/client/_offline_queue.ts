// Where a client's commands wait while it has no ready connection: in order, bounded by a count
// and by the bytes their arguments take once encoded. A block (a pipeline, a transaction) is one
// item that counts as all its commands. Entries whose caller gave up (a timeout, an abort) are
// dropped when the queue needs room, and skipped when it is drained.

import type { LoopHandle, LoopTimer } from "../../loop/types.ts";
import { Ring } from "../context/ring.ts";
import type { RedisArgument } from "../resp/types.ts";
import type { Command } from "./_command.ts";

/** Commands that must stay together (a transaction), or a pipeline's members. */
export class Block {
  readonly entries: Command[];
  readonly transaction: boolean;
  constructor(entries: Command[], transaction: boolean) {
    this.entries = entries;
    this.transaction = transaction;
  }
}

export type OfflineItem = Command | Block;

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++; // a pair: 4 bytes for 2 units
      bytes += 2; // a lone surrogate is encoded as U+FFFD, 3 bytes
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

/** The size of `argv` once encoded as RESP (for a string argument: its UTF-8 length). */
export function encodedSize(argv: readonly RedisArgument[] | undefined): number {
  if (argv === undefined) return 0;
  let size = 3 + digits(argv.length);
  for (let i = 0; i < argv.length; i++) {
    const arg: unknown = argv[i];
    let length: number;
    if (typeof arg === "string") length = utf8Length(arg);
    else if (arg instanceof Uint8Array) length = arg.length;
    else length = String(arg).length;
    size += 5 + digits(length) + length;
  }
  return size;
}

function sizeOf(item: OfflineItem): number {
  if (item instanceof Block) {
    let size = 0;
    for (const entry of item.entries) size += encodedSize(entry.args);
    return size;
  }
  const pubsub = item.settle.pubsub;
  if (pubsub !== undefined) {
    let size = 32;
    for (const name of pubsub.names) {
      size += 16 + (typeof name === "string" ? utf8Length(name) : name.length);
    }
    return size;
  }
  return encodedSize(item.args);
}

function countOf(item: OfflineItem): number {
  return item instanceof Block ? item.entries.length : 1;
}

function isDead(item: OfflineItem): boolean {
  if (item instanceof Block) return item.entries.every((entry) => entry.abandoned);
  return item.abandoned;
}

/** Why an item did not fit: the bound and its unit. */
export interface Overflow {
  limit: number;
  unit: "commands" | "bytes";
}

export class OfflineQueue {
  readonly maxCommands: number;
  readonly maxBytes: number;
  /** How long an item may wait before it expires (`Infinity`: no limit). */
  readonly timeoutMs: number;
  #items = new Ring<OfflineItem>();
  #sizes = new Ring<number>();
  #commands = 0;
  #bytes = 0;
  // The deadline of each item waiting (or given up and not yet dropped).
  #timers = new Map<OfflineItem, LoopTimer>();
  /**
   * A command whose connection was lost did not fit: the ones after it from the same loss fail
   * with this too, so that none runs without the ones before it. Cleared on the next loss or
   * connection.
   */
  requeueRefusal: Error | undefined = undefined;

  constructor(maxCommands: number, maxBytes: number, timeoutMs = Infinity) {
    this.maxCommands = maxCommands;
    this.maxBytes = maxBytes;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Starts the deadline of `item`, just pushed: after `timeoutMs`, `expire(item)` (which fails
   * its entries), then the given-up items at the head leave the queue.
   */
  arm(item: OfflineItem, timers: LoopHandle, expire: (item: OfflineItem) => void): void {
    if (this.timeoutMs === Infinity) return;
    this.#timers.set(
      item,
      timers.scheduleTimer(this.timeoutMs, () => {
        this.#timers.delete(item);
        expire(item);
        this.prune();
      }),
    );
  }

  /** Commands waiting (those given up on included, until they are dropped). */
  get length(): number {
    return this.#commands;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Queues `item` at the end; returns the bound it would break instead (nothing queued). */
  push(item: OfflineItem): Overflow | undefined {
    const size = sizeOf(item);
    const count = countOf(item);
    const overflow = this.#check(count, size);
    if (overflow !== undefined) return overflow;
    this.#items.push(item);
    this.#sizes.push(size);
    this.#commands += count;
    this.#bytes += size;
    return undefined;
  }

  /** Takes every item out, oldest first, leaving the queue empty. */
  /** Drops the items at the head whose callers all gave up (a deadline ran out, an abort). */
  prune(): void {
    const items = this.#items;
    while (items.length > 0 && isDead(items.peek()!)) {
      this.#commands -= countOf(items.shift()!);
      this.#bytes -= this.#sizes.shift()!;
    }
  }

  /** Takes every item out, in order; their deadlines stop. */
  drain(): OfflineItem[] {
    if (this.#timers.size > 0) {
      // Every item with a deadline leaves now (or left earlier, given up).
      for (const timer of this.#timers.values()) timer.cancel();
      this.#timers.clear();
    }
    this.#sizes.drain();
    this.#commands = 0;
    this.#bytes = 0;
    return this.#items.drain();
  }

  #check(count: number, size: number): Overflow | undefined {
    if (this.#fits(count, size)) return undefined;
    this.#compact();
    if (this.#commands + count > this.maxCommands) {
      return { limit: this.maxCommands, unit: "commands" };
    }
    if (this.#bytes + size > this.maxBytes) return { limit: this.maxBytes, unit: "bytes" };
    return undefined;
  }

  #fits(count: number, size: number): boolean {
    return this.#commands + count <= this.maxCommands && this.#bytes + size <= this.maxBytes;
  }

  /** Drops items whose callers all gave up. */
  #compact(): void {
    const items = this.#items.drain();
    const sizes = this.#sizes.drain();
    this.#commands = 0;
    this.#bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (isDead(item)) continue;
      this.#items.push(item);
      this.#sizes.push(sizes[i]!);
      this.#commands += countOf(item);
      this.#bytes += sizes[i]!;
    }
  }
}
