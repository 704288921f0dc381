import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, bool, map, pushAll, pushEntries, text } from "./_replies.ts";
import type { BulkString, Entries, NoOptions, OneOrMany } from "./types.ts";
import { info, type InfoOptions, type InfoReply } from "./info_replies.ts";

/**
 * A stream entry: its id and its fields in the order they were added.
 *
 * @typeParam T The field and value type: `string`, or `Uint8Array` with `returnBuffers`.
 *
 * @example An entry
 * ```ts
 * import type { StreamEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const entry: StreamEntry<string> = { id: "1-0", fields: new Map([["temp", "21.5"]]) };
 * assert.equal(entry.fields.get("temp"), "21.5");
 * ```
 */
export interface StreamEntry<T> {
  /** The entry id, `<milliseconds>-<sequence>`. */
  id: string;
  /** The fields and values. */
  fields: Map<T, T>;
}

/**
 * A stream entry read through a consumer group: like {@linkcode StreamEntry}, except that
 * `fields` is `null` for an entry still pending in the group but deleted from the stream.
 *
 * @typeParam T The field and value type.
 *
 * @example A deleted pending entry
 * ```ts
 * import type { GroupStreamEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const gone: GroupStreamEntry<string> = { id: "1-0", fields: null };
 * assert.equal(gone.fields, null);
 * ```
 */
export interface GroupStreamEntry<T> {
  /** The entry id. */
  id: string;
  /** The fields and values, or `null` when the entry was deleted. */
  fields: Map<T, T> | null;
}

/**
 * How `XADD` and `XTRIM` trim a stream.
 *
 * @example Keep about the last 1000 entries
 * ```ts
 * import type { StreamTrim } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const trim: StreamTrim = { strategy: "MAXLEN", threshold: 1000, approximate: true };
 * assert.equal(trim.strategy, "MAXLEN");
 * ```
 */
export interface StreamTrim {
  /** `MAXLEN`: keep at most `threshold` entries; `MINID`: drop ids below `threshold`. */
  strategy: "MAXLEN" | "MINID";
  /** The length or the id. */
  threshold: RedisArgument;
  /** `~`: trim only whole macro nodes, which is much cheaper (default: exact, `=`). */
  approximate?: boolean;
  /** `LIMIT count`: evict at most this many entries (with `approximate` only). */
  limit?: number;
}

/**
 * Options of `XADD`.
 *
 * @example Add, trimming to about 1000 entries
 * ```ts
 * import type { XAddOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XAddOptions = { trim: { strategy: "MAXLEN", threshold: 1000, approximate: true } };
 * assert.ok(options.trim);
 * ```
 */
export interface XAddOptions extends CommandOptions {
  /** `NOMKSTREAM`: do not create a missing stream (the reply is then `null`). */
  nomkstream?: boolean;
  /** Trim the stream in the same command. */
  trim?: StreamTrim;
}

/**
 * Options of `XREAD`.
 *
 * @example Wait up to 5 s for at most 100 entries
 * ```ts
 * import type { XReadOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XReadOptions = { count: 100, block: 5000 };
 * assert.equal(options.block, 5000);
 * ```
 */
export interface XReadOptions extends CommandOptions {
  /** `COUNT count`: at most this many entries per stream. */
  count?: number;
  /**
   * `BLOCK milliseconds`: wait this long for new entries (0: forever). The connection is held
   * while it waits: use a dedicated one.
   */
  block?: number;
}

/**
 * Options of `XREADGROUP`.
 *
 * @example Read without acknowledging later
 * ```ts
 * import type { XReadGroupOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XReadGroupOptions = { count: 10, noack: true };
 * assert.equal(options.noack, true);
 * ```
 */
export interface XReadGroupOptions extends XReadOptions {
  /** `NOACK`: do not add the entries to the pending list. */
  noack?: boolean;
}

/**
 * Options of `XPENDING`. With `count`, the reply lists pending entries (from `start`, default
 * `-`, to `end`, default `+`); without, it is the group's summary.
 *
 * @example The ten oldest entries of one consumer, idle for a minute
 * ```ts
 * import type { XPendingOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XPendingOptions = { count: 10, consumer: "worker-1", idle: 60_000 };
 * assert.equal(options.count, 10);
 * ```
 */
export interface XPendingOptions extends CommandOptions {
  /** `IDLE min-idle-time`: only entries idle at least this many milliseconds. */
  idle?: number;
  /** The lowest id (default `-`). */
  start?: RedisArgument;
  /** The highest id (default `+`). */
  end?: RedisArgument;
  /** How many entries: asks for the extended form. */
  count?: number;
  /** Only this consumer's entries. */
  consumer?: RedisArgument;
}

/**
 * The summary form of `XPENDING`.
 *
 * @example Nothing pending
 * ```ts
 * import type { XPendingSummary } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const none: XPendingSummary = { count: 0, smallest: null, largest: null, consumers: [] };
 * assert.equal(none.count, 0);
 * ```
 */
export interface XPendingSummary {
  /** How many entries are pending. */
  count: number;
  /** The smallest pending id. */
  smallest: string | null;
  /** The largest pending id. */
  largest: string | null;
  /** Each consumer with pending entries, and how many. */
  consumers: { name: string; count: number }[];
}

/**
 * One entry of the extended form of `XPENDING`.
 *
 * @example A pending entry
 * ```ts
 * import type { XPendingEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const entry: XPendingEntry = { id: "1-0", consumer: "w1", idleMs: 1200, deliveries: 1 };
 * assert.equal(entry.deliveries, 1);
 * ```
 */
export interface XPendingEntry {
  /** The entry id. */
  id: string;
  /** The consumer it was delivered to. */
  consumer: string;
  /** Milliseconds since it was last delivered. */
  idleMs: number;
  /** How many times it was delivered. */
  deliveries: number;
}

/**
 * What `XPENDING` resolves with: the extended list with `count`, else the summary.
 *
 * @typeParam O The options' type.
 *
 * @example The extended form
 * ```ts
 * import type { XPendingReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const list: XPendingReply<{ count: 10 }> = [];
 * assert.deepEqual(list, []);
 * ```
 */
export type XPendingReply<O> = O extends { count: number } ? XPendingEntry[] : XPendingSummary;

/**
 * Options of `XCLAIM` and `XAUTOCLAIM`.
 *
 * @example Claim only ids
 * ```ts
 * import type { XClaimOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XClaimOptions = { justid: true };
 * assert.equal(options.justid, true);
 * ```
 */
export interface XClaimOptions extends CommandOptions {
  /** `JUSTID`: reply with ids only, without incrementing the delivery count. */
  justid?: boolean;
}

/**
 * More options of `XCLAIM`.
 *
 * @example Force a claim
 * ```ts
 * import type { XClaimMoreOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XClaimMoreOptions = { force: true, retrycount: 3 };
 * assert.equal(options.retrycount, 3);
 * ```
 */
export interface XClaimMoreOptions extends XClaimOptions {
  /** `IDLE ms`: set the idle time. */
  idle?: number;
  /** `TIME unix-time-milliseconds`: set the idle time as a moment. */
  time?: number;
  /** `RETRYCOUNT count`: set the delivery count. */
  retrycount?: number;
  /** `FORCE`: create pending entries for ids not yet pending. */
  force?: boolean;
  /** `LASTID lastid`: update the group's last delivered id. */
  lastid?: RedisArgument;
}

/**
 * Options of `XAUTOCLAIM`.
 *
 * @example Claim up to 50
 * ```ts
 * import type { XAutoClaimOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XAutoClaimOptions = { count: 50 };
 * assert.equal(options.count, 50);
 * ```
 */
export interface XAutoClaimOptions extends XClaimOptions {
  /** `COUNT count`: claim at most this many (default 100). */
  count?: number;
}

/**
 * What `XCLAIM` resolves with: ids with `justid`, else entries.
 *
 * @typeParam O The options' type.
 *
 * @example Ids
 * ```ts
 * import type { XClaimReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const ids: XClaimReply<{ justid: true }> = ["1-0"];
 * assert.equal(ids.length, 1);
 * ```
 */
export type XClaimReply<O> = O extends { justid: true } ? string[]
  : StreamEntry<BulkString<O>>[];

/**
 * What `XAUTOCLAIM` resolves with.
 *
 * @typeParam O The options' type.
 *
 * @example Nothing to claim
 * ```ts
 * import type { XAutoClaimReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reply: XAutoClaimReply<{}> = { next: "0-0", claimed: [], deleted: [] };
 * assert.equal(reply.next, "0-0");
 * ```
 */
export interface XAutoClaimReply<O> {
  /** The id to start the next call from (`"0-0"`: the whole pending list was scanned). */
  next: string;
  /** The claimed entries, or their ids with `justid`. */
  claimed: XClaimReply<O>;
  /** Ids that were pending but deleted from the stream (removed from the pending list). */
  deleted: string[];
}

/**
 * Options of `XGROUP CREATE` and `XGROUP SETID`.
 *
 * @example Create the stream too
 * ```ts
 * import type { XGroupOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XGroupOptions = { mkstream: true };
 * assert.equal(options.mkstream, true);
 * ```
 */
export interface XGroupOptions extends CommandOptions {
  /** `MKSTREAM` (`XGROUP CREATE` only): create an empty stream when missing. */
  mkstream?: boolean;
  /** `ENTRIESREAD entries-read`: the group's read counter, for lag tracking. */
  entriesRead?: number;
}

function fieldsOf(value: RespValue): Map<RespValue, RespValue> | null {
  return value === null ? null : map(value);
}

function entry(value: RespValue): GroupStreamEntry<RespValue> {
  const [id, fields] = array(value);
  return { id: text(id!), fields: fieldsOf(fields ?? null) };
}

function entries(value: RespValue): GroupStreamEntry<RespValue>[] {
  return array(value).map(entry);
}

function streams(reply: RespValue): Map<string, GroupStreamEntry<RespValue>[]> | null {
  if (reply === null) return null;
  const out = new Map<string, GroupStreamEntry<RespValue>[]>();
  if (reply instanceof Map) {
    for (const [key, list] of reply) out.set(text(key), entries(list));
    return out;
  }
  for (const item of array(reply)) {
    const [key, list] = array(item);
    out.set(text(key!), entries(list!));
  }
  return out;
}

function ids(value: RespValue): string[] {
  return array(value).map(text);
}

function pushTrim(argv: RedisArgument[], trim: StreamTrim): void {
  argv.push(trim.strategy, trim.approximate ? "~" : "=", trim.threshold);
  if (trim.limit !== undefined) argv.push("LIMIT", trim.limit);
}

function pushStreams(argv: RedisArgument[], streams: Entries): void {
  const keys: RedisArgument[] = [];
  const startIds: RedisArgument[] = [];
  const pairs: RedisArgument[] = [];
  pushEntries(pairs, streams);
  for (let i = 0; i < pairs.length; i += 2) {
    keys.push(pairs[i]!);
    startIds.push(pairs[i + 1]!);
  }
  argv.push("STREAMS", ...keys, ...startIds);
}

/**
 * Typed methods for streams: `XADD` with a record and trimming, `XRANGE`, `XREAD` and
 * `XREADGROUP` (one shape in both protocols: a `Map` from stream key to entries), consumer
 * groups, pending entries and claims, `XINFO`.
 *
 * `XREAD` and `XREADGROUP` with `block` hold their connection until they are answered: give
 * them a connection of their own.
 *
 * @example Appending and reading
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * const id = await redis.xadd("sensor", "*", { temp: 21.5 });
 * const read = await redis.xread({ sensor: "0" }, { count: 10 });
 * assert.equal(read?.get("sensor")?.[0]?.id, id);
 * ```
 */
export abstract class StreamCommands extends CommandSender {
  /**
   * `XACK key group id [id ...]`: acknowledges entries of a consumer group.
   *
   * @param key The stream.
   * @param group The group.
   * @param ids One id or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were acknowledged.
   *
   * @example Acknowledging
   * ```ts ignore
   * assert.equal(await redis.xack("s", "g", "1-0"), 1);
   * ```
   */
  xack(
    key: RedisArgument,
    group: RedisArgument,
    ids: OneOrMany<RedisArgument>,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(pushAll(["XACK", key, group], ids), options);
  }

  /**
   * `XADD key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] * | id field value
   * [field value ...]`: appends an entry.
   *
   * @param key The stream.
   * @param id `"*"` for an id made by the server, or an explicit id.
   * @param fields The fields and values: a record, a `Map` or pairs.
   * @param options `nomkstream`, `trim`, and the command options.
   * @returns The entry's id, or `null` with `nomkstream` when the stream does not exist.
   *
   * @example Appending with a cap
   * ```ts ignore
   * const id = await redis.xadd("events", "*", { type: "login" }, {
   *   trim: { strategy: "MAXLEN", threshold: 10_000, approximate: true },
   * });
   * ```
   */
  xadd(
    key: RedisArgument,
    id: RedisArgument,
    fields: Entries,
    options?: XAddOptions,
  ): Promise<string | null> {
    const argv: RedisArgument[] = ["XADD", key];
    if (options?.nomkstream) argv.push("NOMKSTREAM");
    if (options?.trim !== undefined) pushTrim(argv, options.trim);
    argv.push(id);
    pushEntries(argv, fields);
    return this.sendCommand<RespValue>(argv, options).then((v) => v === null ? null : text(v));
  }

  /**
   * `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`: claims entries
   * idle for at least `minIdleMs`, scanning the pending list from `start`.
   *
   * @typeParam O The options' type: `justid` and `returnBuffers` decide the shape.
   * @param key The stream.
   * @param group The group.
   * @param consumer The consumer that takes them.
   * @param minIdleMs The minimum idle time in milliseconds.
   * @param start Where to start scanning (`"0-0"`, then the previous `next`).
   * @param options `count`, `justid`, and the command options.
   * @returns The next start id, the claimed entries (or ids) and the deleted ids.
   *
   * @example Taking over stuck entries
   * ```ts ignore
   * const { claimed } = await redis.xautoclaim("s", "g", "rescuer", 60_000, "0-0", { count: 10 });
   * ```
   */
  xautoclaim<O extends XAutoClaimOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    minIdleMs: number,
    start: RedisArgument,
    options?: O,
  ): Promise<XAutoClaimReply<O>> {
    const argv: RedisArgument[] = ["XAUTOCLAIM", key, group, consumer, minIdleMs, start];
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    if (options?.justid) argv.push("JUSTID");
    return this.sendCommand<RespValue>(argv, options).then((reply) => {
      const [next, claimed, deleted] = array(reply);
      return {
        next: text(next!),
        claimed: (options?.justid ? ids(claimed!) : entries(claimed!)) as XClaimReply<O>,
        deleted: deleted === undefined ? [] : ids(deleted),
      };
    });
  }

  /**
   * `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
   * [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`: changes the owner of pending entries.
   *
   * @typeParam O The options' type: `justid` and `returnBuffers` decide the shape.
   * @param key The stream.
   * @param group The group.
   * @param consumer The consumer that takes them.
   * @param minIdleMs Only entries idle at least this long.
   * @param ids One id or a list of them.
   * @param options `idle`, `time`, `retrycount`, `force`, `justid`, `lastid`, and the command
   * options.
   * @returns The claimed entries, or their ids with `justid`.
   *
   * @example Claiming one entry
   * ```ts ignore
   * const [claimed] = await redis.xclaim("s", "g", "w2", 0, "1-0");
   * ```
   */
  xclaim<O extends XClaimMoreOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    minIdleMs: number,
    ids: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<XClaimReply<O>> {
    const argv = pushAll(["XCLAIM", key, group, consumer, minIdleMs], ids);
    if (options !== undefined) {
      if (options.idle !== undefined) argv.push("IDLE", options.idle);
      if (options.time !== undefined) argv.push("TIME", options.time);
      if (options.retrycount !== undefined) argv.push("RETRYCOUNT", options.retrycount);
      if (options.force) argv.push("FORCE");
      if (options.justid) argv.push("JUSTID");
      if (options.lastid !== undefined) argv.push("LASTID", options.lastid);
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      (options?.justid ? array(reply).map(text) : entries(reply)) as XClaimReply<O>
    );
  }

  /**
   * `XDEL key id [id ...]`: deletes entries.
   *
   * @param key The stream.
   * @param ids One id or a list of them.
   * @param options Buffers, timeout, abort signal.
   * @returns How many were deleted.
   *
   * @example Deleting
   * ```ts ignore
   * assert.equal(await redis.xdel("s", ["1-0", "9-9"]), 1);
   * ```
   */
  xdel(key: RedisArgument, ids: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<
    number
  > {
    return this.sendCommand<number>(pushAll(["XDEL", key], ids), options);
  }

  /**
   * `XGROUP CREATE key group id | $ [MKSTREAM] [ENTRIESREAD entries-read]`: creates a consumer
   * group.
   *
   * @param key The stream.
   * @param group The group's name.
   * @param id The last delivered id: `"$"` for new entries only, `"0"` for the whole stream.
   * @param options `mkstream`, `entriesRead`, and the command options.
   * @returns `"OK"`; an existing group rejects with `ReplyError` (`BUSYGROUP`).
   *
   * @example A group for new entries
   * ```ts ignore
   * assert.equal(await redis.xgroupCreate("s", "g", "$", { mkstream: true }), "OK");
   * ```
   */
  xgroupCreate(
    key: RedisArgument,
    group: RedisArgument,
    id: RedisArgument,
    options?: XGroupOptions,
  ): Promise<"OK"> {
    const argv: RedisArgument[] = ["XGROUP", "CREATE", key, group, id];
    if (options?.mkstream) argv.push("MKSTREAM");
    if (options?.entriesRead !== undefined) argv.push("ENTRIESREAD", options.entriesRead);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `XGROUP CREATECONSUMER key group consumer`: creates a consumer in a group.
   *
   * @param key The stream.
   * @param group The group.
   * @param consumer The consumer's name.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether it was created (`false` when it existed).
   *
   * @example Creating a consumer
   * ```ts ignore
   * assert.equal(await redis.xgroupCreateconsumer("s", "g", "w1"), true);
   * ```
   */
  xgroupCreateconsumer(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    options?: CommandOptions,
  ): Promise<boolean> {
    return this.sendCommand<RespValue>(["XGROUP", "CREATECONSUMER", key, group, consumer], options)
      .then(bool);
  }

  /**
   * `XGROUP DELCONSUMER key group consumer`: deletes a consumer (its pending entries are lost).
   *
   * @param key The stream.
   * @param group The group.
   * @param consumer The consumer.
   * @param options Buffers, timeout, abort signal.
   * @returns How many pending entries it had.
   *
   * @example Deleting a consumer
   * ```ts ignore
   * assert.equal(await redis.xgroupDelconsumer("s", "g", "w1"), 0);
   * ```
   */
  xgroupDelconsumer(
    key: RedisArgument,
    group: RedisArgument,
    consumer: RedisArgument,
    options?: CommandOptions,
  ): Promise<number> {
    return this.sendCommand<number>(["XGROUP", "DELCONSUMER", key, group, consumer], options);
  }

  /**
   * `XGROUP DESTROY key group`: deletes a consumer group.
   *
   * @param key The stream.
   * @param group The group.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether it existed.
   *
   * @example Deleting a group
   * ```ts ignore
   * assert.equal(await redis.xgroupDestroy("s", "g"), true);
   * ```
   */
  xgroupDestroy(
    key: RedisArgument,
    group: RedisArgument,
    options?: CommandOptions,
  ): Promise<boolean> {
    return this.sendCommand<RespValue>(["XGROUP", "DESTROY", key, group], options).then(bool);
  }

  /**
   * `XGROUP SETID key group id | $ [ENTRIESREAD entries-read]`: sets a group's last delivered
   * id.
   *
   * @param key The stream.
   * @param group The group.
   * @param id The id, or `"$"` for the stream's last entry.
   * @param options `entriesRead`, and the command options.
   * @returns `"OK"`.
   *
   * @example Rewinding a group
   * ```ts ignore
   * assert.equal(await redis.xgroupSetid("s", "g", "0"), "OK");
   * ```
   */
  xgroupSetid(
    key: RedisArgument,
    group: RedisArgument,
    id: RedisArgument,
    options?: Omit<XGroupOptions, "mkstream">,
  ): Promise<"OK"> {
    const argv: RedisArgument[] = ["XGROUP", "SETID", key, group, id];
    if (options?.entriesRead !== undefined) argv.push("ENTRIESREAD", options.entriesRead);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `XINFO CONSUMERS key group`: the consumers of a group, each as a `Map` of its fields
   * (`name`, `pending`, `idle`) in both protocols.
   *
   * @param key The stream.
   * @param group The group.
   * @param options Buffers, timeout, abort signal.
   * @returns One object per consumer (a `Map` with `asMap: true`).
   *
   * @example A consumer's pending count
   * ```ts ignore
   * const [first] = await redis.xinfoConsumers("s", "g");
   * console.log(first?.pending);
   * ```
   */
  xinfoConsumers<O extends InfoOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    options?: O,
  ): Promise<InfoReply<O>[]> {
    return this.sendCommand<RespValue>(["XINFO", "CONSUMERS", key, group], options).then((v) =>
      array(v).map((item) => info(item, options) as InfoReply<O>)
    );
  }

  /**
   * `XINFO GROUPS key`: the consumer groups of a stream, each as an object of its fields (`name`,
   * `consumers`, `pending`, `last-delivered-id`, `entries-read`, `lag`) in both protocols.
   *
   * @param key The stream.
   * @param options Buffers, timeout, abort signal.
   * @returns One object per group (a `Map` with `asMap: true`).
   *
   * @example Group names
   * ```ts ignore
   * const names = (await redis.xinfoGroups("s")).map((g) => g.name);
   * ```
   */
  xinfoGroups<O extends InfoOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<InfoReply<O>[]> {
    return this.sendCommand<RespValue>(["XINFO", "GROUPS", key], options).then((v) =>
      array(v).map((item) => info(item, options) as InfoReply<O>)
    );
  }

  /**
   * `XINFO STREAM key`: facts about a stream as an object (`length`, `last-generated-id`,
   * `groups`, `first-entry`, `last-entry`, …) in both protocols; the entries inside stay as the
   * server sent them (`[id, [field, value, …]]`). The `FULL` form is `sendCommand`'s.
   *
   * @param key The stream.
   * @param options Buffers, timeout, abort signal.
   * @returns The stream's fields (a `Map` with `asMap: true`).
   *
   * @example The length
   * ```ts ignore
   * assert.equal((await redis.xinfoStream("s")).length, 1);
   * ```
   */
  xinfoStream<O extends InfoOptions = NoOptions>(
    key: RedisArgument,
    options?: O,
  ): Promise<InfoReply<O>> {
    return this.sendCommand<RespValue>(["XINFO", "STREAM", key], options).then((v) =>
      info(v, options) as InfoReply<O>
    );
  }

  /**
   * `XLEN key`: the number of entries.
   *
   * @param key The stream.
   * @param options Buffers, timeout, abort signal.
   * @returns The length (0 when the key does not exist).
   *
   * @example A missing stream
   * ```ts ignore
   * assert.equal(await redis.xlen("missing"), 0);
   * ```
   */
  xlen(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["XLEN", key], options);
  }

  /**
   * `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`: the group's pending
   * entries, as a summary or, with `count`, a list.
   *
   * @typeParam O The options' type: `count` decides the shape.
   * @param key The stream.
   * @param group The group.
   * @param options `count` (the extended form), `start`, `end`, `consumer`, `idle`, and the
   * command options.
   * @returns See {@linkcode XPendingReply}.
   *
   * @example The summary
   * ```ts ignore
   * const { count, consumers } = await redis.xpending("s", "g");
   * ```
   */
  xpending<O extends XPendingOptions = NoOptions>(
    key: RedisArgument,
    group: RedisArgument,
    options?: O,
  ): Promise<XPendingReply<O>> {
    const argv: RedisArgument[] = ["XPENDING", key, group];
    const extended = options?.count !== undefined;
    if (options !== undefined && options.count !== undefined) {
      if (options.idle !== undefined) argv.push("IDLE", options.idle);
      argv.push(options.start ?? "-", options.end ?? "+", options.count);
      if (options.consumer !== undefined) argv.push(options.consumer);
    }
    return this.sendCommand<RespValue>(argv, options).then((reply) => {
      if (extended) {
        return array(reply).map((item): XPendingEntry => {
          const [id, consumer, idle, deliveries] = array(item);
          return {
            id: text(id!),
            consumer: text(consumer!),
            idleMs: Number(idle),
            deliveries: Number(deliveries),
          };
        });
      }
      const [count, smallest, largest, consumers] = array(reply);
      const summary: XPendingSummary = {
        count: Number(count),
        smallest: smallest === null || smallest === undefined ? null : text(smallest),
        largest: largest === null || largest === undefined ? null : text(largest),
        consumers: consumers === null || consumers === undefined
          ? []
          : array(consumers).map((c) => {
            const [name, n] = array(c);
            return { name: text(name!), count: Number(text(n!)) };
          }),
      };
      return summary;
    }) as Promise<XPendingReply<O>>;
  }

  /**
   * `XRANGE key start end [COUNT count]`: entries in an id range, oldest first.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The stream.
   * @param start The lowest id (`"-"`: the first; `"(1-0"` exclusive).
   * @param end The highest id (`"+"`: the last).
   * @param options `count`, and the command options.
   * @returns The entries.
   *
   * @example The whole stream
   * ```ts ignore
   * for (const { id, fields } of await redis.xrange("s", "-", "+")) console.log(id, fields);
   * ```
   */
  xrange<O extends CommandOptions & { count?: number } = NoOptions>(
    key: RedisArgument,
    start: RedisArgument,
    end: RedisArgument,
    options?: O,
  ): Promise<StreamEntry<BulkString<O>>[]> {
    const argv: RedisArgument[] = ["XRANGE", key, start, end];
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    return this.sendCommand<RespValue>(argv, options).then(entries) as Promise<
      StreamEntry<BulkString<O>>[]
    >;
  }

  /**
   * `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`: entries after
   * the given ids, from one or more streams. With `block` the connection is held until entries
   * arrive or the time is up: use a dedicated connection.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param streams Each stream key with the id to read after (`"$"`: only new entries): a
   * record, a `Map` or pairs.
   * @param options `count`, `block`, and the command options.
   * @returns A `Map` from stream key to its new entries (in both protocols), or `null` when
   * nothing arrived.
   *
   * @example Following a stream
   * ```ts ignore
   * let last = "$";
   * const read = await reader.xread({ events: last }, { block: 5000, count: 100 });
   * for (const { id, fields } of read?.get("events") ?? []) last = id;
   * ```
   */
  xread<O extends XReadOptions = NoOptions>(
    streams: Entries,
    options?: O,
  ): Promise<Map<string, StreamEntry<BulkString<O>>[]> | null> {
    const argv: RedisArgument[] = ["XREAD"];
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    if (options?.block !== undefined) argv.push("BLOCK", options.block);
    pushStreams(argv, streams);
    return this.sendCommand<RespValue>(argv, options).then(readStreams) as Promise<
      Map<string, StreamEntry<BulkString<O>>[]> | null
    >;
  }

  /**
   * `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
   * [key ...] id [id ...]`: reads as a consumer of a group (`">"`: entries never delivered to
   * the group; an id: this consumer's pending entries after it). With `block` the connection is
   * held while it waits.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param group The group and the consumer: `[group, consumer]`.
   * @param streams Each stream key with its id: a record, a `Map` or pairs.
   * @param options `count`, `block`, `noack`, and the command options.
   * @returns A `Map` from stream key to entries, or `null` when nothing arrived; a pending
   * entry deleted from the stream has `fields: null`.
   *
   * @example A worker
   * ```ts ignore
   * const read = await worker.xreadgroup(["g", "w1"], { jobs: ">" }, { count: 10, block: 5000 });
   * for (const { id } of read?.get("jobs") ?? []) await worker.xack("jobs", "g", id);
   * ```
   */
  xreadgroup<O extends XReadGroupOptions = NoOptions>(
    group: readonly [RedisArgument, RedisArgument],
    streams: Entries,
    options?: O,
  ): Promise<Map<string, GroupStreamEntry<BulkString<O>>[]> | null> {
    const argv: RedisArgument[] = ["XREADGROUP", "GROUP", group[0], group[1]];
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    if (options?.block !== undefined) argv.push("BLOCK", options.block);
    if (options?.noack) argv.push("NOACK");
    pushStreams(argv, streams);
    return this.sendCommand<RespValue>(argv, options).then(readStreams) as Promise<
      Map<string, GroupStreamEntry<BulkString<O>>[]> | null
    >;
  }

  /**
   * `XREVRANGE key end start [COUNT count]`: entries in an id range, newest first.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param key The stream.
   * @param end The highest id (`"+"`: the last).
   * @param start The lowest id (`"-"`: the first).
   * @param options `count`, and the command options.
   * @returns The entries, newest first.
   *
   * @example The latest entry
   * ```ts ignore
   * const [latest] = await redis.xrevrange("s", "+", "-", { count: 1 });
   * ```
   */
  xrevrange<O extends CommandOptions & { count?: number } = NoOptions>(
    key: RedisArgument,
    end: RedisArgument,
    start: RedisArgument,
    options?: O,
  ): Promise<StreamEntry<BulkString<O>>[]> {
    const argv: RedisArgument[] = ["XREVRANGE", key, end, start];
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    return this.sendCommand<RespValue>(argv, options).then(entries) as Promise<
      StreamEntry<BulkString<O>>[]
    >;
  }

  /**
   * `XTRIM key MAXLEN | MINID [= | ~] threshold [LIMIT count]`: trims a stream.
   *
   * @param key The stream.
   * @param trim The strategy, threshold, `approximate` and `limit`.
   * @param options Buffers, timeout, abort signal.
   * @returns How many entries were removed.
   *
   * @example Keeping the last 1000
   * ```ts ignore
   * await redis.xtrim("s", { strategy: "MAXLEN", threshold: 1000 });
   * ```
   */
  xtrim(key: RedisArgument, trim: StreamTrim, options?: CommandOptions): Promise<number> {
    const argv: RedisArgument[] = ["XTRIM", key];
    pushTrim(argv, trim);
    return this.sendCommand<number>(argv, options);
  }
}

function readStreams(reply: RespValue): Map<string, GroupStreamEntry<RespValue>[]> | null {
  return streams(reply);
}
