/**
 * The command surface: {@linkcode CommandSender} (send one command) and {@linkcode RedisCommands}
 * (a typed method per Redis command on top of it).
 *
 * @example
 * ```ts
 * import { CommandSender, RedisCommands } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.ok(RedisCommands.prototype instanceof CommandSender);
 * ```
 *
 * @module
 */
export * from "./command_sender.ts";
export * from "./redis_commands.ts";
