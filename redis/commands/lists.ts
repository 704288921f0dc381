import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, pushAll } from "./_replies.ts";
import { keyedElement, keyedElements, mpopArgv } from "./_list_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { BulkString, NoOptions, OneOrMany } from "./types.ts";
import type {
  KeyedElement,
  KeyedElements,
  ListEnd,
  LPosOptions,
  LPosReply,
  PopOptions,
  PopReply,
} from "./list_types.ts";

/**
 * Typed methods for lists, including the blocking ones (`BLPOP`, `BRPOP`, `BLMOVE`, `BLMPOP`).
 * A blocking command holds its connection until it is answered: every command sent after it on
 * the same connection waits too. Give blocking commands a connection of their own.
 *
 * @example A queue
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.rpush("jobs", ["a", "b"]);
 * assert.equal(await redis.lpop("jobs"), "a");
 * assert.deepEqual(await redis.blpop("jobs", 1), { key: "jobs", element: "b" });
 * ```
 */
export abstract class ListCommands extends CommandSender {
  /**
   * `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`: `LMOVE`, waiting up to `timeout`
   * seconds (0: forever) for an element. Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param source The list to take from.
   * @param destination The list to push to.
   * @param ends `[from, to]`: the end of `source` to take from and of `destination` to push to.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options Buffers, timeout, abort signal.
   * @returns The element moved, or `null` on timeout.
   *
   * @example Moving a job to a processing list
   * ```ts ignore
   * await redis.rpush("jobs", "job-1");
   * assert.equal(await redis.blmove("jobs", "processing", ["LEFT", "RIGHT"], 1), "job-1");
   * ```
   */
  blmove<O extends CommandOptions = NoOptions>(
    source: RedisArgument,
    destination: RedisArgument,
    ends: readonly [ListEnd, ListEnd],
    timeout: number,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(
      ["BLMOVE", source, destination, ends[0], ends[1], timeout],
      options,
    );
  }

  /**
   * `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: `LMPOP`, waiting up to
   * `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One list or several, tried in order.
   * @param end Which end to pop from.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options `count`, and the command options.
   * @returns The key and the popped elements, or `null` on timeout.
   *
   * @example Two at a time
   * ```ts ignore
   * await redis.rpush("q", ["a", "b", "c"]);
   * assert.deepEqual(await redis.blmpop("q", "LEFT", 1, { count: 2 }), { key: "q", elements: ["a", "b"] });
   * ```
   */
  blmpop<O extends PopOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    end: ListEnd,
    timeout: number,
    options?: O,
  ): Promise<KeyedElements<BulkString<O>> | null> {
    return this.sendCommand<RespValue>(mpopArgv("BLMPOP", timeout, keys, end, options), options)
      .then(keyedElements) as Promise<KeyedElements<BulkString<O>> | null>;
  }

  /**
   * `BLPOP key [key ...] timeout`: pops the head of the first non-empty list, waiting up to
   * `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One list or several, tried in order.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options Buffers, timeout, abort signal.
   * @returns The key and the element, or `null` on timeout.
   *
   * @example Waiting for a job
   * ```ts ignore
   * const job = await worker.blpop(["jobs:high", "jobs:low"], 5);
   * if (job !== null) console.log(job.key, job.element);
   * ```
   */
  blpop<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    timeout: number,
    options?: O,
  ): Promise<KeyedElement<BulkString<O>> | null> {
    const argv = pushAll(["BLPOP"], keys);
    argv.push(timeout);
    return this.sendCommand<RespValue>(argv, options).then(keyedElement) as Promise<
      KeyedElement<BulkString<O>> | null
    >;
  }

  /**
   * `BRPOP key [key ...] timeout`: pops the tail of the first non-empty list, waiting up to
   * `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One list or several, tried in order.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options Buffers, timeout, abort signal.
   * @returns The key and the element, or `null` on timeout.
   *
   * @example Waiting for a job
   * ```ts ignore
   * const job = await worker.brpop("jobs", 5);
   * ```
   */
  brpop<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    timeout: number,
    options?: O,
  ): Promise<KeyedElement<BulkString<O>> | null> {
    const argv = pushAll(["BRPOP"], keys);
    argv.push(timeout);
    return this.sendCommand<RespValue>(argv, options).then(keyedElement) as Promise<
      KeyedElement<BulkString<O>> | null
    >;
  }

  /**
   * `LINDEX key index`: the element at an index (negative counts from the tail).
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param index The index.
   * @param options Buffers, timeout, abort signal.
   * @returns The element, or `null` when out of range.
   *
   * @example The last element
   * ```ts ignore
   * await redis.rpush("l", ["a", "b"]);
   * assert.equal(await redis.lindex("l", -1), "b");
   * ```
   */
  lindex<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    index: number,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(["LINDEX", key, index], options);
  }

  /**
   * `LINSERT key BEFORE|AFTER pivot element`: inserts next to the first occurrence of `pivot`.
   *
   * @param key The key.
   * @param where `"BEFORE"` or `"AFTER"` the pivot.
   * @param pivot The element to insert next to.
   * @param element The element to insert.
   * @param options Buffers, timeout, abort signal.
   * @returns The list's length afterwards; -1 when `pivot` was not found, 0 for a missing key.
   *
   * @example Inserting
   * ```ts ignore
   * await redis.rpush("l", ["a", "c"]);
   * assert.equal(await redis.linsert("l", "BEFORE", "c", "b"), 3);
   * ```
   */
  linsert(
    key: RedisArgument,
    where: "BEFORE" | "AFTER",
    pivot: RedisArgument,
    element: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["LINSERT", key, where, pivot, element], options);
  }

  /**
   * `LLEN key`: the length of a list.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The length (0 when the key does not exist).
   *
   * @example Length
   * ```ts ignore
   * await redis.rpush("l", ["a", "b"]);
   * assert.equal(await redis.llen("l"), 2);
   * ```
   */
  llen(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["LLEN", key], options);
  }

  /**
   * `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`: pops from one list and pushes to another
   * (possibly the same: a rotation).
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param source The list to take from.
   * @param destination The list to push to.
   * @param ends `[from, to]`: the end of `source` to take from and of `destination` to push to.
   * @param options Buffers, timeout, abort signal.
   * @returns The element moved, or `null` when `source` is empty.
   *
   * @example Rotating a list
   * ```ts ignore
   * await redis.rpush("ring", ["a", "b", "c"]);
   * assert.equal(await redis.lmove("ring", "ring", ["LEFT", "RIGHT"]), "a");
   * ```
   */
  lmove<O extends CommandOptions = NoOptions>(
    source: RedisArgument,
    destination: RedisArgument,
    ends: readonly [ListEnd, ListEnd],
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(
      ["LMOVE", source, destination, ends[0], ends[1]],
      options,
    );
  }

  /**
   * `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: pops from the first non-empty list.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One list or several, tried in order.
   * @param end Which end to pop from.
   * @param options `count`, and the command options.
   * @returns The key and the popped elements, or `null` when every list is empty.
   *
   * @example Popping from the first non-empty list
   * ```ts ignore
   * await redis.rpush("b", ["x", "y"]);
   * assert.deepEqual(await redis.lmpop(["a", "b"], "RIGHT"), { key: "b", elements: ["y"] });
   * ```
   */
  lmpop<O extends PopOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    end: ListEnd,
    options?: O,
  ): Promise<KeyedElements<BulkString<O>> | null> {
    return this.sendCommand<RespValue>(mpopArgv("LMPOP", undefined, keys, end, options), options)
      .then(keyedElements) as Promise<KeyedElements<BulkString<O>> | null>;
  }

  /**
   * `LPOP key [count]`: pops from the head.
   *
   * @typeParam O The options' type: `count` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns See {@linkcode PopReply}.
   *
   * @example One, then two
   * ```ts ignore
   * await redis.rpush("l", ["a", "b", "c"]);
   * assert.equal(await redis.lpop("l"), "a");
   * assert.deepEqual(await redis.lpop("l", { count: 2 }), ["b", "c"]);
   * ```
   */
  lpop<O extends PopOptions = NoOptions>(key: RedisArgument, options?: O): Promise<PopReply<O>> {
    const argv: RedisArgument[] = ["LPOP", key];
    if (options?.count !== undefined) argv.push(options.count);
    return this.sendCommand<PopReply<O>>(argv, options);
  }

  /**
   * `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`: where an element is.
   *
   * @typeParam O The options' type: `count` decides the shape.
   * @param key The key.
   * @param element The element to look for.
   * @param options `rank`, `count`, `maxlen`, and the command options.
   * @returns See {@linkcode LPosReply}.
   *
   * @example Every position
   * ```ts ignore
   * await redis.rpush("l", ["a", "b", "a"]);
   * assert.deepEqual(await redis.lpos("l", "a", { count: 0 }), [0, 2]);
   * ```
   */
  lpos<O extends LPosOptions = NoOptions>(
    key: RedisArgument,
    element: RedisArgument,
    options?: O,
  ): Promise<LPosReply<O>> {
    const argv: RedisArgument[] = ["LPOS", key, element];
    if (options?.rank !== undefined) argv.push("RANK", options.rank);
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    if (options?.maxlen !== undefined) argv.push("MAXLEN", options.maxlen);
    return this.sendCommand<LPosReply<O>>(argv, options);
  }

  /**
   * `LPUSH key element [element ...]`: pushes to the head (the last one given ends up first).
   *
   * @param key The key.
   * @param elements One element or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns The list's length afterwards.
   *
   * @example Pushing two
   * ```ts ignore
   * assert.equal(await redis.lpush("l", ["a", "b"]), 2);
   * assert.deepEqual(await redis.lrange("l", 0, -1), ["b", "a"]);
   * ```
   */
  lpush(key: RedisArgument, elements: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["LPUSH", key], elements), options);
  }

  /**
   * `LPUSHX key element [element ...]`: `LPUSH`, only when the list exists.
   *
   * @param key The key.
   * @param elements One element or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns The list's length afterwards (0: nothing pushed).
   *
   * @example A missing list stays missing
   * ```ts ignore
   * assert.equal(await redis.lpushx("missing", "a"), 0);
   * ```
   */
  lpushx(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["LPUSHX", key], elements), options);
  }

  /**
   * `LRANGE key start stop`: a range of elements (inclusive; negative counts from the tail).
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param start The first index.
   * @param stop The last index (-1: the tail).
   * @param options Buffers, timeout, abort signal.
   * @returns The elements.
   *
   * @example The whole list
   * ```ts ignore
   * await redis.rpush("l", ["a", "b"]);
   * assert.deepEqual(await redis.lrange("l", 0, -1), ["a", "b"]);
   * ```
   */
  lrange<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    start: number,
    stop: number,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(["LRANGE", key, start, stop], options).then(
      array,
    ) as Promise<BulkString<O>[]>;
  }

  /**
   * `LREM key count element`: removes occurrences of an element (`count` > 0 from the head, < 0
   * from the tail, 0 all).
   *
   * @param key The key.
   * @param count How many, and from which end.
   * @param element The element.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Removing every "a"
   * ```ts ignore
   * await redis.rpush("l", ["a", "b", "a"]);
   * assert.equal(await redis.lrem("l", 0, "a"), 2);
   * ```
   */
  lrem(
    key: RedisArgument,
    count: number,
    element: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["LREM", key, count, element], options);
  }

  /**
   * `LSET key index element`: replaces the element at an index.
   *
   * @param key The key.
   * @param index The index (negative counts from the tail).
   * @param element The new element.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`; an index out of range rejects with `ReplyError`.
   *
   * @example Replacing the head
   * ```ts ignore
   * await redis.rpush("l", ["a"]);
   * assert.equal(await redis.lset("l", 0, "z"), "OK");
   * ```
   */
  lset(
    key: RedisArgument,
    index: number,
    element: RedisArgument,
    options?: CommandOptions,
  ): Promise<"OK"> {
    return this.sendCommand<"OK">(["LSET", key, index, element], options);
  }

  /**
   * `LTRIM key start stop`: keeps only a range of elements.
   *
   * @param key The key.
   * @param start The first index kept.
   * @param stop The last index kept.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example A capped list
   * ```ts ignore
   * await redis.lpush("recent", "event");
   * assert.equal(await redis.ltrim("recent", 0, 99), "OK");
   * ```
   */
  ltrim(key: RedisArgument, start: number, stop: number, options?: CommandOptions): Promise<"OK"> {
    return this.sendCommand<"OK">(["LTRIM", key, start, stop], options);
  }

  /**
   * `RPOP key [count]`: pops from the tail.
   *
   * @typeParam O The options' type: `count` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns See {@linkcode PopReply}.
   *
   * @example The last element
   * ```ts ignore
   * await redis.rpush("l", ["a", "b"]);
   * assert.equal(await redis.rpop("l"), "b");
   * ```
   */
  rpop<O extends PopOptions = NoOptions>(key: RedisArgument, options?: O): Promise<PopReply<O>> {
    const argv: RedisArgument[] = ["RPOP", key];
    if (options?.count !== undefined) argv.push(options.count);
    return this.sendCommand<PopReply<O>>(argv, options);
  }

  /**
   * `RPUSH key element [element ...]`: pushes to the tail.
   *
   * @param key The key.
   * @param elements One element or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns The list's length afterwards.
   *
   * @example Appending
   * ```ts ignore
   * assert.equal(await redis.rpush("l", ["a", "b"]), 2);
   * ```
   */
  rpush(key: RedisArgument, elements: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["RPUSH", key], elements), options);
  }

  /**
   * `RPUSHX key element [element ...]`: `RPUSH`, only when the list exists.
   *
   * @param key The key.
   * @param elements One element or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns The list's length afterwards (0: nothing pushed).
   *
   * @example A missing list stays missing
   * ```ts ignore
   * assert.equal(await redis.rpushx("missing", "a"), 0);
   * ```
   */
  rpushx(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["RPUSHX", key], elements), options);
  }
}
