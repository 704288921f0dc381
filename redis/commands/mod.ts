/**
 * The command surface: {@linkcode CommandSender} (send one command) and {@linkcode RedisCommands}
 * (a typed method per Redis command on top of it), with the families it is built from, their
 * option and reply types, {@linkcode Script} for `runScript`, and the command table
 * ({@linkcode commandSpec}, {@linkcode commandFlags}, {@linkcode isReadOnlyCommand}) generated
 * from the server's `COMMAND INFO`.
 *
 * @example
 * ```ts
 * import { CommandSender, isReadOnlyCommand, RedisCommands } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * assert.ok(RedisCommands.prototype instanceof CommandSender);
 * assert.equal(typeof RedisCommands.prototype.hgetall, "function");
 * assert.equal(isReadOnlyCommand(["HGETALL", "user:1"]), true);
 * ```
 *
 * @module
 */
export * from "./command_sender.ts";
export * from "./types.ts";
export { GeneratedCommands } from "./_generated.ts";
export * from "./keys.ts";
export * from "./strings.ts";
export * from "./hashes.ts";
export * from "./list_types.ts";
export * from "./lists.ts";
export * from "./sets.ts";
export * from "./sort.ts";
export * from "./sorted_set_types.ts";
export * from "./sorted_sets.ts";
export * from "./sorted_set_ranges.ts";
export * from "./sorted_set_pops.ts";
export * from "./sorted_set_legacy_ranges.ts";
export * from "./reply_documents.ts";
export * from "./stream_types.ts";
export * from "./streams.ts";
export * from "./stream_groups.ts";
export type { InfoOptions, InfoReply } from "./info_replies.ts";
export * from "./scripting.ts";
export * from "./script.ts";
export * from "./define_script.ts";
export * from "./server.ts";
export * from "./bitmaps.ts";
export * from "./geo.ts";
export * from "./admin.ts";
export * from "./redis_commands.ts";
export * from "./command_flags.ts";
export * from "./catalog.ts";
export * from "./catalog_types.ts";
export { classify, type CommandClass } from "./classify.ts";
export type { BlockingRule } from "./_blocking_rule.ts";
export * from "./command_keys.ts";
