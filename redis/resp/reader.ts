import type { ProtocolError } from "../errors.ts";
import { nextReply } from "./_frames.ts";
import { feedBytes, ReadState, resetState } from "./_read_state.ts";
import type {
  NextOptions,
  PushHandler,
  RespAttribute,
  RespReaderOptions,
  RespValue,
} from "./types.ts";

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

  // Everything the reader knows; the parser's functions (_frames.ts, _aggregates.ts,
  // _scalars.ts, _read_state.ts) read and write it.
  #st: ReadState;

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
    this.#st = new ReadState(options, this);
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
    feedBytes(this.#st, bytes);
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
    const st = this.#st;
    if (st.error !== undefined) throw st.error;
    if (st.delivering) throw new TypeError("Cannot call next() from the push handler");
    return nextReply(st, options?.returnBuffers ?? st.returnBuffers);
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
    return this.#st.attributes;
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
    const st = this.#st;
    return st.pos === st.end && st.depth === 0 && st.bulk === undefined &&
      st.pendingAttributes === undefined;
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
    const st = this.#st;
    return st.end - st.pos + (st.bulk === undefined ? 0 : st.bulkFilled);
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
    return this.#st.buf.length;
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
    return this.#st.error;
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
    resetState(this.#st);
  }
}
