import type { RedisArgument } from "../resp/types.ts";
import type { CommandOptions } from "./command_sender.ts";

/**
 * The options type a typed method assumes when it is called without options: bulk strings are
 * decoded as text.
 *
 * @example No options at all
 * ```ts
 * import type { NoOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const none: NoOptions = {};
 * assert.deepEqual(Object.keys(none), []);
 * ```
 */
export type NoOptions = Record<never, never>;

/**
 * What a bulk string of a reply becomes under the options `O` of a call: `Uint8Array` when
 * `returnBuffers` is `true`, `string` when it is `false` or absent, and either when the call's
 * options only say `boolean`.
 *
 * @typeParam O The options type of the call.
 *
 * @example Bytes when asked for
 * ```ts
 * import type { BulkString } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const text: BulkString<{ timeoutMs: 5 }> = "hello";
 * const bytes: BulkString<{ returnBuffers: true }> = new Uint8Array([104]);
 * assert.equal(typeof text, "string");
 * assert.ok(bytes instanceof Uint8Array);
 * ```
 */
export type BulkString<O> = "returnBuffers" extends keyof O
  ? O[Extract<"returnBuffers", keyof O>] extends true ? Uint8Array
  : O[Extract<"returnBuffers", keyof O>] extends false | undefined ? string
  : string | Uint8Array
  : string;

/**
 * A Redis integer reply that may exceed JavaScript's safe integers: a `number`, or a `bigint`
 * beyond ±(2^53 − 1) (as `RespReader` reads integers). Used for counters (`INCR`, `HINCRBY`);
 * counts and lengths, which cannot grow that large, are plain numbers.
 *
 * @example Adding one either way
 * ```ts
 * import type { RedisInteger } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const n: RedisInteger = 2n ** 60n;
 * assert.equal(typeof n === "bigint" ? n + 1n : n + 1, 2n ** 60n + 1n);
 * ```
 */
export type RedisInteger = number | bigint;

/**
 * Field–value (or key–value) input for `HSET`, `MSET`, `XADD`, `CONFIG SET`: a record, a `Map`, or
 * any iterable of pairs. Pairs go out in iteration order.
 *
 * @example Three ways to say the same
 * ```ts
 * import type { Entries } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const record: Entries = { name: "ada", born: 1815 };
 * const map = new Map<string, string | number>([["name", "ada"], ["born", 1815]]);
 * const list: [string, string | number][] = [["name", "ada"], ["born", 1815]];
 * const asMap: Entries = map;
 * const asList: Entries = list;
 * assert.deepEqual([...map], list);
 * assert.ok(asMap && asList);
 * assert.equal(Object.keys(record).length, 2);
 * ```
 */
export type Entries =
  | Readonly<Record<string, RedisArgument>>
  | Iterable<readonly [RedisArgument, RedisArgument]>;

/**
 * One item or a list of them, for commands that take `key [key ...]` or `member [member ...]`.
 *
 * @typeParam T The item type.
 *
 * @example Either form
 * ```ts
 * import type { OneOrMany, RedisArgument } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: OneOrMany<RedisArgument> = "key";
 * const many: OneOrMany<RedisArgument> = ["a", "b"];
 * assert.equal(Array.isArray(one) || Array.isArray(many), true);
 * ```
 */
export type OneOrMany<T> = T | readonly T[];

/**
 * A sorted-set member with its score, as the sorted-set methods return them (and `ZADD` takes
 * them). `score` is a number in both protocols, `±Infinity` for `±inf`.
 *
 * @typeParam T The member type: `string`, or `Uint8Array` with `returnBuffers`.
 *
 * @example A member
 * ```ts
 * import type { ScoredMember } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const best: ScoredMember<string> = { member: "ada", score: 99.5 };
 * assert.equal(best.score, 99.5);
 * ```
 */
export interface ScoredMember<T> {
  /** The member. */
  member: T;
  /** Its score. */
  score: number;
}

/**
 * Options of `HSCAN`, `SSCAN`, `ZSCAN` and their iterators.
 *
 * @example Fields matching a pattern
 * ```ts
 * import type { ScanOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ScanOptions = { match: "address:*", count: 500 };
 * assert.equal(options.count, 500);
 * ```
 */
export interface ScanOptions extends CommandOptions {
  /** `MATCH pattern`: only items matching this glob-style pattern. */
  match?: RedisArgument;
  /** `COUNT count`: a hint of how much work one call does (default 10 on the server). */
  count?: number;
}

/**
 * Options of `SCAN` and `scanIterator`.
 *
 * @example Keys of one type matching a pattern
 * ```ts
 * import type { KeyScanOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: KeyScanOptions = { match: "user:*", count: 500, type: "hash" };
 * assert.equal(options.type, "hash");
 * ```
 */
export interface KeyScanOptions extends ScanOptions {
  /** `TYPE type`: only keys of this type: `string`, `hash`, `list`, `set`, `zset`, `stream`. */
  type?: string;
}

/**
 * One page of a `SCAN`-family call: the cursor to pass next (`"0"` when the iteration is
 * complete) and the items of this page.
 *
 * @typeParam T The item type.
 *
 * @example The last page
 * ```ts
 * import type { ScanPage } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const page: ScanPage<string> = { cursor: "0", items: ["a", "b"] };
 * assert.equal(page.cursor, "0");
 * ```
 */
export interface ScanPage<T> {
  /** The cursor for the next call; `"0"` once the whole collection was visited. */
  cursor: string;
  /** What this call returned. */
  items: T[];
}

/**
 * Values spread as arguments, optionally followed by one options object: the spread form of a
 * one-or-many parameter (`del("a", "b")`, `lpush("queue", "x", "y", { timeoutMs: 500 })`).
 *
 * @typeParam T The value type.
 * @typeParam O The options type.
 *
 * @example Keys, then options
 * ```ts
 * import type { CommandOptions, Spread } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const args: Spread<string, CommandOptions> = ["a", "b", { timeoutMs: 500 }];
 * assert.equal(args.length, 3);
 * ```
 */
export type Spread<T, O> = T[] | [...T[], O];

/**
 * Options of the counters (`INCR`, `INCRBY`, `DECR`, `DECRBY`, `HINCRBY`): their reply is a
 * `number`; a reply beyond ±(2^53 − 1), which a `number` cannot hold exactly, rejects with a
 * `RangeError` naming `bigint` (the command did run). With `bigint: true` the reply is always an
 * exact `bigint`.
 *
 * @example Exact counters
 * ```ts
 * import type { IntegerOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: IntegerOptions = { bigint: true };
 * assert.equal(options.bigint, true);
 * ```
 */
export interface IntegerOptions extends CommandOptions {
  /** Return the reply as an exact `bigint` (otherwise a `number`). */
  bigint?: boolean;
}

/**
 * What a counter resolves to under the options `O` of a call: `bigint` with `bigint: true`,
 * else `number`.
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { IntegerReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const n: IntegerReply<{ timeoutMs: 5 }> = 41;
 * const exact: IntegerReply<{ bigint: true }> = 2n ** 60n;
 * assert.equal(n + 1, 42);
 * assert.equal(typeof exact, "bigint");
 * ```
 */
export type IntegerReply<O> = "bigint" extends keyof O
  ? O[Extract<"bigint", keyof O>] extends true ? bigint
  : O[Extract<"bigint", keyof O>] extends false | undefined ? number
  : number | bigint
  : number;

/**
 * Options of the hash-like replies (`HGETALL`): a plain object by default; `asMap: true` gives a
 * `Map` (whose keys stay bytes with `returnBuffers`, where an object's keys are decoded as
 * UTF-8 text).
 *
 * @example A Map instead of an object
 * ```ts
 * import type { HashOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: HashOptions = { asMap: true };
 * assert.equal(options.asMap, true);
 * ```
 */
export interface HashOptions extends CommandOptions {
  /** Return a `Map` instead of a plain object. */
  asMap?: boolean;
}

/**
 * What a hash-like reply resolves to under the options `O` of a call: `Record<string, V>` by
 * default, `Map<K, V>` with `asMap: true` (with `V` and `K` bytes under `returnBuffers`).
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { HashReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const plain: HashReply<{ timeoutMs: 5 }> = { name: "ada" };
 * const map: HashReply<{ asMap: true }> = new Map([["name", "ada"]]);
 * assert.equal(plain.name, map.get("name"));
 * ```
 */
export type HashReply<O> = "asMap" extends keyof O
  ? O[Extract<"asMap", keyof O>] extends true ? Map<BulkString<O>, BulkString<O>>
  : Record<string, BulkString<O>>
  : Record<string, BulkString<O>>;
