import type { RedisArgument, RespValue } from "../resp/types.ts";
import { type CommandOptions, CommandSender } from "./command_sender.ts";
import { integer, map, pushAll, pushEntries, text } from "./_replies.ts";
import type { BulkString, Entries, NoOptions, OneOrMany } from "./types.ts";

/**
 * Options of `FLUSHDB` and `FLUSHALL`.
 *
 * @example Flushing in the background
 * ```ts
 * import type { FlushOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: FlushOptions = { mode: "ASYNC" };
 * assert.equal(options.mode, "ASYNC");
 * ```
 */
export interface FlushOptions extends CommandOptions {
  /** `ASYNC` frees memory in the background; `SYNC` before replying. */
  mode?: "ASYNC" | "SYNC";
}

/**
 * The filters of `CLIENT KILL` (Redis 7.0): every given filter must match. At least one is
 * needed.
 *
 * @example Killing one client by id
 * ```ts
 * import type { ClientKillFilters } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const filters: ClientKillFilters = { id: 42, skipme: true };
 * assert.equal(filters.id, 42);
 * ```
 */
export interface ClientKillFilters extends CommandOptions {
  /** `ID client-id`. */
  id?: number | bigint;
  /** `TYPE normal | master | replica | pubsub`. */
  type?: "normal" | "master" | "replica" | "pubsub";
  /** `USER username`. */
  user?: RedisArgument;
  /** `ADDR ip:port`: the client's address. */
  addr?: RedisArgument;
  /** `LADDR ip:port`: the local (server) address it is connected to. */
  laddr?: RedisArgument;
  /** `SKIPME yes | no`: whether to spare the calling client (the server's default is yes). */
  skipme?: boolean;
  /** `MAXAGE seconds`: only clients older than this (Redis 7.4+; refused by 7.0). */
  maxage?: number;
}

const KILL_FILTERS = ["id", "type", "user", "addr", "laddr", "skipme", "maxage"] as const;

/**
 * Options of `configGet`.
 *
 * @example A Map instead of an object
 * ```ts
 * import type { ConfigGetOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: ConfigGetOptions = { asMap: true };
 * assert.equal(options.asMap, true);
 * ```
 */
export interface ConfigGetOptions extends CommandOptions {
  /** Return a `Map` instead of a plain object. */
  asMap?: boolean;
}

/**
 * What `configGet` resolves to: `Record<string, string>`, or `Map<string, string>` with
 * `asMap: true`.
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { ConfigReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const config: ConfigReply<{ timeoutMs: 5 }> = { hz: "10" };
 * assert.equal(config.hz, "10");
 * ```
 */
export type ConfigReply<O> = "asMap" extends keyof O
  ? O[Extract<"asMap", keyof O>] extends true ? Map<string, string> : Record<string, string>
  : Record<string, string>;

/**
 * Typed methods for the connection and the server: `PING`, `ECHO`, `DBSIZE`, `FLUSHDB`,
 * `FLUSHALL`, `INFO` (text in both protocols), `CONFIG GET` (a `Map` in both protocols) and
 * `CONFIG SET` with a record.
 *
 * @example Configuration
 * ```ts ignore
 * import assert from "node:assert/strict";
 *
 * // `redis` is any RedisCommands: a RedisClient, a pipeline, a transaction.
 * assert.equal(await redis.ping(), "PONG");
 * await redis.configSet({ "maxmemory-policy": "allkeys-lru" });
 * assert.equal((await redis.configGet("maxmemory-policy"))["maxmemory-policy"], "allkeys-lru");
 * ```
 */
export abstract class ServerCommands extends CommandSender {
  /**
   * `CLIENT KILL <ID id | TYPE type | USER name | ADDR ip:port | LADDR ip:port | SKIPME yes/no>
   * ...`: closes the connections that match every filter.
   *
   * @param options At least one filter, and the command options.
   * @returns How many connections were closed.
   *
   * @example Closing another client
   * ```ts ignore
   * const id = await other.clientId();
   * assert.equal(await redis.clientKill({ id }), 1);
   * ```
   */
  clientKill(options: ClientKillFilters): Promise<number> {
    const filters = options;
    const argv: RedisArgument[] = ["CLIENT", "KILL"];
    if (filters.id !== undefined) argv.push("ID", filters.id);
    if (filters.type !== undefined) argv.push("TYPE", filters.type);
    if (filters.user !== undefined) argv.push("USER", filters.user);
    if (filters.addr !== undefined) argv.push("ADDR", filters.addr);
    if (filters.laddr !== undefined) argv.push("LADDR", filters.laddr);
    if (filters.skipme !== undefined) argv.push("SKIPME", filters.skipme ? "yes" : "no");
    if (filters.maxage !== undefined) argv.push("MAXAGE", filters.maxage);
    if (argv.length === 2) {
      return Promise.reject(
        new TypeError(`clientKill() needs one of ${KILL_FILTERS.join(", ")}`),
      );
    }
    return this.sendCommand<RespValue>(argv, filters).then((reply) =>
      integer(reply, false) as number
    );
  }

  /**
   * `CONFIG GET parameter [parameter ...]`: configuration parameters, as a plain object by
   * default, or a `Map` with `asMap: true` (RESP2 sends a flat array, RESP3 a map).
   *
   * @typeParam O The options' type, which decides between an object and a `Map`.
   * @param parameters One name or glob-style pattern, or a list of them.
   * @param options `asMap`, timeout, abort signal.
   * @returns Each matching parameter with its value.
   *
   * @example Two parameters
   * ```ts ignore
   * const config = await redis.configGet(["maxmemory", "maxmemory-policy"]);
   * console.log(config["maxmemory"]);
   * ```
   */
  configGet<O extends ConfigGetOptions = NoOptions>(
    parameters: OneOrMany<RedisArgument>,
    options?: O,
  ): Promise<ConfigReply<O>> {
    return this.sendCommand<RespValue>(pushAll(["CONFIG", "GET"], parameters), options).then(
      (reply) => {
        const out = new Map<string, string>();
        for (const [k, v] of map(reply)) out.set(text(k), text(v));
        return (options?.asMap ? out : Object.fromEntries(out)) as ConfigReply<O>;
      },
    );
  }

  /**
   * `CONFIG SET parameter value [parameter value ...]`: changes configuration parameters (all
   * or none).
   *
   * @param parameters Names and values: a record, a `Map` or pairs.
   * @param options Buffers, timeout, abort signal.
   * @returns `"OK"`.
   *
   * @example Setting a limit
   * ```ts ignore
   * assert.equal(await redis.configSet({ maxmemory: "100mb" }), "OK");
   * ```
   */
  configSet(parameters: Entries, options?: CommandOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["CONFIG", "SET"];
    pushEntries(argv, parameters);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `DBSIZE`: the number of keys in the selected database.
   *
   * @param options Buffers, timeout, abort signal.
   * @returns The number of keys.
   *
   * @example An empty database
   * ```ts ignore
   * await redis.flushdb();
   * assert.equal(await redis.dbsize(), 0);
   * ```
   */
  dbsize(options?: CommandOptions): Promise<number> {
    return this.sendCommand<number>(["DBSIZE"], options);
  }

  /**
   * `ECHO message`: the message, back from the server.
   *
   * @typeParam O The options' type, which decides between strings and bytes.
   * @param message The message.
   * @param options Buffers, timeout, abort signal.
   * @returns The message.
   *
   * @example An echo
   * ```ts ignore
   * assert.equal(await redis.echo("hi"), "hi");
   * ```
   */
  echo<O extends CommandOptions = NoOptions>(
    message: RedisArgument,
    options?: O,
  ): Promise<BulkString<O>> {
    return this.sendCommand<BulkString<O>>(["ECHO", message], options);
  }

  /**
   * `FLUSHALL [ASYNC | SYNC]`: deletes every key of every database.
   *
   * @param options `mode`, and the command options.
   * @returns `"OK"`.
   *
   * @example Starting afresh
   * ```ts ignore
   * assert.equal(await redis.flushall(), "OK");
   * ```
   */
  flushall(options?: FlushOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["FLUSHALL"];
    if (options?.mode !== undefined) argv.push(options.mode);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `FLUSHDB [ASYNC | SYNC]`: deletes every key of the selected database.
   *
   * @param options `mode`, and the command options.
   * @returns `"OK"`.
   *
   * @example Emptying the database
   * ```ts ignore
   * assert.equal(await redis.flushdb({ mode: "SYNC" }), "OK");
   * ```
   */
  flushdb(options?: FlushOptions): Promise<"OK"> {
    const argv: RedisArgument[] = ["FLUSHDB"];
    if (options?.mode !== undefined) argv.push(options.mode);
    return this.sendCommand<"OK">(argv, options);
  }

  /**
   * `INFO [section [section ...]]`: the server's report, as text in both protocols (RESP3 sends
   * a verbatim string).
   *
   * @param sections One section (`server`, `memory`, `all`, …) or a list; none for the default.
   * @param options Buffers, timeout, abort signal.
   * @returns The report: `# Section` headers and `field:value` lines.
   *
   * @example The server's version
   * ```ts ignore
   * const version = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1];
   * ```
   */
  info(sections?: OneOrMany<RedisArgument>, options?: CommandOptions): Promise<string> {
    const argv: RedisArgument[] = ["INFO"];
    if (sections !== undefined) pushAll(argv, sections);
    return this.sendCommand<RespValue>(argv, options).then(text);
  }

  /**
   * `PING [message]`: checks the connection.
   *
   * @typeParam O The options' type, which decides between strings and bytes for a message.
   * @param message A message to get back instead of `PONG`.
   * @param options Buffers, timeout, abort signal.
   * @returns `"PONG"`, or the message.
   *
   * @example A round trip
   * ```ts ignore
   * assert.equal(await redis.ping(), "PONG");
   * ```
   */
  ping<O extends CommandOptions = NoOptions>(
    message?: RedisArgument,
    options?: O,
  ): Promise<string | BulkString<O>> {
    const argv: RedisArgument[] = message === undefined ? ["PING"] : ["PING", message];
    return this.sendCommand<string | BulkString<O>>(argv, options);
  }
}
