import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, bool, pushAll, text } from "./_replies.ts";
import { info, type InfoOptions, type InfoReply } from "./info_replies.ts";
import { entries, ids, pushStreams, readStreams } from "./_stream_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { BulkString, Entries, NoOptions, OneOrMany } from "./types.ts";
import type {
  GroupStreamEntry,
  XAutoClaimOptions,
  XAutoClaimReply,
  XClaimMoreOptions,
  XClaimReply,
  XGroupOptions,
  XPendingEntry,
  XPendingOptions,
  XPendingReply,
  XPendingSummary,
  XReadGroupOptions,
} from "./stream_types.ts";

/**
 * Typed methods for stream consumer groups: `XGROUP` (create, consumers, destroy, set id),
 * `XREADGROUP`, `XACK`, pending entries (`XPENDING`), claims (`XCLAIM`, `XAUTOCLAIM`) and
 * `XINFO`. `XREADGROUP` with `block` holds its connection until it is answered: give it a
 * connection of its own.
 *
 * @example A consumer group
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.xgroupCreate("sensor", "workers", "$", { mkstream: true });
 * const id = await redis.xadd("sensor", "*", { temp: 21.5 });
 * const read = await redis.xreadgroup(["workers", "w1"], { sensor: ">" });
 * assert.equal(read?.get("sensor")?.[0]?.id, id);
 * assert.equal(await redis.xack("sensor", "workers", id), 1);
 * ```
 */
export abstract class StreamGroupCommands extends CommandSender {
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
}
