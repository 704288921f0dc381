import type { CommandOptions } from "./command_sender.ts";
import type { BulkString, ScoredMember } from "./types.ts";

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

/**
 * Options of `ZRANGEBYSCORE` and `ZREVRANGEBYSCORE`.
 *
 * @example The first ten, with scores
 * ```ts
 * import type { ZRangeByScoreOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZRangeByScoreOptions = { withScores: true, limit: { offset: 0, count: 10 } };
 * assert.equal(options.limit?.count, 10);
 * ```
 */
export interface ZRangeByScoreOptions extends WithScoresOptions {
  /** `LIMIT offset count`: skip `offset` members, return at most `count`. */
  limit?: { offset: number; count: number };
}

/**
 * Options of `ZRANGEBYLEX` and `ZREVRANGEBYLEX`.
 *
 * @example The first ten
 * ```ts
 * import type { ZRangeByLexOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ZRangeByLexOptions = { limit: { offset: 0, count: 10 } };
 * assert.equal(options.limit?.offset, 0);
 * ```
 */
export interface ZRangeByLexOptions extends CommandOptions {
  /** `LIMIT offset count`: skip `offset` members, return at most `count`. */
  limit?: { offset: number; count: number };
}
