/**
 * The errors of dray's Redis client that a caller is meant to catch. Every one extends
 * {@linkcode RedisError}, so `error instanceof RedisError` tells Redis trouble apart from misuse
 * (`TypeError`, `RangeError`) and from anything else.
 *
 * @module
 */

/**
 * The base class of every error that dray's Redis code reports for a caller to handle. It adds
 * nothing to `Error`; it exists so that one `instanceof` check covers the whole family.
 *
 * @example Telling Redis errors from the rest
 * ```ts
 * import { RedisError, ReplyError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new ReplyError("ERR unknown command 'FOO'");
 * assert.ok(error instanceof RedisError);
 * ```
 */
export class RedisError extends Error {
  /**
   * Makes an error with a message and, optionally, a cause.
   *
   * @param message What went wrong.
   * @param options The standard `Error` options (`cause`).
   *
   * @example Making a Redis error
   * ```ts
   * import { RedisError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisError("Connection lost").name, "RedisError");
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An error reply sent by the server: a simple error (`-WRONGTYPE Operation against…`) or a blob
 * error (`!`). `RespReader.next()` returns it as a value, never throws it, because it answers one
 * command and the connection stays usable; the client rejects that command's promise with it.
 *
 * `message` is the server's text without the leading `-`; `code` is its first word (`ERR`,
 * `WRONGTYPE`, `MOVED`, `NOSCRIPT`…), or the whole text when it has no space.
 *
 * @example Reading the code of an error reply
 * ```ts
 * import { ReplyError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new ReplyError("MOVED 3999 127.0.0.1:6381");
 * assert.equal(error.code, "MOVED");
 * assert.equal(error.message, "MOVED 3999 127.0.0.1:6381");
 * ```
 */
export class ReplyError extends RedisError {
  /** The first word of the message: `ERR`, `WRONGTYPE`, `MOVED`, `ASK`, `NOSCRIPT`, `LOADING`… */
  readonly code: string;

  /**
   * Makes an error reply from the server's text (without the leading `-`).
   *
   * @param message The error text as the server sent it.
   * @param options The standard `Error` options (`cause`).
   *
   * @example Deriving the code
   * ```ts
   * import { ReplyError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ReplyError("NOSCRIPT No matching script").code, "NOSCRIPT");
   * ```
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }
}

/**
 * A reply that arrived whole and in step but cannot be handed over as text: a string in it is
 * longer than a JavaScript string can be (V8's limit is 2^29 − 24 UTF-16 units, just under
 * 512 MiB), as when a 512 MiB value is read without `returnBuffers`. Read that command's reply
 * with `returnBuffers: true` to get its bytes.
 *
 * The server did not send it. It extends {@linkcode ReplyError} because it behaves as one:
 * `RespReader.next()` returns it as a value in place of the reply, the client rejects only the
 * command that reply answers (an `EXEC` reply holding such a string rejects the transaction), and
 * the connection stays usable. Inside a push, it takes the place of the string alone. Its `code`
 * is `DECODE`.
 *
 * @example A string too long to decode
 * ```ts
 * import { ReplyDecodeError, ReplyError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new ReplyDecodeError("A bulk string of 536870912 bytes is too long to decode");
 * assert.ok(error instanceof ReplyError);
 * assert.equal(error.code, "DECODE");
 * ```
 */
export class ReplyDecodeError extends ReplyError {
  /** Always `DECODE`: no server sends this error. */
  override readonly code: string = "DECODE";
}

/**
 * Options for {@linkcode ProtocolError}.
 *
 * @example Options with an offset
 * ```ts
 * import { ProtocolError, type ProtocolErrorOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const cause = new Error("socket said so");
 * const options: ProtocolErrorOptions = { offset: 12, cause };
 * assert.equal(new ProtocolError("Unexpected byte", options).cause, cause);
 * ```
 */
export interface ProtocolErrorOptions extends ErrorOptions {
  /** Position in the byte stream (counted from the first byte fed) where the input went wrong. */
  offset: number;
}

/**
 * The byte stream is not valid RESP, or breaks one of the reader's bounds (nesting depth,
 * aggregate size, bulk or line length). The stream cannot be trusted after this: the reader
 * refuses further input until `reset()`, and the client closes the connection and rejects what
 * is pending.
 *
 * @example Where the stream went wrong
 * ```ts
 * import { ProtocolError, RespReader } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reader = new RespReader();
 * reader.feed(new TextEncoder().encode("+OK\r\n@oops\r\n"));
 * assert.equal(reader.next(), "OK");
 * assert.throws(() => reader.next(), (error) => error instanceof ProtocolError && error.offset === 5);
 * ```
 */
export class ProtocolError extends RedisError {
  /** Position in the byte stream (counted from the first byte fed) where the input went wrong. */
  readonly offset: number;

  /**
   * Makes a protocol error at a stream position.
   *
   * @param message What is wrong, with the offending bytes quoted.
   * @param options The stream `offset`, and optionally a `cause`.
   *
   * @example Making a protocol error
   * ```ts
   * import { ProtocolError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new ProtocolError("Unknown type byte \"@\"", { offset: 3 }).offset, 3);
   * ```
   */
  constructor(message: string, options: ProtocolErrorOptions) {
    super(message, options);
    this.offset = options.offset;
  }
}

/**
 * Options for {@linkcode HandshakeError}.
 *
 * @example
 * ```ts
 * import type { HandshakeErrorOptions } from "@dray/dray/redis";
 *
 * const options: HandshakeErrorOptions = { command: "HELLO" };
 * ```
 */
export interface HandshakeErrorOptions extends ErrorOptions {
  /** The handshake command whose reply was wrong: `HELLO`, `PING`, `AUTH`, `CLIENT SETNAME`… */
  command: string;
}

/**
 * The peer answered a handshake command with a reply no Redis server gives: HELLO with something
 * other than a map saying `proto` 3, PING with something other than `PONG`, AUTH, CLIENT SETNAME
 * or SELECT with something other than `OK`. Whatever answered is not a Redis server speaking to
 * this client — often a socket connected to itself (a TCP connect to a free port in the ephemeral
 * range can, rarely, meet itself and then echo every byte sent), or another protocol on the port.
 * `connect()` rejects with it; the connection is closed. The message describes the reply's shape,
 * never the password.
 *
 * @example Telling a wrong peer apart
 * ```ts
 * import { HandshakeError, RedisError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new HandshakeError("Cannot connect: HELLO was answered with an array", {
 *   command: "HELLO",
 * });
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.command, "HELLO");
 * ```
 */
export class HandshakeError extends RedisError {
  /** The handshake command whose reply was wrong. */
  readonly command: string;

  /**
   * Makes the error.
   *
   * @param message What was wrong, for people.
   * @param options The command, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { HandshakeError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new HandshakeError("Wrong reply", { command: "PING" }).name, "HandshakeError");
   * ```
   */
  constructor(message: string, options: HandshakeErrorOptions) {
    super(message, options);
    this.command = options.command;
  }
}

/**
 * The connection closed, or was never open, before the command got its reply: the client was
 * closed or destroyed, the server closed the connection, or a read or write failed. `cause` holds
 * what happened underneath (an I/O error, the first error that ended the connection) when there
 * is one. A command that was written may or may not have run on the server.
 *
 * @example Telling a lost connection from an error reply
 * ```ts
 * import { ConnectionClosedError, RedisError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new ConnectionClosedError("The client is closed");
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.name, "ConnectionClosedError");
 * ```
 */
export class ConnectionClosedError extends RedisError {}

/**
 * Options for {@linkcode OutcomeUnknownError}.
 *
 * @example
 * ```ts
 * import type { OutcomeUnknownErrorOptions } from "@dray/dray/redis";
 *
 * const options: OutcomeUnknownErrorOptions = { command: "INCR" };
 * ```
 */
export interface OutcomeUnknownErrorOptions extends ErrorOptions {
  /** The name of the command whose reply was lost, as it was sent (`INCR`, `EXEC`…). */
  command: string;
}

/**
 * The connection was lost after the command was written and before its reply arrived: the
 * server may have run it, or not. The client never sends such a command again on its own (only
 * read-only commands are retried, when the client's `retryReadOnly` allows it); read the data
 * back to find out, or make the command idempotent. `cause` is what ended the connection (an end
 * of stream, a read or write error, a `ProtocolError`, a health check that got no answer…).
 *
 * It extends {@linkcode ConnectionClosedError}, so code that handles a lost connection handles
 * it too; check for it first where a write's fate matters.
 *
 * @example Telling an unknown outcome from a command that was never sent
 * ```ts
 * import { ConnectionClosedError, OutcomeUnknownError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new OutcomeUnknownError("The connection was lost after INCR was sent", {
 *   command: "INCR",
 * });
 * assert.ok(error instanceof ConnectionClosedError);
 * assert.equal((error as OutcomeUnknownError).command, "INCR");
 * ```
 */
export class OutcomeUnknownError extends ConnectionClosedError {
  /** The name of the command whose reply was lost, as it was sent. */
  readonly command: string;

  /**
   * Makes an unknown-outcome error.
   *
   * @param message What was lost, and when.
   * @param options The command's name, and the `cause`.
   *
   * @example
   * ```ts
   * import { OutcomeUnknownError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const error = new OutcomeUnknownError("Lost", { command: "SET", cause: new Error("EOF") });
   * assert.equal(error.name, "OutcomeUnknownError");
   * ```
   */
  constructor(message: string, options: OutcomeUnknownErrorOptions) {
    super(message, options);
    this.command = options.command;
  }
}

/**
 * Options for {@linkcode OfflineQueueFullError}.
 *
 * @example
 * ```ts
 * import type { OfflineQueueFullErrorOptions } from "@dray/dray/redis";
 *
 * const options: OfflineQueueFullErrorOptions = { limit: 10_000, unit: "commands" };
 * ```
 */
export interface OfflineQueueFullErrorOptions extends ErrorOptions {
  /** The bound that was reached. */
  limit: number;
  /** What the bound counts: `commands`, or the `bytes` of their arguments. */
  unit: "commands" | "bytes";
}

/**
 * A command was issued while the client had no connection ready (connecting, or reconnecting
 * after a loss) and its offline queue was full: `limit` commands, or `limit` bytes of
 * arguments, were already waiting. The command was not queued and never sent. (A command that
 * was waiting in a connection that died and does not fit in the queue gets it too: it was never
 * sent.)
 *
 * @example
 * ```ts
 * import { OfflineQueueFullError, RedisError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new OfflineQueueFullError("The offline queue is full", {
 *   limit: 100,
 *   unit: "commands",
 * });
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.unit, "commands");
 * ```
 */
export class OfflineQueueFullError extends RedisError {
  /** The bound that was reached. */
  readonly limit: number;
  /** What the bound counts. */
  readonly unit: "commands" | "bytes";

  /**
   * Makes an offline-queue-full error.
   *
   * @param message Which bound was reached.
   * @param options The bound, its unit, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { OfflineQueueFullError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new OfflineQueueFullError("Full", { limit: 1, unit: "bytes" }).limit, 1);
   * ```
   */
  constructor(message: string, options: OfflineQueueFullErrorOptions) {
    super(message, options);
    this.limit = options.limit;
    this.unit = options.unit;
  }
}

/**
 * Options for {@linkcode TimeoutError}.
 *
 * @example
 * ```ts
 * import type { TimeoutErrorOptions } from "@dray/dray/redis";
 *
 * const options: TimeoutErrorOptions = { timeoutMs: 500 };
 * ```
 */
export interface TimeoutErrorOptions extends ErrorOptions {
  /** The time limit that ran out, in milliseconds. */
  timeoutMs: number;
}

/**
 * A command's `timeoutMs` ran out before its reply arrived. A command that was already written
 * still consumes its reply when it comes (so later replies stay in step); the server may have run
 * it. A command still waiting to be written is never sent.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new TimeoutError("No reply within 500 ms", { timeoutMs: 500 });
 * assert.equal(error.timeoutMs, 500);
 * ```
 */
export class TimeoutError extends RedisError {
  /** The time limit that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Makes a timeout error.
   *
   * @param message What timed out, and after how long.
   * @param options The time limit, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { TimeoutError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TimeoutError("Too slow", { timeoutMs: 1 }).name, "TimeoutError");
   * ```
   */
  constructor(message: string, options: TimeoutErrorOptions) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/**
 * A command's `AbortSignal` aborted before its reply arrived; `cause` is the signal's reason. As
 * with {@linkcode TimeoutError}, a command already written still consumes its reply, and one not
 * yet written is never sent.
 *
 * @example
 * ```ts
 * import { AbortError, RedisError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new AbortError("The command was aborted", { cause: "user left" });
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.cause, "user left");
 * ```
 */
export class AbortError extends RedisError {}

/**
 * A transaction was not run because a key it `WATCH`ed changed first: `EXEC` answered with a null
 * reply and nothing was applied. `exec()` resolves with `null`; the promise of each command queued
 * in the transaction rejects with this error.
 *
 * @example
 * ```ts
 * import { RedisError, WatchError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new WatchError("A watched key changed") instanceof RedisError);
 * ```
 */
export class WatchError extends RedisError {}

/**
 * Options for {@linkcode SubscriberOverflowError}.
 *
 * @example
 * ```ts
 * import type { SubscriberOverflowErrorOptions } from "@dray/dray/redis";
 *
 * const options: SubscriberOverflowErrorOptions = { limit: 10_000 };
 * ```
 */
export interface SubscriberOverflowErrorOptions extends ErrorOptions {
  /** How many messages (or MONITOR events) the subscriber may hold unread. */
  limit: number;
}

/**
 * A subscriber read its messages (or a monitor its events) more slowly than they arrived, and
 * `maxQueued` of them were waiting unread when another came. The subscription ended: the
 * messages already queued are still yielded, then the iterator throws this error; the messages
 * after it were not kept. (With `overflow: "drop"` the subscription drops new messages instead,
 * and counts them.)
 *
 * @example
 * ```ts
 * import { RedisError, SubscriberOverflowError } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const error = new SubscriberOverflowError("Too many unread messages", { limit: 100 });
 * assert.ok(error instanceof RedisError);
 * assert.equal(error.limit, 100);
 * ```
 */
export class SubscriberOverflowError extends RedisError {
  /** How many messages the subscriber could hold unread. */
  readonly limit: number;

  /**
   * Makes an overflow error.
   *
   * @param message What overflowed.
   * @param options The limit, and optionally a `cause`.
   *
   * @example
   * ```ts
   * import { SubscriberOverflowError } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new SubscriberOverflowError("Full", { limit: 1 }).name, "SubscriberOverflowError");
   * ```
   */
  constructor(message: string, options: SubscriberOverflowErrorOptions) {
    super(message, options);
    this.limit = options.limit;
  }
}
