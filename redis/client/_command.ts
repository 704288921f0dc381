// The record a client queues in the Context for each command: one per command, holding the
// resolving functions of the command's one promise. No closure is made per command unless it has
// a timeout or a signal.

import type { LoopTimer } from "../../loop/types.ts";
import type { ContextEntry } from "../context/types.ts";
import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

/** Receives the outcome of a command that belongs to a pipeline or a transaction. */
export interface Group {
  reply(entry: Command, value: RespValue): void;
  fail(entry: Command, error: Error): void;
}

/** A command's timer and abort listener, made only for commands that have them. */
export class Guard {
  timer: LoopTimer | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
}

export class Command implements ContextEntry {
  buffers: boolean;
  abandoned = false;
  argv: readonly RedisArgument[] | undefined = undefined;
  resolve: (value: unknown) => void = noop;
  reject: (error: Error) => void = noop;
  /** The pipeline or transaction it belongs to; `undefined` for a plain command. */
  group: Group | undefined = undefined;
  /** Its position in the group. */
  index = 0;
  /** The promise, kept for group members only (to mark it handled when it rejects). */
  promise: Promise<unknown> | undefined = undefined;
  guard: Guard | undefined = undefined;
  /** For a subscribe command: the subscription its confirmations activate. */
  owner: unknown = undefined;

  constructor(buffers: boolean) {
    this.buffers = buffers;
  }

  /** Drops the timer and the abort listener, if any. */
  release(): void {
    const guard = this.guard;
    if (guard === undefined) return;
    this.guard = undefined;
    guard.timer?.cancel();
    if (guard.onAbort !== undefined) guard.signal!.removeEventListener("abort", guard.onAbort);
  }
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

/**
 * Rejects a group member's promise, marked as handled: a caller who only awaits `exec()` must not
 * get an unhandled rejection for a command they never awaited.
 */
export function rejectMember(command: Command, error: Error): void {
  command.promise?.catch(noop);
  command.reject(error);
}

/** Settles a group member with its reply (an error reply rejects). */
export function settleMember(command: Command, value: RespValue): void {
  if (value instanceof ReplyError) rejectMember(command, value);
  else command.resolve(value);
}

export { toStrings } from "../context/_to_strings.ts";
