import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { array, bool, pushAll, text } from "./_replies.ts";
import { scanAll, scanPage } from "./_scan.ts";
import type { BulkString, KeyScanOptions, NoOptions, OneOrMany, ScanPage } from "./types.ts";

/**
 * Options of `EXPIRE`, `PEXPIRE`, `EXPIREAT` and `PEXPIREAT` (Redis 7.0): set the expiry only
 * when a condition holds. At most one of `nx`/`xx`, and at most one of `gt`/`lt`.
 *
 * @example Only extend an expiry
 * ```ts
 * import type { ExpireOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ExpireOptions = { gt: true };
 * assert.equal(options.gt, true);
 * ```
 */
export interface ExpireOptions extends CommandOptions {
  /** `NX`: only when the key has no expiry. */
  nx?: boolean;
  /** `XX`: only when the key has an expiry. */
  xx?: boolean;
  /** `GT`: only when the new expiry is later than the current one. */
  gt?: boolean;
  /** `LT`: only when the new expiry is sooner than the current one. */
  lt?: boolean;
}

/**
 * Options of `COPY`.
 *
 * @example Copy into database 2, replacing
 * ```ts
 * import type { CopyOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: CopyOptions = { db: 2, replace: true };
 * assert.equal(options.db, 2);
 * ```
 */
export interface CopyOptions extends CommandOptions {
  /** `DB destination-db`: copy into another database. */
  db?: number;
  /** `REPLACE`: overwrite the destination key when it exists. */
  replace?: boolean;
}

function expireArgv(
  command: string,
  key: RedisArgument,
  time: RedisArgument,
  options: ExpireOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command, key, time];
  if (options !== undefined) {
    if (options.nx) argv.push("NX");
    if (options.xx) argv.push("XX");
    if (options.gt) argv.push("GT");
    if (options.lt) argv.push("LT");
  }
  return argv;
}

/**
 * Typed methods for the keyspace: `DEL`, `EXISTS`, the expiry commands, `RENAME`, `COPY`,
 * `SCAN` (and {@linkcode KeyCommands.scanIterator}).
 *
 * @example Expiring a key
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * await redis.set("session", "abc");
 * assert.equal(await redis.expire("session", 60), true);
 * assert.ok((await redis.ttl("session")) > 0);
 * ```
 */
export abstract class KeyCommands extends CommandSender {
  /**
   * `COPY source destination [DB destination-db] [REPLACE]`: copies a key.
   *
   * @param source The key to copy.
   * @param destination The new key.
   * @param options `db`, `replace`, and the command options.
   * @returns Whether the key was copied (`false` when the destination exists without `replace`).
   *
   * @example Copying
   * ```ts ignore
   * await redis.set("a", "1");
   * assert.equal(await redis.copy("a", "b"), true);
   * ```
   */
  copy(
    source: RedisArgument,
    destination: RedisArgument,
    options?: CopyOptions,
  ): Promise<boolean> {
    const argv: RedisArgument[] = ["COPY", source, destination];
    if (options?.db !== undefined) argv.push("DB", options.db);
    if (options?.replace) argv.push("REPLACE");
    return this.sendCommand<RespValue>(argv, options).then(bool);
  }

  /**
   * `DEL key [key ...]`: removes keys.
   *
   * @param keys One key or a list of keys.
   * @param options Buffers, timeout, abort signal.
   * @returns How many of them existed.
   *
   * @example Deleting two keys
   * ```ts ignore
   * await redis.mset({ a: 1, b: 2 });
   * assert.equal(await redis.del(["a", "b", "c"]), 2);
   * ```
   */
  del(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(pushAll(["DEL"], keys), options);
  }

  /**
   * `EXISTS key [key ...]`: counts existing keys (a key named twice counts twice).
   *
   * @param keys One key or a list of keys.
   * @param options Buffers, timeout, abort signal.
   * @returns How many of the given keys exist.
   *
   * @example Checking a key
   * ```ts ignore
   * assert.equal(await redis.exists("missing"), 0);
   * ```
   */
  exists(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(pushAll(["EXISTS"], keys), options);
  }

  /**
   * `EXPIRE key seconds [NX | XX | GT | LT]`: sets a time to live in seconds.
   *
   * @param key The key.
   * @param seconds The time to live.
   * @param options The conditions, and the command options.
   * @returns Whether the expiry was set (`false` when the key does not exist or a condition failed).
   *
   * @example Expiring in a minute
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.expire("k", 60), true);
   * ```
   */
  expire(key: RedisArgument, seconds: number, options?: ExpireOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(expireArgv("EXPIRE", key, seconds, options), options)
      .then(bool);
  }

  /**
   * `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`: sets the moment a key expires.
   *
   * @param key The key.
   * @param at A `Date`, or Unix time in seconds.
   * @param options The conditions, and the command options.
   * @returns Whether the expiry was set.
   *
   * @example Expiring tomorrow
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.expireat("k", new Date(Date.now() + 86_400_000)), true);
   * ```
   */
  expireat(key: RedisArgument, at: number | Date, options?: ExpireOptions): Promise<boolean> {
    const seconds = at instanceof Date ? Math.floor(at.getTime() / 1000) : at;
    return this.sendCommand<RespValue>(expireArgv("EXPIREAT", key, seconds, options), options)
      .then(bool);
  }

  /**
   * `EXPIRETIME key`: when a key expires, in Unix seconds.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The Unix time in seconds; -1 when the key has no expiry, -2 when it does not exist.
   *
   * @example A key without expiry
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.expiretime("k"), -1);
   * ```
   */
  expiretime(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["EXPIRETIME", key], options);
  }

  /**
   * `KEYS pattern`: every key matching a pattern. It blocks the server while it walks the whole
   * keyspace: prefer {@linkcode KeyCommands.scanIterator}.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param pattern A glob-style pattern.
   * @param options Buffers, timeout, abort signal.
   * @returns The matching keys.
   *
   * @example Listing keys
   * ```ts ignore
   * await redis.mset({ "user:1": "a", "user:2": "b" });
   * assert.deepEqual((await redis.keys("user:*")).sort(), ["user:1", "user:2"]);
   * ```
   */
  keys<O extends CommandOptions = NoOptions>(
    pattern: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.sendCommand<RespValue>(["KEYS", pattern], options).then(array) as Promise<
      BulkString<O>[]
    >;
  }

  /**
   * `PERSIST key`: removes a key's expiry.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether an expiry was removed.
   *
   * @example Keeping a key
   * ```ts ignore
   * await redis.set("k", "v", { ex: 60 });
   * assert.equal(await redis.persist("k"), true);
   * ```
   */
  persist(key: RedisArgument, options?: CommandOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(["PERSIST", key], options).then(bool);
  }

  /**
   * `PEXPIRE key milliseconds [NX | XX | GT | LT]`: sets a time to live in milliseconds.
   *
   * @param key The key.
   * @param milliseconds The time to live.
   * @param options The conditions, and the command options.
   * @returns Whether the expiry was set.
   *
   * @example Expiring in 1.5 s
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.pexpire("k", 1500), true);
   * ```
   */
  pexpire(key: RedisArgument, milliseconds: number, options?: ExpireOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(expireArgv("PEXPIRE", key, milliseconds, options), options)
      .then(bool);
  }

  /**
   * `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`: sets the moment a key expires.
   *
   * @param key The key.
   * @param at A `Date`, or Unix time in milliseconds.
   * @param options The conditions, and the command options.
   * @returns Whether the expiry was set.
   *
   * @example Expiring at a moment
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.pexpireat("k", Date.now() + 5000), true);
   * ```
   */
  pexpireat(key: RedisArgument, at: number | Date, options?: ExpireOptions): Promise<boolean> {
    const ms = at instanceof Date ? at.getTime() : at;
    return this.sendCommand<RespValue>(expireArgv("PEXPIREAT", key, ms, options), options)
      .then(bool);
  }

  /**
   * `PEXPIRETIME key`: when a key expires, in Unix milliseconds.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns The Unix time in milliseconds; -1 without expiry, -2 when the key does not exist.
   *
   * @example A missing key
   * ```ts ignore
   * assert.equal(await redis.pexpiretime("missing"), -2);
   * ```
   */
  pexpiretime(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["PEXPIRETIME", key], options);
  }

  /**
   * `PTTL key`: the remaining time to live in milliseconds.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns Milliseconds; -1 without expiry, -2 when the key does not exist.
   *
   * @example A missing key
   * ```ts ignore
   * assert.equal(await redis.pttl("missing"), -2);
   * ```
   */
  pttl(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["PTTL", key], options);
  }

  /**
   * `RANDOMKEY`: a random key of the database.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param options Buffers, timeout, abort signal.
   * @returns A key, or `null` when the database is empty.
   *
   * @example An empty database
   * ```ts ignore
   * await redis.flushdb();
   * assert.equal(await redis.randomkey(), null);
   * ```
   */
  randomkey<O extends CommandOptions = NoOptions>(options?: O): Promise<BulkString<O> | null> {
    return this.sendCommand<BulkString<O> | null>(["RANDOMKEY"], options);
  }

  /**
   * `RENAME key newkey`: renames a key, overwriting `newKey`.
   *
   * @param key The key.
   * @param newKey Its new name.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`; a missing key rejects with `ReplyError` (`ERR no such key`).
   *
   * @example Renaming
   * ```ts ignore
   * await redis.set("old", "v");
   * assert.equal(await redis.rename("old", "new"), "OK");
   * ```
   */
  rename(key: RedisArgument, newKey: RedisArgument, options?: CommandOptions): Promise<"OK"> {
    return this.sendCommand<"OK">(["RENAME", key, newKey], options);
  }

  /**
   * `RENAMENX key newkey`: renames a key unless `newKey` exists.
   *
   * @param key The key.
   * @param newKey Its new name.
   * @param options Buffers, timeout, abort signal.
   * @returns Whether it was renamed.
   *
   * @example Refusing to overwrite
   * ```ts ignore
   * await redis.mset({ a: 1, b: 2 });
   * assert.equal(await redis.renamenx("a", "b"), false);
   * ```
   */
  renamenx(key: RedisArgument, newKey: RedisArgument, options?: CommandOptions): Promise<boolean> {
    return this.sendCommand<RespValue>(["RENAMENX", key, newKey], options).then(bool);
  }

  /**
   * `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`: one step of an iteration over the
   * keyspace. {@linkcode KeyCommands.scanIterator} runs the whole iteration.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param cursor `"0"` to start, then the cursor of the previous page.
   * @param options `match`, `count`, `type`, and the command options.
   * @returns The next cursor (`"0"` at the end) and this page's keys.
   *
   * @example One step
   * ```ts ignore
   * const page = await redis.scan("0", { match: "user:*", count: 100 });
   * console.log(page.cursor, page.items);
   * ```
   */
  scan<O extends KeyScanOptions = NoOptions>(
    cursor: RedisArgument,
    options?: O,
  ): Promise<ScanPage<BulkString<O>>> {
    const argv: RedisArgument[] = ["SCAN", cursor];
    if (options?.match !== undefined) argv.push("MATCH", options.match);
    if (options?.count !== undefined) argv.push("COUNT", options.count);
    if (options?.type !== undefined) argv.push("TYPE", options.type);
    return this.sendCommand<RespValue>(argv, options).then((reply) =>
      scanPage(reply, (list) => list as BulkString<O>[])
    );
  }

  /**
   * Iterates over the whole keyspace with `SCAN`, one page at a time, until the server's cursor
   * comes back to 0. As `SCAN` guarantees, every key present for the whole iteration is yielded
   * at least once; a key may be yielded twice, and keys added or removed meanwhile may or may
   * not be. Each page is one command whose reply decides the next, so this helper is not for
   * pipelines or transactions.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param options `match`, `count`, `type`, and the command options (applied to every call).
   * @returns An async iterator of keys.
   *
   * @example Every user key
   * ```ts ignore
   * for await (const key of redis.scanIterator({ match: "user:*", count: 500, type: "hash" })) {
   *   console.log(key);
   * }
   * ```
   */
  scanIterator<O extends KeyScanOptions = NoOptions>(
    options?: O,
  ): AsyncGenerator<BulkString<O>, void, undefined> {
    return scanAll((cursor) => this.scan<O>(cursor, options));
  }

  /**
   * `TOUCH key [key ...]`: updates the last access time of keys.
   *
   * @param keys One key or a list of keys.
   * @param options Buffers, timeout, abort signal.
   * @returns How many of them exist.
   *
   * @example Touching
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.touch(["k", "missing"]), 1);
   * ```
   */
  touch(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(pushAll(["TOUCH"], keys), options);
  }

  /**
   * `TTL key`: the remaining time to live in seconds.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns Seconds; -1 without expiry, -2 when the key does not exist.
   *
   * @example A key without expiry
   * ```ts ignore
   * await redis.set("k", "v");
   * assert.equal(await redis.ttl("k"), -1);
   * ```
   */
  ttl(key: RedisArgument, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["TTL", key], options);
  }

  /**
   * `TYPE key`: the type of the value at a key.
   *
   * @param key The key.
   * @param options Buffers, timeout, abort signal.
   * @returns `string`, `list`, `set`, `zset`, `hash`, `stream`, or `none` when it does not exist.
   *
   * @example A hash
   * ```ts ignore
   * await redis.hset("h", { f: "v" });
   * assert.equal(await redis.type("h"), "hash");
   * ```
   */
  type(key: RedisArgument, options?: CommandOptions): Promise<string> {
    return this.sendCommand<RespValue>(["TYPE", key], options).then(text);
  }

  /**
   * `UNLINK key [key ...]`: removes keys, freeing their memory in the background.
   *
   * @param keys One key or a list of keys.
   * @param options Buffers, timeout, abort signal.
   * @returns How many of them existed.
   *
   * @example Unlinking
   * ```ts ignore
   * await redis.set("big", "v");
   * assert.equal(await redis.unlink("big"), 1);
   * ```
   */
  unlink(keys: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(pushAll(["UNLINK"], keys), options);
  }
}
