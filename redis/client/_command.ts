// The record a client queues in the Context for each command: one per command, holding the
// resolving functions of the command's one promise. No closure is made per command unless it has
// a timeout or a signal.

import type { LoopTimer } from "../../loop/types.ts";
import type { CommandClass } from "../commands/classify.ts";
import type { ContextEntry, PubSubKind } from "../context/types.ts";
import { ReplyError } from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

/** What a group asks of the client when its connection was lost (see `Group.lost`). */
export interface LossHost {
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
}

/** Receives the outcome of a command that belongs to a pipeline or a transaction. */
export interface Group {
  reply(entry: Command, value: RespValue): void;
  fail(entry: Command, error: Error): void;
  /**
   * The connection was lost with `entry` pending (`written`: all its bytes were handed to the
   * transport). A group that implements it decides for its whole block; without it, each
   * member is treated as a plain command.
   */
  lost?(entry: Command, error: Error, written: boolean, host: LossHost): void;
}

/** A command's timer and abort listener, made only for commands that have them. */
export class Guard {
  timer: LoopTimer | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
}

/** A `(P|S)(UN)SUBSCRIBE` command, kept so it can be sent again on a new connection. */
export interface PubSubCommand {
  readonly kind: PubSubKind;
  readonly names: readonly (string | Uint8Array)[];
  readonly subscribe: boolean;
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
  /** The command as sent, kept to send it again on a new connection. */
  args: readonly RedisArgument[] | undefined = undefined;
  /** For the subscribe family: what to send again. */
  pubsub: PubSubCommand | undefined = undefined;
  /** Its class from the catalog, found once when it was issued. */
  kind: CommandClass | undefined = undefined;
  /** How many times it was sent again after a connection was lost with its reply. */
  retries = 0;
  /**
   * Bound to its connection's state (inside `MULTI`, or a `WATCH`): never sent again on
   * another connection.
   */
  bound = false;
  /** Sent by the client itself (a health-check PING, a resubscription): never sent again. */
  internal = false;
  /** A blocking command queued on a connection (counted by that connection's sink). */
  blocking = false;
  /** A blocking command's deadline (its own timeout plus a grace), while on a connection. */
  deadline: LoopTimer | undefined = undefined;

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

/** The command's name, upper case, for messages. */
export function commandName(entry: Command): string {
  const name = entry.args?.[0];
  if (typeof name === "string") return name.toUpperCase();
  if (name instanceof Uint8Array) return new TextDecoder().decode(name).toUpperCase();
  return String(name);
}

export { toStrings } from "../context/_to_strings.ts";
