// The diagnostics channels dray publishes on (`node:diagnostics_channel`): one tracing channel per
// command, one plain channel for the connection's lifecycle. Nothing is built or published while
// a channel has no subscribers.

import diagnostics from "node:diagnostics_channel";

/**
 * The name of the tracing channel of commands: subscribe with
 * `diagnostics_channel.tracingChannel(COMMAND_CHANNEL).subscribe({ start, asyncEnd, error })`.
 * Its events are published as `tracing:dray:redis:command:start`, `:end`, `:asyncStart`,
 * `:asyncEnd` and `:error`, each with one {@linkcode CommandTraceContext} per command (the same
 * object from `start` to `asyncEnd`).
 *
 * @example
 * ```ts
 * import { COMMAND_CHANNEL } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.equal(COMMAND_CHANNEL, "dray:redis:command");
 * ```
 */
export const COMMAND_CHANNEL = "dray:redis:command";

/**
 * The name of the plain channel of connection lifecycle events: subscribe with
 * `diagnostics_channel.subscribe(CONNECTION_CHANNEL, (message) => …)`; each message is a
 * {@linkcode ConnectionTraceMessage}.
 *
 * @example
 * ```ts
 * import { CONNECTION_CHANNEL } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CONNECTION_CHANNEL, "dray:redis:connection");
 * ```
 */
export const CONNECTION_CHANNEL = "dray:redis:connection";

/**
 * What the command tracing channel carries for one command, from `start` to `asyncEnd`. Field
 * names follow the ones `ioredis:command` and `node-redis:command` use, so a subscriber written
 * for them maps easily. `durationMs` and `result` or `error` are set when the command settles,
 * before `error` (if it failed), `asyncStart` and `asyncEnd` are published.
 *
 * Commands of a pipeline or a transaction are traced one by one (not `MULTI` and `EXEC`
 * themselves), each with `batchMode` and `batchSize`; they all start at `exec()`.
 *
 * @example
 * ```ts
 * import type { CommandTraceContext } from "@dray/dray/redis";
 *
 * const context: CommandTraceContext = {
 *   command: "GET",
 *   database: 0,
 *   serverAddress: "127.0.0.1",
 *   serverPort: 6379,
 * };
 * ```
 */
export interface CommandTraceContext {
  /** The command's name in upper case, with its subcommand (`GET`, `CLIENT KILL`). */
  readonly command: string;
  /**
   * The arguments after the name as text, secrets as `***` (see `redactArguments`): only when
   * the client was made with `traceArguments: true`.
   */
  readonly args?: readonly string[];
  /** The database the client uses. */
  readonly database: number;
  /** The server: the connection's remote IP (or the host asked for, before it connects), or the unix socket path. */
  readonly serverAddress: string;
  /** The server's TCP port; `undefined` for a unix socket. */
  readonly serverPort: number | undefined;
  /** For a command of a pipeline or a transaction: which. */
  readonly batchMode?: "PIPELINE" | "MULTI";
  /** For a command of a pipeline or a transaction: how many commands it holds. */
  readonly batchSize?: number;
  /** From the call to the settling of the command's promise, in milliseconds. */
  durationMs?: number;
  /** The reply, once it resolved. */
  result?: unknown;
  /** The error it rejected with (a `ReplyError`, a `TimeoutError`…). */
  error?: unknown;
}

/**
 * A connection lifecycle event, as the {@linkcode CONNECTION_CHANNEL} publishes it: the client's
 * own events (see `RedisClientEventType`) with the server's address.
 *
 * @example
 * ```ts
 * import type { ConnectionTraceMessage } from "@dray/dray/redis";
 *
 * const message: ConnectionTraceMessage = {
 *   event: "reconnecting",
 *   serverAddress: "127.0.0.1",
 *   serverPort: 6379,
 *   attempt: 1,
 *   delayMs: 50,
 * };
 * ```
 */
export interface ConnectionTraceMessage {
  /** `connect`, `ready`, `error`, `close`, `reconnecting` or `end`. */
  readonly event: "connect" | "ready" | "error" | "close" | "reconnecting" | "end";
  /** The server (see {@linkcode CommandTraceContext.serverAddress}). */
  readonly serverAddress: string;
  /** The server's TCP port; `undefined` for a unix socket. */
  readonly serverPort: number | undefined;
  /** The attempt number since the client was last ready (0 for the first connection). */
  readonly attempt: number;
  /** For `reconnecting`: how long until the attempt. */
  readonly delayMs?: number;
  /** For `ready`: the RESP version. */
  readonly protocol?: 2 | 3;
  /** For `error`, `close`, `reconnecting` and `end`: what happened. */
  readonly error?: Error;
}

/** The command tracing channel. */
export const commandChannel: diagnostics.TracingChannel<unknown, CommandTraceContext> = diagnostics
  .tracingChannel(COMMAND_CHANNEL);

/** The connection lifecycle channel. */
export const connectionChannel: diagnostics.Channel<ConnectionTraceMessage> = diagnostics.channel(
  CONNECTION_CHANNEL,
) as diagnostics.Channel<ConnectionTraceMessage>;
