import type { PushHandler, RedisArgument, RespReaderOptions, RespValue } from "../resp/types.ts";
import type { HandshakeOptions } from "./handshake.ts";

/**
 * Where a connection is in its life:
 *
 * - `connecting`: no byte stream yet; commands wait, unencoded, in order.
 * - `handshaking`: the stream is open and the handshake (HELLO, AUTH, SETNAME, SELECT) runs;
 *   commands still wait.
 * - `ready`: commands are encoded and written as they come.
 * - `closing`: `close()` was called: no new commands; those already accepted still get their
 *   replies, then the connection ends.
 * - `closed`: the end. Every command has settled.
 *
 * @example
 * ```ts
 * import type { ContextState } from "@dray/dray/redis";
 *
 * const state: ContextState = "ready";
 * ```
 */
export type ContextState = "connecting" | "handshaking" | "ready" | "closing" | "closed";

/**
 * How replies are routed. In `normal` mode each reply answers the oldest command waiting for one.
 * (Subscribed and monitor modes, where replies also go to message handlers, come with pub/sub.)
 *
 * @example
 * ```ts
 * import type { ContextMode } from "@dray/dray/redis";
 *
 * const mode: ContextMode = "normal";
 * ```
 */
export type ContextMode = "normal";

/**
 * What a {@linkcode Context} needs to know about each command it queues. The owner (the client)
 * decides what the entry is; the context only reads these two fields.
 *
 * @example
 * ```ts
 * import type { ContextEntry } from "@dray/dray/redis";
 *
 * const entry: ContextEntry = { buffers: false, abandoned: false, argv: undefined };
 * ```
 */
export interface ContextEntry {
  /** Read this command's reply with bulk strings as `Uint8Array`. */
  readonly buffers: boolean;
  /**
   * A slot the context uses: the command's arguments while it waits unencoded (`undefined`
   * otherwise). The owner initialises it to `undefined` and leaves it alone.
   */
  argv?: readonly RedisArgument[] | undefined;
  /**
   * The caller gave up on the command (a timeout, an abort) and its owner already settled it. A
   * command not yet encoded when this becomes `true` is dropped without being sent, and without
   * a sink call; one already encoded still consumes its reply (the sink hears it), which keeps
   * later replies in step.
   */
  readonly abandoned: boolean;
}

/**
 * Receives what happens to each queued command. Each entry gets exactly one call, `reply` or
 * `fail` — none when it was abandoned before it was encoded.
 *
 * @typeParam E The entry type.
 *
 * @example A sink that records outcomes
 * ```ts
 * import type { ContextEntry, ContextSink, RespValue } from "@dray/dray/redis";
 *
 * const outcomes: unknown[] = [];
 * const sink: ContextSink<ContextEntry> = {
 *   reply: (_entry, value: RespValue) => void outcomes.push(value),
 *   fail: (_entry, error: Error) => void outcomes.push(error),
 * };
 * ```
 */
export interface ContextSink<E> {
  /**
   * The command's reply, in order. An error reply is a `ReplyError` value; it answers this
   * command only.
   */
  reply(entry: E, value: RespValue): void;
  /**
   * The command will never get a reply. `error` is the reason the connection ended (shared by
   * every command it fails), or a `TypeError` when a command that waited unencoded could not be
   * encoded. `written` says whether all its bytes were handed to the transport (so the server
   * may have run it); `false` means the server cannot have run it.
   */
  fail(entry: E, error: Error, written: boolean): void;
  /** A RESP3 push (`>`) outside any subscription, e.g. a client-tracking invalidation. */
  push?: PushHandler | undefined;
}

/**
 * What a {@linkcode Context} asks of the I/O around it. The context calls these synchronously;
 * an adapter maps them onto a loop and a transport.
 *
 * @example
 * ```ts
 * import type { ContextIo } from "@dray/dray/redis";
 *
 * let wantsWrite = false;
 * const io: ContextIo = {
 *   wantWrite: () => void (wantsWrite = true),
 *   ready: () => {},
 *   end: () => {},
 * };
 * ```
 */
export interface ContextIo {
  /** There are bytes to write: call `Context.take()` when the stream can take them. */
  wantWrite(): void;
  /** The handshake completed; `protocol` is the RESP version in use. */
  ready(protocol: 2 | 3): void;
  /**
   * The connection is over: close the stream. `error` is `undefined` after a clean close, else
   * the first error, which every pending command was failed with.
   */
  end(error: Error | undefined): void;
}

/**
 * Options for a {@linkcode Context}: the handshake, the write-buffer bound and the reader's
 * bounds.
 *
 * @example
 * ```ts
 * import type { ContextOptions } from "@dray/dray/redis";
 *
 * const options: ContextOptions = { protocol: 3, db: 1, maxBufferedBytes: 64 * 1024 };
 * ```
 */
export interface ContextOptions extends HandshakeOptions {
  /**
   * The high-water mark of the encoded-bytes buffer (default 128 KiB). Commands are encoded as
   * they come until the buffer holds this many bytes not yet handed to the transport; later ones
   * wait unencoded, in order, until it drains. One command larger than the mark is still encoded
   * whole, alone. Byte arguments of 64 KiB or more are never copied into the buffer: they are
   * handed to the transport from the caller's own array.
   */
  maxBufferedBytes?: number;
  /** Bounds for the reply reader (`maxDepth`, `maxElements`, `maxBulkLength`, `maxLineLength`). */
  reader?: Omit<RespReaderOptions, "onPush" | "returnBuffers" | "pushBuffers">;
  /** Read RESP3 pushes with bulk strings as `Uint8Array` (default `false`). */
  pushBuffers?: boolean;
}

/**
 * Counters of a {@linkcode Context}, for tests and monitoring.
 *
 * @example
 * ```ts
 * import type { ContextStats } from "@dray/dray/redis";
 *
 * const stats: ContextStats = {
 *   writes: 1,
 *   bytesWritten: 28,
 *   peakBufferedBytes: 28,
 *   replies: 2,
 *   inFlight: 0,
 *   waiting: 0,
 * };
 * ```
 */
export interface ContextStats {
  /** How many buffers were handed to the transport (one per tick while commands flow). */
  readonly writes: number;
  /** How many bytes were handed to the transport, the handshake's included. */
  readonly bytesWritten: number;
  /** The most encoded bytes ever waiting at once to be handed to the transport. */
  readonly peakBufferedBytes: number;
  /** How many replies were received, the handshake's included. */
  readonly replies: number;
  /** Commands encoded and waiting for their replies. */
  readonly inFlight: number;
  /** Commands waiting unencoded (for the handshake, or for the write buffer to drain). */
  readonly waiting: number;
}
