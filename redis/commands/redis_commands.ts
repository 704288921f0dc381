import { ServerCommands } from "./server.ts";

/**
 * The typed command methods shared by `RedisClient`, pipelines and transactions: one method per
 * Redis 7.0 command, each a thin call to {@linkcode CommandSender.sendCommand}, so they work the
 * same on every surface (in a pipeline or a transaction the promise settles when the batch
 * runs).
 *
 * - **Names**: the command in lower case; a subcommand, or a word after `-` or `_`, starts with
 *   a capital: `get`, `set`, `clientSetname` (`CLIENT SETNAME`), `xgroupCreate`, `evalRo`
 *   (`EVAL_RO`), `restoreAsking` (`RESTORE-ASKING`).
 * - **Hand-written families** (keys, strings, hashes, lists, sets, sorted sets, streams,
 *   scripting, server): real parameters, an options object last that also takes the
 *   {@linkcode CommandOptions}, and replies normalised to one shape in RESP2 and RESP3
 *   (`HGETALL` and `CONFIG GET` give a `Map`, scores are numbers, `SMEMBERS` an array…). A
 *   method whose reply holds bulk strings gives `Uint8Array`s with `returnBuffers: true`, and
 *   its type says so.
 * - **Every other command** ({@linkcode GeneratedCommands}, generated from the server's
 *   `COMMAND DOCS`): its required single arguments as parameters, the rest of its grammar as
 *   `...args`, optionally ending with a `CommandOptions` object; the reply as sent.
 * - **Not here**: commands that change the connection's mode or state (pub/sub, `MONITOR`,
 *   `MULTI`/`EXEC`/`DISCARD`, `HELLO`, `AUTH`, `SELECT`, `RESET`, `QUIT`, `CLIENT REPLY`,
 *   `SCRIPT DEBUG`, `SYNC`, `PSYNC`): the client offers them its own way.
 * - **Blocking commands** (`BLPOP`, `BLMOVE`, `BZPOPMIN`, `XREAD`/`XREADGROUP` with `block`,
 *   `WAIT`…) hold their connection until they are answered, and every command sent after them
 *   on it waits: give them a dedicated connection.
 * - **Helpers that send more than one command** (`runScript`, the `*scanIterator`s) wait for
 *   one reply before sending the next command: they are not for pipelines or transactions.
 *
 * @example Any sender gets every method
 * ```ts
 * import { type RedisArgument, RedisCommands, type RespValue } from "@dray/dray/redis";
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
export abstract class RedisCommands extends ServerCommands {}
