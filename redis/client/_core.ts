// What pipelines and transactions need from their client, kept off the client's public surface:
// a client holds its engine under the `ENGINE` symbol, and `new Pipeline(client)` takes the
// engine's core from there.

import type { CommandOptions } from "../commands/command_sender.ts";
import {
  classify,
  type CommandClass,
  R_CLIENT_REPLY,
  R_NONE,
  R_PUBSUB,
} from "../commands/classify.ts";
import type { RedisArgument } from "../resp/types.ts";
import { Command } from "./_command.ts";
import { PLAIN } from "./_settle.ts";

export interface ClientCore {
  /** The RESP version in use (or asked for, before the handshake). */
  readonly protocol: 2 | 3;
  /** The client's default for `returnBuffers`. */
  readonly returnBuffers: boolean;
  /**
   * Queues commands as one block (`transaction`: MULTI … EXEC, never split); throws TypeError,
   * ConnectionClosedError or OfflineQueueFullError.
   */
  submitBatch(
    entries: Command[],
    argvs: readonly (readonly RedisArgument[])[],
    transaction: boolean,
    promises?: readonly (Promise<unknown> | undefined)[],
  ): void;
  /**
   * A transaction block is about to be queued: `"lost"` when its WATCH was lost with a
   * connection (it must not run), `"watched"` when it runs under a WATCH, else `"plain"`.
   */
  transaction(): "lost" | "watched" | "plain";
  /**
   * Starts a command's timer and abort listener; on either, `giveUp` settles it. Returns the
   * error to reject with at once when the signal has already aborted.
   */
  arm(
    entry: Command,
    options: CommandOptions,
    giveUp: (entry: Command, error: Error) => void,
  ): Error | undefined;
  /** The client's `commandTimeoutMs`: the default time limit of a whole `exec()`. */
  readonly commandTimeoutMs: number | undefined;
}

/** The key under which a client holds its engine (whose `core` is a {@linkcode ClientCore}). */
export const ENGINE: unique symbol = Symbol("dray.client.engine");

/**
 * Refuses commands that would take replies out of the FIFO: the subscribe family and MONITOR
 * have methods of their own; `CLIENT REPLY OFF|SKIP` would leave commands without replies. Reads
 * the command's class, found once.
 */
export function refuseModeCommand(
  argv: readonly RedisArgument[],
  kind: CommandClass = classify(argv),
): void {
  const refusal = kind.refusal;
  if (refusal === R_NONE) return;
  const name = String(argv[0]);
  if (refusal === R_CLIENT_REPLY) {
    const mode = argv[2];
    if (typeof mode === "string" && mode.toUpperCase() !== "ON") {
      throw new TypeError(
        `Cannot send "CLIENT REPLY ${mode}": commands without replies would break reply order`,
      );
    }
    return;
  }
  if (refusal === R_PUBSUB) {
    throw new TypeError(
      `Cannot send "${name}" as a command: its confirmations route outside the reply order; ` +
        `use client.${kind.name}() (never inside a pipeline or MULTI)`,
    );
  }
  throw new TypeError(
    `Cannot send "${name}" as a command: use client.monitor(), which gives it a connection ` +
      "of its own",
  );
}

/**
 * Arms a whole-batch timeout and signal through a placeholder command. Returns the error to fail
 * with at once (an aborted signal), or a function that disarms, or `undefined`.
 */
export function armWhole(
  core: ClientCore,
  options: { timeoutMs?: number; signal?: AbortSignal },
  onGiveUp: (error: Error) => void,
): Error | (() => void) | undefined {
  const timeoutMs = options.timeoutMs ?? core.commandTimeoutMs;
  if (timeoutMs === undefined && options.signal === undefined) return undefined;
  const placeholder = new Command(false, PLAIN);
  const aborted = core.arm(
    placeholder,
    timeoutMs === undefined ? options : { ...options, timeoutMs },
    (_entry, error) => onGiveUp(error),
  );
  if (aborted !== undefined) return aborted;
  return () => placeholder.release();
}
