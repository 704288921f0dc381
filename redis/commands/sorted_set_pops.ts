import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { pushAll, scored } from "./_replies.ts";
import { mpopArgv } from "./_list_replies.ts";
import { keyedScored, keyedScoredMembers } from "./_sorted_set_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { BulkString, NoOptions, OneOrMany, ScoredMember } from "./types.ts";
import type { KeyedScoredMember, KeyedScoredMembers } from "./sorted_set_types.ts";
import type { PopOptions } from "./list_types.ts";

/**
 * Typed methods that pop sorted-set members: `ZPOPMIN`, `ZPOPMAX`, `ZMPOP` and their blocking
 * forms `BZPOPMIN`, `BZPOPMAX`, `BZMPOP`. A blocking command holds its connection until it is
 * answered: give it a connection of its own.
 *
 * @example Popping the lowest score
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.zadd("board", [{ score: 10, member: "ada" }, { score: 7, member: "alan" }]);
 * assert.deepEqual(await redis.zpopmin("board"), [{ member: "alan", score: 7 }]);
 * ```
 */
export abstract class SortedSetPopCommands extends CommandSender {
  /**
   * `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: `ZMPOP`, waiting up to
   * `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One sorted set or several, tried in order.
   * @param which `"MIN"` or `"MAX"`: the lowest or the highest scores.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options `count`, and the command options.
   * @returns The key and the popped members, or `null` on timeout.
   *
   * @example The lowest score
   * ```ts ignore
   * await redis.zadd("z", { score: 1, member: "a" });
   * assert.deepEqual(await redis.bzmpop("z", "MIN", 1), { key: "z", members: [{ member: "a", score: 1 }] });
   * ```
   */
  bzmpop<O extends PopOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    which: "MIN" | "MAX",
    timeout: number,
    options?: O,
  ): Promise<KeyedScoredMembers<BulkString<O>> | null> {
    return this.sendCommand<RespValue>(mpopArgv("BZMPOP", timeout, keys, which, options), options)
      .then(keyedScoredMembers) as Promise<KeyedScoredMembers<BulkString<O>> | null>;
  }

  /**
   * `BZPOPMAX key [key ...] timeout`: pops the highest score of the first non-empty sorted set,
   * waiting up to `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One sorted set or several, tried in order.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options Buffers, timeout, abort signal.
   * @returns The key, member and score, or `null` on timeout.
   *
   * @example The best
   * ```ts ignore
   * await redis.zadd("z", { score: 5, member: "a" });
   * assert.deepEqual(await redis.bzpopmax("z", 1), { key: "z", member: "a", score: 5 });
   * ```
   */
  bzpopmax<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    timeout: number,
    options?: O,
  ): Promise<KeyedScoredMember<BulkString<O>> | null> {
    const argv = pushAll(["BZPOPMAX"], keys);
    argv.push(timeout);
    return this.sendCommand<RespValue>(argv, options).then(keyedScored) as Promise<
      KeyedScoredMember<BulkString<O>> | null
    >;
  }

  /**
   * `BZPOPMIN key [key ...] timeout`: pops the lowest score of the first non-empty sorted set,
   * waiting up to `timeout` seconds (0: forever). Holds the connection while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One sorted set or several, tried in order.
   * @param timeout Seconds to wait (fractions allowed; 0 waits forever).
   * @param options Buffers, timeout, abort signal.
   * @returns The key, member and score, or `null` on timeout.
   *
   * @example The next task
   * ```ts ignore
   * const task = await worker.bzpopmin("tasks", 5);
   * ```
   */
  bzpopmin<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    timeout: number,
    options?: O,
  ): Promise<KeyedScoredMember<BulkString<O>> | null> {
    const argv = pushAll(["BZPOPMIN"], keys);
    argv.push(timeout);
    return this.sendCommand<RespValue>(argv, options).then(keyedScored) as Promise<
      KeyedScoredMember<BulkString<O>> | null
    >;
  }

  /**
   * `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`: pops from the first non-empty sorted
   * set.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys One sorted set or several, tried in order.
   * @param which `"MIN"` or `"MAX"`: the lowest or the highest scores.
   * @param options `count`, and the command options.
   * @returns The key and the popped members, or `null` when every set is empty.
   *
   * @example The two highest
   * ```ts ignore
   * const popped = await redis.zmpop(["a", "b"], "MAX", { count: 2 });
   * ```
   */
  zmpop<O extends PopOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    which: "MIN" | "MAX",
    options?: O,
  ): Promise<KeyedScoredMembers<BulkString<O>> | null> {
    return this.sendCommand<RespValue>(mpopArgv("ZMPOP", undefined, keys, which, options), options)
      .then(keyedScoredMembers) as Promise<KeyedScoredMembers<BulkString<O>> | null>;
  }

  /**
   * `ZPOPMAX key [count]`: pops the highest scores.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns The popped members with their scores (a list even without `count`; empty when the
   * set is empty).
   *
   * @example The best
   * ```ts ignore
   * await redis.zadd("z", [{ score: 1, member: "a" }, { score: 2, member: "b" }]);
   * assert.deepEqual(await redis.zpopmax("z"), [{ member: "b", score: 2 }]);
   * ```
   */
  zpopmax<O extends PopOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<ScoredMember<BulkString<O>>[]> {
    const argv: RedisArgument[] = ["ZPOPMAX", key];
    if (options?.count !== undefined) argv.push(options.count);
    return this.sendCommand<RespValue>(argv, options).then(scored) as Promise<
      ScoredMember<BulkString<O>>[]
    >;
  }

  /**
   * `ZPOPMIN key [count]`: pops the lowest scores.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns The popped members with their scores (a list even without `count`).
   *
   * @example The two lowest
   * ```ts ignore
   * const lowest = await redis.zpopmin("z", { count: 2 });
   * ```
   */
  zpopmin<O extends PopOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<ScoredMember<BulkString<O>>[]> {
    const argv: RedisArgument[] = ["ZPOPMIN", key];
    if (options?.count !== undefined) argv.push(options.count);
    return this.sendCommand<RespValue>(argv, options).then(scored) as Promise<
      ScoredMember<BulkString<O>>[]
    >;
  }
}
