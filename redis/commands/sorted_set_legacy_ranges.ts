import type { RedisArgument, RespValue } from "../resp/types.ts";
import { CommandSender } from "./command_sender.ts";
import type { BulkString, NoOptions } from "./types.ts";
import type {
  WithScoresOptions,
  ZRangeByLexOptions,
  ZRangeByScoreOptions,
  ZRangeReply,
} from "./sorted_set_types.ts";
import { rangeReply } from "./_sorted_set_replies.ts";

function byArgv(
  command: string,
  key: RedisArgument,
  from: RedisArgument,
  to: RedisArgument,
  options: ZRangeByScoreOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command, key, from, to];
  if (options?.withScores) argv.push("WITHSCORES");
  if (options?.limit !== undefined) argv.push("LIMIT", options.limit.offset, options.limit.count);
  return argv;
}

/**
 * Typed methods for the range commands `ZRANGE` replaced in Redis 6.2 (`ZRANGEBYSCORE`,
 * `ZRANGEBYLEX`, `ZREVRANGE`, `ZREVRANGEBYSCORE`, `ZREVRANGEBYLEX`), still used by many
 * programs: the same options and reply shapes as {@linkcode SortedSetRangeCommands.zrange}.
 *
 * @example By score, with scores
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.zadd("board", [{ score: 10, member: "ada" }, { score: 7, member: "alan" }]);
 * assert.deepEqual(await redis.zrangebyscore("board", 8, "+inf", { withScores: true }), [
 *   { member: "ada", score: 10 },
 * ]);
 * ```
 */
export abstract class SortedSetLegacyRangeCommands extends CommandSender {
  /**
   * `ZRANGEBYLEX key min max [LIMIT offset count]`: members between two lex bounds.
   *
   * @typeParam O The options' type: `returnBuffers` decides between strings and bytes.
   * @param key The key.
   * @param min A lex bound (`"[a"`, `"(a"`, `"-"`).
   * @param max A lex bound (`"[z"`, `"(z"`, `"+"`).
   * @param options `limit`, and the command options.
   * @returns The members.
   * @deprecated Since Redis 6.2.0: `zrange(key, min, max, { by: "LEX" })`.
   *
   * @example From b on
   * ```ts ignore
   * assert.deepEqual(await redis.zrangebylex("letters", "[b", "+"), ["b", "c"]);
   * ```
   */
  zrangebylex<O extends ZRangeByLexOptions = NoOptions>(
    key: RedisArgument,
    min: RedisArgument,
    max: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(byArgv("ZRANGEBYLEX", key, min, max, options), options)
      .then(rangeReply(false)) as Promise<BulkString<O>[]>;
  }

  /**
   * `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`: members between two scores.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param min A score (`1`, `"(1"` exclusive, `"-inf"`).
   * @param max A score (`"+inf"`).
   * @param options `withScores`, `limit`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   * @deprecated Since Redis 6.2.0: `zrange(key, min, max, { by: "SCORE" })`.
   *
   * @example Scores above 8
   * ```ts ignore
   * assert.deepEqual(await redis.zrangebyscore("board", "(8", "+inf"), ["ada"]);
   * ```
   */
  zrangebyscore<O extends ZRangeByScoreOptions = NoOptions>(
    key: RedisArgument,
    min: RedisArgument,
    max: RedisArgument,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    return this.sendCommand<RespValue>(byArgv("ZRANGEBYSCORE", key, min, max, options), options)
      .then(rangeReply(options?.withScores)) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZREVRANGE key start stop [WITHSCORES]`: a range of members by rank, highest score first.
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param start The first rank (0 is the highest score; negative counts from the end).
   * @param stop The last rank (inclusive).
   * @param options `withScores`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   * @deprecated Since Redis 6.2.0: `zrange(key, start, stop, { rev: true })`.
   *
   * @example The top three
   * ```ts ignore
   * const top = await redis.zrevrange("board", 0, 2, { withScores: true });
   * ```
   */
  zrevrange<O extends WithScoresOptions = NoOptions>(
    key: RedisArgument,
    start: number,
    stop: number,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    return this.sendCommand<RespValue>(byArgv("ZREVRANGE", key, start, stop, options), options)
      .then(rangeReply(options?.withScores)) as Promise<ZRangeReply<O>>;
  }

  /**
   * `ZREVRANGEBYLEX key max min [LIMIT offset count]`: members between two lex bounds, in
   * reverse order (note: the upper bound first).
   *
   * @typeParam O The options' type: `returnBuffers` decides between strings and bytes.
   * @param key The key.
   * @param max A lex bound (`"[z"`, `"+"`).
   * @param min A lex bound (`"[a"`, `"-"`).
   * @param options `limit`, and the command options.
   * @returns The members.
   * @deprecated Since Redis 6.2.0: `zrange(key, max, min, { by: "LEX", rev: true })`.
   *
   * @example Down to b
   * ```ts ignore
   * assert.deepEqual(await redis.zrevrangebylex("letters", "+", "[b"), ["c", "b"]);
   * ```
   */
  zrevrangebylex<O extends ZRangeByLexOptions = NoOptions>(
    key: RedisArgument,
    max: RedisArgument,
    min: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(byArgv("ZREVRANGEBYLEX", key, max, min, options), options)
      .then(rangeReply(false)) as Promise<BulkString<O>[]>;
  }

  /**
   * `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`: members between two
   * scores, highest first (note: the upper bound first).
   *
   * @typeParam O The options' type: `withScores` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param max A score (`"+inf"`, `"(10"`).
   * @param min A score (`"-inf"`).
   * @param options `withScores`, `limit`, and the command options.
   * @returns See {@linkcode ZRangeReply}.
   * @deprecated Since Redis 6.2.0: `zrange(key, max, min, { by: "SCORE", rev: true })`.
   *
   * @example The best three
   * ```ts ignore
   * const best = await redis.zrevrangebyscore("board", "+inf", "-inf", {
   *   limit: { offset: 0, count: 3 },
   * });
   * ```
   */
  zrevrangebyscore<O extends ZRangeByScoreOptions = NoOptions>(
    key: RedisArgument,
    max: RedisArgument,
    min: RedisArgument,
    options?: O,
  ): Promise<ZRangeReply<O>> {
    return this.sendCommand<RespValue>(
      byArgv("ZREVRANGEBYSCORE", key, max, min, options),
      options,
    ).then(rangeReply(options?.withScores)) as Promise<ZRangeReply<O>>;
  }
}
