/**
 * Seeing what a Redis client does: command tracing through `node:diagnostics_channel`
 * ({@linkcode COMMAND_CHANNEL}, a tracing channel with one {@linkcode CommandTraceContext} per
 * command; {@linkcode CONNECTION_CHANNEL} for connect, ready, reconnect and close), debug logging
 * (the `debug` option or `DRAY_DEBUG=redis`, see {@linkcode DebugSink}), and the conveniences
 * `keyPrefix` ({@linkcode prefixKeys}) and {@linkcode redactArguments}. Nothing is built while
 * nobody subscribes.
 *
 * @example Tracing the commands of a client
 * ```ts
 * import diagnostics from "node:diagnostics_channel";
 * import { COMMAND_CHANNEL, type CommandTraceContext, connect } from "@dray/dray/redis";
 * import { startServer } from "@dray/dray/redis/testing";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const channel = diagnostics.tracingChannel<unknown, CommandTraceContext>(COMMAND_CHANNEL);
 * const handlers = {
 *   start() {},
 *   end() {},
 *   asyncStart() {},
 *   asyncEnd(context: CommandTraceContext) {
 *     seen.push(`${context.command} ${context.durationMs! >= 0}`);
 *   },
 *   error() {},
 * };
 * channel.subscribe(handlers);
 * try {
 *   await using server = await startServer();
 *   await using client = await connect(server.url);
 *   await client.set("k", "v");
 * } finally {
 *   channel.unsubscribe(handlers);
 * }
 * assert.deepEqual(seen, ["SET true"]);
 * ```
 *
 * @module
 */
export {
  COMMAND_CHANNEL,
  type CommandTraceContext,
  CONNECTION_CHANNEL,
  type ConnectionTraceMessage,
} from "./channels.ts";
export type { DebugSink } from "./debug.ts";
export { prefixKeys } from "./key_prefix.ts";
export type { ObserveOptions } from "./options.ts";
export { redactArguments } from "./redact.ts";
