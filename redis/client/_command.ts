// The record a client queues in the Context for each command: one per command, holding the
// resolving functions of the command's one promise and how it settles (its `settle` strategy,
// chosen when it is made: see _settle.ts). What only some commands need (a timeout or signal, a
// blocking command's deadline, a retry count) lives in `extras`, made only for them: no closure
// and no extra object for a plain command.

import type { LoopTimer } from "../../loop/types.ts";
import type { CommandClass } from "../commands/classify.ts";
import type { ContextEntry, PubSubKind } from "../context/types.ts";
import { classify } from "../commands/classify.ts";
import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

/** What a settle strategy asks of the client when a command's connection was lost. */
export interface LossHost {
  /**
   * Puts a command whose connection was lost back in the offline queue: `true` when queued,
   * `false` when the client does not requeue now (no reconnect, closing, no offline queue), or
   * the error to reject it with (the queue is full).
   */
  requeue(entry: Command): boolean | Error;
  /**
   * Puts a whole block back in the offline queue: `true` when queued, `false` when the client
   * does not requeue now, or the error to fail it with (the queue is full).
   */
  requeueBlock(entries: Command[]): boolean | Error;
  /**
   * The error for a command that was written and whose reply was lost: an
   * `OutcomeUnknownError` whose `cause` is `error`, or `error` itself when the server said why it
   * hung up (a protocol error reply to an earlier command: it ran nothing sent after that).
   */
  unknown(entry: Command, error: Error): Error;
  /** How many times a written read-only command may be sent again. */
  readonly retryReadOnly: number;
}

/** A `(P|S)(UN)SUBSCRIBE` command, kept so it can be sent again on a new connection. */
export interface PubSubCommand {
  readonly kind: PubSubKind;
  readonly names: readonly (string | Uint8Array)[];
  readonly subscribe: boolean;
}

/**
 * How a command settles, chosen when it is made: a plain command's promise, a member of a
 * pipeline or transaction (the group decides), the client's own commands, the subscribe
 * family. Each entry gets exactly one of `reply`, `fail` or `lost` from the client.
 */
export interface Settle {
  /** For the subscribe family: what to send again on a new connection. */
  readonly pubsub?: PubSubCommand | undefined;
  /** The command's reply arrived (an error reply is a `ReplyError` value). */
  reply(entry: Command, value: RespValue): void;
  /** The command fails with `error` (not encodable, expired, the client ended, destroyed). */
  fail(entry: Command, error: Error): void;
  /**
   * The connection was lost with the command pending (`written`: all its bytes were handed to
   * the transport): the strategy requeues it or fails it.
   */
  lost(entry: Command, error: Error, written: boolean, host: LossHost): void;
}

/** What only some commands carry: made by `extrasOf` the first time one is needed. */
export class Extras {
  /** The command's own `timeoutMs` timer. */
  timer: LoopTimer | undefined = undefined;
  /** The command's own `signal`, and the listener on it. */
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  /** A blocking command queued on a connection (counted by that connection's sink). */
  blocking = false;
  /** A blocking command's deadline (its own timeout plus a grace), while on a connection. */
  deadline: LoopTimer | undefined = undefined;
  /** How many times it was sent again after a connection was lost with its reply. */
  retries = 0;
}

export class Command implements ContextEntry {
  buffers: boolean;
  abandoned = false;
  argv: readonly RedisArgument[] | undefined = undefined;
  resolve: (value: unknown) => void = noop;
  reject: (error: Error) => void = noop;
  /** How it settles (a group's members get their group's when it is executed). */
  settle: Settle;
  /** The command as sent, kept to send it again on a new connection. */
  args: readonly RedisArgument[] | undefined = undefined;
  /** Its class from the catalog, found once when it was issued. */
  kind: CommandClass | undefined = undefined;
  /**
   * Bound to its connection's state (inside `MULTI`, or a `WATCH`): never sent again on
   * another connection.
   */
  bound = false;
  /** Its position in its pipeline or transaction. */
  index = 0;
  /** Timeouts, signal, blocking state and retries: only for commands that have them. */
  extras: Extras | undefined = undefined;

  constructor(buffers: boolean, settle: Settle = PLAIN) {
    this.buffers = buffers;
    this.settle = settle;
  }

  /** Drops the timer and the abort listener, if any. */
  release(): void {
    const extras = this.extras;
    if (extras === undefined) return;
    const timer = extras.timer;
    if (timer !== undefined) {
      extras.timer = undefined;
      timer.cancel();
    }
    const onAbort = extras.onAbort;
    if (onAbort !== undefined) {
      extras.onAbort = undefined;
      extras.signal!.removeEventListener("abort", onAbort);
    }
  }
}

/** The extras of `command`, made now when it had none. */
export function extrasOf(command: Command): Extras {
  return command.extras ??= new Extras();
}

function noop(): void {}

let target: Command | undefined;

function capture(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  target!.resolve = resolve;
  target!.reject = reject;
}

/** The command's promise; its resolving functions go into the record (no closure per call). */
export function promiseFor<T>(command: Command): Promise<T> {
  target = command;
  const promise = new Promise<unknown>(capture);
  target = undefined;
  return promise as Promise<T>;
}

/** The command's name, upper case, for messages. */
export function commandName(entry: Command): string {
  const name = entry.args?.[0];
  if (typeof name === "string") return name.toUpperCase();
  if (name instanceof Uint8Array) return new TextDecoder().decode(name).toUpperCase();
  return String(name);
}

/** Settles a plain command with `error`, once (its caller may have given up already). */
export function rejectOnce(entry: Command, error: Error): void {
  if (entry.abandoned) return;
  entry.abandoned = true;
  entry.release();
  entry.reject(error);
}

/**
 * What happens to a command whose connection was lost (for a strategy with no rule of its own):
 * never written, it waits for the next connection; written and read-only, it is sent again
 * `retryReadOnly` times; written and anything else, it fails with `OutcomeUnknownError`. A command
 * bound to its connection (MULTI, WATCH) is never sent again; (un)subscribing twice changes
 * nothing, so the subscribe family always waits for the next connection.
 */
export function settleLost(entry: Command, error: Error, written: boolean, host: LossHost): void {
  if (entry.abandoned) return;
  const pubsub = entry.settle.pubsub !== undefined;
  let again = false;
  if (pubsub) again = true;
  else if (!entry.bound) {
    if (!written) again = true;
    else {
      const retries = entry.extras?.retries ?? 0;
      if (retries < host.retryReadOnly && (entry.kind ?? classify(entry.args ?? [])).readonly) {
        extrasOf(entry).retries = retries + 1;
        again = true;
      }
    }
  }
  if (again) {
    const queued = host.requeue(entry);
    if (queued === true) return;
    if (queued instanceof Error) {
      entry.settle.fail(entry, queued);
      return;
    }
  }
  entry.settle.fail(entry, written && !pubsub ? host.unknown(entry, error) : error);
}

/** A plain command: its promise resolves with the reply, rejects with an error reply. */
export const PLAIN: Settle = {
  reply(entry: Command, value: RespValue): void {
    if (entry.abandoned) return;
    if (entry.extras !== undefined) entry.release();
    if (value instanceof ReplyError) entry.reject(value);
    else entry.resolve(value);
  },
  fail: rejectOnce,
  lost: settleLost,
};

export { toStrings } from "../context/_to_strings.ts";
