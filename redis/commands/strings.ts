import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, bool, integer, pushAll, pushEntries, score } from "./_replies.ts";
import type {
  BulkString,
  Entries,
  IntegerOptions,
  IntegerReply,
  NoOptions,
  OneOrMany,
} from "./types.ts";

/**
 * The expiry options shared by `SET` and `GETEX`: at most one of them.
 *
 * @example Ten seconds
 * ```ts
 * import type { ExpiryOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ExpiryOptions = { ex: 10 };
 * assert.equal(options.ex, 10);
 * ```
 */
export interface ExpiryOptions extends CommandOptions {
  /** `EX seconds`: expire after this many seconds. */
  ex?: number;
  /** `PX milliseconds`: expire after this many milliseconds. */
  px?: number;
  /** `EXAT unix-time-seconds`: expire at this Unix time in seconds (or this `Date`). */
  exat?: number | Date;
  /** `PXAT unix-time-milliseconds`: expire at this Unix time in milliseconds (or this `Date`). */
  pxat?: number | Date;
}

/**
 * Options of `SET`.
 *
 * @example Set only when absent, for a minute
 * ```ts
 * import type { SetOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: SetOptions = { nx: true, ex: 60 };
 * assert.equal(options.nx, true);
 * ```
 */
export interface SetOptions extends ExpiryOptions {
  /** `KEEPTTL`: keep the key's current expiry. */
  keepttl?: boolean;
  /** `NX`: only set when the key does not exist. */
  nx?: boolean;
  /** `XX`: only set when the key exists. */
  xx?: boolean;
  /** `GET`: reply with the previous value instead of `"OK"`. */
  get?: boolean;
}

/**
 * Options of `GETEX`.
 *
 * @example Remove the expiry while reading
 * ```ts
 * import type { GetExOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: GetExOptions = { persist: true };
 * assert.equal(options.persist, true);
 * ```
 */
export interface GetExOptions extends ExpiryOptions {
  /** `PERSIST`: remove the expiry. */
  persist?: boolean;
}

/**
 * What `SET` resolves with under options `O`: the previous value (or `null`) with `get`, else
 * `"OK"`, or `null` when `nx`/`xx` prevented the write.
 *
 * @typeParam O The options' type.
 *
 * @example With and without GET
 * ```ts
 * import type { SetReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const plain: SetReply<{ ex: 5 }> = "OK";
 * const previous: SetReply<{ get: true }> = "old value";
 * assert.notEqual(plain, previous);
 * ```
 */
export type SetReply<O> = O extends { get: true } ? BulkString<O> | null : "OK" | null;

function pushExpiry(argv: RedisArgument[], options: ExpiryOptions | undefined): void {
  if (options === undefined) return;
  if (options.ex !== undefined) argv.push("EX", options.ex);
  if (options.px !== undefined) argv.push("PX", options.px);
  if (options.exat !== undefined) {
    const at = options.exat;
    argv.push("EXAT", at instanceof Date ? Math.floor(at.getTime() / 1000) : at);
  }
  if (options.pxat !== undefined) {
    const at = options.pxat;
    argv.push("PXAT", at instanceof Date ? at.getTime() : at);
  }
}

/**
 * Typed methods for strings: `GET`, `SET` with its options, counters, ranges, `MGET`/`MSET`.
 *
 * @example Counters and options
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * assert.equal(await redis.set("greeting", "hello", { ex: 60, nx: true }), "OK");
 * assert.equal(await redis.get("greeting"), "hello");
 * assert.equal(await redis.incrby("visits", 5), 5);
 * ```
 */
export abstract class StringCommands extends CommandSender {
  /**
   * `APPEND key value`: appends to a string (creating it when missing).
   *
   * @param key The key.
   * @param value What to append.
   * @param options Buffers, timeout, abort signal.
   * @returns The string's length afterwards.
   *
   * @example Appending
   * ```ts ignore
   * await redis.set("k", "hello");
   * assert.equal(await redis.append("k", " world"), 11);
   * ```
   */
  append(key: RedisArgument, value: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["APPEND", key, value], options);
  }

  /**
   * `DECR key`: decrements an integer by one.
   *
   * @param key The key (a missing key counts as 0).
   * @param options `bigint`, buffers, timeout, abort signal.
   * @returns The new value (see {@linkcode IntegerOptions}).
   *
   * @example Counting down
   * ```ts ignore
   * await redis.set("n", 10);
   * assert.equal(await redis.decr("n"), 9);
   * ```
   */
  decr<O extends IntegerOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<IntegerReply<O>> {
    return this.sendCommand<RespValue>(["DECR", key], options).then((reply) =>
      integer(reply, options?.bigint) as IntegerReply<O>
    );
  }

  /**
   * `DECRBY key decrement`: decrements an integer.
   *
   * @param key The key (a missing key counts as 0).
   * @param decrement How much to take away.
   * @param options `bigint`, buffers, timeout, abort signal.
   * @returns The new value (see {@linkcode IntegerOptions}).
   *
   * @example Taking five
   * ```ts ignore
   * assert.equal(await redis.decrby("fresh", 5), -5);
   * ```
   */
  decrby<O extends IntegerOptions = NoOptions>(
    key: RedisArgument,
    decrement: number | bigint,
    options?: O,
  ): Promise<IntegerReply<O>> {
    return this.sendCommand<RespValue>(["DECRBY", key, decrement], options).then((reply) =>
      integer(reply, options?.bigint) as IntegerReply<O>
    );
  }

  /**
   * `GET key`: the value of a string.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The value, or `null` when the key does not exist.
   *
   * @example Text and bytes
   * ```ts ignore
   * await redis.set("k", new Uint8Array([0xff, 0x00]));
   * assert.deepEqual(await redis.get("k", { returnBuffers: true }), new Uint8Array([0xff, 0x00]));
   * assert.equal(await redis.get("missing"), null);
   * ```
   */
  get<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(["GET", key], options);
  }

  /**
   * `GETDEL key`: gets a string and deletes the key.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The value, or `null` when the key did not exist.
   *
   * @example Taking a value
   * ```ts ignore
   * await redis.set("token", "t1");
   * assert.equal(await redis.getdel("token"), "t1");
   * assert.equal(await redis.exists("token"), 0);
   * ```
   */
  getdel<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(["GETDEL", key], options);
  }

  /**
   * `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT
   * unix-time-milliseconds | PERSIST]`: gets a string and changes its expiry.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options The expiry (`ex`, `px`, `exat`, `pxat`, `persist`), and the command options.
   * @returns The value, or `null` when the key does not exist.
   *
   * @example Sliding expiry
   * ```ts ignore
   * await redis.set("session", "s");
   * assert.equal(await redis.getex("session", { ex: 300 }), "s");
   * ```
   */
  getex<O extends GetExOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O> | null> {
    const argv: RedisArgument[] = ["GETEX", key];
    pushExpiry(argv, options);
    if (options?.persist) argv.push("PERSIST");
    return this.sendCommand<BulkString<O> | null>(argv, options);
  }

  /**
   * `GETRANGE key start end`: a substring, by byte offsets (inclusive; negative counts from the
   * end).
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param start The first byte.
   * @param end The last byte.
   * @param options Buffers, timeout, abort signal.
   * @returns The bytes in that range (empty when the key does not exist).
   *
   * @example The last three bytes
   * ```ts ignore
   * await redis.set("k", "hello");
   * assert.equal(await redis.getrange("k", -3, -1), "llo");
   * ```
   */
  getrange<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    start: number,
    end: number,
    options?: O,
  ): Promise<BulkString<O>> {
    return this.sendCommand<BulkString<O>>(["GETRANGE", key, start, end], options);
  }

  /**
   * `INCR key`: increments an integer by one.
   *
   * @param key The key (a missing key counts as 0).
   * @param options Buffers, timeout, abort signal.
   * @returns The new value: a `number`, or a `bigint` with `bigint: true` (beyond ±(2^53 − 1)
   *   without it, the call rejects with a RangeError).
   *
   * @example Counting
   * ```ts ignore
   * assert.equal(await redis.incr("visits"), 1);
   * ```
   */
  incr<O extends IntegerOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<IntegerReply<O>> {
    return this.sendCommand<RespValue>(["INCR", key], options).then((reply) =>
      integer(reply, options?.bigint) as IntegerReply<O>
    );
  }

  /**
   * `INCRBY key increment`: increments an integer.
   *
   * @param key The key (a missing key counts as 0).
   * @param increment How much to add (negative to subtract).
   * @param options Buffers, timeout, abort signal.
   * @returns The new value: a `number`, or a `bigint` with `bigint: true` (beyond ±(2^53 − 1)
   *   without it, the call rejects with a RangeError).
   *
   * @example Adding ten
   * ```ts ignore
   * assert.equal(await redis.incrby("score", 10), 10);
   * ```
   */
  incrby<O extends IntegerOptions = NoOptions>(
    key: RedisArgument,
    increment: number | bigint,
    options?: O,
  ): Promise<IntegerReply<O>> {
    return this.sendCommand<RespValue>(["INCRBY", key, increment], options).then((reply) =>
      integer(reply, options?.bigint) as IntegerReply<O>
    );
  }

  /**
   * `INCRBYFLOAT key increment`: increments a floating-point number.
   *
   * @param key The key (a missing key counts as 0).
   * @param increment How much to add.
   * @param options Buffers, timeout, abort signal.
   * @returns The new value.
   *
   * @example Adding a half
   * ```ts ignore
   * assert.equal(await redis.incrbyfloat("price", 0.5), 0.5);
   * ```
   */
  incrbyfloat(
    key: RedisArgument,
    increment: number | string,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<RespValue>(["INCRBYFLOAT", key, increment], options).then(score);
  }

  /**
   * `MGET key [key ...]`: the values of several strings.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One key or a list of keys.
   * @param options Buffers, timeout, abort signal.
   * @returns A value per key, `null` where the key does not exist or holds another type.
   *
   * @example Two keys
   * ```ts ignore
   * await redis.set("a", "1");
   * assert.deepEqual(await redis.mget(["a", "missing"]), ["1", null]);
   * ```
   */
  mget<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<(BulkString<O> | null)[]> {
    return this.sendCommand<RespValue>(pushAll(["MGET"], keys), options).then(array) as Promise<
      (BulkString<O> | null)[]
    >;
  }

  /**
   * `MSET key value [key value ...]`: sets several strings at once.
   *
   * @param entries The keys and values: a record, a `Map` or pairs.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example Two keys at once
   * ```ts ignore
   * assert.equal(await redis.mset({ a: "1", b: "2" }), "OK");
   * ```
   */
  mset(entries: Entries, options?: CommandOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["MSET"];
    pushEntries(argv, entries);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `MSETNX key value [key value ...]`: sets several strings unless any of the keys exists.
   *
   * @param entries The keys and values: a record, a `Map` or pairs.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether they were set (all or none).
   *
   * @example All or nothing
   * ```ts ignore
   * await redis.set("a", "1");
   * assert.equal(await redis.msetnx({ a: "x", b: "y" }), false);
   * ```
   */
  msetnx(entries: Entries, options?: CommandOptions): Promise<boolean> {
    const argv: RedisArgument[] = ["MSETNX"];
    pushEntries(argv, entries);
    return this.sendCommand<RespValue>(argv, options).then(bool);
  }

  /**
   * `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
   * PXAT unix-time-milliseconds | KEEPTTL]`: sets a string.
   *
   * @typeParam O The options' type: `get` and `returnBuffers` decide the reply's type.
   * @param key The key.
   * @param value The value.
   * @param options `nx`/`xx`, `get`, the expiry (`ex`, `px`, `exat`, `pxat`, `keepttl`), and the
   * command options.
   * @returns `"OK"`, or `null` when `nx`/`xx` prevented it; with `get`, the previous value (or
   * `null`).
   *
   * @example A lock with a deadline, and a swap
   * ```ts ignore
   * assert.equal(await redis.set("lock", "me", { nx: true, px: 30_000 }), "OK");
   * assert.equal(await redis.set("lock", "you", { nx: true }), null);
   * assert.equal(await redis.set("lock", "you", { get: true }), "me");
   * ```
   */
  set<O extends SetOptions = NoOptions>(
    key: RedisArgument,
    value: RedisArgument,
    options?: O,
  ): Promise<SetReply<O>> {
    const argv: RedisArgument[] = ["SET", key, value];
    if (options !== undefined) {
      if (options.nx) argv.push("NX");
      if (options.xx) argv.push("XX");
      if (options.get) argv.push("GET");
      pushExpiry(argv, options);
      if (options.keepttl) argv.push("KEEPTTL");
    }
    return this.sendCommand<SetReply<O>>(argv, options);
  }

  /**
   * `SETRANGE key offset value`: overwrites part of a string, from a byte offset (padding with
   * zero bytes when the string is shorter).
   *
   * @param key The key.
   * @param offset The byte offset.
   * @param value The bytes to write there.
   * @param options Buffers, timeout, abort signal.
   * @returns The string's length afterwards.
   *
   * @example Patching
   * ```ts ignore
   * await redis.set("k", "hello world");
   * assert.equal(await redis.setrange("k", 6, "redis"), 11);
   * ```
   */
  setrange(
    key: RedisArgument,
    offset: number,
    value: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["SETRANGE", key, offset, value], options);
  }

  /**
   * `STRLEN key`: the length of a string in bytes.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The length (0 when the key does not exist).
   *
   * @example Bytes, not characters
   * ```ts ignore
   * await redis.set("k", "é");
   * assert.equal(await redis.strlen("k"), 2);
   * ```
   */
  strlen(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["STRLEN", key], options);
  }
}
