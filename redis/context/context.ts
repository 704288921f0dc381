import { ConnectionClosedError, ProtocolError, ReplyError } from "../errors.ts";
import { closesConnection, hangUpError } from "./_hang_up.ts";
import { RespReader } from "../resp/reader.ts";
import type { NextOptions, RedisArgument, RespAttribute, RespValue } from "../resp/types.ts";
import { RespWriter } from "../resp/writer.ts";
import { encodeInChunks, hasLargeArgument } from "./_argv.ts";
import {
  C_DISCARD,
  C_EXEC,
  C_MONITOR,
  C_MULTI,
  C_OTHER,
  C_PING,
  C_PUBSUB,
  C_QUIT,
  C_RESET,
  commandCode,
  F_MESSAGE,
  F_NONE,
  F_PMESSAGE,
  F_PONG,
  F_SMESSAGE,
  F_SSUBSCRIBE,
  F_SUBSCRIBE,
  F_SUNSUBSCRIBE,
  frameCode,
  frameKindOf,
  INVALIDATE_CHANNEL,
  isMonitorLine,
  K_PATTERN,
  K_SHARD,
  keyOf,
  KeySets,
  PubSubCall,
} from "./_pubsub.ts";
import { replyToStrings, toStrings } from "./_to_strings.ts";
import { Handshake } from "./handshake.ts";
import { Ring } from "./ring.ts";
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

const CONNECTING: number = 0;
const HANDSHAKING: number = 1;
const READY: number = 2;
const CLOSED: number = 3;
const STATES: readonly ContextState[] = ["connecting", "handshaking", "ready", "closed"];

const DEFAULT_MAX_BUFFERED = 128 * 1024;
const BUFFERS: NextOptions = { returnBuffers: true };

const KINDS: readonly PubSubKind[] = ["channel", "pattern", "shard"];
const KIND_INDEX: Readonly<Record<string, number>> = { channel: 0, pattern: 1, shard: 2 };
const SUBSCRIBE_COMMANDS = ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"] as const;
const UNSUBSCRIBE_COMMANDS = ["UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"] as const;
const MESSAGE_NAMES = ["message", "pmessage", "smessage"] as const;
const NAMES_OF_KIND = ["channel", "pattern", "shard channel"] as const;
const CONFIRMATION_NAMES = [
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
] as const;
const INVALIDATE_BYTES = new TextEncoder().encode(INVALIDATE_CHANNEL);

type Setup = (protocol: 2 | 3) => readonly (readonly RedisArgument[])[];

/** A RESET queued, and its place among pub/sub calls. */
interface ResetMark<E> {
  entry: E;
  seq: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isCount(value: RespValue | undefined): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/**
 * Commands queued together: nothing else is encoded between them. A large batch is encoded a
 * write buffer at a time (from `next`), so the server starts on its first commands while the
 * rest are being encoded.
 */
class Batch<E> {
  readonly entries: E[];
  readonly argvs: readonly (readonly RedisArgument[])[];
  next = 0;
  started = false;
  constructor(entries: E[], argvs: readonly (readonly RedisArgument[])[]) {
    this.entries = entries;
    this.argvs = argvs;
  }
}

/** A short, printable view of a reply for an error message. */
function preview(value: RespValue): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value, (_key, v) => {
      if (typeof v === "bigint") return `${v}`;
      if (v instanceof Uint8Array) return `<${v.length} bytes>`;
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, e]) => [String(k), e]));
      if (v instanceof Set) return [...v];
      return v;
    });
  } catch {
    text = String(value);
  }
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/**
 * One Redis connection's protocol engine, pure: no I/O, no timers, no promises. It holds the
 * RESP reader and writer, the reply FIFO, the handshake and the connection's state, and talks to
 * the world through two small interfaces: a {@linkcode ContextSink} that hears what happened to
 * each command, and a {@linkcode ContextIo} that an adapter maps onto a transport and a loop.
 * Bytes go in with {@linkcode Context.feed} and out with {@linkcode Context.take}.
 *
 * The semantics are hiredis's `async.c`, with its defects fixed:
 *
 * - **FIFO.** Each reply answers the oldest command waiting (a {@linkcode Ring}, O(1) at both
 *   ends). An error reply is that command's reply; it never shifts the others.
 * - **Handshake first.** Commands submitted while `connecting` or `handshaking` wait, unencoded
 *   and in order, until the {@linkcode Handshake} succeeds; a failed handshake fails them all.
 * - **Bounded write buffer.** Commands are encoded as they come while the encoded bytes not yet
 *   taken stay under `maxBufferedBytes`; later ones wait unencoded and are encoded as
 *   {@linkcode Context.take} drains the buffer. Everything submitted in one tick leaves in one
 *   buffer when it fits.
 * - **Close versus destroy.** {@linkcode Context.close} stops accepting commands and ends the
 *   connection cleanly once every accepted command has its reply; {@linkcode Context.destroy}
 *   fails everything pending at once. Either, called while the context is delivering replies
 *   (from a sink or push handler), takes effect when that delivery returns, as in hiredis.
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
 * import { Context, type ContextEntry, type RespValue } from "@dray/dray/redis";
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
  #sink: ContextSink<E>;
  #io: ContextIo;
  #reader: RespReader;
  #writer = new RespWriter();
  #handshake: Handshake;
  #maxBuffered: number;

  #state: number = CONNECTING;
  #closing = false;
  #protocol: 2 | 3;
  #pushBuffers: boolean;
  #setup: Setup | undefined;
  #setupPending = 0;
  #error: Error | undefined = undefined;

  // Encoded commands waiting for replies, oldest first; the last #unwritten of them are not yet
  // wholly handed to the transport (#inWriter of them are in the writer).
  #inflight = new Ring<E>();
  #unwritten = 0;
  #inWriter = 0;
  // Chunks to hand over after the writer's bytes: commands with large byte arguments, each copied
  // once into a chunk of its own when encoded. Nothing is encoded into the writer while any
  // wait, so the writer's bytes always come first. #outCompletes: commands each chunk completes.
  #out = new Ring<Uint8Array>();
  #outCompletes = new Ring<number>();
  // Commands (or batches) waiting unencoded; a command's arguments wait in its `argv` slot.
  #backlog = new Ring<E | Batch<E>>();

  #wantWrite = false;
  #writeError: Error | undefined = undefined;
  // The last reply was an error after which the server closes (see _hang_up.ts), commands were
  // still pending, and nothing was written since: if the stream ends now, the server hung up
  // after saying why (the connection's error then has it as its cause; the reply itself went to
  // its own command only).
  #lastError: ReplyError | undefined = undefined;
  #dispatching = 0;
  #destroying: Error | undefined = undefined;

  // ---- pub/sub and MONITOR (see #route) ----
  // (P|S)(UN)SUBSCRIBE calls waiting for their confirmations, in the order queued; the encoded
  // ones are also in #inflight, in the same order.
  #calls = new Ring<PubSubCall<E>>();
  #subscribing = 0; // how many of #calls subscribe
  // The server's subscriptions: as confirmed so far, and as they will be once everything queued
  // has run (what decides which commands RESP2 allows now).
  #confirmed = new KeySets();
  #projected = new KeySets();
  #monitoring = false;
  #monitorCall: E | undefined = undefined;
  #projectedMonitor = false;
  #resets: ResetMark<E>[] = [];
  #seq = 0; // orders pub/sub calls and RESETs
  #inMulti = false; // a MULTI was queued without its EXEC or DISCARD
  #lastName: Uint8Array | undefined = undefined; // the last name keyOf'd, and its key
  #lastKey = "";
  // Replies need more than the FIFO: pub/sub calls pending, subscriptions, MONITOR, a RESET.
  #special = false;
  // Commands must be checked against the projected mode.
  #guarded = false;

  #fed = 0;
  #replies = 0;
  #writes = 0;
  #bytesWritten = 0;
  #peakBuffered = 0;

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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot make a context: maxBufferedBytes must be a positive integer, got "${max}"`,
      );
    }
    this.#sink = sink;
    this.#io = io;
    this.#maxBuffered = max;
    this.#handshake = new Handshake(options);
    this.#protocol = options.protocol ?? 3;
    this.#pushBuffers = options.pushBuffers ?? false;
    this.#setup = options.setup;
    // Pushes are always read as bytes: channel names and payloads are binary-safe, and a
    // push handler that wants strings gets them decoded.
    this.#reader = new RespReader({
      ...options.reader,
      pushBuffers: true,
      onPush: (push, attributes) => this.#push(push, attributes),
    });
  }

  /**
   * Where the connection is in its life (see {@linkcode ContextState}).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#closing && this.#state !== CLOSED) return "closing";
    return STATES[this.#state]!;
  }

  /**
   * How replies are routed (see {@linkcode ContextMode}).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#monitoring) return "monitor";
    return this.#confirmed.total > 0 || this.#subscribing > 0 ? "subscribed" : "normal";
  }

  /**
   * The RESP version in use once the handshake is done; before, the one asked for.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    return this.#protocol;
  }

  /**
   * Whether {@linkcode Context.submit} takes commands: not after `close()`, nor once closed.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    return this.#state !== CLOSED && !this.#closing;
  }

  /**
   * The error that ended the connection, or `undefined` (still open, or closed cleanly).
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, Context, type ContextEntry } from "@dray/dray/redis";
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
    return this.#error;
  }

  /**
   * Counters: writes, bytes, the write buffer's peak, replies, commands waiting.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    return {
      writes: this.#writes,
      bytesWritten: this.#bytesWritten,
      bytesRead: this.#fed,
      peakBufferedBytes: this.#peakBuffered,
      replies: this.#replies,
      inFlight: this.#inflight.length,
      waiting: this.#backlog.length,
    };
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED) return false;
    if (this.#state !== CONNECTING) throw new TypeError("Cannot connect: the context is connected");
    this.#state = HANDSHAKING;
    for (const argv of this.#handshake.start()) this.#writer.append(argv);
    this.#requestWrite();
    return true;
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    const code = Array.isArray(argv) ? commandCode(argv, entry) : C_OTHER;
    if (code !== C_OTHER || this.#guarded) this.#check(code, argv);
    this.#queue(entry, argv);
    if (code !== C_OTHER) this.#noted(code, entry);
  }

  /** Queues a command that passed the checks: encoded now when possible, else in the backlog. */
  #queue(entry: E, argv: readonly RedisArgument[]): void {
    if (
      this.#state === READY && !this.#closing && this.#backlog.length === 0 &&
      this.#out.length === 0 && this.#writer.bufferedBytes < this.#maxBuffered
    ) {
      if (hasLargeArgument(argv)) {
        this.#queueChunks(encodeInChunks(argv));
      } else {
        this.#writer.append(argv);
        this.#inWriter++;
      }
      this.#inflight.push(entry);
      this.#unwritten++;
      if (!this.#wantWrite) this.#requestWrite();
      return;
    }
    if (!this.accepting) throw this.#refusal();
    entry.argv = argv;
    this.#backlog.push(entry);
    if (this.#state === READY) this.#requestWrite();
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (entries.length !== argvs.length) {
      throw new TypeError(
        `Cannot queue a batch of ${entries.length} entries with ${argvs.length} commands`,
      );
    }
    if (!this.accepting) throw this.#refusal();
    let codes: number[] | undefined;
    let reset = false;
    for (let i = 0; i < argvs.length; i++) {
      const argv = argvs[i]!;
      const code = Array.isArray(argv) ? commandCode(argv, entries[i]) : C_OTHER;
      if (code === C_OTHER && (reset || !this.#guarded)) continue;
      if (code === C_PUBSUB || code === C_MONITOR || !reset) this.#check(code, argv);
      if (code === C_RESET) reset = true;
      (codes ??= new Array(argvs.length).fill(C_OTHER))[i] = code;
    }
    this.#backlog.push(new Batch(entries, argvs));
    if (codes !== undefined) {
      for (let i = 0; i < codes.length; i++) {
        if (codes[i] !== C_OTHER) this.#noted(codes[i]!, entries[i]!);
      }
    }
    if (this.#state === READY) {
      if (this.#backlog.length === 1) this.#refill();
      this.#requestWrite();
    }
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    this.#pubsub(entry, kind, names, true);
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    this.#pubsub(entry, kind, names, false);
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (!this.accepting) throw this.#refusal();
    if (this.#inMulti) {
      throw new TypeError("Cannot send MONITOR inside MULTI: it would be queued, not run");
    }
    if (this.#projectedMonitor) throw new TypeError("Cannot send MONITOR: already monitoring");
    if (this.#projected.total > 0 || this.#subscribing > 0) {
      throw new TypeError("Cannot send MONITOR on a subscribed connection");
    }
    this.#queue(entry, ["MONITOR"]);
    this.#monitorCall = entry;
    this.#projectedMonitor = true;
    this.#update();
  }

  /**
   * Bytes arrived from the stream: parse every complete reply and hand each to its command, in
   * order, in one tight loop. Bytes after the context closed are ignored.
   *
   * @param bytes The bytes read (copied; the caller may reuse its buffer).
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED) return;
    this.#fed += bytes.length;
    this.#reader.feed(bytes);
    this.#dispatching++;
    try {
      this.#drain();
    } finally {
      if (--this.#dispatching === 0) this.#afterDispatch();
    }
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED || this.#writeError !== undefined) {
      this.#wantWrite = false;
      return undefined;
    }
    if (this.#state === READY && this.#backlog.length > 0) {
      this.#refill();
      if (this.#closing) this.#maybeFinishClose();
      if (this.#state === CLOSED) return undefined;
    }
    const writer = this.#writer;
    const size = writer.bufferedBytes;
    let bytes: Uint8Array | undefined;
    if (size > 0) {
      if (size > this.#peakBuffered) this.#peakBuffered = size;
      this.#unwritten -= this.#inWriter;
      this.#inWriter = 0;
      bytes = writer.take();
    } else if (this.#out.length > 0) {
      this.#unwritten -= this.#outCompletes.shift()!;
      bytes = this.#out.shift();
    } else {
      this.#wantWrite = false;
      return undefined;
    }
    this.#lastError = undefined; // the conversation goes on after that error
    this.#writes++;
    this.#bytesWritten += bytes!.length;
    return bytes;
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
   * import { ConnectionClosedError, Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED) return;
    if (
      this.#closing && this.#state === READY && this.#inflight.length === 0 &&
      this.#backlog.length === 0
    ) {
      this.#finish();
      return;
    }
    const said = this.#lastError;
    const reason = said !== undefined ? hangUpError(said) : new ConnectionClosedError(
      error === undefined
        ? "The server closed the connection"
        : `The connection failed: ${error.message}`,
      error === undefined ? undefined : { cause: error },
    );
    this.#fail(reason);
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
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED) return;
    this.#writeError ??= error;
    this.#wantWrite = false;
  }

  /**
   * Closes cleanly: no new commands; those accepted (written or waiting) still get their replies,
   * then {@linkcode ContextIo.end} is called with `undefined`. Closed before the handshake with
   * nothing waiting, the connection fails with a `ConnectionClosedError` instead. Called while
   * replies are being delivered, the end comes after that delivery. Idempotent.
   *
   * @example
   * ```ts
   * import { Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED || this.#closing) return;
    this.#closing = true;
    if (this.#dispatching === 0) this.#maybeFinishClose();
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
   * import { ConnectionClosedError, Context, type ContextEntry } from "@dray/dray/redis";
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
    if (this.#state === CLOSED) return;
    const reason = error ?? new ConnectionClosedError("The connection was destroyed");
    if (this.#dispatching > 0) {
      this.#destroying ??= reason;
      return;
    }
    this.#fail(reason);
  }

  // ---- replies ----

  #drain(): void {
    const reader = this.#reader;
    const inflight = this.#inflight;
    while (this.#state !== CLOSED && this.#destroying === undefined) {
      let head = inflight.peek();
      const special = this.#special;
      const options = special
        ? this.#readOptions(head)
        : head !== undefined && head.buffers
        ? BUFFERS
        : undefined;
      let reply: RespValue | undefined;
      try {
        reply = reader.next(options);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.#fail(error);
        return;
      }
      if (reply === undefined) return;
      // A handler destroyed the context while this reply was being read (a push before it).
      if (this.#destroying !== undefined || this.#state === CLOSED) return;
      this.#replies++;
      if (this.#special) {
        try {
          this.#route(reply, options === BUFFERS);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          this.#fail(error);
          return;
        }
        continue;
      }
      // A push just ended the last subscription: the head may have moved.
      if (special) head = inflight.peek();
      // Routing. In normal mode a reply belongs to the oldest command waiting, provided that
      // command was handed to the transport: no server answers bytes it was never sent.
      // (Subscribed and monitor modes go through #route.)
      if (head !== undefined && inflight.length > this.#unwritten) {
        inflight.shift();
        this.#lastError = reply instanceof ReplyError && closesConnection(reply) &&
            inflight.length + this.#backlog.length > 0
          ? reply
          : undefined;
        this.#sink.reply(head, reply);
      } else if (
        this.#state === HANDSHAKING && (this.#handshake.expected > 0 || this.#setupPending > 0)
      ) {
        this.#handshakeReply(reply);
      } else {
        this.#unsolicited(reply);
      }
    }
  }

  /**
   * How to read the next reply when more than the FIFO is involved. Over RESP2, pub/sub frames
   * (messages, confirmations) are replies: read them as bytes, so names and payloads are
   * binary-safe. Over RESP3 they are pushes, read as bytes anyway; a reply belongs to the first
   * command that is not waiting for confirmations (those before it get theirs, as pushes, first).
   */
  #readOptions(head: E | undefined): NextOptions | undefined {
    if (this.#protocol === 2) {
      if (this.#confirmed.total > 0) return BUFFERS;
      const call = this.#calls.peek();
      if (call !== undefined && call.entry === head) return BUFFERS;
      return head !== undefined && head.buffers ? BUFFERS : undefined;
    }
    const inflight = this.#inflight;
    const calls = this.#calls;
    for (let i = 0, j = 0; i < inflight.length; i++) {
      const entry = inflight.at(i)!;
      if (j < calls.length && calls.at(j)!.entry === entry) {
        j++;
        continue;
      }
      return entry.buffers ? BUFFERS : undefined;
    }
    return undefined;
  }

  /**
   * Routes a reply when pub/sub, MONITOR or a RESET is involved. Throws a ProtocolError for a
   * frame that makes no sense here (the caller fails the connection with it).
   */
  #route(reply: RespValue, readBuffers: boolean): void {
    const inflight = this.#inflight;
    const head = inflight.peek();
    const written = head !== undefined && inflight.length > this.#unwritten;
    const call = this.#calls.peek();
    const callAtHead = written && call !== undefined && call.entry === head;
    if (this.#monitoring && typeof reply === "string" && isMonitorLine(reply)) {
      const handler = this.#sink.monitor;
      if (handler !== undefined) this.#guard(() => handler.call(this.#sink, reply));
      return;
    }
    let value = reply;
    if (this.#protocol === 2 && readBuffers && Array.isArray(reply)) {
      // Read while subscribed over RESP2: a message, a confirmation, or PING's answer.
      const frame = frameCode(reply[0]);
      if (frame >= F_MESSAGE && frame <= F_SMESSAGE) {
        this.#message(frame, reply);
        return;
      }
      if (frame >= F_SUBSCRIBE && frame <= F_SUNSUBSCRIBE) {
        this.#confirm(frame, reply);
        return;
      }
      if (frame === F_PONG && reply.length === 2 && written && !callAtHead) {
        // `*2 pong <message>` answers PING: give it what PING gives in normal mode.
        const message = reply[1]!;
        value = message instanceof Uint8Array && message.length === 0 ? "PONG" : message;
      }
    }
    if (!written) {
      if (this.#state === HANDSHAKING && (this.#handshake.expected > 0 || this.#setupPending > 0)) {
        this.#handshakeReply(reply);
      } else {
        this.#unsolicited(reply);
      }
      return;
    }
    if (callAtHead) {
      if (reply instanceof ReplyError) {
        this.#callFailed(reply);
        return;
      }
      throw this.#protocolError(
        `Unexpected reply to ${this.#callName(call)}, which is answered by confirmations: ` +
          `"${preview(reply)}"`,
      );
    }
    inflight.shift();
    this.#lastError = reply instanceof ReplyError && closesConnection(reply) &&
        inflight.length + this.#backlog.length > 0
      ? reply
      : undefined;
    if (head === this.#monitorCall) {
      this.#monitorCall = undefined;
      if (reply === "OK") this.#monitoring = true;
      else this.#projectedMonitor = this.#monitoring;
      this.#update();
    } else if (this.#resets.length > 0 && head === this.#resets[0]!.entry) {
      this.#resets.shift();
      if (reply === "RESET") this.#afterReset();
      else this.#update();
    }
    if (readBuffers && !head!.buffers) value = replyToStrings(value);
    this.#sink.reply(head!, value);
  }

  /** A message frame (`message`, `pmessage`, `smessage`), as a reply or a push. */
  #message(frame: number, data: RespValue[]): void {
    const kind = frameKindOf(frame);
    let pattern: RespValue | undefined = undefined;
    let channel: RespValue | undefined;
    let payload: RespValue | undefined;
    if (frame === F_PMESSAGE) {
      if (data.length !== 4) throw this.#malformed(data, "a pmessage has 4 elements");
      pattern = data[1];
      channel = data[2];
      payload = data[3];
      if (!(pattern instanceof Uint8Array)) throw this.#malformed(data, "the pattern is not bytes");
    } else {
      if (data.length !== 3) throw this.#malformed(data, `a ${MESSAGE_NAMES[kind]} has 3 elements`);
      channel = data[1];
      payload = data[2];
    }
    if (!(channel instanceof Uint8Array)) throw this.#malformed(data, "the channel is not bytes");
    if (
      !(payload instanceof Uint8Array) &&
      !((payload === null || Array.isArray(payload)) && sameBytes(channel, INVALIDATE_BYTES))
    ) {
      throw this.#malformed(data, "the payload is not bytes");
    }
    const key = this.#keyOf(kind === K_PATTERN ? pattern as Uint8Array : channel);
    if (!this.#confirmed.sets[kind]!.has(key)) {
      throw this.#protocolError(
        `A ${MESSAGE_NAMES[kind]} for ${NAMES_OF_KIND[kind]} "${preview(key)}", which the ` +
          "connection is not subscribed to",
      );
    }
    const sink = this.#sink;
    if (sink.message === undefined) return;
    try {
      sink.message(KINDS[kind]!, key, channel, payload, pattern as Uint8Array | undefined);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** keyOf(name), remembering the last one: messages tend to come on the same channel. */
  #keyOf(name: Uint8Array): string {
    const last = this.#lastName;
    if (last !== undefined && last.length === name.length) {
      let same = true;
      for (let i = 0; i < name.length; i++) {
        if (last[i] !== name[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#lastKey;
    }
    const key = keyOf(name);
    this.#lastName = name;
    this.#lastKey = key;
    return key;
  }

  /** A confirmation frame (`subscribe`, `punsubscribe`…), as a reply or a push. */
  #confirm(frame: number, data: RespValue[]): void {
    const subscribe = frame <= F_SSUBSCRIBE;
    const kind = frameKindOf(frame);
    if (data.length !== 3) throw this.#malformed(data, "a confirmation has 3 elements");
    const name = data[1]!;
    const count = data[2];
    if (!isCount(count)) throw this.#malformed(data, "the count is not a non-negative integer");
    if (!(name instanceof Uint8Array) && !(name === null && !subscribe)) {
      throw this.#malformed(data, "the name is not bytes");
    }
    const key = name === null ? undefined : keyOf(name);
    const what = CONFIRMATION_NAMES[frame - F_SUBSCRIBE]!;
    const shown = key === undefined ? "null" : `"${preview(key)}"`;
    const inflight = this.#inflight;
    const call = this.#calls.peek();
    if (
      call === undefined || inflight.peek() !== call.entry ||
      inflight.length <= this.#unwritten || call.kind !== kind || call.subscribe !== subscribe
    ) {
      if (
        frame === F_SUNSUBSCRIBE && key !== undefined && this.#confirmed.sets[K_SHARD].has(key)
      ) {
        // The server dropped a shard channel on its own (its slot moved to another node).
        this.#confirmed.sets[K_SHARD].delete(key);
        this.#reproject();
        this.#update();
        const handler = this.#sink.unsubscribed;
        if (handler !== undefined) {
          this.#guard(() => handler.call(this.#sink, undefined, "shard", key, count));
        }
        return;
      }
      throw this.#protocolError(
        `A ${what} confirmation for ${shown} while ` +
          (call === undefined
            ? "no subscribe or unsubscribe command is waiting"
            : `waiting for ${this.#callName(call)}`),
      );
    }
    const set = this.#confirmed.sets[kind]!;
    if (call.keys.length > 0) {
      const expected = call.keys[call.received]!;
      if (key !== expected) {
        throw this.#protocolError(
          `A ${what} confirmation for unknown ${NAMES_OF_KIND[kind]} ${shown}: expected ` +
            `"${preview(expected)}"`,
        );
      }
    } else {
      if (call.expected < 0) {
        call.empty = set.size === 0;
        call.expected = call.empty ? 1 : set.size;
      }
      if (call.empty ? key !== undefined : key === undefined || !set.has(key)) {
        throw this.#protocolError(
          `A ${what} confirmation for unknown ${NAMES_OF_KIND[kind]} ${shown}`,
        );
      }
    }
    if (key !== undefined) {
      if (subscribe) set.add(key);
      else set.delete(key);
    }
    call.received++;
    const done = call.received === call.expected;
    if (done) {
      this.#calls.shift();
      if (subscribe) this.#subscribing--;
    }
    this.#update();
    const entry = call.entry;
    const sink = this.#sink;
    if (subscribe) {
      const handler = sink.subscribed;
      if (handler !== undefined) {
        this.#guard(() => handler.call(sink, entry, KINDS[kind]!, key!, count));
      }
    } else {
      const handler = sink.unsubscribed;
      if (handler !== undefined) {
        this.#guard(() => handler.call(sink, entry, KINDS[kind]!, key, count));
      }
    }
    if (done) {
      inflight.shift();
      this.#lastError = undefined;
      sink.reply(entry, count);
    }
  }

  /** The pub/sub call at the head got an error reply: it ends with it. */
  #callFailed(error: ReplyError): void {
    const call = this.#calls.shift()!;
    if (call.subscribe) this.#subscribing--;
    this.#inflight.shift();
    this.#reproject();
    this.#update();
    this.#sink.reply(call.entry, error);
  }

  /** RESET ran: no subscriptions, no MONITOR, RESP2. */
  #afterReset(): void {
    this.#confirmed.clear();
    this.#monitoring = false;
    this.#protocol = 2;
    this.#reproject();
    this.#update();
    const handler = this.#sink.reset;
    if (handler !== undefined) this.#guard(() => handler.call(this.#sink));
  }

  #callName(call: PubSubCall<E>): string {
    return (call.subscribe ? SUBSCRIBE_COMMANDS : UNSUBSCRIBE_COMMANDS)[call.kind]!;
  }

  #protocolError(message: string): ProtocolError {
    return new ProtocolError(message, { offset: this.#fed - this.#reader.bufferedBytes });
  }

  #malformed(data: RespValue[], why: string): ProtocolError {
    return this.#protocolError(`Malformed pub/sub frame "${preview(data)}": ${why}`);
  }

  /**
   * Runs a sink's pub/sub callback. An exception is the callback's bug, not the connection's:
   * it is reported as an uncaught error without disturbing the replies around it.
   */
  #guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** Recomputes #special and #guarded after a pub/sub, MONITOR or RESET change. */
  #update(): void {
    this.#special = this.#calls.length > 0 || this.#confirmed.total > 0 || this.#monitoring ||
      this.#monitorCall !== undefined || this.#resets.length > 0;
    this.#guarded = this.#projectedMonitor || this.#projected.total > 0;
  }

  /** The projected subscriptions again: the confirmed ones, then every call still queued. */
  #reproject(): void {
    const projected = this.#projected;
    const resets = this.#resets;
    const since = resets.length > 0 ? resets[resets.length - 1]!.seq : -1;
    if (since >= 0) projected.clear();
    else projected.copyFrom(this.#confirmed);
    const calls = this.#calls;
    for (let i = 0; i < calls.length; i++) {
      const call = calls.at(i)!;
      if (call.seq > since) projected.apply(call);
    }
    this.#projectedMonitor = since < 0 && (this.#monitoring || this.#monitorCall !== undefined);
  }

  /** Refuses a command the connection's mode does not allow. */
  #check(code: number, argv: readonly RedisArgument[]): void {
    const name = Array.isArray(argv) ? String(argv[0]) : String(argv);
    if (code === C_PUBSUB) {
      throw new TypeError(
        `Cannot send "${name}" as a command: subscriptions are confirmed outside the reply ` +
          "order; use subscribe() or unsubscribe()",
      );
    }
    if (code === C_MONITOR) {
      throw new TypeError(`Cannot send "${name}" as a command: use monitor()`);
    }
    if (this.#projectedMonitor) {
      if (code === C_QUIT || code === C_RESET) return;
      throw new TypeError(
        `Cannot send "${name}" while monitoring: only QUIT and RESET are accepted`,
      );
    }
    if (
      this.#protocol === 2 && this.#projected.total > 0 && code !== C_PING && code !== C_QUIT &&
      code !== C_RESET
    ) {
      throw new TypeError(
        `Cannot send "${name}" on a subscribed RESP2 connection: only PING, QUIT, RESET and ` +
          "the subscribe family are allowed (use RESP3, or another client)",
      );
    }
  }

  /** Notes what a queued MULTI, EXEC, DISCARD or RESET changes. */
  #noted(code: number, entry: E): void {
    switch (code) {
      case C_MULTI:
        this.#inMulti = true;
        return;
      case C_EXEC:
      case C_DISCARD:
        this.#inMulti = false;
        return;
      case C_RESET:
        this.#inMulti = false;
        this.#resets.push({ entry, seq: ++this.#seq });
        this.#projected.clear();
        this.#projectedMonitor = false;
        this.#update();
        return;
    }
  }

  #pubsub(
    entry: E,
    kind: PubSubKind,
    names: readonly (string | Uint8Array)[],
    subscribe: boolean,
  ): void {
    const k = Object.hasOwn(KIND_INDEX, kind) ? KIND_INDEX[kind]! : -1;
    if (k < 0) {
      throw new TypeError(
        `Cannot subscribe: kind must be channel, pattern or shard, got "${kind}"`,
      );
    }
    const command = (subscribe ? SUBSCRIBE_COMMANDS : UNSUBSCRIBE_COMMANDS)[k]!;
    if (!Array.isArray(names)) {
      throw new TypeError(`Cannot send ${command}: names must be an array`);
    }
    if (subscribe && names.length === 0) {
      throw new TypeError(`Cannot send ${command} without a name`);
    }
    const keys = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name: unknown = names[i];
      if (typeof name !== "string" && !(name instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot send ${command}: a name must be a string or a Uint8Array, got "${String(name)}"`,
        );
      }
      keys[i] = keyOf(name);
    }
    if (!this.accepting) throw this.#refusal();
    if (this.#inMulti) {
      throw new TypeError(
        `Cannot send ${command} inside MULTI: the server would queue it and nest its ` +
          "confirmations in EXEC's reply",
      );
    }
    if (this.#projectedMonitor) throw new TypeError(`Cannot send ${command} while monitoring`);
    const call = new PubSubCall(entry, k, subscribe, keys);
    call.seq = ++this.#seq;
    this.#queue(entry, [command, ...names]);
    this.#calls.push(call);
    if (subscribe) this.#subscribing++;
    this.#projected.apply(call);
    this.#update();
  }

  /** A reply with no command waiting for it, in normal mode. */
  #unsolicited(reply: RespValue): void {
    if (reply instanceof ReplyError) {
      // The server's own reason for hanging up (max clients, a protocol error): it reaches
      // every pending command, and is not overwritten by the end of stream that follows.
      this.#fail(reply);
      return;
    }
    const at = this.#fed - this.#reader.bufferedBytes;
    this.#fail(
      new ProtocolError(
        `Unexpected reply with no command waiting for one: "${preview(reply)}"`,
        { offset: at },
      ),
    );
  }

  #handshakeReply(reply: RespValue): void {
    if (this.#setupPending > 0) {
      if (reply instanceof ReplyError) {
        this.#fail(reply);
        return;
      }
      if (--this.#setupPending === 0) this.#ready(this.#protocol);
      return;
    }
    const step = this.#handshake.reply(reply);
    switch (step.kind) {
      case "send":
        for (const argv of step.commands) this.#writer.append(argv); // no large arguments
        this.#requestWrite();
        return;
      case "wait":
        return;
      case "done": {
        const setup = this.#setup?.(step.protocol) ?? [];
        if (setup.length === 0) {
          this.#ready(step.protocol);
          return;
        }
        this.#protocol = step.protocol;
        this.#setupPending = setup.length;
        try {
          for (const argv of setup) this.#writer.append(argv);
        } catch (error) {
          this.#fail(error as Error);
          return;
        }
        this.#requestWrite();
        return;
      }
      case "fail":
        this.#fail(step.error);
        return;
    }
  }

  #push(push: RespValue[], attributes: readonly RespAttribute[] | undefined): void {
    const frame = frameCode(push[0]);
    if (frame !== F_NONE && frame !== F_PONG) {
      // Pub/sub traffic; a malformed frame throws a ProtocolError out of the reader.
      if (frame <= F_SMESSAGE) this.#message(frame, push);
      else this.#confirm(frame, push);
      return;
    }
    const handler = this.#sink.push;
    if (handler === undefined) return;
    const value = this.#pushBuffers ? push : toStrings(push) as RespValue[];
    try {
      handler(value, attributes);
    } catch (error) {
      // A handler's exception is the handler's bug, not the connection's: report it as an
      // uncaught error without disturbing the replies around the push.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  #ready(protocol: 2 | 3): void {
    this.#state = READY;
    this.#protocol = protocol;
    this.#io.ready(protocol);
    if (this.#state === READY && this.#backlog.length > 0) {
      this.#refill();
      this.#requestWrite();
    }
  }

  #afterDispatch(): void {
    const destroying = this.#destroying;
    if (destroying !== undefined) {
      this.#destroying = undefined;
      this.#fail(destroying);
      return;
    }
    if (this.#closing) this.#maybeFinishClose();
  }

  // ---- writes ----

  #requestWrite(): void {
    if (this.#wantWrite) return;
    this.#wantWrite = true;
    this.#io.wantWrite();
  }

  /** Encodes waiting commands while the write buffer is under its bound. */
  #refill(): void {
    const backlog = this.#backlog;
    const writer = this.#writer;
    const max = this.#maxBuffered;
    const out = this.#out;
    while (backlog.length > 0 && out.length === 0 && writer.bufferedBytes < max) {
      const item = backlog.peek()!;
      if (item instanceof Batch) {
        if (this.#encodeBatch(item, max)) backlog.shift();
        continue;
      }
      backlog.shift();
      const argv = item.argv!;
      item.argv = undefined;
      if (item.abandoned) {
        this.#sink.dropped?.(item);
        continue;
      }
      this.#encode(item, argv);
    }
  }

  /** Encodes one command and queues it for its reply; a TypeError fails it through the sink. */
  #encode(entry: E, argv: readonly RedisArgument[]): void {
    try {
      if (hasLargeArgument(argv)) {
        this.#queueChunks(encodeInChunks(argv));
      } else {
        this.#writer.append(argv);
        this.#inWriter++;
      }
    } catch (error) {
      this.#sink.fail(entry, error as Error, false);
      return;
    }
    this.#inflight.push(entry);
    this.#unwritten++;
  }

  /** Queues the chunks of one command behind the writer's bytes; the last one completes it. */
  #queueChunks(chunks: Uint8Array[]): void {
    for (let i = 0; i < chunks.length; i++) {
      this.#out.push(chunks[i]!);
      this.#outCompletes.push(i === chunks.length - 1 ? 1 : 0);
    }
  }

  /** Encodes a batch while the buffer is under `max`; returns whether it is done. */
  #encodeBatch(batch: Batch<E>, max: number): boolean {
    const { entries, argvs } = batch;
    const writer = this.#writer;
    const out = this.#out;
    let i = batch.next;
    for (; i < entries.length && out.length === 0 && writer.bufferedBytes < max; i++) {
      const entry = entries[i]!;
      if (!batch.started) {
        if (entry.abandoned) {
          this.#sink.dropped?.(entry);
          continue;
        }
        batch.started = true;
      }
      this.#encode(entry, argvs[i]!);
    }
    batch.next = i;
    return i === entries.length;
  }

  // ---- the end ----

  #refusal(): ConnectionClosedError {
    if (this.#state === CLOSED) {
      return new ConnectionClosedError(
        "Cannot send a command: the connection is closed",
        this.#error === undefined ? undefined : { cause: this.#error },
      );
    }
    return new ConnectionClosedError("Cannot send a command: the connection is closing");
  }

  #maybeFinishClose(): void {
    if (!this.#closing || this.#state === CLOSED) return;
    if (this.#inflight.length > 0 || this.#backlog.length > 0) return;
    if (this.#state === READY) {
      this.#finish();
    } else {
      this.#fail(new ConnectionClosedError("The connection was closed before it was ready"));
    }
  }

  #finish(): void {
    this.#state = CLOSED;
    this.#writer.clear(); // empty already: every command got its reply
    this.#io.end(undefined);
  }

  /** The first error: fail everything pending with it, then end. */
  #fail(error: Error): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#error = error;
    this.#destroying = undefined;
    this.#lastError = undefined;
    this.#calls.drain();
    this.#subscribing = 0;
    this.#confirmed.clear();
    this.#projected.clear();
    this.#monitoring = this.#projectedMonitor = false;
    this.#monitorCall = undefined;
    this.#resets = [];
    this.#update();
    const inflight = this.#inflight.drain();
    const written = inflight.length - this.#unwritten;
    this.#unwritten = this.#inWriter = 0;
    this.#writer.clear();
    this.#out.drain();
    this.#outCompletes.drain();
    const backlog = this.#backlog.drain();
    const sink = this.#sink;
    for (let i = 0; i < inflight.length; i++) sink.fail(inflight[i]!, error, i < written);
    for (const item of backlog) {
      if (item instanceof Batch) {
        const entries = item.entries;
        for (let i = item.next; i < entries.length; i++) {
          const entry = entries[i]!;
          if (item.started || !entry.abandoned) sink.fail(entry, error, false);
          else sink.dropped?.(entry);
        }
      } else if (!item.abandoned) {
        item.argv = undefined;
        sink.fail(item, error, false);
      } else {
        item.argv = undefined;
        sink.dropped?.(item);
      }
    }
    this.#io.end(error);
  }
}
