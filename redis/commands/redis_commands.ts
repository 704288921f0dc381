import { CommandSender } from "./command_sender.ts";

/**
 * The typed command methods shared by `RedisClient`, pipelines and transactions: one method per
 * Redis 7.0 command, each a thin call to {@linkcode CommandSender.sendCommand}.
 *
 * @example
 * ```ts
 * import { RedisCommands } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof RedisCommands, "function");
 * ```
 */
export abstract class RedisCommands extends CommandSender {}
