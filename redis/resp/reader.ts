import { ProtocolError, type ReplyDecodeError } from "../errors.ts";
import { AGGREGATE_COST, ReplyBudget } from "./_budget.ts";
import { bigInteger, isCanonicalInteger, parseDouble } from "./_number.ts";
import {
  ARRAY,
  article,
  ATTRIBUTE,
  badHeader,
  BIG_NUMBER,
  BLOB_ERROR,
  BOOLEAN,
  BULK,
  cached,
  CR,
  DOUBLE,
  ERROR,
  FALSE_TEXT,
  fixedEnd,
  headerEnd,
  INTEGER,
  JS_COLLECTION_LIMIT,
  LF,
  MAP,
  MAX_INTEGER_TEXT,
  MAX_LENGTH_TEXT,
  MAX_STRING_LENGTH,
  NAMES,
  NULL,
  NULL_TEXT,
  PUSH,
  readerLimits,
  SET,
  SIMPLE,
  TRUE_TEXT,
  VERBATIM,
} from "./_protocol.ts";
import { StringMaker } from "./_strings.ts";
import { TextValues } from "./_decode.ts";
import { quote } from "./_text.ts";
import type {
  NextOptions,
  PushHandler,
  RespAttribute,
  RespReaderOptions,
  RespValue,
} from "./types.ts";

// The internal buffer starts at this size, and is dropped when it is empty and larger than
// RETAINED_CAPACITY, so one large reply does not pin memory for the life of the connection.
const DEFAULT_CAPACITY = 64 * 1024;
const RETAINED_CAPACITY = 256 * 1024;
// A bulk string at least this long that is still incomplete is received straight into its own
// array: later bytes are copied once, into place, and never pass through the internal buffer.
const DIRECT_BULK = 16 * 1024;
// Its array is allocated at its final size up to this length; a longer one starts here and
// doubles as bytes arrive, so a bare header cannot make the reader allocate 512 MiB at once.
const DIRECT_EXACT = 16 * 1024 * 1024;

const NEED = -2; // from #length: the line is not complete yet
const CONTINUE: unique symbol = Symbol("continue"); // from #element: no value to attach
const EMPTY = new Uint8Array(0);

type Aggregate = RespValue[] | Map<RespValue, RespValue> | Set<RespValue>;

/**
 * The RESP2/RESP3 reply parser: a pure state machine, after hiredis's `read.c`, that never touches
 * I/O. Feed it bytes as they arrive with {@linkcode RespReader.feed} and take complete replies with
 * {@linkcode RespReader.next}.
 *
 * - **Results.** `next()` returns the next complete reply, or `undefined` while more bytes are
 *   needed. No reply is ever `undefined`: RESP nulls (`_`, `$-1`, `*-1`) are `null`. An error
 *   reply is returned as a {@linkcode ReplyError} value; malformed input throws a
 *   {@linkcode ProtocolError} carrying the stream offset. The shapes are listed at
 *   {@linkcode RespValue}: integers are exact (`number` up to ±(2^53 − 1), `bigint` beyond, and
 *   beyond int64 is an error); big numbers are always `bigint`; maps are `Map`s, so keys that are
 *   not strings keep their type (aggregate or byte keys compare by identity); sets are `Set`s.
 * - **Strings.** Bulk strings are decoded as UTF-8 (invalid sequences become U+FFFD) unless
 *   `returnBuffers` is set for the reader or for the `next()` calls that read the reply; then
 *   bulk and verbatim strings are `Uint8Array`s that no later reply overwrites. Up to 512 bytes
 *   they are views into a shared 16 KiB pool, as with Node's `Buffer` (a standalone small array
 *   costs about 20 times more to create here): their `byteOffset` may not be 0 and their
 *   `buffer` holds other values, so `slice()` one before transferring its buffer. Longer ones
 *   have a buffer of their own. Simple strings and errors are always strings.
 * - **Pushes** (`>`) never take a reply's place: when `next()` parses one it calls `onPush`
 *   synchronously, then goes on parsing. So every push that precedes a reply in the stream has
 *   reached the handler before `next()` returns that reply. Without a handler pushes are
 *   discarded.
 * - **Attributes** (`|`) never take a reply's place either: after `next()` returns a reply,
 *   {@linkcode RespReader.attributes} lists the attributes that annotated it or its elements;
 *   pushes get theirs as the handler's second argument.
 * - **Resumable and bounded.** Bytes may be split anywhere. Nothing recurses: nesting is an
 *   explicit stack. Every bound in {@linkcode RespReaderOptions} (depth, lengths, one reply's
 *   elements and bytes) is checked before anything is allocated for what it bounds, the same
 *   however the stream is split. After a `ProtocolError` (anything else that fails while parsing
 *   becomes one, as its `cause`) the reader refuses input until {@linkcode RespReader.reset}.
 * - **Too long for a string.** A reply holding a string no JavaScript string can hold (a 512 MiB
 *   value read without `returnBuffers`) is returned, in step, as a {@linkcode ReplyDecodeError};
 *   in a push, that error takes the string's place.
 * - **Memory.** `feed()` copies the bytes it is given (the caller may reuse its buffer at once);
 *   parsed bytes are dropped as replies complete, a large incomplete bulk string is copied once
 *   straight into the array it will be returned in, and the internal buffer shrinks back after a
 *   large reply.
 *
 * @example Replies, nulls and error replies
 * ```ts
 * import { ReplyError, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("+OK\r\n$-1\r\n-WRONGTYPE Operation against a key\r\n*2\r\n:1\r"));
 * assert.equal(reader.next(), "OK");
 * assert.equal(reader.next(), null);
 * const error = reader.next();
 * assert.ok(error instanceof ReplyError && error.code === "WRONGTYPE");
 * assert.equal(reader.next(), undefined); // the array is not complete yet
 * reader.feed(new TextEncoder().encode("\n$3\r\nabc\r\n"));
 * assert.deepEqual(reader.next(), [1, "abc"]);
 * ```
 *
 * @example Pushes arrive through a handler, in stream order
 * ```ts
 * import { RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const events: unknown[] = [];
 * const reader = new RespReader({ onPush: (push) => void events.push(["push", ...push]) });
 * reader.feed(new TextEncoder().encode(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n+PONG\r\n"));
 * events.push(reader.next());
 * assert.deepEqual(events, [["push", "message", "ch", "hi"], "PONG"]);
 * ```
 *
 * @example Bytes instead of strings for one call
 * ```ts
 * import { RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new Uint8Array([0x24, 0x32, 13, 10, 0xff, 0x00, 13, 10])); // $2\r\n\xff\x00\r\n
 * assert.deepEqual(reader.next({ returnBuffers: true }), new Uint8Array([0xff, 0x00]));
 * ```
 */
export class RespReader {
  /** Receives pushes; see {@linkcode PushHandler}. May be replaced at any time. */
  onPush: PushHandler | undefined;

  #returnBuffers: boolean;
  #pushBuffers: boolean;
  #maxDepth: number;
  #maxElements: number;
  #maxBulkLength: number;
  #maxLineLength: number;
  #maxNumberLength: number; // of doubles and big numbers, never above #maxLineLength
  #okFast: boolean; // `+OK` alone breaks no bound
  // What the reply in progress holds so far (see _budget.ts).
  #budget: ReplyBudget;

  // Unparsed bytes are #buf[#pos, #end); #base is the stream offset of #buf[0].
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  #base = 0;
  #error: ProtocolError | undefined = undefined;

  // The element being parsed: how much of its line was already scanned, and where the line
  // ends (set by #length).
  #scanned = 0;
  #after = 0;

  // Makes strings and byte strings out of #buf (a decoded window, a pool).
  #strings = new StringMaker();

  // A large bulk string received directly into its own array.
  #bulk: Uint8Array | undefined = undefined;
  #bulkLength = 0;
  #bulkFilled = 0;
  #bulkType = 0;
  #bulkAt = 0;

  // The reply in progress: its string mode, and the stack of open aggregates (parallel arrays,
  // reused from one reply to the next).
  #buffers = false;
  #depth = 0;
  #containers: (Aggregate | undefined)[] = [];
  #kinds: number[] = [];
  #left: number[] = [];
  #totals: number[] = [];
  #keys: RespValue[] = [];
  #pendingAttributes: RespAttribute[] | undefined = undefined;
  #delivering = false; // onPush is running
  #attributes: readonly RespAttribute[] | undefined = undefined;
  // Texts that may be too long to decode; the first failure replaces the reply in progress
  // when it completes (a push keeps it in the string's place).
  #texts = new TextValues();
  #pushThrew = false; // what next() is unwinding was thrown by onPush

  /**
   * Makes a reader.
   *
   * @param options String mode, bounds and the push handler.
   * @throws {RangeError} When a bound is not an integer in its range.
   *
   * @example A reader that nests at most two levels
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader({ maxDepth: 2 });
   * reader.feed(new TextEncoder().encode("*1\r\n*1\r\n*1\r\n"));
   * assert.throws(() => reader.next());
   * ```
   */
  constructor(options: RespReaderOptions = {}) {
    this.#returnBuffers = options.returnBuffers ?? false;
    this.#pushBuffers = options.pushBuffers ?? this.#returnBuffers;
    const limits = readerLimits(options);
    this.#maxDepth = limits.maxDepth;
    this.#maxElements = limits.maxElements;
    this.#maxBulkLength = limits.maxBulkLength;
    this.#maxLineLength = limits.maxLineLength;
    this.#maxNumberLength = limits.maxNumberLength;
    this.#budget = new ReplyBudget(limits.maxReplyBytes, limits.maxReplyElements);
    this.#okFast = limits.maxLineLength >= 2 && limits.maxReplyBytes >= 5;
    this.onPush = options.onPush;
  }

  /**
   * Appends bytes from the stream. The reader copies what it keeps, so the caller may reuse
   * `bytes` as soon as this returns.
   *
   * @param bytes The next bytes of the stream, any number, split anywhere.
   * @throws {ProtocolError} The error that stopped the reader, until {@linkcode RespReader.reset}.
   *
   * @example Copying what it keeps
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * const scratch = new TextEncoder().encode(":42\r");
   * reader.feed(scratch);
   * scratch.fill(0); // the reader kept its own copy
   * reader.feed(new Uint8Array([10]));
   * assert.equal(reader.next(), 42);
   * ```
   */
  feed(bytes: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    const length = bytes.length;
    let from = 0;
    let bulk = this.#bulk;
    if (bulk !== undefined) {
      // The internal buffer is empty while a direct bulk is still filling.
      const filled = this.#bulkFilled;
      const take = Math.min(this.#bulkLength - filled, length);
      if (take > 0) {
        if (filled + take > bulk.length) bulk = this.#growBulk(filled + take);
        bulk.set(take === length ? bytes : bytes.subarray(0, take), filled);
        this.#bulkFilled = filled + take;
        this.#base += take;
        from = take;
      }
    }
    if (from < length) this.#append(from === 0 ? bytes : bytes.subarray(from));
  }

  /**
   * Parses the next complete reply. Pushes met on the way go to `onPush`; attributes to
   * {@linkcode RespReader.attributes}.
   *
   * @param options `returnBuffers` for the next reply (see {@linkcode NextOptions}).
   * @returns The reply, or `undefined` while more bytes are needed (a RESP null is `null`).
   * @throws {ProtocolError} When the bytes are not valid RESP or break a bound, or parsing fails
   * in any other way (the original error is its `cause`); every later call throws the same error
   * until {@linkcode RespReader.reset}. An exception thrown by `onPush` propagates as it is; the
   * push counts as delivered and the reader stays usable.
   * @throws {TypeError} When called from the push handler (`feed()` and `reset()` may be).
   *
   * @example Draining every reply that has arrived
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("+OK\r\n:1\r\n_\r\n#t\r\n,1.5\r\n+QUE"));
   * const replies: unknown[] = [];
   * for (let reply = reader.next(); reply !== undefined; reply = reader.next()) {
   *   replies.push(reply);
   * }
   * assert.deepEqual(replies, ["OK", 1, null, true, 1.5]);
   * ```
   */
  next(options?: NextOptions): RespValue | undefined {
    if (this.#error !== undefined) throw this.#error;
    if (this.#delivering) throw new TypeError("Cannot call next() from the push handler");
    const buffers = options?.returnBuffers ?? this.#returnBuffers;
    try {
      for (;;) {
        let value: RespValue | undefined | typeof CONTINUE;
        const depth = this.#depth;
        if (this.#bulk !== undefined) {
          value = this.#finishBulk();
        } else if (depth > 0 && this.#fill(depth - 1)) {
          value = this.#close(depth - 1);
        } else {
          if (this.#bulk !== undefined) continue; // #fill started receiving a large bulk string
          const pos = this.#pos;
          if (pos === this.#end) return this.#needMore();
          if (depth === 0) {
            this.#buffers = this.#buf[pos] === PUSH ? this.#pushBuffers : buffers;
          }
          value = this.#element(pos);
        }
        if (value === undefined) return this.#needMore();
        // Attach the value to the open aggregates, closing each one it completes.
        while (value !== CONTINUE) {
          const top = this.#depth - 1;
          if (top < 0) {
            const budget = this.#budget;
            if (budget.start >= 0) {
              // An aggregate or attribute opened the reply: count what followed its last check.
              const at = this.#pos;
              if (this.#base + at - budget.start > budget.maxBytes) this.#overBytes(at);
              budget.start = -1;
            }
            if (this.#texts.undecodable !== undefined) value = this.#texts.take()!;
            this.#attributes = this.#pendingAttributes;
            this.#pendingAttributes = undefined;
            if (this.#pos === this.#end && this.#buf.length > RETAINED_CAPACITY) this.#needMore();
            return value;
          }
          if (!this.#add(top, value)) break;
          value = this.#close(top);
        }
      }
    } catch (error) {
      // Anything but these (memory ran out) leaves the stream as untrustworthy as bad input.
      if (!(error instanceof ProtocolError) && !this.#pushThrew) {
        this.#fail(`The reply could not be read (${(error as Error)?.message})`, this.#pos, error);
      }
      this.#pushThrew = false;
      throw error;
    }
  }

  /** Adds a value to open aggregate `i`; returns whether that completed it. */
  #add(i: number, value: RespValue): boolean {
    const container = this.#containers[i]!;
    const kind = this.#kinds[i]!;
    const left = this.#left[i]! - 1;
    this.#left[i] = left;
    if (kind === ARRAY || kind === PUSH) {
      (container as RespValue[])[this.#totals[i]! - left - 1] = value;
    } else if (kind === SET) {
      (container as Set<RespValue>).add(value);
    } else if ((left & 1) === 1) {
      this.#keys[i] = value; // a key: its value comes next
    } else {
      (container as Map<RespValue, RespValue>).set(this.#keys[i]!, value);
    }
    return left === 0;
  }

  /**
   * Parses scalar elements straight into open aggregate `i` (the innermost), the common case,
   * without the attach loop of next(). Stops at an aggregate or attribute header, when bytes run
   * out or a large bulk string starts, or when the aggregate is full; returns whether it is full.
   */
  #fill(i: number): boolean {
    const container = this.#containers[i]!;
    const kind = this.#kinds[i]!;
    const buf = this.#buf;
    const total = this.#totals[i]!;
    // The reply may extend to this index of the buffer (#base does not change in here).
    const room = this.#budget.maxBytes + this.#budget.start - this.#base;
    let left = this.#left[i]!;
    while (left > 0) {
      const pos = this.#pos;
      if (pos === this.#end) break;
      const type = buf[pos]!;
      if (type === ARRAY || type === MAP || type === SET || type === PUSH || type === ATTRIBUTE) {
        break;
      }
      let value: RespValue | undefined;
      if (type === BULK) {
        // Inline: a whole, valid `$<n>\r\n<body>\r\n` already in the buffer. Anything else
        // (a null, a partial or large one, a malformed one) goes through #element.
        const end = this.#end;
        let i = pos + 1;
        let n = 0;
        let c = 0;
        for (; i < end; i++) {
          c = buf[i]!;
          const digit = c - 48;
          if (digit >>> 0 > 9) break;
          n = n * 10 + digit;
        }
        const start = i + 2;
        const stop = start + n;
        if (
          c === CR && i > pos + 1 && i < pos + 12 && (i === pos + 2 || buf[pos + 1] !== 48) &&
          stop + 1 < end && buf[i + 1] === LF && buf[stop] === CR && buf[stop + 1] === LF &&
          n <= this.#maxBulkLength && stop + 2 <= room
        ) {
          value = this.#buffers ? this.#bytes(start, stop) : this.#string(start, stop);
          this.#pos = stop + 2;
        } else {
          value = this.#element(pos) as RespValue | undefined;
        }
      } else {
        value = this.#element(pos) as RespValue | undefined; // scalars never CONTINUE
      }
      if (value === undefined) break;
      left--;
      if (kind === ARRAY || kind === PUSH) {
        (container as RespValue[])[total - left - 1] = value;
      } else if (kind === SET) {
        (container as Set<RespValue>).add(value);
      } else if ((left & 1) === 1) {
        this.#keys[i] = value;
      } else {
        (container as Map<RespValue, RespValue>).set(this.#keys[i]!, value);
      }
    }
    this.#left[i] = left;
    return left === 0;
  }

  /** Closes the full aggregate `i`: its value, or CONTINUE for a push or an attribute. */
  #close(i: number): RespValue | typeof CONTINUE {
    const container = this.#containers[i]!;
    const kind = this.#kinds[i]!;
    this.#depth = i;
    this.#containers[i] = undefined;
    this.#keys[i] = null;
    if (kind === PUSH) {
      this.#deliver(container as RespValue[]);
      return CONTINUE;
    }
    if (kind === ATTRIBUTE) {
      this.#annotate(container as Map<RespValue, RespValue>);
      return CONTINUE;
    }
    return container;
  }

  /**
   * The attributes (`|`) that annotated the reply most recently returned by `next()` or its
   * elements, in stream order, or `undefined` when there were none.
   *
   * @returns Each attribute map with the path to the element it annotates.
   *
   * @example Attributes beside a reply
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("|1\r\n+ttl\r\n:60\r\n$5\r\nvalue\r\n"));
   * assert.equal(reader.next(), "value");
   * assert.deepEqual(reader.attributes, [{ path: [], attributes: new Map([["ttl", 60]]) }]);
   * ```
   */
  get attributes(): readonly RespAttribute[] | undefined {
    return this.#attributes;
  }

  /**
   * Whether the reader holds no partial reply: no unparsed bytes, no open aggregate, no pending
   * attribute. A connection that ends while this is `false` ended in the middle of a reply.
   *
   * @returns `true` between replies.
   *
   * @example A partial reply
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("*2\r\n:1\r\n"));
   * assert.equal(reader.next(), undefined);
   * assert.equal(reader.idle, false);
   * ```
   */
  get idle(): boolean {
    return this.#pos === this.#end && this.#depth === 0 && this.#bulk === undefined &&
      this.#pendingAttributes === undefined;
  }

  /**
   * Bytes received and not yet turned into values (including a large bulk string being filled).
   *
   * @returns A byte count.
   *
   * @example Bytes held
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("+PON"));
   * assert.equal(reader.bufferedBytes, 4);
   * ```
   */
  get bufferedBytes(): number {
    return this.#end - this.#pos + (this.#bulk === undefined ? 0 : this.#bulkFilled);
  }

  /**
   * The size of the internal buffer, which shrinks back to a small default after a large reply.
   * It does not include the arrays that large bulk strings are received into.
   *
   * @returns A byte count.
   *
   * @example Shrinking back after a large reply
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * const big = new TextEncoder().encode(`+${"x".repeat(1 << 20)}\r\n`);
   * reader.feed(big);
   * assert.equal((reader.next() as string).length, 1 << 20);
   * assert.ok(reader.bufferCapacity <= 256 * 1024);
   * ```
   */
  get bufferCapacity(): number {
    return this.#buf.length;
  }

  /**
   * The protocol error that stopped the reader, or `undefined`.
   *
   * @returns The first protocol error since creation or the last reset.
   *
   * @example The error that stopped the reader
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("?\r\n"));
   * assert.throws(() => reader.next());
   * assert.equal(reader.error?.offset, 0);
   * ```
   */
  get error(): ProtocolError | undefined {
    return this.#error;
  }

  /**
   * Forgets everything: buffered bytes, the reply in progress, attributes and a protocol error.
   * The stream offset starts again from 0 (as for a new connection).
   *
   * @example Starting over
   * ```ts
   * import { RespReader } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const reader = new RespReader();
   * reader.feed(new TextEncoder().encode("@"));
   * assert.throws(() => reader.next());
   * reader.reset();
   * reader.feed(new TextEncoder().encode("+OK\r\n"));
   * assert.equal(reader.next(), "OK");
   * ```
   */
  reset(): void {
    this.#buf = EMPTY;
    this.#pos = this.#end = this.#base = 0;
    this.#error = undefined;
    this.#scanned = 0;
    this.#bulk = undefined;
    this.#bulkFilled = 0;
    this.#depth = 0;
    this.#containers.length = 0;
    this.#kinds.length = 0;
    this.#left.length = 0;
    this.#totals.length = 0;
    this.#keys.length = 0;
    this.#pendingAttributes = undefined;
    this.#attributes = undefined;
    this.#budget.close();
    this.#texts.undecodable = undefined;
    this.#pushThrew = false;
    this.#strings.forget();
  }

  // ---- buffer management ----

  #append(bytes: Uint8Array): void {
    const n = bytes.length;
    let buf = this.#buf;
    let end = this.#end;
    if (end + n > buf.length) {
      const pos = this.#pos;
      const live = end - pos;
      const need = live + n;
      const cap = buf.length;
      if (cap > RETAINED_CAPACITY && need <= RETAINED_CAPACITY >> 1) {
        // Shrink back after a large reply.
        buf = this.#move(pos, end, capacityFor(need, 0));
      } else if (need <= cap && (live <= n || live <= pos)) {
        // Moving `live` bytes costs no more than copying the bytes that arrive now (or those
        // consumed since the last move), so repeated moves stay linear in the input.
        buf.copyWithin(0, pos, end);
      } else {
        buf = this.#move(pos, end, capacityFor(need, cap));
      }
      this.#base += pos;
      this.#pos = 0;
      end = live;
      this.#strings.forget();
    }
    buf.set(bytes, end);
    this.#end = end + n;
  }

  #growBulk(need: number): Uint8Array {
    const old = this.#bulk!;
    const bulk = new Uint8Array(Math.min(this.#bulkLength, Math.max(old.length * 2, need)));
    bulk.set(old.subarray(0, this.#bulkFilled));
    this.#bulk = bulk;
    return bulk;
  }

  #move(pos: number, end: number, capacity: number): Uint8Array {
    const next = new Uint8Array(capacity);
    if (end > pos) next.set(this.#buf.subarray(pos, end));
    this.#buf = next;
    return next;
  }

  #needMore(): undefined {
    if (this.#pos === this.#end) {
      this.#base += this.#end;
      this.#pos = this.#end = 0;
      this.#strings.forget();
      if (this.#buf.length > RETAINED_CAPACITY) this.#buf = EMPTY;
    }
    return undefined;
  }

  // ---- errors ----

  #fail(message: string, at: number, cause?: unknown): never {
    const offset = this.#base + at;
    const error = new ProtocolError(
      `${message} at offset ${offset}`,
      cause === undefined ? { offset } : { offset, cause },
    );
    this.#error = error;
    // Nothing will be parsed until reset(): let go of what was held.
    this.#bulk = undefined;
    this.#containers.length = 0;
    this.#keys.length = 0;
    throw error;
  }

  #failAt(message: string, streamOffset: number): never {
    return this.#fail(message, streamOffset - this.#base);
  }

  // ---- elements ----

  /** Parses the element at `p`: a value, CONTINUE when an aggregate opened, undefined for more. */
  #element(p: number): RespValue | undefined | typeof CONTINUE {
    const buf = this.#buf;
    const type = buf[p]!;
    switch (type) {
      case SIMPLE: {
        if (
          p + 4 < this.#end && buf[p + 1] === 79 && buf[p + 2] === 75 && buf[p + 3] === CR &&
          buf[p + 4] === LF && this.#okFast
        ) {
          // As #within, inline: `+OK` alone fits (#okFast), in a reply it may not.
          const start = this.#budget.start;
          if (start >= 0 && this.#base + p + 5 - start > this.#budget.maxBytes) this.#overBytes(p);
          this.#pos = p + 5;
          this.#scanned = 0;
          return "OK";
        }
        const e = this.#lineEnd(p, this.#maxLineLength);
        if (e < 0) return undefined;
        this.#within(p, e + 2);
        this.#pos = e + 2;
        return cached(buf, p + 1, e) ?? this.#string(p + 1, e);
      }
      case BULK:
        return this.#bulkString(p, BULK);
      case INTEGER:
        return this.#integer(p);
      case ARRAY:
      case MAP:
      case SET:
      case PUSH:
      case ATTRIBUTE:
        return this.#aggregate(p, type);
      case ERROR: {
        const e = this.#lineEnd(p, this.#maxLineLength);
        if (e < 0) return undefined;
        this.#within(p, e + 2);
        this.#pos = e + 2;
        return this.#texts.errorReply(buf, p + 1, e, ERROR);
      }
      case NULL:
        return this.#null(p);
      case DOUBLE:
        return this.#double(p);
      case BOOLEAN:
        return this.#boolean(p);
      case BIG_NUMBER:
        return this.#bigNumber(p);
      case BLOB_ERROR:
      case VERBATIM:
        return this.#bulkString(p, type);
      default:
        return this.#fail(`Unknown RESP type byte ${quote(buf, p, p + 1)}`, p);
    }
  }

  /**
   * Finds the CR of the line that starts with the type byte at `p` and checks the LF after it.
   * Returns -1 while the line is incomplete, remembering how far it has looked.
   */
  #lineEnd(p: number, limit: number): number {
    const buf = this.#buf;
    const end = this.#end;
    let i = p + 1 + this.#scanned;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c === CR) {
        if (i + 1 === end) break;
        // Over the limit already: say so, as a reader fed a byte at a time would have.
        if (i - p - 1 > limit) this.#lineTooLong(p, limit);
        if (buf[i + 1] !== LF) {
          this.#fail(`Carriage return without a line feed in a ${NAMES[buf[p]!]}`, i);
        }
        this.#scanned = 0;
        return i;
      }
      if (c === LF) {
        if (i - p - 1 > limit) this.#lineTooLong(p, limit);
        this.#fail(`Line feed inside a ${NAMES[buf[p]!]}`, i);
      }
    }
    this.#scanned = i - p - 1;
    if (this.#scanned > limit) this.#lineTooLong(p, limit);
    return -1;
  }

  #lineTooLong(p: number, limit: number): never {
    const name = NAMES[this.#buf[p]!];
    return this.#fail(`A ${name} is longer than the limit of ${limit} bytes`, p);
  }

  #overBytes(p: number): never {
    return this.#fail(this.#budget.message("bytes"), p);
  }

  /**
   * Checks that the reply may extend to buffer index `end`; `p` is the element's start, and the
   * reply's when no aggregate or attribute opened it (a string alone).
   */
  #within(p: number, end: number): void {
    const start = this.#budget.start;
    if (end - (start < 0 ? p : start - this.#base) > this.#budget.maxBytes) this.#overBytes(p);
  }

  /**
   * Reads the length line of a bulk or aggregate header at `p`. Returns the length, -1 for a
   * null (only when `nullable`), or NEED; sets #after past the CRLF.
   */
  #length(p: number, nullable: boolean): number {
    const buf = this.#buf;
    const end = this.#end;
    let i = p + 1;
    let n = 0;
    let c = -1;
    for (; i < end; i++) {
      c = buf[i]!;
      const digit = c - 48;
      if (digit >>> 0 > 9) break;
      n = n * 10 + digit;
    }
    const digits = i - p - 1;
    if (i === end) {
      if (digits > MAX_LENGTH_TEXT) this.#badHeader(p, MAX_LENGTH_TEXT);
      return NEED;
    }
    if (c !== CR || digits === 0 || digits > MAX_LENGTH_TEXT || (digits > 1 && buf[p + 1] === 48)) {
      return this.#oddLength(p, nullable);
    }
    if (i + 1 === end) return NEED;
    if (buf[i + 1] !== LF) this.#badHeader(p, MAX_LENGTH_TEXT);
    this.#after = i + 2;
    return n;
  }

  /** The slow path of #length: `-1`, or an error once the line is complete (or too long). */
  #oddLength(p: number, nullable: boolean): number {
    const e = headerEnd(this.#buf, p, this.#end, MAX_LENGTH_TEXT);
    if (e === -1) return NEED;
    const buf = this.#buf;
    if (nullable && e === p + 3 && buf[p + 1] === 45 && buf[p + 2] === 49) {
      this.#after = e + 2;
      return -1;
    }
    return this.#badHeader(p, MAX_LENGTH_TEXT);
  }

  #badHeader(p: number, limit: number): never {
    return this.#fail(badHeader(this.#buf, p, this.#end, limit), p);
  }

  #integer(p: number): number | bigint | undefined {
    const buf = this.#buf;
    const end = this.#end;
    let i = p + 1;
    const negative = i < end && buf[i] === 45;
    if (negative || (i < end && buf[i] === 43)) i++; // the grammar allows a `+`
    const first = i;
    let n = 0;
    let c = -1;
    for (; i < end; i++) {
      c = buf[i]!;
      const digit = c - 48;
      if (digit >>> 0 > 9) break;
      n = n * 10 + digit;
    }
    const digits = i - first;
    if (i === end) {
      if (i - p - 1 > MAX_INTEGER_TEXT) this.#badHeader(p, MAX_INTEGER_TEXT);
      return undefined;
    }
    if (
      c !== CR || digits === 0 || digits > 19 || (buf[first] === 48 && (digits > 1 || negative))
    ) {
      if (headerEnd(buf, p, end, MAX_INTEGER_TEXT) === -1) return undefined;
      this.#badHeader(p, MAX_INTEGER_TEXT);
    }
    if (i + 1 === end) return undefined;
    if (buf[i + 1] !== LF) this.#badHeader(p, MAX_INTEGER_TEXT);
    this.#pos = i + 2;
    if (digits <= 15) return negative ? -n : n;
    const big = bigInteger(buf, p + 1, i);
    if (big === undefined) this.#fail(`Integer ${quote(buf, p + 1, i)} is beyond 64 bits`, p);
    return big;
  }

  #null(p: number): null | undefined {
    if (!this.#fixed(p, NULL_TEXT, "null")) return undefined;
    this.#pos = p + 3;
    return null;
  }

  #boolean(p: number): boolean | undefined {
    const c = this.#buf[p + 1];
    if (!this.#fixed(p, c === 102 ? FALSE_TEXT : TRUE_TEXT, "boolean")) return undefined;
    this.#pos = p + 4;
    return c === 116;
  }

  /** Whether `text` (`#t\r\n`…) is all here at `p`; fails at the first byte that differs. */
  #fixed(p: number, text: Uint8Array, name: string): boolean {
    const at = fixedEnd(this.#buf, p, this.#end, text);
    if (at >= 0) this.#fail(`Invalid ${name} ${quote(this.#buf, p, at + 1)}`, p);
    return at === -1;
  }

  #double(p: number): number | undefined {
    const e = this.#lineEnd(p, this.#maxNumberLength);
    if (e < 0) return undefined;
    this.#within(p, e + 2);
    const buf = this.#buf;
    const value = parseDouble(buf, p + 1, e);
    if (value === undefined) this.#fail(`Invalid double ${quote(buf, p + 1, e)}`, p);
    this.#pos = e + 2;
    return value ?? Number(this.#strings.transient(buf, p + 1, e));
  }

  #bigNumber(p: number): bigint | undefined {
    const e = this.#lineEnd(p, this.#maxNumberLength);
    if (e < 0) return undefined;
    this.#within(p, e + 2);
    if (!isCanonicalInteger(this.#buf, p + 1, e)) {
      this.#fail(`Invalid big number ${quote(this.#buf, p + 1, e)}`, p);
    }
    this.#pos = e + 2;
    return BigInt(this.#strings.transient(this.#buf, p + 1, e));
  }

  /** `$` bulk string, `=` verbatim string or `!` blob error. */
  #bulkString(p: number, type: number): RespValue | undefined {
    const n = this.#length(p, type === BULK);
    if (n === NEED) return undefined;
    if (n === -1) {
      this.#pos = this.#after;
      return null;
    }
    if (n > this.#maxBulkLength) {
      const text = quote(this.#buf, p + 1, this.#after - 2);
      this.#fail(
        `A ${NAMES[type]} of ${text} bytes exceeds the limit of ${this.#maxBulkLength}`,
        p,
      );
    }
    if (type === VERBATIM && n < 4) {
      this.#fail(`A verbatim string of ${n} bytes cannot hold its format prefix`, p);
    }
    const buf = this.#buf;
    const start = this.#after;
    const stop = start + n;
    this.#within(p, stop + 2);
    const end = this.#end;
    if (stop < end && (buf[stop] !== CR || (stop + 1 < end && buf[stop + 1] !== LF))) {
      this.#fail(`A ${NAMES[type]} is not followed by CRLF`, stop);
    }
    if (stop + 2 <= end) {
      if (type === VERBATIM && buf[start + 3] !== 58) this.#badVerbatim(buf, start, p);
      this.#pos = stop + 2;
      return this.#bulkValue(buf, start, stop, type);
    }
    if (n >= DIRECT_BULK && stop > end) {
      const have = end - start;
      const bulk = new Uint8Array(n <= DIRECT_EXACT ? n : Math.max(DIRECT_EXACT, have));
      bulk.set(buf.subarray(start, end));
      this.#bulk = bulk;
      this.#bulkLength = n;
      this.#bulkFilled = have;
      this.#bulkType = type;
      this.#bulkAt = this.#base + p;
      this.#pos = end;
    }
    return undefined;
  }

  #bulkValue(buf: Uint8Array, start: number, stop: number, type: number): RespValue {
    if (type === BULK) return this.#buffers ? this.#bytes(start, stop) : this.#string(start, stop);
    if (type === BLOB_ERROR) return this.#texts.errorReply(buf, start, stop, type);
    return this.#texts.verbatim(
      buf,
      start,
      stop,
      this.#buffers ? this.#bytes(start + 4, stop) : null,
    );
  }

  #bytes(start: number, stop: number): Uint8Array {
    return this.#strings.bytes(this.#buf, start, stop);
  }

  #string(start: number, stop: number): string | ReplyDecodeError {
    if (stop - start > MAX_STRING_LENGTH) return this.#texts.text(this.#buf, start, stop, BULK);
    return this.#strings.text(this.#buf, start, stop, this.#end);
  }

  #badVerbatim(buf: Uint8Array, start: number, p: number): never {
    const prefix = quote(buf, start, start + 4);
    return this.#fail(`A verbatim string must start with "xxx:", got ${prefix}`, p);
  }

  /** Completes a bulk string received directly, once its bytes and CRLF are in. */
  #finishBulk(): RespValue | undefined {
    const bulk = this.#bulk!;
    if (this.#bulkFilled < this.#bulkLength) return undefined;
    const p = this.#pos;
    const type = this.#bulkType;
    const have = this.#end - p;
    if (have === 0 || (have === 1 && this.#buf[p] === CR)) return undefined;
    if (this.#buf[p] !== CR || this.#buf[p + 1] !== LF) {
      this.#fail(`A ${NAMES[type]} is not followed by CRLF`, p);
    }
    if (type === VERBATIM && bulk[3] !== 58) {
      this.#failAt(
        `A verbatim string must start with "xxx:", got ${quote(bulk, 0, 4)}`,
        this.#bulkAt,
      );
    }
    this.#pos = p + 2;
    this.#bulk = undefined;
    const n = bulk.length;
    if (type === BULK) return this.#buffers ? bulk : this.#texts.text(bulk, 0, n, BULK);
    if (type === BLOB_ERROR) return this.#texts.errorReply(bulk, 0, n, type);
    return this.#texts.verbatim(bulk, 0, n, this.#buffers ? bulk.subarray(4) : null);
  }

  /** Opens an aggregate (or returns an empty or null one whole). */
  #aggregate(p: number, type: number): RespValue | undefined | typeof CONTINUE {
    const n = this.#length(p, type === ARRAY);
    if (n === NEED) return undefined;
    if (n === -1) {
      this.#pos = this.#after;
      return null;
    }
    const keyed = type === MAP || type === ATTRIBUTE;
    const elements = keyed ? n * 2 : n;
    if (elements > this.#maxElements) {
      const text = quote(this.#buf, p + 1, this.#after - 2);
      this.#fail(
        `${article(type)} of ${text} ${keyed ? "entries" : "elements"} exceeds the limit of ` +
          `${this.#maxElements} elements`,
        p,
      );
    }
    if ((keyed || type === SET) && n > JS_COLLECTION_LIMIT) {
      this.#fail(
        `${article(type)} of ${n} entries exceeds the ${JS_COLLECTION_LIMIT} that a JavaScript ` +
          `${type === SET ? "Set" : "Map"} holds`,
        p,
      );
    }
    const depth = this.#depth;
    const budget = this.#budget;
    if (depth === 0) budget.open(this.#base + p); // the reply, an attribute before it, a push
    if (!budget.add(elements + AGGREGATE_COST)) this.#fail(budget.message("elements"), p);
    this.#within(p, this.#after);
    if (type === PUSH && depth > 0) this.#fail("A push inside an aggregate", p);
    if (depth >= this.#maxDepth) {
      this.#fail(`Aggregates nested deeper than the limit of ${this.#maxDepth}`, p);
    }
    this.#pos = this.#after;
    if (n === 0) {
      switch (type) {
        case ARRAY:
          return [];
        case SET:
          return new Set();
        case MAP:
          return new Map();
        case PUSH:
          this.#deliver([]);
          return CONTINUE;
        default:
          this.#annotate(new Map());
          return CONTINUE;
      }
    }
    // An array is allocated at its full length only when the bytes that could fill it (3 at
    // least per element) are already here, so what is allocated stays proportional to what was
    // received; otherwise it grows as elements arrive.
    this.#containers[depth] = type === ARRAY || type === PUSH
      ? (n * 3 <= this.#end - this.#pos ? new Array(n) : [])
      : type === SET
      ? new Set()
      : new Map();
    this.#kinds[depth] = type;
    this.#left[depth] = elements;
    this.#totals[depth] = elements;
    this.#depth = depth + 1;
    return CONTINUE;
  }

  #deliver(push: RespValue[]): void {
    const attributes = this.#pendingAttributes;
    this.#pendingAttributes = undefined;
    this.#budget.close();
    this.#texts.undecodable = undefined; // a push keeps it in the place of its string
    const handler = this.onPush;
    if (handler === undefined) return;
    this.#delivering = true;
    try {
      handler(push, attributes);
    } catch (error) {
      this.#pushThrew = true;
      throw error;
    } finally {
      this.#delivering = false;
    }
  }

  /** Records an attribute for the element that comes next at the current position. */
  #annotate(attributes: Map<RespValue, RespValue>): void {
    const path: number[] = [];
    for (let j = 0; j < this.#depth; j++) {
      // An attribute inside another attribute's map annotates nothing a caller can reach.
      if (this.#kinds[j] === ATTRIBUTE) return;
      path.push(this.#totals[j]! - this.#left[j]!);
    }
    (this.#pendingAttributes ??= []).push({ path, attributes });
  }
}

function capacityFor(need: number, current: number): number {
  let capacity = DEFAULT_CAPACITY;
  while (capacity < need) capacity *= 2;
  return capacity > current ? capacity : current * 2;
}
