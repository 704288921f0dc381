import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { pushAll, pushEntries, text } from "./_replies.ts";
import { entries, pushStreams, pushTrim, readStreams } from "./_stream_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { BulkString, Entries, NoOptions, OneOrMany } from "./types.ts";
import type { StreamEntry, StreamTrim, XAddOptions, XReadOptions } from "./stream_types.ts";

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
