import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import type { PopOptions } from "./list_types.ts";
import { array, bool, bools, count, pushAll } from "./_replies.ts";
import { scanAll, scanPage } from "./_scan.ts";
import type { BulkString, NoOptions, OneOrMany, ScanOptions, ScanPage } from "./types.ts";

/**
 * What `SPOP` and `SRANDMEMBER` resolve with under options `O`: one member (or `null` for an
 * empty set) without `count`, a list of members with it.
 *
 * @typeParam O The options' type.
 *
 * @example One, or a list
 * ```ts
 * import type { SetPickReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: SetPickReply<{}> = "a";
 * const some: SetPickReply<{ count: 2 }> = ["a", "b"];
 * assert.ok(one !== null && some.length === 2);
 * ```
 */
export type SetPickReply<O> = O extends { count: number } ? BulkString<O>[]
  : BulkString<O> | null;

/**
 * Options of `SINTERCARD` and `ZINTERCARD`.
 *
 * @example Stop counting at 100
 * ```ts
 * import type { InterCardOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: InterCardOptions = { limit: 100 };
 * assert.equal(options.limit, 100);
 * ```
 */
export interface InterCardOptions extends CommandOptions {
  /** `LIMIT limit`: stop counting here (0: no limit). */
  limit?: number;
}

function members(reply: RespValue): RespValue[] {
  return array(reply);
}

/**
 * Typed methods for sets. Members come back as arrays in both protocols (RESP3 sends sets),
 * memberships as booleans; `SSCAN` also as {@linkcode SetCommands.sscanIterator}.
 *
 * @example Tags
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.sadd("tags", ["a", "b"]);
 * assert.equal(await redis.sismember("tags", "a"), true);
 * assert.deepEqual((await redis.smembers("tags")).sort(), ["a", "b"]);
 * ```
 */
export abstract class SetCommands extends CommandSender {
  /**
   * `SADD key member [member ...]`: adds members.
   *
   * @param key The key.
   * @param members One member or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were added (members already there do not count).
   *
   * @example Adding
   * ```ts ignore
   * assert.equal(await redis.sadd("s", ["a", "b", "a"]), 2);
   * ```
   */
  sadd(key: RedisArgument, members: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["SADD", key], members), options);
  }

  /**
   * `SCARD key`: the number of members.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members (0 when the key does not exist).
   *
   * @example Counting
   * ```ts ignore
   * await redis.sadd("s", ["a", "b"]);
   * assert.equal(await redis.scard("s"), 2);
   * ```
   */
  scard(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["SCARD", key], options);
  }

  /**
   * `SDIFF key [key ...]`: the members of the first set that are in none of the others.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The members.
   *
   * @example A difference
   * ```ts ignore
   * await redis.sadd("a", ["1", "2"]);
   * await redis.sadd("b", ["2"]);
   * assert.deepEqual(await redis.sdiff(["a", "b"]), ["1"]);
   * ```
   */
  sdiff<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(pushAll(["SDIFF"], keys), options).then(members) as Promise<
      BulkString<O>[]
    >;
  }

  /**
   * `SDIFFSTORE destination key [key ...]`: stores `SDIFF` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members stored.
   *
   * @example Storing a difference
   * ```ts ignore
   * assert.equal(await redis.sdiffstore("d", ["a", "b"]), 1);
   * ```
   */
  sdiffstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["SDIFFSTORE", destination], keys), options);
  }

  /**
   * `SINTER key [key ...]`: the members in every set.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The members.
   *
   * @example An intersection
   * ```ts ignore
   * assert.deepEqual(await redis.sinter(["a", "b"]), ["2"]);
   * ```
   */
  sinter<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(pushAll(["SINTER"], keys), options).then(
      members,
    ) as Promise<BulkString<O>[]>;
  }

  /**
   * `SINTERCARD numkeys key [key ...] [LIMIT limit]`: the size of the intersection.
   *
   * @param keys The sets.
   * @param options `limit`, and the command options.
   * @returns The number of members in every set (at most `limit`).
   *
   * @example Counting common members
   * ```ts ignore
   * assert.equal(await redis.sintercard(["a", "b"]), 1);
   * ```
   */
  sintercard(keys: OneOrMany<RedisArgument>, options?: InterCardOptions): Promise<number> {
    const argv = pushAll(["SINTERCARD", count(keys)], keys);
    if (options?.limit !== undefined) argv.push("LIMIT", options.limit);
    return this.sendCommand<number>(argv, options);
  }

  /**
   * `SINTERSTORE destination key [key ...]`: stores `SINTER` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members stored.
   *
   * @example Storing an intersection
   * ```ts ignore
   * assert.equal(await redis.sinterstore("i", ["a", "b"]), 1);
   * ```
   */
  sinterstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["SINTERSTORE", destination], keys), options);
  }

  /**
   * `SISMEMBER key member`: whether a member is in the set.
   *
   * @param key The key.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether it is a member.
   *
   * @example Membership
   * ```ts ignore
   * await redis.sadd("s", "a");
   * assert.equal(await redis.sismember("s", "a"), true);
   * ```
   */
  sismember(key: RedisArgument, member: RedisArgument, options?: CommandOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(["SISMEMBER", key, member], options).then(bool);
  }

  /**
   * `SMEMBERS key`: every member, as an array in both protocols.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The members (empty when the key does not exist).
   *
   * @example Members
   * ```ts ignore
   * await redis.sadd("s", ["a", "b"]);
   * assert.deepEqual((await redis.smembers("s")).sort(), ["a", "b"]);
   * ```
   */
  smembers<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(["SMEMBERS", key], options).then(members) as Promise<
      BulkString<O>[]
    >;
  }

  /**
   * `SMISMEMBER key member [member ...]`: whether each member is in the set.
   *
   * @param key The key.
   * @param members The members.
   * @param options Buffers, timeout, abort signal.
   * @returns A boolean per member.
   *
   * @example Several memberships
   * ```ts ignore
   * await redis.sadd("s", "a");
   * assert.deepEqual(await redis.smismember("s", ["a", "b"]), [true, false]);
   * ```
   */
  smismember(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<boolean[]> {
    return this.sendCommand<RespValue>(pushAll(["SMISMEMBER", key], members), options).then(bools);
  }

  /**
   * `SMOVE source destination member`: moves a member between sets.
   *
   * @param source The set to take from.
   * @param destination The set to add to.
   * @param member The member.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether it was moved (`false` when it was not in `source`).
   *
   * @example Moving
   * ```ts ignore
   * await redis.sadd("todo", "x");
   * assert.equal(await redis.smove("todo", "done", "x"), true);
   * ```
   */
  smove(
    source: RedisArgument,
    destination: RedisArgument,
    member: RedisArgument,
    options?: CommandOptions,
  ): Promise<boolean> {
    return this.sendCommand<RespValue>(["SMOVE", source, destination, member], options).then(bool);
  }

  /**
   * `SPOP key [count]`: removes and returns random members.
   *
   * @typeParam O The options' type: `count` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns See {@linkcode SetPickReply}.
   *
   * @example Drawing two
   * ```ts ignore
   * await redis.sadd("s", ["a", "b", "c"]);
   * assert.equal((await redis.spop("s", { count: 2 })).length, 2);
   * ```
   */
  spop<O extends PopOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<SetPickReply<O>> {
    const argv: RedisArgument[] = ["SPOP", key];
    if (options?.count === undefined) return this.sendCommand<SetPickReply<O>>(argv, options);
    argv.push(options.count);
    return this.sendCommand<RespValue>(argv, options).then(members) as Promise<SetPickReply<O>>;
  }

  /**
   * `SRANDMEMBER key [count]`: random members, left in place (`count` < 0 allows repeats).
   *
   * @typeParam O The options' type: `count` and `returnBuffers` decide the shape.
   * @param key The key.
   * @param options `count`, and the command options.
   * @returns See {@linkcode SetPickReply}.
   *
   * @example One random member
   * ```ts ignore
   * await redis.sadd("s", "a");
   * assert.equal(await redis.srandmember("s"), "a");
   * ```
   */
  srandmember<O extends PopOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<SetPickReply<O>> {
    const argv: RedisArgument[] = ["SRANDMEMBER", key];
    if (options?.count === undefined) return this.sendCommand<SetPickReply<O>>(argv, options);
    argv.push(options.count);
    return this.sendCommand<RespValue>(argv, options).then(members) as Promise<SetPickReply<O>>;
  }

  /**
   * `SREM key member [member ...]`: removes members.
   *
   * @param key The key.
   * @param members One member or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were removed.
   *
   * @example Removing
   * ```ts ignore
   * await redis.sadd("s", ["a", "b"]);
   * assert.equal(await redis.srem("s", ["a", "z"]), 1);
   * ```
   */
  srem(key: RedisArgument, members: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["SREM", key], members), options);
  }

  /**
   * `SSCAN key cursor [MATCH pattern] [COUNT count]`: one step of an iteration over a set.
   * {@linkcode SetCommands.sscanIterator} runs the whole iteration.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param cursor `"0"` to start, then the cursor of the previous page.
   * @param options `match`, `count`, and the command options.
   * @returns The next cursor and this page's members.
   *
   * @example One step
   * ```ts ignore
   * const page = await redis.sscan("s", "0");
   * console.log(page.cursor, page.items);
   * ```
   */
  sscan<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: O,
  ): Promise<ScanPage<BulkString<O>>> {
    const argv: RedisArgument[] = ["SSCAN", key, cursor];
    if (options?.match !== undefined) argv.push("MATCH", options.match);
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      scanPage(reply, (list) => list as BulkString<O>[])
    );
  }

  /**
   * Iterates over a whole set with `SSCAN` until the cursor comes back to 0. A member may be
   * yielded twice. Not for pipelines or transactions: each page's reply decides the next call.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The key.
   * @param options `match`, `count`, and the command options (applied to every call).
   * @returns An async iterator of members.
   *
   * @example Every member
   * ```ts ignore
   * for await (const member of redis.sscanIterator("tags", { match: "a*" })) console.log(member);
   * ```
   */
  sscanIterator<O extends ScanOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): AsyncGenerator<BulkString<O>, void, undefined> {
    return scanAll((cursor) => this.sscan<O>(key, cursor, options));
  }

  /**
   * `SUNION key [key ...]`: the members in any of the sets.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The members.
   *
   * @example A union
   * ```ts ignore
   * assert.deepEqual((await redis.sunion(["a", "b"])).sort(), ["1", "2"]);
   * ```
   */
  sunion<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(pushAll(["SUNION"], keys), options).then(
      members,
    ) as Promise<BulkString<O>[]>;
  }

  /**
   * `SUNIONSTORE destination key [key ...]`: stores `SUNION` in `destination`.
   *
   * @param destination The key to write.
   * @param keys The sets.
   * @param options Buffers, timeout, abort signal.
   * @returns The number of members stored.
   *
   * @example Storing a union
   * ```ts ignore
   * assert.equal(await redis.sunionstore("u", ["a", "b"]), 2);
   * ```
   */
  sunionstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["SUNIONSTORE", destination], keys), options);
  }
}
