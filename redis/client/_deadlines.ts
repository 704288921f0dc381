// What bounds a command in time: its own `timeoutMs` and `signal` (in the command's extras, made
// only for commands that have them), a blocking command's deadline (its server-side timeout plus
// `blockingGraceMs`), and the unblocking of a blocking command nobody waits for any more.

import type { CommandOptions } from "../commands/command_sender.ts";
import { AbortError, ConnectionClosedError, TimeoutError } from "../errors.ts";
import { blockingTimeoutMs, FOREVER, NOT_BLOCKING } from "./_blocking.ts";
import type { ClientState } from "./_client_state.ts";
import { type Command, commandName, extrasOf } from "./_command.ts";
import { openConnection } from "./_open_connection.ts";
import { checkTimeout } from "./_resolve_options.ts";
import { askClientId, unblock, type UnblockHost } from "./_unblock.ts";
import { Connection } from "./connection.ts";

/**
 * Starts a command's timer and abort listener; on either, `onGiveUp` settles it. Returns the
 * error to reject with at once when the signal has already aborted.
 */
export function arm(
  state: ClientState,
  entry: Command,
  options: CommandOptions,
  onGiveUp: (entry: Command, error: Error) => void,
): Error | undefined {
  const { timeoutMs, signal } = options;
  if (timeoutMs !== undefined) checkTimeout("timeoutMs", timeoutMs);
  if (signal?.aborted) {
    return new AbortError("The command was aborted before it was sent", { cause: signal.reason });
  }
  const extras = extrasOf(entry);
  if (signal !== undefined) {
    extras.signal = signal;
    extras.onAbort = () => {
      onGiveUp(entry, new AbortError("The command was aborted", { cause: signal.reason }));
      unblockStuck(state, false); // when a blocking command nobody waits for holds the connection
    };
    signal.addEventListener("abort", extras.onAbort, { once: true });
  }
  if (timeoutMs !== undefined) {
    extras.timer = state.timerHandle().scheduleTimer(timeoutMs, () => {
      extras.timer = undefined;
      onGiveUp(entry, new TimeoutError(`No reply within ${timeoutMs} ms`, { timeoutMs }));
      const sink = state.sink;
      if (sink !== undefined && sink.tracked.size > 0) {
        unblockStuck(state, false); // when a blocking command nobody waits for holds it
        return; // silent on purpose: no liveness watch
      }
      // A stalled server must not keep the connection for good (see _liveness.ts).
      if (state.life.live) {
        const floorMs = state.resolved.blockingGraceMs;
        state.liveness.watch(state.connection!, sink!, timeoutMs, floorMs, state.timerHandle());
      }
    });
  }
  return undefined;
}

/**
 * Before blocking commands are queued on the live connection: its id is asked first, so that
 * one nobody waits for any more can be unblocked (see _unblock.ts).
 */
export function beforeBlocking(state: ClientState, entries: readonly Command[]): void {
  for (const entry of entries) {
    const argv = entry.args;
    if (argv === undefined || entry.bound) continue;
    if (blockingTimeoutMs(argv, entry.kind) === NOT_BLOCKING) continue;
    askClientId(state.sink!);
    return;
  }
}

/**
 * A blocking command on the live connection: counted, and watched past its timeout. (Not
 * inside MULTI, where the server does not block.)
 */
export function armBlocking(state: ClientState, entry: Command, blocking?: number): void {
  const argv = entry.args;
  if (argv === undefined || entry.abandoned || entry.bound) return;
  const ms = blocking ?? blockingTimeoutMs(argv, entry.kind);
  if (ms === NOT_BLOCKING) return;
  const connection = state.connection!;
  state.sink!.track(entry);
  if (ms === FOREVER) return;
  const grace = state.resolved.blockingGraceMs;
  const extras = extrasOf(entry);
  extras.deadline = state.timerHandle().scheduleTimer(ms + grace, () => {
    extras.deadline = undefined;
    if (connection.context.state === "closed") return;
    connection.context.destroy(
      new ConnectionClosedError(
        `No reply to ${commandName(entry)} within its timeout of ${ms} ms plus ${grace} ms: ` +
          "the connection is taken for dead",
      ),
    );
  }, { unref: true });
}

/**
 * Unblocks the blocking commands at the head of the connection that nobody waits for (`all`:
 * every blocking command, for `close()`).
 */
export function unblockStuck(state: ClientState, all: boolean): void {
  const sink = state.sink;
  if (sink === undefined || sink.tracked.size === 0) return;
  const running = unblock(sink, unblockHost(state), all);
  state.unblocks.add(running);
  running.finally(() => state.unblocks.delete(running));
}

function unblockHost(state: ClientState): UnblockHost {
  return {
    openSide: async (sink) => {
      if (state.life.state === "closed") throw new ConnectionClosedError("The client is closed");
      const side = new Connection<Command>(sink, state.connectionOptions());
      state.sides.add(side);
      side.finished.then(() => state.sides.delete(side));
      try {
        await openConnection(state, side, "side");
      } catch (error) {
        side.context.destroy(error as Error);
        await side.finished;
        throw error;
      }
      return side;
    },
    delay: (ms) =>
      new Promise<void>((resolve) => {
        if (state.life.state === "closed") {
          resolve();
          return;
        }
        state.timerHandle().scheduleTimer(ms, resolve);
        state.finished.then(() => resolve());
      }),
  };
}
