import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array } from "./_replies.ts";
import type { BulkString, NoOptions } from "./types.ts";

/**
 * Options of `SORT` and `SORT_RO`.
 *
 * @example The first ten by an external weight, as text
 * ```ts
 * import type { SortOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: SortOptions = { by: "weight_*", limit: { offset: 0, count: 10 }, alpha: true };
 * assert.equal(options.limit?.count, 10);
 * ```
 */
export interface SortOptions extends CommandOptions {
  /** `BY pattern`: sort by the values of other keys (`nosort` skips sorting). */
  by?: RedisArgument;
  /** `LIMIT offset count`. */
  limit?: { offset: number; count: number };
  /** `GET pattern …`: return other keys' values (`#` is the element itself). */
  get?: readonly RedisArgument[];
  /** `ASC` or `DESC`. */
  order?: "ASC" | "DESC";
  /** `ALPHA`: sort as text. */
  alpha?: boolean;
}

/**
 * Options of `SORT` with `STORE`.
 *
 * @example Storing the result
 * ```ts
 * import type { SortStoreOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: SortStoreOptions = { store: "sorted", order: "DESC" };
 * assert.equal(options.store, "sorted");
 * ```
 */
export interface SortStoreOptions extends SortOptions {
  /** `STORE destination`: store the result as a list; the reply is its length. */
  store?: RedisArgument;
}

/**
 * What `SORT` resolves to: the length of the stored list with `store`, else the elements (or
 * the values of `get`, `null` for a missing one).
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { SortReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const stored: SortReply<{ store: "x" }> = 3;
 * const items: SortReply<{ alpha: true }> = ["a", null];
 * assert.equal(stored, 3);
 * assert.equal(items.length, 2);
 * ```
 */
export type SortReply<O> = "store" extends keyof O
  ? O[Extract<"store", keyof O>] extends undefined ? (BulkString<O> | null)[] : number
  : (BulkString<O> | null)[];

function sortArgv(command: string, key: RedisArgument, options: SortStoreOptions | undefined) {
  const argv: RedisArgument[] = [command, key];
  if (options === undefined) return argv;
  if (options.by !== undefined) argv.push("BY", options.by);
  if (options.limit !== undefined) argv.push("LIMIT", options.limit.offset, options.limit.count);
  for (const pattern of options.get ?? []) argv.push("GET", pattern);
  if (options.order !== undefined) argv.push(options.order);
  if (options.alpha) argv.push("ALPHA");
  if (options.store !== undefined) argv.push("STORE", options.store);
  return argv;
}

function sortItems(reply: RespValue): RespValue[] {
  return array(reply);
}

/**
 * Typed methods for `SORT` and `SORT_RO`, whose grammar needs more than the generator gives: an
 * options object, and a reply that is a count with `store`.
 *
 * @example Sorting a list
 * ```ts ignore
 * await redis.rpush("l", "3", "1", "2");
 * assert.deepEqual(await redis.sort("l"), ["1", "2", "3"]);
 * ```
 */
export abstract class SortCommands extends CommandSender {
  /**
   * `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]
   * [STORE destination]`: sorts a list, set or sorted set.
   *
   * @typeParam O The options' type: `store` makes the reply a count; `returnBuffers` bytes.
   * @param key The key.
   * @param options `by`, `limit`, `get`, `order`, `alpha`, `store`, and the command options.
   * @returns The sorted elements (`null` for a missing `get` value), or with `store` the
   * length of the stored list.
   *
   * @example Sorting numbers, then text
   * ```ts ignore
   * await redis.rpush("l", "3", "1", "2");
   * assert.deepEqual(await redis.sort("l"), ["1", "2", "3"]);
   * assert.equal(await redis.sort("l", { order: "DESC", store: "out" }), 3);
   * ```
   */
  sort<O extends SortStoreOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<SortReply<O>> {
    const argv = sortArgv("SORT", key, options);
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      (options?.store !== undefined ? reply : sortItems(reply)) as SortReply<O>
    );
  }

  /**
   * `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]`: the
   * read-only `SORT` (no `STORE`).
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `by`, `limit`, `get`, `order`, `alpha`, and the command options.
   * @returns The sorted elements (`null` for a missing `get` value).
   *
   * @example Sorting as text
   * ```ts ignore
   * await redis.sadd("s", "b", "a");
   * assert.deepEqual(await redis.sortRo("s", { alpha: true }), ["a", "b"]);
   * ```
   */
  sortRo<O extends SortOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<(BulkString<O> | null)[]> {
    const argv = sortArgv("SORT_RO", key, options);
    return this.sendCommand<RespValue>(argv, options).then(sortItems) as Promise<
      (BulkString<O> | null)[]
    >;
  }
}
