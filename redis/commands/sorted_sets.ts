import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, pushAll, scored, scoreOrNull } from "./_replies.ts";
import { scanAll, scanPage } from "./_scan.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type {
  BulkString,
  NoOptions,
  OneOrMany,
  ScanOptions,
  ScanPage,
  ScoredMember,
} from "./types.ts";
import type { ZAddOptions } from "./sorted_set_types.ts";

/**
 * Typed methods for sorted sets. Scores are numbers in both protocols (RESP2 sends them as
 * strings, RESP3 as doubles), members with scores are {@linkcode ScoredMember} objects whatever
 * the protocol's layout, and `ZSCAN` also runs as {@linkcode SortedSetCommands.zscanIterator}.
 *
 * @example A leaderboard
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.zadd("board", [{ score: 10, member: "ada" }, { score: 7, member: "alan" }]);
 * assert.deepEqual(await redis.zrange("board", 0, 0, { rev: true, withScores: true }), [
 *   { member: "ada", score: 10 },
 * ]);
 * ```
 */
export abstract class SortedSetCommands extends CommandSender {
  /**
   * `ZADD key [NX | XX] [GT | LT] [CH] score member [score member ...]`: adds members or updates
   * their scores.
   *
   * @param key The key.
   * @param members One `{ score, member }` or a list of them.
   * @param options `nx`, `xx`, `gt`, `lt`, `ch`, and the command options.
   * @returns How many members were added (with `ch`: added or changed).
   *
   * @example Adding two
   * ```ts ignore
   * assert.equal(await redis.zadd("z", [{ score: 1, member: "a" }, { score: 2, member: "b" }]), 2);
   * ```
   */
  zadd(
    key: RedisArgument,
    members: OneOrMany<ScoredMember<RedisArgument>>,
    options?: ZAddOptions,
  ): Promise<number> {
    const argv: RedisArgument[] = ["ZADD", key];
    if (options !== undefined) {
      if (options.nx) argv.push("NX");
      if (options.xx) argv.push("XX");
      if (options.gt) argv.push("GT");
      if (options.lt) argv.push("LT");
      if (options.ch) argv.push("CH");
    }
    if (Array.isArray(members)) {
      for (const m of members as readonly ScoredMember<RedisArgument>[]) {
        argv.push(m.score, m.member);
      }
    } else {
      const m = members as ScoredMember<RedisArgument>;
      argv.push(m.score, m.member);
    }
    return this.sendCommand<number>(argv, options);
  }

  /**
   * `ZCARD key`: the number of members.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members (0 when the key does not exist).
   *
   * @example Counting
   * ```ts ignore
   * assert.equal(await redis.zcard("missing"), 0);
   * ```
   */
  zcard(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["ZCARD", key], options);
  }

  /**
   * `ZCOUNT key min max`: how many scores fall in a range.
   *
   * @param key The key.
   * @param min The lowest score: a number, `"(1"` for exclusive, `"-inf"`.
   * @param max The highest score: a number, `"(5"` for exclusive, `"+inf"`.
   * @param options Buffers, timeout, abort signal.
   * @returns The count.
   *
   * @example Scores above 1
   * ```ts ignore
   * assert.equal(await redis.zcount("z", "(1", "+inf"), 1);
   * ```
   */
  zcount(
    key: RedisArgument,
    min: number | string,
    max: number | string,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["ZCOUNT", key, min, max], options);
  }

  /**
   * `ZINCRBY key increment member`: adds to a member's score (adding the member at 0 when
   * missing).
   *
   * @param key The key.
   * @param increment How much to add.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns The new score.
   *
   * @example Scoring
   * ```ts ignore
   * assert.equal(await redis.zincrby("z", 2.5, "a"), 2.5);
   * ```
   */
  zincrby(
    key: RedisArgument,
    increment: number,
    member: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<RespValue>(["ZINCRBY", key, increment, member], options).then((v) =>
      scoreOrNull(v)!
    );
  }

  /**
   * `ZLEXCOUNT key min max`: how many members fall in a lexicographical range (all scores
   * equal).
   *
   * @param key The key.
   * @param min `"[a"` inclusive, `"(a"` exclusive, `"-"` the start.
   * @param max `"[z"` inclusive, `"(z"` exclusive, `"+"` the end.
   * @param options Buffers, timeout, abort signal.
   * @returns The count.
   *
   * @example Counting a range
   * ```ts ignore
   * assert.equal(await redis.zlexcount("names", "[a", "(c"), 2);
   * ```
   */
  zlexcount(
    key: RedisArgument,
    min: RedisArgument,
    max: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["ZLEXCOUNT", key, min, max], options);
  }

  /**
   * `ZMSCORE key member [member ...]`: the scores of several members.
   *
   * @param key The key.
   * @param members The members.
   * @param options Buffers, timeout, abort signal.
   * @returns A score per member, `null` where it is not in the set.
   *
   * @example Two scores
   * ```ts ignore
   * await redis.zadd("z", { score: 1, member: "a" });
   * assert.deepEqual(await redis.zmscore("z", ["a", "b"]), [1, null]);
   * ```
   */
  zmscore(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<(number | null)[]> {
    return this.sendCommand<RespValue>(pushAll(["ZMSCORE", key], members), options).then((v) =>
      array(v).map(scoreOrNull)
    );
  }

  /**
   * `ZRANK key member`: a member's rank, lowest score first.
   *
   * @param key The key.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns The 0-based rank, or `null` when it is not in the set.
   *
   * @example The lowest has rank 0
   * ```ts ignore
   * assert.equal(await redis.zrank("z", "a"), 0);
   * ```
   */
  zrank(key: RedisArgument, member: RedisArgument, options?: CommandOptions): Promise<
    number | null
  > {
    return this.sendCommand<number | null>(["ZRANK", key, member], options);
  }

  /**
   * `ZREVRANK key member`: a member's rank, highest score first.
   *
   * @param key The key.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns The 0-based rank, or `null` when it is not in the set.
   *
   * @example The best has rank 0
   * ```ts ignore
   * assert.equal(await redis.zrevrank("board", "ada"), 0);
   * ```
   */
  zrevrank(key: RedisArgument, member: RedisArgument, options?: CommandOptions): Promise<
    number | null
  > {
    return this.sendCommand<number | null>(["ZREVRANK", key, member], options);
  }

  /**
   * `ZREM key member [member ...]`: removes members.
   *
   * @param key The key.
   * @param members One member or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Removing
   * ```ts ignore
   * assert.equal(await redis.zrem("z", ["a", "missing"]), 1);
   * ```
   */
  zrem(key: RedisArgument, members: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["ZREM", key], members), options);
  }

  /**
   * `ZREMRANGEBYLEX key min max`: removes a lexicographical range.
   *
   * @param key The key.
   * @param min `"[a"`, `"(a"` or `"-"`.
   * @param max `"[z"`, `"(z"` or `"+"`.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Removing everything
   * ```ts ignore
   * await redis.zremrangebylex("names", "-", "+");
   * ```
   */
  zremrangebylex(
    key: RedisArgument,
    min: RedisArgument,
    max: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["ZREMRANGEBYLEX", key, min, max], options);
  }

  /**
   * `ZREMRANGEBYRANK key start stop`: removes a range of ranks.
   *
   * @param key The key.
   * @param start The first rank (negative counts from the highest).
   * @param stop The last rank.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Keeping the ten best
   * ```ts ignore
   * await redis.zremrangebyrank("board", 0, -11);
   * ```
   */
  zremrangebyrank(
    key: RedisArgument,
    start: number,
    stop: number,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["ZREMRANGEBYRANK", key, start, stop], options);
  }

  /**
   * `ZREMRANGEBYSCORE key min max`: removes a range of scores.
   *
   * @param key The key.
   * @param min The lowest score (`"(1"` exclusive, `"-inf"`).
   * @param max The highest score.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Dropping old entries
   * ```ts ignore
   * await redis.zremrangebyscore("events", "-inf", Date.now() - 60_000);
   * ```
   */
  zremrangebyscore(
    key: RedisArgument,
    min: number | string,
    max: number | string,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["ZREMRANGEBYSCORE", key, min, max], options);
  }

  /**
   * `ZSCAN key cursor [MATCH pattern] [COUNT count]`: one step of an iteration over a sorted
   * set. {@linkcode SortedSetCommands.zscanIterator} runs the whole iteration.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param cursor `"0"` to start, then the cursor of the previous page.
   * @param options `match`, `count`, and the command options.
   * @returns The next cursor and this page's members with their scores.
   *
   * @example One step
   * ```ts ignore
   * const page = await redis.zscan("board", "0");
   * console.log(page.cursor, page.items);
   * ```
   */
  zscan<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: O,
  ): Promise<ScanPage<ScoredMember<BulkString<O>>>> {
    const argv: RedisArgument[] = ["ZSCAN", key, cursor];
    if (options?.match !== undefined) argv.push("MATCH", options.match);
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      scanPage(reply, (list) => scored(list) as ScoredMember<BulkString<O>>[])
    );
  }

  /**
   * Iterates over a whole sorted set with `ZSCAN` until the cursor comes back to 0, yielding
   * members with their scores (always whole pairs). A member may be yielded twice. Not for
   * pipelines or transactions: each page's reply decides the next call.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `match`, `count`, and the command options (applied to every call).
   * @returns An async iterator of {@linkcode ScoredMember}s.
   *
   * @example Every member
   * ```ts ignore
   * for await (const { member, score } of redis.zscanIterator("board")) console.log(member, score);
   * ```
   */
  zscanIterator<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): AsyncGenerator<ScoredMember<BulkString<O>>, void, undefined> {
    return scanAll((cursor) => this.zscan<O>(key, cursor, options));
  }

  /**
   * `ZSCORE key member`: a member's score.
   *
   * @param key The key.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns The score (a number in both protocols), or `null` when it is not in the set.
   *
   * @example A score
   * ```ts ignore
   * await redis.zadd("z", { score: 1.5, member: "a" });
   * assert.equal(await redis.zscore("z", "a"), 1.5);
   * ```
   */
  zscore(key: RedisArgument, member: RedisArgument, options?: CommandOptions): Promise<
    number | null
  > {
    return this.sendCommand<RespValue>(["ZSCORE", key, member], options).then(scoreOrNull);
  }
}
