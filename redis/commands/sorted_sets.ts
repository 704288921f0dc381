import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import type { PopOptions } from "./lists.ts";
import type { InterCardOptions } from "./sets.ts";
import { array, count, pushAll, scored, scoreOrNull, text } from "./_replies.ts";
import { scanAll, scanPage } from "./_scan.ts";
import type {
  BulkString,
  NoOptions,
  OneOrMany,
  ScanOptions,
  ScanPage,
  ScoredMember,
} from "./types.ts";

/**
 * Options of `ZADD` (its `INCR` form is {@linkcode SortedSetCommands.zincrby}).
 *
 * @example Only raise scores, and count changes
 * ```ts
 * import type { ZAddOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZAddOptions = { gt: true, ch: true };
 * assert.equal(options.gt, true);
 * ```
 */
export interface ZAddOptions extends CommandOptions {
  /** `NX`: only add new members. */
  nx?: boolean;
  /** `XX`: only update existing members. */
  xx?: boolean;
  /** `GT`: only update when the new score is greater. */
  gt?: boolean;
  /** `LT`: only update when the new score is less. */
  lt?: boolean;
  /** `CH`: count changed members too, not only added ones. */
  ch?: boolean;
}

/**
 * Options that add scores to a reply: `WITHSCORES`.
 *
 * @example Members with their scores
 * ```ts
 * import type { WithScoresOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: WithScoresOptions = { withScores: true };
 * assert.equal(options.withScores, true);
 * ```
 */
export interface WithScoresOptions extends CommandOptions {
  /** `WITHSCORES`: members come with their scores, as {@linkcode ScoredMember} objects. */
  withScores?: boolean;
}

/**
 * Options of `ZRANGE` (and, without `withScores`, `ZRANGESTORE`).
 *
 * @example The ten best scores
 * ```ts
 * import type { ZRangeOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZRangeOptions = { by: "SCORE", rev: true, limit: { offset: 0, count: 10 } };
 * assert.equal(options.by, "SCORE");
 * ```
 */
export interface ZRangeOptions extends WithScoresOptions {
  /** `BYSCORE` or `BYLEX`: `start` and `stop` are scores (`"(1"`, `"-inf"`) or lex bounds. */
  by?: "SCORE" | "LEX";
  /** `REV`: from the highest to the lowest. */
  rev?: boolean;
  /** `LIMIT offset count` (with `by` only). */
  limit?: { offset: number; count: number };
}

/**
 * Options of `ZUNION`, `ZINTER`, `ZUNIONSTORE` and `ZINTERSTORE`.
 *
 * @example Weighted maximum
 * ```ts
 * import type { ZCombineOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZCombineOptions = { weights: [1, 2], aggregate: "MAX" };
 * assert.equal(options.aggregate, "MAX");
 * ```
 */
export interface ZCombineOptions extends WithScoresOptions {
  /** `WEIGHTS weight [weight ...]`: one multiplier per input key. */
  weights?: readonly number[];
  /** `AGGREGATE SUM|MIN|MAX`: how scores of a member in several sets combine. */
  aggregate?: "SUM" | "MIN" | "MAX";
}

/**
 * Options of `ZRANDMEMBER`.
 *
 * @example Three with scores
 * ```ts
 * import type { ZRandMemberOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZRandMemberOptions = { count: 3, withScores: true };
 * assert.equal(options.count, 3);
 * ```
 */
export interface ZRandMemberOptions extends WithScoresOptions {
  /** How many: distinct when positive, possibly repeated when negative. */
  count?: number;
}

/**
 * What the range-like sorted-set methods resolve with: members, or {@linkcode ScoredMember}s with
 * `withScores`.
 *
 * @typeParam O The options' type.
 *
 * @example Both shapes
 * ```ts
 * import type { ZRangeReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const plain: ZRangeReply<{}> = ["a"];
 * const scored: ZRangeReply<{ withScores: true }> = [{ member: "a", score: 1 }];
 * assert.equal(plain.length, scored.length);
 * ```
 */
export type ZRangeReply<O> = O extends { withScores: true } ? ScoredMember<BulkString<O>>[]
  : BulkString<O>[];

/**
 * What `ZRANDMEMBER` resolves with: one member (or `null`) without `count`, a list with it, a
 * list of {@linkcode ScoredMember}s with `withScores`.
 *
 * @typeParam O The options' type.
 *
 * @example One member
 * ```ts
 * import type { ZRandMemberReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: ZRandMemberReply<{}> = "a";
 * assert.equal(one, "a");
 * ```
 */
export type ZRandMemberReply<O> = O extends { withScores: true } ? ScoredMember<BulkString<O>>[]
  : O extends { count: number } ? BulkString<O>[]
  : BulkString<O> | null;

/**
 * A member popped by `BZPOPMIN` or `BZPOPMAX`, with its score and key.
 *
 * @typeParam T The member type.
 *
 * @example A popped task
 * ```ts
 * import type { KeyedScoredMember } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const popped: KeyedScoredMember<string> = { key: "tasks", member: "t1", score: 3 };
 * assert.equal(popped.key, "tasks");
 * ```
 */
export interface KeyedScoredMember<T> extends ScoredMember<T> {
  /** The key the member was popped from. */
  key: string;
}

/**
 * Members popped by `ZMPOP` or `BZMPOP`, with the key they came from.
 *
 * @typeParam T The member type.
 *
 * @example Two popped members
 * ```ts
 * import type { KeyedScoredMembers } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const popped: KeyedScoredMembers<string> = {
 *   key: "z",
 *   members: [{ member: "a", score: 1 }, { member: "b", score: 2 }],
 * };
 * assert.equal(popped.members.length, 2);
 * ```
 */
export interface KeyedScoredMembers<T> {
  /** The key the members were popped from. */
  key: string;
  /** The members with their scores. */
  members: ScoredMember<T>[];
}

function rangeReply(
  withScores: boolean | undefined,
): (reply: RespValue) => RespValue[] | ScoredMember<RespValue>[] {
  return withScores ? scored : array;
}

function keyedScored(reply: RespValue): KeyedScoredMember<RespValue> | null {
  if (reply === null) return null;
  const [key, member, score] = array(reply);
  return { key: text(key!), member: member!, score: scoreOrNull(score!)! };
}

function keyedScoredMembers(reply: RespValue): KeyedScoredMembers<RespValue> | null {
  if (reply === null) return null;
  const [key, members] = array(reply);
  return { key: text(key!), members: scored(members!) };
}

function pushRange(argv: RedisArgument[], options: ZRangeOptions | undefined): void {
  if (options === undefined) return;
  if (options.by !== undefined) argv.push(options.by === "SCORE" ? "BYSCORE" : "BYLEX");
  if (options.rev) argv.push("REV");
  if (options.limit !== undefined) argv.push("LIMIT", options.limit.offset, options.limit.count);
}

function combineArgv(
  command: string,
  destination: RedisArgument | undefined,
  keys: OneOrMany<RedisArgument>,
  options: ZCombineOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command];
  if (destination !== undefined) argv.push(destination);
  argv.push(count(keys));
  pushAll(argv, keys);
  if (options?.weights !== undefined) argv.push("WEIGHTS", ...options.weights);
  if (options?.aggregate !== undefined) argv.push("AGGREGATE", options.aggregate);
  if (destination === undefined && options?.withScores) argv.push("WITHSCORES");
  return argv;
}

function mpopArgv(
  command: string,
  timeout: number | undefined,
  keys: OneOrMany<RedisArgument>,
  which: "MIN" | "MAX",
  options: PopOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command];
  if (timeout !== undefined) argv.push(timeout);
  argv.push(count(keys));
  pushAll(argv, keys);
  argv.push(which);
  if (options?.count !== undefined) argv.push("COUNT", options.count);
  return argv;
}

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
