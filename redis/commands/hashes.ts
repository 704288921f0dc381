import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import {
  array,
  bool,
  integer,
  map,
  pairs,
  pushAll,
  pushEntries,
  record,
  score,
} from "./_replies.ts";
import { scanAll, scanPage } from "./_scan.ts";
import type {
  BulkString,
  Entries,
  HashOptions,
  HashReply,
  IntegerOptions,
  IntegerReply,
  NoOptions,
  OneOrMany,
  ScanOptions,
  ScanPage,
} from "./types.ts";

/**
 * Options of `HRANDFIELD`.
 *
 * @example Three fields with their values
 * ```ts
 * import type { HRandFieldOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: HRandFieldOptions = { count: 3, withValues: true };
 * assert.equal(options.count, 3);
 * ```
 */
export interface HRandFieldOptions extends CommandOptions {
  /** How many fields: distinct when positive, possibly repeated when negative. */
  count?: number;
  /** `WITHVALUES` (needs `count`): pairs of field and value. */
  withValues?: boolean;
}

/**
 * What `HRANDFIELD` resolves with under options `O`: one field (or `null` for a missing key)
 * without `count`, a list of fields with it, a list of `[field, value]` pairs with `withValues`.
 *
 * @typeParam O The options' type.
 *
 * @example The three shapes
 * ```ts
 * import type { HRandFieldReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: HRandFieldReply<{}> = "name";
 * const some: HRandFieldReply<{ count: 2 }> = ["name", "born"];
 * const pairs: HRandFieldReply<{ count: 1; withValues: true }> = [["name", "ada"]];
 * assert.ok(one && some.length === 2 && pairs.length === 1);
 * ```
 */
export type HRandFieldReply<O> = O extends { withValues: true } ? [BulkString<O>, BulkString<O>][]
  : O extends { count: number } ? BulkString<O>[]
  : BulkString<O> | null;

/**
 * Typed methods for hashes: `HSET` with a record, `HGETALL` as a `Map` in both protocols,
 * counters, `HRANDFIELD`, `HSCAN` (and {@linkcode HashCommands.hscanIterator}).
 *
 * @example A user record
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.hset("user:1", { name: "ada", born: 1815 });
 * assert.deepEqual(await redis.hgetall("user:1"), new Map([["name", "ada"], ["born", "1815"]]));
 * ```
 */
export abstract class HashCommands extends CommandSender {
  /**
   * `HDEL key field [field ...]`: removes fields.
   *
   * @param key The key.
   * @param fields One field or a list of fields.
   * @param options Buffers, timeout, abort signal.
   * @returns How many fields were removed.
   *
   * @example Removing a field
   * ```ts ignore
   * await redis.hset("h", { a: 1, b: 2 });
   * assert.equal(await redis.hdel("h", ["a", "missing"]), 1);
   * ```
   */
  hdel(key: RedisArgument, fields: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["HDEL", key], fields), options);
  }

  /**
   * `HEXISTS key field`: whether a field exists.
   *
   * @param key The key.
   * @param field The field.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether the hash has the field.
   *
   * @example A missing field
   * ```ts ignore
   * assert.equal(await redis.hexists("h", "missing"), false);
   * ```
   */
  hexists(key: RedisArgument, field: RedisArgument, options?: CommandOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(["HEXISTS", key, field], options).then(bool);
  }

  /**
   * `HGET key field`: the value of a field.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param field The field.
   * @param options Buffers, timeout, abort signal.
   * @returns The value, or `null` when the field or the key does not exist.
   *
   * @example Reading a field
   * ```ts ignore
   * await redis.hset("h", { name: "ada" });
   * assert.equal(await redis.hget("h", "name"), "ada");
   * ```
   */
  hget<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    field: RedisArgument,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(["HGET", key, field], options);
  }

  /**
   * `HGETALL key`: every field and value, as a plain object by default, or a `Map` in field
   * order with `asMap: true` (RESP2's flat array and RESP3's map alike).
   *
   * @typeParam O The options' type, which decides between an object and a `Map`, strings and
   * bytes (with `returnBuffers` an object's keys are decoded as UTF-8; a `Map` keeps bytes).
   * @param key The key.
   * @param options `asMap`, buffers, timeout, abort signal.
   * @returns The fields and values (empty when the key does not exist).
   *
   * @example To a plain object
   * ```ts ignore
   * await redis.hset("h", { a: "1" });
   * assert.deepEqual(await redis.hgetall("h"), { a: "1" });
   * assert.deepEqual(await redis.hgetall("h", { asMap: true }), new Map([["a", "1"]]));
   * ```
   */
  hgetall<O extends HashOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<HashReply<O>> {
    return this.sendCommand<RespValue>(["HGETALL", key], options).then((reply) =>
      (options?.asMap ? map(reply) : record(reply)) as HashReply<O>
    );
  }

  /**
   * `HINCRBY key field increment`: increments an integer field.
   *
   * @param key The key.
   * @param field The field (a missing one counts as 0).
   * @param increment How much to add.
   * @param options Buffers, timeout, abort signal.
   * @returns The new value: a `number`, or a `bigint` with `bigint: true` (beyond ±(2^53 − 1)
   *   without it, the call rejects with a RangeError).
   *
   * @example Counting per field
   * ```ts ignore
   * assert.equal(await redis.hincrby("stats", "hits", 3), 3);
   * ```
   */
  hincrby<O extends IntegerOptions = NoOptions>(
    key: RedisArgument,
    field: RedisArgument,
    increment: number | bigint,
    options?: O,
  ): Promise<IntegerReply<O>> {
    return this.sendCommand<RespValue>(["HINCRBY", key, field, increment], options).then((reply) =>
      integer(reply, options?.bigint) as IntegerReply<O>
    );
  }

  /**
   * `HINCRBYFLOAT key field increment`: increments a floating-point field.
   *
   * @param key The key.
   * @param field The field (a missing one counts as 0).
   * @param increment How much to add.
   * @param options Buffers, timeout, abort signal.
   * @returns The new value.
   *
   * @example Adding a half
   * ```ts ignore
   * assert.equal(await redis.hincrbyfloat("h", "price", 0.5), 0.5);
   * ```
   */
  hincrbyfloat(
    key: RedisArgument,
    field: RedisArgument,
    increment: number | string,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<RespValue>(["HINCRBYFLOAT", key, field, increment], options).then(
      score,
    );
  }

  /**
   * `HKEYS key`: every field.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The fields (empty when the key does not exist).
   *
   * @example Field names
   * ```ts ignore
   * await redis.hset("h", { a: 1 });
   * assert.deepEqual(await redis.hkeys("h"), ["a"]);
   * ```
   */
  hkeys<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(["HKEYS", key], options).then(array) as Promise<
      BulkString<O>[]
    >;
  }

  /**
   * `HLEN key`: the number of fields.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of fields (0 when the key does not exist).
   *
   * @example Counting fields
   * ```ts ignore
   * await redis.hset("h", { a: 1, b: 2 });
   * assert.equal(await redis.hlen("h"), 2);
   * ```
   */
  hlen(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["HLEN", key], options);
  }

  /**
   * `HMGET key field [field ...]`: the values of several fields.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param fields One field or a list of fields.
   * @param options Buffers, timeout, abort signal.
   * @returns A value per field, `null` where it does not exist.
   *
   * @example Two fields
   * ```ts ignore
   * await redis.hset("h", { a: "1" });
   * assert.deepEqual(await redis.hmget("h", ["a", "b"]), ["1", null]);
   * ```
   */
  hmget<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    fields: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<(BulkString<O> | null)[]> {
    return this.sendCommand<RespValue>(pushAll(["HMGET", key], fields), options).then(
      array,
    ) as Promise<(BulkString<O> | null)[]>;
  }

  /**
   * `HRANDFIELD key [count [WITHVALUES]]`: random fields.
   *
   * @typeParam O The options' type: `count`, `withValues` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, `withValues`, and the command options.
   * @returns See {@linkcode HRandFieldReply}; `[field, value]` pairs in both protocols.
   *
   * @example Two random fields with values
   * ```ts ignore
   * await redis.hset("h", { a: "1", b: "2" });
   * const picked = await redis.hrandfield("h", { count: 2, withValues: true });
   * assert.equal(picked.length, 2);
   * ```
   */
  hrandfield<O extends HRandFieldOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<HRandFieldReply<O>> {
    const argv: RedisArgument[] = ["HRANDFIELD", key];
    if (options?.count !== undefined) {
      argv.push(options.count);
      if (options.withValues) argv.push("WITHVALUES");
    }
    const reply = this.sendCommand<RespValue>(argv, options);
    return (options?.withValues && options.count !== undefined
      ? reply.then(pairs)
      : reply) as Promise<HRandFieldReply<O>>;
  }

  /**
   * `HSCAN key cursor [MATCH pattern] [COUNT count]`: one step of an iteration over a hash.
   * {@linkcode HashCommands.hscanIterator} runs the whole iteration.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param cursor `"0"` to start, then the cursor of the previous page.
   * @param options `match`, `count`, and the command options.
   * @returns The next cursor and this page's `[field, value]` pairs.
   *
   * @example One step
   * ```ts ignore
   * const page = await redis.hscan("h", "0", { count: 100 });
   * console.log(page.cursor, page.items);
   * ```
   */
  hscan<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: O,
  ): Promise<ScanPage<[BulkString<O>, BulkString<O>]>> {
    const argv: RedisArgument[] = ["HSCAN", key, cursor];
    if (options?.match !== undefined) argv.push("MATCH", options.match);
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      scanPage(reply, (list) => pairs(list) as [BulkString<O>, BulkString<O>][])
    );
  }

  /**
   * Iterates over a whole hash with `HSCAN` until the cursor comes back to 0, yielding
   * `[field, value]` pairs (always whole: each page holds complete pairs). A field may be
   * yielded twice. Not for pipelines or transactions: each page's reply decides the next call.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `match`, `count`, and the command options (applied to every call).
   * @returns An async iterator of `[field, value]` pairs.
   *
   * @example Every field
   * ```ts ignore
   * for await (const [field, value] of redis.hscanIterator("user:1")) {
   *   console.log(field, value);
   * }
   * ```
   */
  hscanIterator<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): AsyncGenerator<[BulkString<O>, BulkString<O>], void, undefined> {
    return scanAll((cursor) => this.hscan<O>(key, cursor, options));
  }

  /**
   * `HSET key field value [field value ...]`: sets fields.
   *
   * @param key The key.
   * @param fields The fields and values: a record, a `Map` or pairs.
   * @param options Buffers, timeout, abort signal.
   * @returns How many fields were added (updated ones do not count).
   *
   * @example From a record
   * ```ts ignore
   * assert.equal(await redis.hset("user:1", { name: "ada", born: 1815 }), 2);
   * ```
   */
  hset(key: RedisArgument, fields: Entries, options?: CommandOptions): Promise<number> {
    const argv: RedisArgument[] = ["HSET", key];
    pushEntries(argv, fields);
    return this.sendCommand<number>(argv, options);
  }

  /**
   * `HMSET key field value [field value ...]`: sets fields (deprecated since Redis 4.0.0 in favour
   * of `HSET`, which also counts what it added).
   *
   * @param key The key.
   * @param fields The fields and values: a record, a `Map` or pairs (at least one).
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example From a record
   * ```ts ignore
   * assert.equal(await redis.hmset("user:1", { name: "ada" }), "OK");
   * ```
   */
  hmset(key: RedisArgument, fields: Entries, options?: CommandOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["HMSET", key];
    if (pushEntries(argv, fields) === 0) {
      return Promise.reject(new TypeError("hmset() needs at least one field"));
    }
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `HSETNX key field value`: sets a field unless it exists.
   *
   * @param key The key.
   * @param field The field.
   * @param value The value.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether the field was set.
   *
   * @example Only the first write wins
   * ```ts ignore
   * assert.equal(await redis.hsetnx("h", "f", "1"), true);
   * assert.equal(await redis.hsetnx("h", "f", "2"), false);
   * ```
   */
  hsetnx(
    key: RedisArgument,
    field: RedisArgument,
    value: RedisArgument,
    options?: CommandOptions,
  ): Promise<boolean> {
    return this.sendCommand<RespValue>(["HSETNX", key, field, value], options).then(bool);
  }

  /**
   * `HSTRLEN key field`: the length of a field's value in bytes.
   *
   * @param key The key.
   * @param field The field.
   * @param options Buffers, timeout, abort signal.
   * @returns The length (0 when the field or key does not exist).
   *
   * @example A value's length
   * ```ts ignore
   * await redis.hset("h", { f: "abc" });
   * assert.equal(await redis.hstrlen("h", "f"), 3);
   * ```
   */
  hstrlen(key: RedisArgument, field: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["HSTRLEN", key, field], options);
  }

  /**
   * `HVALS key`: every value.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The values, in field order (empty when the key does not exist).
   *
   * @example Values
   * ```ts ignore
   * await redis.hset("h", { a: "1" });
   * assert.deepEqual(await redis.hvals("h"), ["1"]);
   * ```
   */
  hvals<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(["HVALS", key], options).then(array) as Promise<
      BulkString<O>[]
    >;
  }
}
