import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { count, pushAll } from "./_replies.ts";
import { combineArgv, pushRange, rangeReply } from "./_sorted_set_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { NoOptions, OneOrMany } from "./types.ts";
import type { InterCardOptions } from "./sets.ts";
import type {
  WithScoresOptions,
  ZCombineOptions,
  ZRandMemberOptions,
  ZRandMemberReply,
  ZRangeOptions,
  ZRangeReply,
} from "./sorted_set_types.ts";

/**
 * Typed methods that read sorted sets by range and combine them: `ZRANGE` (by rank, score or
 * lex, reversed, limited, with scores), `ZRANGESTORE`, `ZRANDMEMBER`, and the set algebra
 * `ZDIFF`, `ZINTER`, `ZUNION` with their `*STORE` forms and `ZINTERCARD`. Members with scores
 * are {@linkcode ScoredMember} objects in both protocols.
 *
 * @example The top of a leaderboard
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.zadd("board", [{ score: 10, member: "ada" }, { score: 7, member: "alan" }]);
 * assert.deepEqual(await redis.zrange("board", 0, 0, { rev: true }), ["ada"]);
 * ```
 */
export abstract class SortedSetRangeCommands extends CommandSender {
  /**
   * `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`: a range
   * of members, by rank (default), score or lex order.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param start A rank, or with `by` a score (`"(1"`, `"-inf"`) or lex bound (`"[a"`, `"-"`).
   * @param stop A rank, or with `by` a score or lex bound.
   * @param options `by`, `rev`, `limit`, `withScores`, and the command options.
   * @returns See {@linkcode ZRangeReply}: {@linkcode ScoredMember}s in both protocols.
   *
   * @example By score, highest first, with scores
   * ```ts ignore
   * const top = await redis.zrange("board", "+inf", "-inf", {
   *   by: "SCORE",
   *   rev: true,
   *   limit: { offset: 0, count: 3 },
   *   withScores: true,
   * });
   * ```
   */
  zrange<O extends ZRangeOptions = NoOptions>(
    key: RedisArgument,
    start: RedisArgument,
    stop: RedisArgument,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    const argv: RedisArgument[] = ["ZRANGE", key, start, stop];
    pushRange(argv, options);
    if (options?.withScores) argv.push("WITHSCORES");
    return this.sendCommand<RespValue>(argv, options).then(
      rangeReply(options?.withScores),
    ) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]`: stores a
   * `ZRANGE` in `destination`.
   *
   * @param destination The key to write.
   * @param source The sorted set to read.
   * @param range `[start, stop]`, as for {@linkcode SortedSetCommands.zrange}.
   * @param options `by`, `rev`, `limit`, and the command options.
   * @returns The number of members stored.
   *
   * @example Storing the top three
   * ```ts ignore
   * assert.equal(await redis.zrangestore("top", "board", [0, 2], { rev: true }), 3);
   * ```
   */
  zrangestore(
    destination: RedisArgument,
    source: RedisArgument,
    range: readonly [RedisArgument, RedisArgument],
    options?: Omit<ZRangeOptions, "withScores">,
  ): Promise<number> {
    const argv: RedisArgument[] = ["ZRANGESTORE", destination, source, range[0], range[1]];
    pushRange(argv, options);
    return this.sendCommand<number>(argv, options);
  }

  /**
   * `ZRANDMEMBER key [count [WITHSCORES]]`: random members.
   *
   * @typeParam O The options' type: `count`, `withScores` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, `withScores` (needs `count`), and the command options.
   * @returns See {@linkcode ZRandMemberReply}.
   *
   * @example Two with scores
   * ```ts ignore
   * const picked = await redis.zrandmember("z", { count: 2, withScores: true });
   * ```
   */
  zrandmember<O extends ZRandMemberOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<ZRandMemberReply<O>> {
    const argv: RedisArgument[] = ["ZRANDMEMBER", key];
    if (options?.count === undefined) {
      return this.sendCommand<ZRandMemberReply<O>>(argv, options);
    }
    argv.push(options.count);
    if (options.withScores) argv.push("WITHSCORES");
    return this.sendCommand<RespValue>(argv, options).then(
      rangeReply(options.withScores),
    ) as Promise<ZRandMemberReply<O>>;
  }

  /**
   * `ZDIFF numkeys key [key ...] [WITHSCORES]`: members of the first sorted set in none of the
   * others.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param keys The sorted sets.
   * @param options `withScores`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   *
   * @example A difference
   * ```ts ignore
   * assert.deepEqual(await redis.zdiff(["a", "b"]), ["only-in-a"]);
   * ```
   */
  zdiff<O extends WithScoresOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    const argv = pushAll(["ZDIFF", count(keys)], keys);
    if (options?.withScores) argv.push("WITHSCORES");
    return this.sendCommand<RespValue>(argv, options).then(
      rangeReply(options?.withScores),
    ) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZDIFFSTORE destination numkeys key [key ...]`: stores `ZDIFF` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sorted sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members stored.
   *
   * @example Storing a difference
   * ```ts ignore
   * assert.equal(await redis.zdiffstore("d", ["a", "b"]), 1);
   * ```
   */
  zdiffstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(
      pushAll(["ZDIFFSTORE", destination, count(keys)], keys),
      options,
    );
  }

  /**
   * `ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
   * [WITHSCORES]`: members in every sorted set.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param keys The sorted sets.
   * @param options `weights`, `aggregate`, `withScores`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   *
   * @example Summed scores
   * ```ts ignore
   * const common = await redis.zinter(["a", "b"], { withScores: true });
   * ```
   */
  zinter<O extends ZCombineOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    return this.sendCommand<RespValue>(combineArgv("ZINTER", undefined, keys, options), options)
      .then(rangeReply(options?.withScores)) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZINTERCARD numkeys key [key ...] [LIMIT limit]`: the size of the intersection.
   *
   * @param keys The sorted sets.
   * @param options `limit`, and the command options.
   * @returns The number of members in every set (at most `limit`).
   *
   * @example Counting common members
   * ```ts ignore
   * assert.equal(await redis.zintercard(["a", "b"], { limit: 10 }), 1);
   * ```
   */
  zintercard(keys: OneOrMany<RedisArgument>, options?: InterCardOptions): Promise<number> {
    const argv = pushAll(["ZINTERCARD", count(keys)], keys);
    if (options?.limit !== undefined) argv.push("LIMIT", options.limit);
    return this.sendCommand<number>(argv, options);
  }

  /**
   * `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
   * [AGGREGATE SUM|MIN|MAX]`: stores `ZINTER` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sorted sets.
   * @param options `weights`, `aggregate`, and the command options.
   * @returns The number of members stored.
   *
   * @example Storing an intersection
   * ```ts ignore
   * assert.equal(await redis.zinterstore("i", ["a", "b"], { aggregate: "MAX" }), 1);
   * ```
   */
  zinterstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: Omit<ZCombineOptions, "withScores">,
  ): Promise<number> {
    return this.sendCommand<number>(
      combineArgv("ZINTERSTORE", destination, keys, options),
      options,
    );
  }

  /**
   * `ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]
   * [WITHSCORES]`: members in any of the sorted sets.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param keys The sorted sets.
   * @param options `weights`, `aggregate`, `withScores`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   *
   * @example A weighted union
   * ```ts ignore
   * const all = await redis.zunion(["a", "b"], { weights: [1, 10], withScores: true });
   * ```
   */
  zunion<O extends ZCombineOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    return this.sendCommand<RespValue>(combineArgv("ZUNION", undefined, keys, options), options)
      .then(rangeReply(options?.withScores)) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
   * [AGGREGATE SUM|MIN|MAX]`: stores `ZUNION` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sorted sets.
   * @param options `weights`, `aggregate`, and the command options.
   * @returns The number of members stored.
   *
   * @example Storing a union
   * ```ts ignore
   * assert.equal(await redis.zunionstore("u", ["a", "b"]), 3);
   * ```
   */
  zunionstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: Omit<ZCombineOptions, "withScores">,
  ): Promise<number> {
    return this.sendCommand<number>(
      combineArgv("ZUNIONSTORE", destination, keys, options),
      options,
    );
  }
}
