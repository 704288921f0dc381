import type { RedisArgument, RespValue } from "../resp/types.ts";

/**
 * Per-command options, accepted by `sendCommand` and every typed command method.
 *
 * @example
 * ```ts
 * import type { CommandOptions } from "@dray/dray/redis";
 *
 * const options: CommandOptions = { returnBuffers: true, timeoutMs: 500 };
 * ```
 */
export interface CommandOptions {
  /** Return bulk strings as `Uint8Array` instead of decoding them as UTF-8. */
  returnBuffers?: boolean;
  /** Reject with `TimeoutError` when no reply arrived within this many milliseconds. */
  timeoutMs?: number;
  /** Reject with `AbortError` when this signal aborts before the reply arrives. */
  signal?: AbortSignal;
}

/**
 * What every command surface is built on: something that sends one command and resolves with its
 * reply. `RedisClient`, pipelines and transactions implement it; the typed command methods of
 * {@linkcode RedisCommands} call it.
 *
 * @example A sender that answers every command locally
 * ```ts
 * import { type RedisArgument, type RespValue } from "@dray/dray/redis";
 * import { CommandSender } from "@dray/dray/redis/commands";
 * import assert from "node:assert/strict";
 *
 * class Echo extends CommandSender {
 *   get protocol(): 2 | 3 {
 *     return 3;
 *   }
 *   sendCommand<T = RespValue>(argv: readonly RedisArgument[]): Promise<T> {
 *     return Promise.resolve(String(argv.at(-1)) as T);
 *   }
 * }
 * assert.equal(await new Echo().sendCommand(["ECHO", "hi"]), "hi");
 * ```
 */
export abstract class CommandSender {
  /** The RESP version the connection speaks, which decides reply shapes (e.g. maps in RESP3). */
  abstract get protocol(): 2 | 3;

  /**
   * Sends one command.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments.
   * @param options Buffers, timeout, abort signal.
   * @returns The reply; a server error reply rejects with `ReplyError`.
   */
  abstract sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T>;

  /**
   * Whether commands are queued and answered only when a batch runs (a pipeline, a
   * transaction): helpers that need a reply before they go on (`runScript`'s fallback) send
   * differently then.
   *
   * @returns `false` here; `true` for pipelines and transactions.
   */
  get batched(): boolean {
    return false;
  }
}
