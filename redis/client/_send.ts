// Sending and queueing: how a command, a batch or a pub/sub command reaches the live connection,
// or waits in the offline queue while there is none, and how the queue is handed to a new
// connection (after the subscriptions, in order). Also where a command whose connection was lost
// goes back to wait.

import type { CommandOptions } from "../commands/command_sender.ts";
import { classify } from "../commands/classify.ts";
import { checkArgv } from "../context/_argv.ts";
import { keyOf } from "../context/_pubsub.ts";
import { ConnectionClosedError, OfflineQueueFullError, TimeoutError } from "../errors.ts";
import type { RedisArgument } from "../resp/types.ts";
import { blockingTimeoutMs, NOT_BLOCKING } from "./_blocking.ts";
import type { ClientState } from "./_client_state.ts";
import { Command, promiseFor } from "./_command.ts";
import { refuseModeCommand } from "./_core.ts";
import { arm, armBlocking, beforeBlocking } from "./_deadlines.ts";
import { Block, type OfflineItem, type Overflow } from "./_offline_queue.ts";
import { ADMIT_BOUND, S_OTHER, S_QUIT, sessionCode } from "./_session.ts";
import { PLAIN, PubSubSettle } from "./_settle.ts";
import { askClientId } from "./_unblock.ts";
import type { Connection } from "./connection.ts";

/** How many names one resubscription command carries at most. */
const RESUBSCRIBE_CHUNK = 1024;

/** Sends one command: on the live connection, else through the offline queue. */
export function send<T>(
  state: ClientState,
  argv: readonly RedisArgument[],
  options: CommandOptions | undefined,
): Promise<T> {
  if (!state.life.live) return sendOffline<T>(state, argv, options);
  const context = state.connection!.context;
  if (!context.accepting) return Promise.reject(state.refusal(context.error));
  const entry = new Command(options?.returnBuffers ?? state.resolved.returnBuffers, PLAIN);
  const promise = promiseFor<T>(entry);
  let blocking = NOT_BLOCKING;
  try {
    prepare(state, entry, argv, options);
    blocking = blockingTimeoutMs(argv, entry.kind);
    if (blocking !== NOT_BLOCKING && !entry.bound) askClientId(state.sink!);
    context.submit(entry, argv);
  } catch (error) {
    entry.abandoned = true;
    entry.release();
    return Promise.reject(error);
  }
  if (blocking !== NOT_BLOCKING) armBlocking(state, entry, blocking);
  return promise;
}

/** A command issued while no connection is live: into the offline queue, or refused. */
function sendOffline<T>(
  state: ClientState,
  argv: readonly RedisArgument[],
  options: CommandOptions | undefined,
): Promise<T> {
  const entry = new Command(options?.returnBuffers ?? state.resolved.returnBuffers, PLAIN);
  const promise = promiseFor<T>(entry);
  try {
    state.checkOpen("send a command");
    checkArgv(argv);
    prepare(state, entry, argv, options);
    enqueue(state, entry);
  } catch (error) {
    entry.abandoned = true;
    entry.release();
    return Promise.reject(error);
  }
  return promise;
}

/**
 * What every plain command goes through before it is queued: the mode and session rules, its
 * timeout and signal. Throws what refuses it (an already aborted signal among them).
 */
function prepare(
  state: ClientState,
  entry: Command,
  argv: readonly RedisArgument[],
  options: CommandOptions | undefined,
): void {
  const kind = classify(argv);
  refuseModeCommand(argv, kind);
  entry.kind = kind;
  const code = sessionCode(argv, kind);
  if (code !== S_OTHER || state.session.inMulti) admit(state, entry, code);
  const commandTimeoutMs = state.resolved.commandTimeoutMs;
  if (
    options !== undefined && (options.timeoutMs !== undefined || options.signal !== undefined)
  ) {
    const aborted = arm(
      state,
      entry,
      options.timeoutMs === undefined ? withDefaultTimeout(state, argv, options) : options,
      giveUp,
    );
    if (aborted !== undefined) throw aborted;
  } else if (commandTimeoutMs !== undefined) {
    arm(state, entry, withDefaultTimeout(state, argv, {}), giveUp);
  }
  entry.args = argv;
}

/** `options` with the client's `commandTimeoutMs`, unless `argv` blocks on purpose. */
function withDefaultTimeout(
  state: ClientState,
  argv: readonly RedisArgument[],
  options: CommandOptions,
): CommandOptions {
  const timeoutMs = state.resolved.commandTimeoutMs;
  if (timeoutMs === undefined || blockingTimeoutMs(argv) !== NOT_BLOCKING) return options;
  return { ...options, timeoutMs };
}

/** Queues commands as one block (`transaction`: MULTI … EXEC, never split). */
export function submitBatch(
  state: ClientState,
  entries: Command[],
  argvs: readonly (readonly RedisArgument[])[],
  transaction: boolean,
  promises: readonly (Promise<unknown> | undefined)[] = [],
): void {
  if (entries.length !== argvs.length) {
    throw new TypeError(
      `Cannot queue a batch of ${entries.length} entries with ${argvs.length} commands`,
    );
  }
  state.checkOpen("send a batch");
  // [observe] the members' keys prefixed, each member traced (redis/observe/).
  const observer = state.observer;
  if (observer !== undefined && observer.active) {
    argvs = observer.batch(entries.map((_, i) => ({ promise: promises[i] })), argvs, transaction);
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const argv = argvs[i]!;
    entry.args = argv;
    const kind = entry.kind ??= classify(argv);
    if (!transaction) {
      const code = sessionCode(argv, kind);
      if (code !== S_OTHER || state.session.inMulti) admit(state, entry, code);
    }
  }
  if (state.life.live) {
    const context = state.connection!.context;
    if (!context.accepting) throw state.refusal(context.error);
    if (!transaction) beforeBlocking(state, entries);
    context.submitBatch(entries, argvs);
    if (!transaction) { for (const entry of entries) armBlocking(state, entry); }
    return;
  }
  enqueue(state, new Block(entries, transaction));
}

/** Applies the session rules to a command about to be queued; throws when it is refused. */
function admit(state: ClientState, entry: Command, code: number): void {
  const verdict = state.session.admit(code);
  if (verdict instanceof Error) throw verdict;
  if (verdict === ADMIT_BOUND) entry.bound = true;
  if (code === S_QUIT) state.life.on({ type: "quit" });
}

/** Puts an item in the offline queue; throws when there is none or it is full. */
export function enqueue(state: ClientState, item: OfflineItem): void {
  const offline = state.offline;
  const lastError = state.life.lastError;
  if (offline === undefined) {
    throw new ConnectionClosedError(
      `Cannot send a command: the client is ${state.life.state} and its offline queue is off`,
      lastError === undefined ? undefined : { cause: lastError },
    );
  }
  const overflow = offline.push(item);
  if (overflow !== undefined) throw fullError(overflow, state.life.state);
  offline.arm(item, state.timerHandle(), (expired) => expire(state, expired));
}

/** An item waited in the offline queue for `offlineQueue.timeoutMs`: it fails, never sent. */
function expire(state: ClientState, item: OfflineItem): void {
  const timeoutMs = state.offline!.timeoutMs;
  const lastError = state.life.lastError;
  const error = new TimeoutError(
    `The command was not sent: no connection was ready within ${timeoutMs} ms`,
    { timeoutMs, ...(lastError === undefined ? {} : { cause: lastError }) },
  );
  const entries = item instanceof Block ? item.entries : [item];
  for (const entry of entries) entry.settle.fail(entry, error);
}

/**
 * A command (or block) whose connection was lost, back into the offline queue: `true`, or
 * `false` when the client will not send it again, or the error to fail it with.
 */
export function requeue(state: ClientState, item: OfflineItem): boolean | Error {
  const offline = state.offline;
  const life = state.life;
  if (
    state.resolved.reconnect === undefined || offline === undefined || !life.everReady ||
    life.quitting || life.ending
  ) {
    return false;
  }
  if (offline.requeueRefusal !== undefined) return offline.requeueRefusal;
  const overflow = offline.push(item);
  if (overflow !== undefined) {
    offline.requeueRefusal = fullError(overflow, "reconnecting");
    return offline.requeueRefusal;
  }
  state.resent += item instanceof Block ? item.entries.length : 1;
  offline.arm(item, state.timerHandle(), (expired) => expire(state, expired));
  return true;
}

/** Hands the offline queue to `context`, in order. */
export function flush(state: ClientState, context: Connection<Command>["context"]): void {
  const offline = state.offline;
  if (offline === undefined || offline.length === 0) return;
  const items = offline.drain();
  for (const item of items) {
    if (item instanceof Block) {
      const entries = item.entries;
      if (entries.every((entry) => entry.abandoned)) continue; // given up while it waited
      if (!item.transaction) beforeBlocking(state, entries);
      try {
        context.submitBatch(entries, entries.map((entry) => entry.args!));
      } catch (error) {
        for (const entry of entries) entry.settle.fail(entry, error as Error);
        continue;
      }
      if (!item.transaction) { for (const entry of entries) armBlocking(state, entry); }
      continue;
    }
    if (item.abandoned) continue; // its caller gave up while it waited
    const pubsub = item.settle.pubsub;
    if (pubsub === undefined) beforeBlocking(state, [item]);
    try {
      if (pubsub === undefined) context.submit(item, item.args!);
      else if (pubsub.subscribe) context.subscribe(item, pubsub.kind, pubsub.names);
      else context.unsubscribe(item, pubsub.kind, pubsub.names);
    } catch (error) {
      item.settle.fail(item, error as Error);
      continue;
    }
    armBlocking(state, item);
  }
}

/** Subscribes a new connection to every name that has subscriptions, before anything else. */
export function resubscribe(state: ClientState, context: Connection<Command>["context"]): void {
  const names = state.registry.names();
  for (const kind of ["channel", "pattern", "shard"] as const) {
    const list = names[kind];
    for (let at = 0; at < list.length; at += RESUBSCRIBE_CHUNK) {
      const chunk = list.slice(at, at + RESUBSCRIBE_CHUNK);
      const pubsub = { kind, names: chunk, subscribe: true };
      const entry = new Command(false, new PubSubSettle(state.registry, pubsub, undefined, true));
      try {
        context.subscribe(entry, kind, chunk);
      } catch (error) {
        for (const name of chunk) state.registry.unsubscribed(kind, keyOf(name), error as Error);
      }
    }
  }
}

/**
 * What a plain command does when its timer fires or its signal aborts. It is never sent again,
 * so its arguments go now: one still waiting unencoded (in the offline queue or the context's
 * backlog) is dropped without them when its turn comes.
 */
function giveUp(entry: Command, error: Error): void {
  if (entry.abandoned) return;
  entry.abandoned = true;
  entry.release();
  entry.args = undefined;
  entry.argv = undefined;
  entry.reject(error);
}

function fullError(overflow: Overflow, state: string): OfflineQueueFullError {
  return new OfflineQueueFullError(
    `Cannot queue the command: the client is ${state} and its offline queue holds ` +
      `${overflow.limit} ${overflow.unit} already`,
    overflow,
  );
}
