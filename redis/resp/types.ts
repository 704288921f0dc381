import type { ReplyError } from "../errors.ts";

/**
 * A RESP3 verbatim string (`=`): text with a three-letter format such as `txt` or `mkd`. The
 * format stays reachable; `toString()` gives the text.
 *
 * @example A verbatim string from INFO
 * ```ts
 * import { VerbatimString } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const info = new VerbatimString("txt", "# Server\r\nredis_version:7.0.15\r\n");
 * assert.equal(info.format, "txt");
 * assert.ok(`${info}`.startsWith("# Server"));
 * ```
 */
export class VerbatimString {
  /** The three-letter format, e.g. `txt` or `mkd`. */
  readonly format: string;
  /** The text after `<format>:`; a `Uint8Array` when the reply was read with `returnBuffers`. */
  readonly value: string | Uint8Array;

  /**
   * Makes a verbatim string.
   *
   * @param format The three-letter format.
   * @param value The text, as a string or as bytes.
   *
   * @example Making one
   * ```ts
   * import { VerbatimString } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new VerbatimString("mkd", "# Title").format, "mkd");
   * ```
   */
  constructor(format: string, value: string | Uint8Array) {
    this.format = format;
    this.value = value;
  }

  /**
   * The text, decoded as UTF-8 when it is held as bytes.
   *
   * @returns The text without its format prefix.
   *
   * @example Decoding the bytes
   * ```ts
   * import { VerbatimString } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new VerbatimString("txt", new Uint8Array([104, 105])).toString(), "hi");
   * ```
   */
  toString(): string {
    return typeof this.value === "string" ? this.value : new TextDecoder().decode(this.value);
  }
}

/**
 * A value the reader produces.
 *
 * | RESP | value |
 * | --- | --- |
 * | simple string `+` | `string` |
 * | simple error `-`, blob error `!` | {@linkcode ReplyError} |
 * | integer `:` | `number`, or `bigint` beyond ±(2^53 − 1) |
 * | bulk string `$` | `string`, or `Uint8Array` with `returnBuffers` |
 * | null bulk `$-1`, null array `*-1`, null `_` | `null` |
 * | array `*` | `RespValue[]` |
 * | map `%` | `Map` (keys keep their types) |
 * | set `~` | `Set` |
 * | double `,` | `number` (`inf`, `-inf`, `nan` included) |
 * | boolean `#` | `boolean` |
 * | big number `(` | `bigint` |
 * | verbatim string `=` | {@linkcode VerbatimString} |
 *
 * Pushes (`>`) and attributes (`|`) are never values of `next()`: see `RespReader`.
 *
 * @example A HELLO 3 reply
 * ```ts
 * import { RespReader, type RespValue } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n"));
 * const reply: RespValue | undefined = reader.next();
 * assert.deepEqual(reply, new Map<RespValue, RespValue>([["server", "redis"], ["proto", 3]]));
 * ```
 */
export type RespValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | ReplyError
  | VerbatimString
  | RespValue[]
  | Map<RespValue, RespValue>
  | Set<RespValue>;

/**
 * An attribute (`|`) and the element it annotates. `path` leads from the reply (or push) to that
 * element: one index per enclosing aggregate, counting elements as sent on the wire, so in a map
 * the key of entry `i` is at `2 * i` and its value at `2 * i + 1`. An empty path annotates the
 * reply itself.
 *
 * @example An annotated element
 * ```ts
 * import { type RespAttribute, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\na\r\n$1\r\nb\r\n"));
 * assert.deepEqual(reader.next(), ["a", "b"]);
 * const expected: RespAttribute[] = [{ path: [0], attributes: new Map([["ttl", 3600]]) }];
 * assert.deepEqual(reader.attributes, expected);
 * ```
 */
export interface RespAttribute {
  /** Indices from the reply down to the annotated element; `[]` for the reply itself. */
  readonly path: readonly number[];
  /** The attribute's key–value pairs. */
  readonly attributes: Map<RespValue, RespValue>;
}

/**
 * Receives each RESP3 push (`>`) as soon as `next()` parses it, before `next()` goes on to the
 * following bytes: pushes reach the handler in stream order relative to the replies `next()`
 * returns. `attributes` lists the attributes that annotated the push or its elements.
 *
 * @example Collecting pushes
 * ```ts
 * import { type PushHandler, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const messages: unknown[] = [];
 * const onPush: PushHandler = (push) => void messages.push(push);
 * const reader = new RespReader({ onPush });
 * reader.feed(new TextEncoder().encode(">2\r\n+invalidate\r\n_\r\n"));
 * assert.equal(reader.next(), undefined);
 * assert.deepEqual(messages, [["invalidate", null]]);
 * ```
 */
export type PushHandler = (
  push: RespValue[],
  attributes: readonly RespAttribute[] | undefined,
) => void;

/**
 * Options for a `RespReader`. The bounds are checked before anything is allocated for the value
 * they describe; breaking one is a `ProtocolError`.
 *
 * @example Bytes and a shallow stack
 * ```ts
 * import { RespReader, type RespReaderOptions } from "@dray/dray/redis";
 *
 * import assert from "node:assert/strict";
 *
 * const options: RespReaderOptions = { returnBuffers: true, maxDepth: 16 };
 * const reader = new RespReader(options);
 * reader.feed(new TextEncoder().encode("$2\r\nhi\r\n"));
 * assert.deepEqual(reader.next(), new Uint8Array([104, 105]));
 * ```
 */
export interface RespReaderOptions {
  /**
   * Return bulk and verbatim strings as `Uint8Array` instead of decoding them (default `false`).
   * Up to 512 bytes they are views into a shared pool: see `RespReader`.
   */
  returnBuffers?: boolean;
  /** Like `returnBuffers`, for the contents of pushes (default: the value of `returnBuffers`). */
  pushBuffers?: boolean;
  /** Aggregates nested deeper than this fail (default 1024). */
  maxDepth?: number;
  /**
   * One aggregate declaring more elements than this fails; a map of n entries counts 2n
   * (default 2^27 = 134,217,728, the longest array V8 builds, also the largest value accepted).
   */
  maxElements?: number;
  /** Bulk strings, verbatim strings and blob errors longer than this fail (default 512 MiB). */
  maxBulkLength?: number;
  /**
   * Simple strings, simple errors, doubles and big numbers longer than this fail
   * (default 512 MiB).
   */
  maxLineLength?: number;
  /**
   * Doubles and big numbers whose text (sign included) is longer than this fail (default 4300
   * bytes, as Python's `int_max_str_digits`): converting millions of digits would block the
   * event loop for seconds. Capped by `maxLineLength`.
   */
  maxNumberLength?: number;
  /**
   * One reply, with the attributes before it and inside it, spanning more stream bytes than this
   * fails (default 1 GiB: a 512 MiB bulk string fits twice). Checked at every bulk string or
   * aggregate header, before anything is allocated for it, where any string, double or big number
   * ends, and where a reply that is an aggregate ends. An integer, null or boolean alone is never
   * refused. A push counts on its own.
   */
  maxReplyBytes?: number;
  /**
   * One reply, with its attributes, holding more elements than this fails: every aggregate in it
   * (attributes included) counts its elements, a map or attribute of n entries 2n, plus 8 for
   * itself (default 2^25 = 33,554,432, at which a reply holds at most about 1 GB of V8 heap
   * whatever its shape). Checked at every aggregate header, before anything is allocated for it.
   * A push counts on its own.
   */
  maxReplyElements?: number;
  /** Receives pushes; without one, pushes are parsed and discarded (as hiredis does). */
  onPush?: PushHandler;
}

/**
 * Options for one `RespReader.next()` call.
 *
 * @example Bytes for one call
 * ```ts
 * import { type NextOptions, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("$2\r\nhi\r\n$2\r\nhi\r\n"));
 * const options: NextOptions = { returnBuffers: true };
 * assert.deepEqual(reader.next(options), new Uint8Array([104, 105]));
 * assert.equal(reader.next(), "hi");
 * ```
 */
export interface NextOptions {
  /**
   * Return the bulk and verbatim strings of the next reply as `Uint8Array` (default: the reader's
   * `returnBuffers`). When a reply arrives over several calls, pass the same choice each time (a
   * client's queue head does not change meanwhile); an aggregate keeps the choice of the call
   * that read its header, and so does a large bulk string once it started arriving.
   */
  returnBuffers?: boolean;
}

/**
 * One argument of a command: a string (sent as UTF-8), bytes, a number or a bigint (sent as
 * their decimal text, as `String(n)` writes it).
 *
 * @example A command with mixed arguments
 * ```ts
 * import { encodeCommand, type RedisArgument } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const argv: RedisArgument[] = ["SET", "counter", 42n, new Uint8Array([0x2a])];
 * const text = new TextDecoder().decode(encodeCommand(argv));
 * assert.equal(text, "*4\r\n$3\r\nSET\r\n$7\r\ncounter\r\n$2\r\n42\r\n$1\r\n*\r\n");
 * ```
 */
export type RedisArgument = string | number | bigint | Uint8Array;
