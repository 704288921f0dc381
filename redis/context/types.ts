import type { CommandClass } from "../commands/classify.ts";
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
 * import type { ContextState } from "@dray/dray/redis/protocol";
 *
 * const state: ContextState = "ready";
 * ```
 */
export type ContextState = "connecting" | "handshaking" | "ready" | "closing" | "closed";

/**
 * How replies are routed:
 *
 * - `normal`: each reply answers the oldest command waiting for one.
 * - `subscribed`: the connection has subscriptions (channels, patterns or shard channels), or a
 *   `(P|S)SUBSCRIBE` is on its way. Messages and confirmations go to the sink's pub/sub methods;
 *   replies still answer commands in order. Over RESP2 only `PING`, `QUIT`, `RESET` and the
 *   subscribe family may be sent (others are refused locally); over RESP3 any command may.
 * - `monitor`: `MONITOR` was accepted: each line goes to the sink's `monitor`, and only `QUIT` and
 *   `RESET` may be sent.
 *
 * @example
 * ```ts
 * import type { ContextMode } from "@dray/dray/redis/protocol";
 *
 * const mode: ContextMode = "subscribed";
 * ```
 */
export type ContextMode = "normal" | "subscribed" | "monitor";

/**
 * The three families of pub/sub: `channel` (`SUBSCRIBE`, `message`), `pattern` (`PSUBSCRIBE`,
 * `pmessage`) and `shard` (`SSUBSCRIBE`, `smessage`, Redis 7.0's sharded pub/sub).
 *
 * @example
 * ```ts
 * import type { PubSubKind } from "@dray/dray/redis/protocol";
 *
 * const kind: PubSubKind = "pattern";
 * ```
 */
export type PubSubKind = "channel" | "pattern" | "shard";

/**
 * What a {@linkcode Context} needs to know about each command it queues. The owner (the client)
 * decides what the entry is; the context only reads these two fields.
 *
 * @example
 * ```ts
 * import type { ContextEntry } from "@dray/dray/redis/protocol";
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
  /**
   * The command's class from the catalog, when its owner already found it
   * (`classify(argv)`): the context reads it instead of classifying the command again.
   */
  readonly kind?: CommandClass | undefined;
}

/**
 * Receives what happens to each queued command. Each entry gets exactly one call, `reply` or
 * `fail` — or `dropped` (when the sink has it) when it was abandoned before it was encoded.
 *
 * @typeParam E The entry type.
 *
 * @example A sink that records outcomes
 * ```ts
 * import type { RespValue } from "@dray/dray/redis";
 * import type { ContextEntry, ContextSink } from "@dray/dray/redis/protocol";
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
  /**
   * An entry abandoned before it was encoded was dropped: it was never sent and gets no other
   * call. (Optional: for owners that count what their connection carries.)
   */
  dropped?(entry: E): void;
  /**
   * A RESP3 push (`>`) that is not pub/sub traffic, e.g. a client-tracking invalidation. Its bulk
   * strings are `Uint8Array`s when the context's `pushBuffers` option is set, else strings.
   */
  push?: PushHandler | undefined;
  /**
   * A pub/sub message, for a name the connection is subscribed to.
   *
   * - `kind`: `channel` (`message`), `pattern` (`pmessage`) or `shard` (`smessage`).
   * - `key`: the subscribed name (the channel, or the pattern for `pmessage`) as a string of one
   *   char per byte, the same key {@linkcode ContextSink.subscribed} gave.
   * - `channel`, `pattern`: the bytes as sent (views that may share a pool, see `RespReader`).
   * - `message`: the payload's bytes; for `__redis__:invalidate` (client tracking redirected to
   *   this connection) an array of keys or `null`.
   */
  message?(
    kind: PubSubKind,
    key: string,
    channel: Uint8Array,
    message: RespValue,
    pattern: Uint8Array | undefined,
  ): void;
  /**
   * One confirmation of a `(P|S)SUBSCRIBE` queued with {@linkcode Context.subscribe}: the server
   * subscribed the connection to the name whose key is `key` (from here on its messages come);
   * `count` is the server's count. The entry's `reply` comes after its last confirmation.
   */
  subscribed?(entry: E, kind: PubSubKind, key: string, count: number): void;
  /**
   * One confirmation of a `(P|S)UNSUBSCRIBE`: the connection is no longer subscribed to `key`
   * (no message for it follows). `key` is `undefined` for the one confirmation of a bare
   * unsubscribe that found nothing subscribed. `entry` is `undefined` when the server
   * unsubscribed on its own (a shard channel whose slot moved away, in a cluster).
   */
  unsubscribed?(
    entry: E | undefined,
    kind: PubSubKind,
    key: string | undefined,
    count: number,
  ): void;
  /** One line of `MONITOR` output, as the server sent it. */
  monitor?(line: string): void;
  /**
   * `RESET` ran: the server dropped every subscription (without confirmations), left MONITOR,
   * and the connection speaks RESP2 on database 0 again.
   */
  reset?(): void;
}

/**
 * What a {@linkcode Context} asks of the I/O around it. The context calls these synchronously;
 * an adapter maps them onto a loop and a transport.
 *
 * @example
 * ```ts
 * import type { ContextIo } from "@dray/dray/redis/protocol";
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
 * import type { ContextOptions } from "@dray/dray/redis/protocol";
 *
 * const options: ContextOptions = { protocol: 3, db: 1, maxBufferedBytes: 64 * 1024 };
 * ```
 */
export interface ContextOptions extends HandshakeOptions {
  /**
   * The high-water mark of the encoded-bytes buffer (default 128 KiB). Commands are encoded as
   * they come until the buffer holds this many bytes not yet handed to the transport; later ones
   * wait unencoded, in order, until it drains. One command larger than the mark is still encoded
   * whole, alone. Byte arguments of 64 KiB or more do not go through the buffer: each is copied
   * once, when its command is encoded, into an array of its own that is handed to the transport,
   * so shrinking, transferring or reusing the caller's array afterwards cannot change the bytes
   * sent. (A byte argument whose buffer was detached before it was encoded fails its command
   * with a `TypeError`; nothing of it is written.)
   */
  maxBufferedBytes?: number;
  /**
   * Bounds for the reply reader (`maxDepth`, `maxElements`, `maxBulkLength`, `maxLineLength`,
   * `maxNumberLength`, `maxReplyBytes`, `maxReplyElements`; see `RespReaderOptions`). Breaking
   * one is a `ProtocolError` that fails the connection.
   */
  reader?: Omit<RespReaderOptions, "onPush" | "returnBuffers" | "pushBuffers">;
  /** Read RESP3 pushes with bulk strings as `Uint8Array` (default `false`). */
  pushBuffers?: boolean;
  /**
   * Commands to run right after the handshake, before any queued command, given the protocol
   * in use (e.g. `CLIENT TRACKING ON` for a RESP3 connection). They are part of the handshake:
   * an error reply to one fails the connection with that `ReplyError`.
   */
  setup?: (protocol: 2 | 3) => readonly (readonly RedisArgument[])[];
  /**
   * Whether the connection only becomes ready once the server has loaded its data set (default
   * `false`). A `PING` follows the handshake (HELLO and AUTH are served while a server loads,
   * data commands are not); a `LOADING` error reply to it fails the connection with that
   * `ReplyError`, and any other reply (`PONG`, or a refusal by an ACL) lets it go on. The client
   * sets it on reconnects, so that the commands queued while its server restarts wait until the
   * data set is back instead of failing with `LOADING`.
   */
  untilLoaded?: boolean;
}

/**
 * Counters of a {@linkcode Context}, for tests and monitoring.
 *
 * @example
 * ```ts
 * import type { ContextStats } from "@dray/dray/redis/protocol";
 *
 * const stats: ContextStats = {
 *   writes: 1,
 *   bytesWritten: 28,
 *   bytesRead: 7,
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
  /** How many bytes were read from the transport (fed to the context). */
  readonly bytesRead: number;
  /** The most encoded bytes ever waiting at once to be handed to the transport. */
  readonly peakBufferedBytes: number;
  /** How many replies were received, the handshake's included. */
  readonly replies: number;
  /** Commands encoded and waiting for their replies. */
  readonly inFlight: number;
  /** Commands waiting unencoded (for the handshake, or for the write buffer to drain). */
  readonly waiting: number;
}
