import type { RedisArgument } from "../resp/types.ts";
import { ContextEngine } from "./_engine.ts";
import type {
  ContextEntry,
  ContextIo,
  ContextMode,
  ContextOptions,
  ContextSink,
  ContextState,
  ContextStats,
  PubSubKind,
} from "./types.ts";

/**
 * One Redis connection's protocol engine, pure: no I/O, no timers, no promises. It holds the
 * reader, writer, reply FIFO, handshake and state, and talks to the world through a
 * {@linkcode ContextSink} (what happened to each command) and a {@linkcode ContextIo}.
 * Bytes go in with {@linkcode Context.feed} and out with {@linkcode Context.take}.
 *
 * The semantics are hiredis's `async.c`, with its defects fixed:
 *
 * - **FIFO.** Each reply answers the oldest command waiting (a {@linkcode Ring}); an error reply
 *   is that command's reply. **Handshake first**: commands wait, unencoded and in order, until
 *   the {@linkcode Handshake} succeeds; a failed handshake fails them all.
 * - **Bounded write buffer.** Commands are encoded as they come while the encoded bytes not yet
 *   taken stay under `maxBufferedBytes`; later ones wait unencoded and are encoded as
 *   {@linkcode Context.take} drains the buffer. Everything submitted in one tick leaves in one
 *   buffer when it fits.
 * - **Close versus destroy.** {@linkcode Context.close} ends cleanly once every accepted command
 *   has its reply; {@linkcode Context.destroy} fails everything pending at once (either takes
 *   effect after a delivery in progress returns, as in hiredis).
 * - **The first error wins.** The connection fails once, and every pending command (written or
 *   not) fails with that one error: a `ProtocolError` from the reader; a reply that arrives with
 *   no command waiting (a `ProtocolError`, or, for an error reply such as `-ERR max number of
 *   clients reached`, that `ReplyError`); a failed handshake's `ReplyError`; an end of stream or
 *   a read error (a `ConnectionClosedError` with the cause). An error reply is only ever its
 *   own command's reply: when the stream ends (or `ECONNRESET`) right after one after which the
 *   server closes (`-ERR Protocol error: …`; no other reply and no write in between, commands
 *   still pending), the rest fail with a `ConnectionClosedError` whose `cause` is that reply
 *   (the server said why it hung up, and ran nothing sent after).
 * - **Modes** ({@linkcode Context.mode}). In `normal` mode each reply answers the oldest
 *   command. {@linkcode Context.subscribe} and {@linkcode Context.unsubscribe} queue the
 *   subscribe family: their confirmations (replies over RESP2, pushes over RESP3) are matched name
 *   by name to the command waiting for them and reported to the sink's `subscribed` and
 *   `unsubscribed`, messages go to its `message`, and the connection is `subscribed` until nothing
 *   is subscribed or pending. Over RESP2 only `PING` (whose `*2 pong …` answer is handed to it as
 *   `PING` gives it in normal mode), `QUIT` and `RESET` may then be submitted; over RESP3 anything.
 *   {@linkcode Context.monitor} enters `monitor` mode, where lines go to the sink's `monitor` and
 *   only `QUIT` and `RESET` are accepted. `RESET` goes back to `normal` and RESP2. Other RESP3
 *   pushes go to the sink's `push` handler, never to a command.
 * - **Pub/sub frames are checked.** A frame of the wrong shape (`>1 message`), a confirmation
 *   nobody waits for, for another name than expected or with a count that is not an integer, a
 *   message for a name the connection is not subscribed to: each is a `ProtocolError` that fails
 *   the connection, like malformed RESP. Subscribing inside a queued `MULTI` is refused with a
 *   `TypeError` (the server would nest the confirmations in EXEC's reply).
 *
 * @typeParam E The entry type the owner queues with each command.
 *
 * @example Driving a connection with bytes, no server
 * ```ts
 * import { Context, type ContextEntry, type RespValue } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const replies: RespValue[] = [];
 * const context = new Context<ContextEntry>(
 *   { reply: (_entry, value) => void replies.push(value), fail: () => {} },
 *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
 *   { protocol: 2 },
 * );
 * context.submit({ buffers: false, abandoned: false }, ["GET", "k"]); // waits for the handshake
 * context.connected();
 * assert.equal(new TextDecoder().decode(context.take()), "*1\r\n$4\r\nPING\r\n");
 * context.feed(new TextEncoder().encode("+PONG\r\n"));
 * assert.equal(context.state, "ready");
 * assert.equal(new TextDecoder().decode(context.take()), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
 * context.feed(new TextEncoder().encode("$1\r\nv\r\n"));
 * assert.deepEqual(replies, ["v"]);
 * ```
 */
export class Context<E extends ContextEntry> {
  #engine: ContextEngine<E>; // the FIFO, the first error, close/destroy: see _engine.ts

  /**
   * Makes a context in the `connecting` state.
   *
   * @param sink Hears each command's reply or failure, and pushes.
   * @param io What the context asks of the I/O around it.
   * @param options The handshake, the write-buffer bound, the reader's bounds.
   * @throws {RangeError} When `maxBufferedBytes` is not a positive integer, or a bound or `db`
   * is out of range.
   * @throws {TypeError} When the handshake options are inconsistent.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * assert.equal(context.state, "connecting");
   * assert.equal(context.protocol, 3);
   * ```
   */
  constructor(sink: ContextSink<E>, io: ContextIo, options: ContextOptions = {}) {
    this.#engine = new ContextEngine(sink, io, options);
  }

  /**
   * Where the connection is in its life (see {@linkcode ContextState}).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.connected();
   * assert.equal(context.state, "handshaking");
   * ```
   */
  get state(): ContextState {
    return this.#engine.state;
  }

  /**
   * How replies are routed (see {@linkcode ContextMode}).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * assert.equal(context.mode, "normal");
   * ```
   */
  get mode(): ContextMode {
    return this.#engine.mode;
  }

  /**
   * The RESP version in use once the handshake is done; before, the one asked for.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   *   { protocol: 2 },
   * );
   * assert.equal(context.protocol, 2);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#engine.protocol;
  }

  /**
   * Whether {@linkcode Context.submit} takes commands: not after `close()`, nor once closed.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * assert.equal(context.accepting, true);
   * context.close();
   * assert.equal(context.accepting, false);
   * ```
   */
  get accepting(): boolean {
    return this.#engine.accepting;
  }

  /**
   * The error that ended the connection, or `undefined` (still open, or closed cleanly).
   *
   * @example
   * ```ts
   * import { ConnectionClosedError } from "@dray/dray/redis";
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.destroy();
   * assert.ok(context.error instanceof ConnectionClosedError);
   * ```
   */
  get error(): Error | undefined {
    return this.#engine.error;
  }

  /**
   * Counters: writes, bytes, the write buffer's peak, replies, commands waiting.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.connected();
   * context.take();
   * assert.equal(context.stats.writes, 1);
   * ```
   */
  get stats(): ContextStats {
    return this.#engine.stats;
  }

  /**
   * The byte stream is open: start the handshake. Its first commands are encoded and
   * {@linkcode ContextIo.wantWrite} is called.
   *
   * @returns `false` when the context was closed or destroyed meanwhile (the caller should close
   * the stream), else `true`.
   * @throws {TypeError} When called twice.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * assert.equal(context.connected(), true);
   * assert.equal(new TextDecoder().decode(context.take()), "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
   * ```
   */
  connected(): boolean {
    return this.#engine.connected();
  }

  /**
   * Queues a command. When the context is ready and the write buffer is under its bound, the
   * command is encoded at once; otherwise it waits, unencoded, behind the others, and `argv` is
   * read when it is encoded: leave the array and its byte arguments unchanged until the reply.
   *
   * @param entry The owner's record of the command, handed back to the sink with its outcome.
   * @param argv The command name and arguments.
   * @throws {TypeError} When `argv` cannot be encoded and is encoded at once (nothing is
   * queued). A command that waits is checked when it is encoded, and fails through the sink.
   * @throws {ConnectionClosedError} When the context does not accept commands (see
   * {@linkcode Context.accepting}).
   *
   * @example Commands of one tick in one buffer
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   *   { protocol: 2 },
   * );
   * context.connected();
   * context.take();
   * context.feed(new TextEncoder().encode("+PONG\r\n"));
   * context.submit({ buffers: false, abandoned: false }, ["INCR", "a"]);
   * context.submit({ buffers: false, abandoned: false }, ["INCR", "b"]);
   * assert.equal(context.take()!.length, 2 * 21);
   * assert.equal(context.take(), undefined);
   * ```
   */
  submit(entry: E, argv: readonly RedisArgument[]): void {
    this.#engine.submit(entry, argv);
  }

  /**
   * Queues commands as one block: they are encoded one after the other with nothing between them
   * (what `MULTI … EXEC` needs), a write buffer at a time when the block is large. As with
   * {@linkcode Context.submit}, the arrays are read when encoded: leave them unchanged. An entry
   * abandoned before the block starts to be encoded is left out of it; once the block has
   * started, every entry is encoded. A command that cannot be encoded fails through the sink and
   * is left out, so check the commands first when the block must be all or nothing.
   *
   * @param entries One entry per command.
   * @param argvs The commands, as many as `entries`.
   * @throws {TypeError} When the lengths differ (nothing is queued).
   * @throws {ConnectionClosedError} When the context does not accept commands.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * const entry = (): ContextEntry => ({ buffers: false, abandoned: false });
   * context.submitBatch([entry(), entry()], [["MULTI"], ["EXEC"]]);
   * assert.equal(context.stats.waiting, 1); // one block, waiting for the handshake
   * ```
   */
  submitBatch(entries: E[], argvs: readonly (readonly RedisArgument[])[]): void {
    this.#engine.submitBatch(entries, argvs);
  }

  /**
   * Queues `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE` with `names`. The server confirms each name
   * (duplicates included) in order: each confirmation reaches the sink's `subscribed` (from then
   * on the name's messages reach its `message`), and after the last one the entry gets `reply`
   * with the server's final count. An error reply (an ACL denial) is the entry's reply instead.
   * The connection is in `subscribed` mode from now until every subscription is gone.
   *
   * @param entry The owner's record of the command.
   * @param kind `channel`, `pattern` or `shard`.
   * @param names The channels or patterns, as strings (sent as UTF-8) or bytes.
   * @throws {TypeError} When `names` is empty or holds something else than strings and bytes,
   * inside `MULTI` (the server would queue the command and nest its confirmations in EXEC's
   * reply), or while monitoring.
   * @throws {ConnectionClosedError} When the context does not accept commands.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const events: unknown[] = [];
   * const context = new Context<ContextEntry>(
   *   {
   *     reply: (_entry, value) => void events.push(["reply", value]),
   *     fail: () => {},
   *     subscribed: (_entry, kind, key, count) => void events.push([kind, key, count]),
   *     message: (_kind, _key, channel, message) =>
   *       void events.push([new TextDecoder().decode(channel), new TextDecoder().decode(message as Uint8Array)]),
   *   },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   *   { protocol: 2 },
   * );
   * context.connected();
   * context.take();
   * context.feed(new TextEncoder().encode("+PONG\r\n"));
   * context.subscribe({ buffers: false, abandoned: false }, "channel", ["news"]);
   * assert.equal(context.mode, "subscribed");
   * context.take();
   * context.feed(new TextEncoder().encode(
   *   "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
   * ));
   * assert.deepEqual(events, [["channel", "news", 1], ["reply", 1], ["news", "hi"]]);
   * ```
   */
  subscribe(entry: E, kind: PubSubKind, names: readonly (string | Uint8Array)[]): void {
    this.#engine.subscribe(entry, kind, names);
  }

  /**
   * Queues `UNSUBSCRIBE`, `PUNSUBSCRIBE` or `SUNSUBSCRIBE`, exactly as the server runs it: with
   * names, one confirmation per name, subscribed or not; bare (no names), one confirmation per
   * name subscribed when it runs, or a single one with no name when there is none. Each
   * confirmation reaches the sink's `unsubscribed`; then the entry gets `reply` with the final
   * count. The connection leaves `subscribed` mode when nothing is subscribed and no
   * `(P|S)SUBSCRIBE` is pending.
   *
   * @param entry The owner's record of the command.
   * @param kind `channel`, `pattern` or `shard`.
   * @param names The names; none for a bare unsubscribe.
   * @throws {TypeError} When a name is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} When the context does not accept commands.
   *
   * @example A bare UNSUBSCRIBE with nothing subscribed
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const replies: unknown[] = [];
   * const context = new Context<ContextEntry>(
   *   { reply: (_entry, value) => void replies.push(value), fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   *   { protocol: 2 },
   * );
   * context.connected();
   * context.take();
   * context.feed(new TextEncoder().encode("+PONG\r\n"));
   * context.unsubscribe({ buffers: false, abandoned: false }, "channel");
   * assert.equal(new TextDecoder().decode(context.take()), "*1\r\n$11\r\nUNSUBSCRIBE\r\n");
   * context.feed(new TextEncoder().encode("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"));
   * assert.deepEqual(replies, [0]);
   * assert.equal(context.mode, "normal");
   * ```
   */
  unsubscribe(entry: E, kind: PubSubKind, names: readonly (string | Uint8Array)[] = []): void {
    this.#engine.unsubscribe(entry, kind, names);
  }

  /**
   * Queues `MONITOR`. Once the server accepts it (the entry's reply, `"OK"`), the context is in
   * `monitor` mode: every line the server streams reaches the sink's `monitor`, and only `QUIT`
   * and `RESET` may be sent (the server answers other commands, or refuses them, between lines
   * that look alike). A connection given to MONITOR is best dedicated to it: stop by closing it.
   *
   * @param entry The owner's record of the command.
   * @throws {TypeError} Inside `MULTI`, when monitoring already, or when subscribed.
   * @throws {ConnectionClosedError} When the context does not accept commands.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const lines: string[] = [];
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {}, monitor: (line) => void lines.push(line) },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   *   { protocol: 2 },
   * );
   * context.connected();
   * context.take();
   * context.feed(new TextEncoder().encode("+PONG\r\n"));
   * context.monitor({ buffers: false, abandoned: false });
   * assert.throws(() => context.submit({ buffers: false, abandoned: false }, ["GET", "k"]), TypeError);
   * context.take();
   * context.feed(new TextEncoder().encode('+OK\r\n+1700000000.000001 [0 127.0.0.1:5000] "GET" "k"\r\n'));
   * assert.equal(context.mode, "monitor");
   * assert.deepEqual(lines, ['1700000000.000001 [0 127.0.0.1:5000] "GET" "k"']);
   * ```
   */
  monitor(entry: E): void {
    this.#engine.monitor(entry);
  }

  /**
   * Bytes arrived from the stream: parse every complete reply and hand each to its command, in
   * order, in one tight loop. Bytes after the context closed are ignored.
   *
   * @param bytes The bytes read (copied; the caller may reuse its buffer).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * let protocol = 0;
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: (p) => void (protocol = p), end: () => {} },
   * );
   * context.connected();
   * context.feed(new TextEncoder().encode("%1\r\n+proto\r\n:3\r\n"));
   * assert.equal(protocol, 3);
   * ```
   */
  feed(bytes: Uint8Array): void {
    this.#engine.feed(bytes);
  }

  /**
   * The next bytes to hand to the transport, or `undefined` when there are none (then write
   * interest may be dropped until {@linkcode ContextIo.wantWrite}). Calling it again says that
   * the bytes returned before were handed over; until then they stay untouched. Commands that
   * waited for room in the write buffer are encoded here.
   *
   * @returns The bytes, or `undefined`.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * assert.equal(context.take(), undefined); // nothing before the handshake starts
   * ```
   */
  take(): Uint8Array | undefined {
    return this.#engine.take();
  }

  /**
   * The read side ended: `error` is `undefined` at end of stream, else the read error. After
   * `close()` with nothing pending this is the clean end; otherwise the connection fails (see
   * the first-error rule above).
   *
   * @param error The read error, if any.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError } from "@dray/dray/redis";
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const failures: Error[] = [];
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: (_entry, error) => void failures.push(error) },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.submit({ buffers: false, abandoned: false }, ["PING"]);
   * context.connected();
   * context.end();
   * assert.ok(failures[0] instanceof ConnectionClosedError);
   * ```
   */
  end(error?: Error): void {
    this.#engine.end(error);
  }

  /**
   * A write failed. Nothing more is written; the connection fails when the read side ends
   * (which also delivers any reply that arrived first, such as the error the server sent before
   * it hung up), or when the adapter gives up waiting and calls {@linkcode Context.end}.
   *
   * @param error The write error.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.connected();
   * context.writeFailed(new Error("broken pipe"));
   * assert.equal(context.take(), undefined);
   * ```
   */
  writeFailed(error: Error): void {
    this.#engine.writeFailed(error);
  }

  /**
   * Closes cleanly: no new commands; those accepted (written or waiting) still get their replies,
   * then {@linkcode ContextIo.end} is called with `undefined`. Closed before the handshake with
   * nothing waiting, the connection fails with a `ConnectionClosedError` instead. Called while
   * replies are being delivered, the end comes after that delivery. Idempotent.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.submit({ buffers: false, abandoned: false }, ["PING"]);
   * context.close();
   * assert.equal(context.state, "closing"); // PING still waits for its reply
   * ```
   */
  close(): void {
    this.#engine.close();
  }

  /**
   * Ends the connection now: every pending command fails with `error` (by default a
   * `ConnectionClosedError`), then {@linkcode ContextIo.end} is called with it. Called while
   * replies are being delivered, it takes effect when that delivery returns, and no further reply
   * is delivered. Idempotent: the first error wins.
   *
   * @param error The reason to fail pending commands with.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError } from "@dray/dray/redis";
   * import { Context, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const failures: Error[] = [];
   * const context = new Context<ContextEntry>(
   *   { reply: () => {}, fail: (_entry, error) => void failures.push(error) },
   *   { wantWrite: () => {}, ready: () => {}, end: () => {} },
   * );
   * context.submit({ buffers: false, abandoned: false }, ["PING"]);
   * context.destroy();
   * assert.equal(context.state, "closed");
   * assert.ok(failures[0] instanceof ConnectionClosedError);
   * ```
   */
  destroy(error?: Error): void {
    this.#engine.destroy(error);
  }
}
