import type { EventLoop, IoSource, LoopCore, LoopHandle } from "../../loop/types.ts";
import { Context } from "../context/context.ts";
import type { ContextEntry, ContextIo, ContextOptions, ContextSink } from "../context/types.ts";

// After a failed write, how long to wait for the read side to end (delivering any reply that
// arrived first, such as the error a server sends before it hangs up) before giving up on it.
const WRITE_ERROR_GRACE_MS = 1000;

/**
 * Options for a {@linkcode Connection}.
 *
 * @example
 * ```ts
 * import { defaultLoop } from "@dray/dray/loop";
 * import type { ConnectionOptions } from "@dray/dray/redis/protocol";
 *
 * const options: ConnectionOptions = { loop: defaultLoop(), protocol: 3 };
 * ```
 */
export interface ConnectionOptions extends ContextOptions {
  /** The loop to run on. */
  loop: EventLoop;
  /** The size of the loop's read buffer for this connection (default: the loop's, 64 KiB). */
  readBufferSize?: number;
  /**
   * Called synchronously when the handshake is done, before the context encodes the commands
   * that waited for it: commands submitted from here go before them.
   */
  onReady?: (protocol: 2 | 3) => void;
  /**
   * Called synchronously when the context ends (after it failed or answered every pending
   * command), before the stream is closed; `finished` settles later, once it is.
   */
  onEnd?: (error: Error | undefined) => void;
}

/**
 * The adapter between a {@linkcode Context} and the world: it attaches the context to an event
 * loop with a byte stream (a `Transport`, or any `IoSource`) as its source, passing bytes read to
 * `Context.feed`, asking `Context.take` for bytes to write once per tick, and closing the stream
 * when the context ends. One connection carries one stream for its whole life; a client that
 * reconnects makes a new connection, so bytes of a dead stream never reach a new one.
 *
 * @typeParam E The context's entry type.
 *
 * @example A connection over an in-memory stream
 * ```ts
 * import { ManualLoop } from "@dray/dray/loop";
 * import { MemorySource } from "@dray/dray/loop/testing";
 * import { type RespValue } from "@dray/dray/redis";
 * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
 * import assert from "node:assert/strict";
 *
 * const loop = new ManualLoop();
 * const replies: RespValue[] = [];
 * const connection = new Connection<ContextEntry>(
 *   { reply: (_entry, value) => void replies.push(value), fail: () => {} },
 *   { loop, protocol: 2 },
 * );
 * const source = new MemorySource();
 * connection.attach(source);
 * loop.tick();
 * assert.equal(new TextDecoder().decode(source.writtenBytes()), "*1\r\n$4\r\nPING\r\n");
 * source.push(new TextEncoder().encode("+PONG\r\n"));
 * await connection.ready;
 * connection.context.submit({ buffers: false, abandoned: false }, ["ECHO", "hi"]);
 * source.push(new TextEncoder().encode("$2\r\nhi\r\n"));
 * while (replies.length === 0) {
 *   loop.tick();
 *   await new Promise((resolve) => setTimeout(resolve, 0));
 * }
 * assert.deepEqual(replies, ["hi"]);
 * connection.context.destroy();
 * await connection.finished;
 * ```
 */
export class Connection<E extends ContextEntry> {
  /** The protocol engine this connection drives. */
  readonly context: Context<E>;
  #loop: EventLoop;
  #readBufferSize: number | undefined;
  #handle: LoopHandle | undefined = undefined;
  #source: IoSource | undefined = undefined;
  #ready: Promise<2 | 3>;
  #resolveReady!: (protocol: 2 | 3) => void;
  #rejectReady!: (error: Error) => void;
  #ended: Promise<Error | undefined>;
  #resolveEnded!: (error: Error | undefined) => void;
  #isReady = false;
  #onReady: ((protocol: 2 | 3) => void) | undefined;
  #onEnd: ((error: Error | undefined) => void) | undefined;

  /**
   * Makes a connection in the `connecting` state: commands submitted to its context wait until
   * a stream is attached and the handshake is done.
   *
   * @param sink Hears each command's outcome.
   * @param options The loop, the handshake, the write-buffer bound.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const connection = new Connection<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { loop: new ManualLoop() },
   * );
   * assert.equal(connection.context.state, "connecting");
   * connection.context.destroy();
   * await connection.finished;
   * ```
   */
  constructor(sink: ContextSink<E>, options: ConnectionOptions) {
    const io: ContextIo = {
      wantWrite: () => this.#wantWrite(),
      ready: (protocol) => this.#isReadyNow(protocol),
      end: (error) => this.#end(error),
    };
    this.context = new Context(sink, io, options);
    this.#loop = options.loop;
    this.#readBufferSize = options.readBufferSize;
    this.#onReady = options.onReady;
    this.#onEnd = options.onEnd;
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => {}); // observed through `ended` when nobody awaits it
    this.#ended = new Promise((resolve) => this.#resolveEnded = resolve);
  }

  /**
   * Settles when the handshake is done, with the protocol in use; rejects with the error that
   * ended the connection first.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const connection = new Connection<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { loop: new ManualLoop() },
   * );
   * connection.context.destroy();
   * await assert.rejects(connection.ready);
   * ```
   */
  get ready(): Promise<2 | 3> {
    return this.#ready;
  }

  /**
   * Settles once the connection is over and its stream closed, with the error that ended it
   * (`undefined` after a clean close). Never rejects.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const connection = new Connection<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { loop: new ManualLoop() },
   * );
   * connection.context.destroy();
   * assert.ok((await connection.finished) instanceof Error);
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#ended;
  }

  /**
   * The stream this connection runs on, once attached.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const connection = new Connection<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { loop: new ManualLoop() },
   * );
   * assert.equal(connection.source, undefined);
   * connection.context.destroy();
   * ```
   */
  get source(): IoSource | undefined {
    return this.#source;
  }

  /**
   * Runs the connection on an open stream: attaches to the loop, starts the handshake and
   * reading. When the context already ended (destroyed while the stream was being opened), the
   * stream is closed instead.
   *
   * @param source The open stream; the connection owns it from now on.
   * @throws {TypeError} When a stream is already attached.
   *
   * @example
   * ```ts
   * import { ManualLoop } from "@dray/dray/loop";
   * import { MemorySource } from "@dray/dray/loop/testing";
   * import { Connection, type ContextEntry } from "@dray/dray/redis/protocol";
   * import assert from "node:assert/strict";
   *
   * const loop = new ManualLoop();
   * const connection = new Connection<ContextEntry>(
   *   { reply: () => {}, fail: () => {} },
   *   { loop },
   * );
   * connection.attach(new MemorySource());
   * assert.equal(connection.context.state, "handshaking");
   * connection.context.destroy();
   * loop.tick(); // the loop's queued read settles
   * await connection.finished;
   * ```
   */
  attach(source: IoSource): void {
    if (this.#source !== undefined) {
      throw new TypeError("Cannot attach a stream: the connection already has one");
    }
    this.#source = source;
    if (this.context.state === "closed") {
      try {
        source.close();
      } catch {
        // nothing left to release
      }
      return;
    }
    this.#handle = this.#loop.attach(
      this.#loopCore(),
      this.#readBufferSize === undefined ? { source } : {
        source,
        readBufferSize: this.#readBufferSize,
      },
    );
    this.#handle.addRead();
    this.context.connected();
  }

  #wantWrite(): void {
    this.#handle?.addWrite();
  }

  #isReadyNow(protocol: 2 | 3): void {
    this.#isReady = true;
    this.#resolveReady(protocol);
    this.#onReady?.(protocol);
  }

  #end(error: Error | undefined): void {
    this.#onEnd?.(error);
    if (!this.#isReady) {
      this.#rejectReady(error ?? new Error("The connection ended before it was ready"));
    }
    const handle = this.#handle;
    if (handle === undefined) {
      this.#resolveEnded(error);
      return;
    }
    handle.cleanup();
    handle.finished.then(() => this.#resolveEnded(error));
  }

  /** Builds the loop core: the loop's callbacks, passed on to the context. */
  #loopCore(): LoopCore {
    const context = this.context;
    return {
      onRead: (bytes) => context.feed(bytes),
      onReadEnd: (error) => context.end(error),
      onWritable: () => context.take(),
      onWriteError: (error) => {
        context.writeFailed(error);
        this.#handle?.scheduleTimer(WRITE_ERROR_GRACE_MS, () => context.end(error));
      },
    };
  }
}
