import type { RedisArgument } from "../resp/types.ts";
import { installChecks } from "./_checks.ts";
import type { InterCardOptions } from "./sets.ts";
import type { WithScoresOptions, ZCombineOptions, ZRangeReply } from "./sorted_set_types.ts";
import type { XClaimMoreOptions, XClaimReply } from "./stream_types.ts";
import type { BulkString, NoOptions, OneOrMany, Spread } from "./types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { GeneratedCommands } from "./_generated.ts";
import { AdminCommands } from "./admin.ts";
import { BitmapCommands } from "./bitmaps.ts";
import { GeoCommands } from "./geo.ts";
import { HashCommands } from "./hashes.ts";
import { KeyCommands } from "./keys.ts";
import { ListCommands } from "./lists.ts";
import { ScriptingCommands } from "./scripting.ts";
import { type ConfigGetOptions, type ConfigReply, ServerCommands } from "./server.ts";
import { SetCommands } from "./sets.ts";
import { SortCommands } from "./sort.ts";
import { SortedSetCommands } from "./sorted_sets.ts";
import { SortedSetPopCommands } from "./sorted_set_pops.ts";
import { SortedSetLegacyRangeCommands } from "./sorted_set_legacy_ranges.ts";
import { SortedSetRangeCommands } from "./sorted_set_ranges.ts";
import { StreamCommands } from "./streams.ts";
import { StreamGroupCommands } from "./stream_groups.ts";
import { StringCommands } from "./strings.ts";

/**
 * The typed command methods shared by `RedisClient`, pipelines and transactions: one method per
 * Redis 7.0 command, each a thin call to {@linkcode CommandSender.sendCommand}, so they work the
 * same on every surface (in a pipeline or a transaction the promise settles when the batch
 * runs).
 *
 * - **Names**: the command in lower case; a subcommand, or a word after `-` or `_`, starts with
 *   a capital: `get`, `set`, `clientSetname` (`CLIENT SETNAME`), `xgroupCreate`, `evalRo`
 *   (`EVAL_RO`), `restoreAsking` (`RESTORE-ASKING`).
 * - **One surface, composed**: each family (keys, strings, hashes, lists, sets, sorted sets,
 *   streams, scripting, server, and the generated rest) is a class of its own on
 *   {@linkcode CommandSender}, readable alone; their methods are copied onto this one class, so
 *   `RedisClient`, `Pipeline` and `Transaction` have exactly the same methods and types.
 * - **Hand-written families**: real parameters, an options object last that also takes the
 *   {@linkcode CommandOptions}, and replies normalised to one shape in RESP2 and RESP3
 *   (`HGETALL` gives a plain object, a `Map` with `asMap: true`; counters are `number`s, exact
 *   `bigint`s with `bigint: true`, and past 2^53 without it a `RangeError`; scores are numbers,
 *   `SMEMBERS` an array…). A method whose reply holds bulk strings gives `Uint8Array`s with
 *   `returnBuffers: true`, and its type says so.
 * - **Every other command** ({@linkcode GeneratedCommands}, generated from the catalog): its
 *   required single arguments as parameters, the rest of its grammar as `...args`, optionally
 *   ending with a `CommandOptions` object; the reply typed by its declared kind (`"OK"`, text,
 *   a number, a boolean…), or `RespValue` where the shape depends on the arguments.
 * - **Checked at run time**: too many or too few arguments, an unknown option or a value of
 *   the wrong type reject with a `TypeError` before anything is sent; a one-or-many parameter
 *   also takes its values spread (`del("a", "b")` is `del(["a", "b"])`).
 * - **Not here**: commands that change the connection's mode or state (pub/sub, `MONITOR`,
 *   `MULTI`/`EXEC`/`DISCARD`, `HELLO`, `AUTH`, `SELECT`, `RESET`, `QUIT`, `CLIENT REPLY`,
 *   `SCRIPT DEBUG`, `SYNC`, `PSYNC`): the client offers them its own way.
 * - **Blocking commands** (`BLPOP`, `BLMOVE`, `BZPOPMIN`, `XREAD`/`XREADGROUP` with `block`,
 *   `WAIT`…) hold their connection until they are answered, and every command sent after them
 *   on it waits: give them a dedicated connection.
 * - **Helpers that send more than one command** (the `*scanIterator`s) wait for one reply
 *   before sending the next command: they are not for pipelines or transactions. `runScript`
 *   sends `EVAL` there instead of `EVALSHA` with its fallback.
 *
 * @example Any sender gets every method
 * ```ts
 * import { type RedisArgument, type RespValue } from "@dray/dray/redis";
 * import { RedisCommands } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * // A stand-in server that knows SET and GET, speaking RESP3.
 * class MemoryRedis extends RedisCommands {
 *   #data = new Map<string, string>();
 *   get protocol(): 2 | 3 {
 *     return 3;
 *   }
 *   sendCommand<T = RespValue>(argv: readonly RedisArgument[]): Promise<T> {
 *     const [name, key, value] = argv.map(String);
 *     if (name === "SET") this.#data.set(key!, value!);
 *     const reply = name === "SET" ? "OK" : this.#data.get(key!) ?? null;
 *     return Promise.resolve(reply as T);
 *   }
 * }
 *
 * const redis = new MemoryRedis();
 * assert.equal(await redis.set("greeting", "hello"), "OK");
 * assert.equal(await redis.get("greeting"), "hello");
 * assert.equal(await redis.get("missing"), null);
 * ```
 */
export abstract class RedisCommands extends CommandSender {}

/** The families, each a class of its own on {@linkcode CommandSender}, composed into one surface. */
export interface RedisCommands
  extends
    GeneratedCommands,
    KeyCommands,
    StringCommands,
    HashCommands,
    ListCommands,
    SetCommands,
    SortCommands,
    SortedSetCommands,
    SortedSetRangeCommands,
    SortedSetPopCommands,
    SortedSetLegacyRangeCommands,
    StreamCommands,
    StreamGroupCommands,
    ScriptingCommands,
    ServerCommands,
    BitmapCommands,
    GeoCommands,
    AdminCommands {}

/** The command families, in the order their methods are listed. */
const FAMILIES = [
  KeyCommands,
  StringCommands,
  HashCommands,
  ListCommands,
  SetCommands,
  SortCommands,
  SortedSetCommands,
  SortedSetRangeCommands,
  SortedSetPopCommands,
  SortedSetLegacyRangeCommands,
  StreamCommands,
  StreamGroupCommands,
  ScriptingCommands,
  ServerCommands,
  BitmapCommands,
  GeoCommands,
  AdminCommands,
  GeneratedCommands,
];

for (const family of FAMILIES) {
  for (const name of Object.getOwnPropertyNames(family.prototype)) {
    if (name === "constructor") continue;
    if (Object.hasOwn(RedisCommands.prototype, name)) {
      throw new Error(`${name} is defined by two command families`);
    }
    const descriptor = Object.getOwnPropertyDescriptor(family.prototype, name)!;
    Object.defineProperty(RedisCommands.prototype, name, descriptor);
  }
}

/**
 * The spread forms of the one-or-many methods: `del("a", "b")` is `del(["a", "b"])`, and
 * `lpush("q", "x", "y", { timeoutMs: 500 })` is `lpush("q", ["x", "y"], { timeoutMs: 500 })`
 * (the run-time checks gather the values), beside the array forms of the families.
 */
export interface RedisCommands {
  /** `del` with its keys spread: the values, then maybe the options. */
  del(...keys: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `del` with its values as one array. */
  del(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number>;
  /** `exists` with its keys spread: the values, then maybe the options. */
  exists(...keys: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `exists` with its values as one array. */
  exists(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number>;
  /** `touch` with its keys spread: the values, then maybe the options. */
  touch(...keys: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `touch` with its values as one array. */
  touch(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number>;
  /** `unlink` with its keys spread: the values, then maybe the options. */
  unlink(...keys: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `unlink` with its values as one array. */
  unlink(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number>;
  /** `mget` with its keys spread: the values, then maybe the options. */
  mget<O extends CommandOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<(BulkString<O> | null)[]>;
  /** `mget` with its values as one array. */
  mget<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<(BulkString<O> | null)[]>;
  /** `hmget` with its fields spread: the values, then maybe the options. */
  hmget<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    ...fields: Spread<RedisArgument, O>
  ): Promise<(BulkString<O> | null)[]>;
  /** `hmget` with its values as one array. */
  hmget<O extends CommandOptions = NoOptions>(
    key: RedisArgument,
    fields: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<(BulkString<O> | null)[]>;
  /** `hdel` with its fields spread: the values, then maybe the options. */
  hdel(key: RedisArgument, ...fields: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `hdel` with its values as one array. */
  hdel(
    key: RedisArgument,
    fields: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `lpush` with its elements spread: the values, then maybe the options. */
  lpush(key: RedisArgument, ...elements: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `lpush` with its values as one array. */
  lpush(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `lpushx` with its elements spread: the values, then maybe the options. */
  lpushx(key: RedisArgument, ...elements: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `lpushx` with its values as one array. */
  lpushx(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `rpush` with its elements spread: the values, then maybe the options. */
  rpush(key: RedisArgument, ...elements: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `rpush` with its values as one array. */
  rpush(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `rpushx` with its elements spread: the values, then maybe the options. */
  rpushx(key: RedisArgument, ...elements: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `rpushx` with its values as one array. */
  rpushx(
    key: RedisArgument,
    elements: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `sadd` with its members spread: the values, then maybe the options. */
  sadd(key: RedisArgument, ...members: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `sadd` with its values as one array. */
  sadd(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `sdiff` with its keys spread: the values, then maybe the options. */
  sdiff<O extends CommandOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<BulkString<O>[]>;
  /** `sdiff` with its values as one array. */
  sdiff<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]>;
  /** `sdiffstore` with its keys spread: the values, then maybe the options. */
  sdiffstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, CommandOptions>
  ): Promise<number>;
  /** `sdiffstore` with its values as one array. */
  sdiffstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `sinter` with its keys spread: the values, then maybe the options. */
  sinter<O extends CommandOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<BulkString<O>[]>;
  /** `sinter` with its values as one array. */
  sinter<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]>;
  /** `sintercard` with its keys spread: the values, then maybe the options. */
  sintercard(...keys: Spread<RedisArgument, InterCardOptions>): Promise<number>;
  /** `sintercard` with its values as one array. */
  sintercard(keys: OneOrMany<RedisArgument>, options?: InterCardOptions): Promise<number>;
  /** `sinterstore` with its keys spread: the values, then maybe the options. */
  sinterstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, CommandOptions>
  ): Promise<number>;
  /** `sinterstore` with its values as one array. */
  sinterstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `smismember` with its members spread: the values, then maybe the options. */
  smismember(
    key: RedisArgument,
    ...members: Spread<RedisArgument, CommandOptions>
  ): Promise<boolean[]>;
  /** `smismember` with its values as one array. */
  smismember(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<boolean[]>;
  /** `srem` with its members spread: the values, then maybe the options. */
  srem(key: RedisArgument, ...members: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `srem` with its values as one array. */
  srem(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `sunion` with its keys spread: the values, then maybe the options. */
  sunion<O extends CommandOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<BulkString<O>[]>;
  /** `sunion` with its values as one array. */
  sunion<O extends CommandOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<BulkString<O>[]>;
  /** `sunionstore` with its keys spread: the values, then maybe the options. */
  sunionstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, CommandOptions>
  ): Promise<number>;
  /** `sunionstore` with its values as one array. */
  sunionstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `zdiff` with its keys spread: the values, then maybe the options. */
  zdiff<O extends WithScoresOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<ZRangeReply<O>>;
  /** `zdiff` with its values as one array. */
  zdiff<O extends WithScoresOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>>;
  /** `zdiffstore` with its keys spread: the values, then maybe the options. */
  zdiffstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, CommandOptions>
  ): Promise<number>;
  /** `zdiffstore` with its values as one array. */
  zdiffstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `zinter` with its keys spread: the values, then maybe the options. */
  zinter<O extends ZCombineOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<ZRangeReply<O>>;
  /** `zinter` with its values as one array. */
  zinter<O extends ZCombineOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>>;
  /** `zintercard` with its keys spread: the values, then maybe the options. */
  zintercard(...keys: Spread<RedisArgument, InterCardOptions>): Promise<number>;
  /** `zintercard` with its values as one array. */
  zintercard(keys: OneOrMany<RedisArgument>, options?: InterCardOptions): Promise<number>;
  /** `zinterstore` with its keys spread: the values, then maybe the options. */
  zinterstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, Omit<ZCombineOptions, "withScores">>
  ): Promise<number>;
  /** `zinterstore` with its values as one array. */
  zinterstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: Omit<ZCombineOptions, "withScores">,
  ): Promise<number>;
  /** `zmscore` with its members spread: the values, then maybe the options. */
  zmscore(
    key: RedisArgument,
    ...members: Spread<RedisArgument, CommandOptions>
  ): Promise<(number | null)[]>;
  /** `zmscore` with its values as one array. */
  zmscore(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<(number | null)[]>;
  /** `zrem` with its members spread: the values, then maybe the options. */
  zrem(key: RedisArgument, ...members: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `zrem` with its values as one array. */
  zrem(
    key: RedisArgument,
    members: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `zunion` with its keys spread: the values, then maybe the options. */
  zunion<O extends ZCombineOptions = NoOptions>(
    ...keys: Spread<RedisArgument, O>
  ): Promise<ZRangeReply<O>>;
  /** `zunion` with its values as one array. */
  zunion<O extends ZCombineOptions = NoOptions>(
    keys: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ZRangeReply<O>>;
  /** `zunionstore` with its keys spread: the values, then maybe the options. */
  zunionstore(
    destination: RedisArgument,
    ...keys: Spread<RedisArgument, Omit<ZCombineOptions, "withScores">>
  ): Promise<number>;
  /** `zunionstore` with its values as one array. */
  zunionstore(
    destination: RedisArgument,
    keys: OneOrMany<RedisArgument>,
    options?: Omit<ZCombineOptions, "withScores">,
  ): Promise<number>;
  /** `xack` with its ids spread: the values, then maybe the options. */
  xack(
    key: RedisArgument,
    group: RedisArgument,
    ...ids: Spread<RedisArgument, CommandOptions>
  ): Promise<number>;
  /** `xack` with its values as one array. */
  xack(
    key: RedisArgument,
    group: RedisArgument,
    ids: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `xclaim` with its ids spread: the values, then maybe the options. */
  xclaim<O extends XClaimMoreOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    minIdleMs: number,
    ...ids: Spread<RedisArgument, O>
  ): Promise<XClaimReply<O>>;
  /** `xclaim` with its values as one array. */
  xclaim<O extends XClaimMoreOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    minIdleMs: number,
    ids: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<XClaimReply<O>>;
  /** `xdel` with its ids spread: the values, then maybe the options. */
  xdel(key: RedisArgument, ...ids: Spread<RedisArgument, CommandOptions>): Promise<number>;
  /** `xdel` with its values as one array. */
  xdel(
    key: RedisArgument,
    ids: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number>;
  /** `scriptExists` with its sha1s spread: the values, then maybe the options. */
  scriptExists(...sha1s: Spread<RedisArgument, CommandOptions>): Promise<boolean[]>;
  /** `scriptExists` with its values as one array. */
  scriptExists(sha1s: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<boolean[]>;
  /** `configGet` with its parameters spread: the values, then maybe the options. */
  configGet<O extends ConfigGetOptions = NoOptions>(
    ...parameters: Spread<RedisArgument, O>
  ): Promise<ConfigReply<O>>;
  /** `configGet` with its values as one array. */
  configGet<O extends ConfigGetOptions = NoOptions>(
    parameters: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ConfigReply<O>>;
  /** `info` with its sections spread: the values, then maybe the options. */
  info(...sections: Spread<RedisArgument, CommandOptions>): Promise<string>;
  /** `info` with its values as one array. */
  info(sections?: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<string>;
}

installChecks(RedisCommands.prototype);
