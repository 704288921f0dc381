// The engine behind Context (context.ts documents its API): the reply FIFO, the first error, and
// close versus destroy. It composes the pure parts: the Opening (handshake, then setup commands),
// the Outbox (encoding and bounding writes) and the ModeTracker (pub/sub, MONITOR, RESET). One
// routine, #answer, takes a command off the FIFO with its reply, whichever path the reply took.

import { ConnectionClosedError, ProtocolError, ReplyError } from "../errors.ts";
import { closesConnection, hangUpError } from "./_hang_up.ts";
import { RespReader } from "../resp/reader.ts";
import type { RedisArgument, RespAttribute, RespValue } from "../resp/types.ts";
import {
  C_MONITOR,
  C_OTHER,
  C_PUBSUB,
  C_RESET,
  commandCode,
  F_NONE,
  F_PONG,
  frameCode,
} from "./_pubsub.ts";
import { BUFFERS, callName, CONSUMED, ModeTracker } from "./_mode_tracker.ts";
import { Opening, type OpeningStep } from "./_opening.ts";
import { Outbox } from "./_outbox.ts";
import { preview } from "./_preview.ts";
import { toStrings } from "./_to_strings.ts";
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

/** The state and logic of a {@linkcode Context} (see the file comment). */
export class ContextEngine<E extends ContextEntry> {
  #sink: ContextSink<E>;
  #io: ContextIo;
  #reader: RespReader;
  #opening: Opening;
  // The reply FIFO: encoded commands waiting for replies, oldest first.
  #inflight = new Ring<E>();
  #outbox: Outbox<E>;
  #modes: ModeTracker<E>;

  #state: number = CONNECTING;
  #closing = false;
  #pushBuffers: boolean;
  #error: Error | undefined = undefined;
  #wantWrite = false;
  #writeError: Error | undefined = undefined;
  // The last reply was an error after which the server closes (see _hang_up.ts), commands were
  // still pending, and nothing was written since: if the stream ends now, the server hung up
  // after saying why (the connection's error then has it as its cause; the reply itself went to
  // its own command only).
  #lastError: ReplyError | undefined = undefined;
  #dispatching = 0;
  #destroying: Error | undefined = undefined;
  #fed = 0;
  #replies = 0;

  // The public members are Context's, documented there.
  constructor(sink: ContextSink<E>, io: ContextIo, options: ContextOptions = {}) {
    const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot make a context: maxBufferedBytes must be a positive integer, got "${max}"`,
      );
    }
    this.#sink = sink;
    this.#io = io;
    this.#opening = new Opening(options);
    this.#outbox = new Outbox(this.#inflight, sink, max);
    this.#modes = new ModeTracker(
      sink,
      this.#inflight,
      options.protocol ?? 3,
      () => this.#fed - this.#reader.bufferedBytes,
    );
    this.#pushBuffers = options.pushBuffers ?? false;
    // Pushes are always read as bytes: channel names and payloads are binary-safe, and a
    // push handler that wants strings gets them decoded.
    this.#reader = new RespReader({
      ...options.reader,
      pushBuffers: true,
      onPush: (push, attributes) => this.#push(push, attributes),
    });
  }

  get state(): ContextState {
    if (this.#closing && this.#state !== CLOSED) return "closing";
    return STATES[this.#state]!;
  }

  get mode(): ContextMode {
    return this.#modes.mode;
  }

  get protocol(): 2 | 3 {
    return this.#modes.protocol;
  }

  get accepting(): boolean {
    return this.#state !== CLOSED && !this.#closing;
  }

  get error(): Error | undefined {
    return this.#error;
  }

  get stats(): ContextStats {
    return {
      writes: this.#outbox.writes,
      bytesWritten: this.#outbox.bytesWritten,
      bytesRead: this.#fed,
      peakBufferedBytes: this.#outbox.peakBufferedBytes,
      replies: this.#replies,
      inFlight: this.#inflight.length,
      waiting: this.#outbox.waiting,
    };
  }

  connected(): boolean {
    if (this.#state === CLOSED) return false;
    if (this.#state !== CONNECTING) throw new TypeError("Cannot connect: the context is connected");
    this.#state = HANDSHAKING;
    for (const argv of this.#opening.start()) this.#outbox.writeBare(argv);
    this.#requestWrite();
    return true;
  }

  submit(entry: E, argv: readonly RedisArgument[]): void {
    const code = Array.isArray(argv) ? commandCode(argv, entry) : C_OTHER;
    const modes = this.#modes;
    if (code !== C_OTHER || modes.guarded) modes.check(code, argv);
    this.#queue(entry, argv);
    if (code !== C_OTHER) modes.noted(code, entry);
  }

  /** Queues a command that passed the checks: encoded now when possible, else in the backlog. */
  #queue(entry: E, argv: readonly RedisArgument[]): void {
    const outbox = this.#outbox;
    if (this.#state === READY && !this.#closing && outbox.open) {
      outbox.write(entry, argv);
      if (!this.#wantWrite) this.#requestWrite();
      return;
    }
    if (!this.accepting) throw this.#refusal();
    outbox.wait(entry, argv);
    if (this.#state === READY) this.#requestWrite();
  }

  submitBatch(entries: E[], argvs: readonly (readonly RedisArgument[])[]): void {
    if (entries.length !== argvs.length) {
      throw new TypeError(
        `Cannot queue a batch of ${entries.length} entries with ${argvs.length} commands`,
      );
    }
    if (!this.accepting) throw this.#refusal();
    const modes = this.#modes;
    let codes: number[] | undefined;
    let reset = false;
    for (let i = 0; i < argvs.length; i++) {
      const argv = argvs[i]!;
      const code = Array.isArray(argv) ? commandCode(argv, entries[i]) : C_OTHER;
      if (code === C_OTHER && (reset || !modes.guarded)) continue;
      if (code === C_PUBSUB || code === C_MONITOR || !reset) modes.check(code, argv);
      if (code === C_RESET) reset = true;
      (codes ??= new Array(argvs.length).fill(C_OTHER))[i] = code;
    }
    const alone = this.#outbox.waitBatch(entries, argvs);
    if (codes !== undefined) {
      for (let i = 0; i < codes.length; i++) {
        if (codes[i] !== C_OTHER) modes.noted(codes[i]!, entries[i]!);
      }
    }
    if (this.#state === READY) {
      if (alone) this.#outbox.refill();
      this.#requestWrite();
    }
  }

  subscribe(entry: E, kind: PubSubKind, names: readonly (string | Uint8Array)[]): void {
    this.#pubsub(entry, kind, names, true);
  }

  unsubscribe(entry: E, kind: PubSubKind, names: readonly (string | Uint8Array)[] = []): void {
    this.#pubsub(entry, kind, names, false);
  }

  monitor(entry: E): void {
    if (!this.accepting) throw this.#refusal();
    this.#modes.admitMonitor();
    this.#queue(entry, ["MONITOR"]);
    this.#modes.monitorQueued(entry);
  }

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

  take(): Uint8Array | undefined {
    if (this.#state === CLOSED || this.#writeError !== undefined) {
      this.#wantWrite = false;
      return undefined;
    }
    const outbox = this.#outbox;
    if (this.#state === READY && outbox.waiting > 0) {
      outbox.refill();
      if (this.#closing) this.#maybeFinishClose();
      if (this.#state === CLOSED) return undefined;
    }
    const bytes = outbox.take();
    if (bytes === undefined) {
      this.#wantWrite = false;
      return undefined;
    }
    this.#lastError = undefined; // the conversation goes on after that error
    return bytes;
  }

  end(error?: Error): void {
    if (this.#state === CLOSED) return;
    if (
      this.#closing && this.#state === READY && this.#inflight.length === 0 &&
      this.#outbox.waiting === 0
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

  writeFailed(error: Error): void {
    if (this.#state === CLOSED) return;
    this.#writeError ??= error;
    this.#wantWrite = false;
  }

  close(): void {
    if (this.#state === CLOSED || this.#closing) return;
    this.#closing = true;
    if (this.#dispatching === 0) this.#maybeFinishClose();
  }

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
    const modes = this.#modes;
    while (this.#state !== CLOSED && this.#destroying === undefined) {
      const head = inflight.peek();
      const options = modes.special
        ? modes.readOptions(head)
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
      this.#deliver(reply, options === BUFFERS);
    }
  }

  /**
   * Hands a reply to the command it answers. In normal mode that is the oldest command waiting,
   * provided it was handed to the transport (no server answers bytes it was never sent); when
   * pub/sub, MONITOR or a RESET is involved, the mode tracker decides first (a frame may answer
   * nobody, or be a ProtocolError that fails the connection).
   */
  #deliver(reply: RespValue, readBuffers: boolean): void {
    const inflight = this.#inflight;
    const head = inflight.peek();
    const written = head !== undefined && inflight.length > this.#outbox.unwritten;
    let value = reply;
    if (this.#modes.special) {
      try {
        const routed = this.#modes.route(reply, readBuffers, head, written);
        if (routed === CONSUMED) return;
        value = routed;
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.#fail(error);
        return;
      }
    }
    if (written) this.#answer(head!, value);
    else if (this.#state === HANDSHAKING && this.#opening.expecting) this.#openingReply(reply);
    else this.#unsolicited(reply);
  }

  /** The one place a command leaves the FIFO with its reply. */
  #answer(head: E, value: RespValue): void {
    const inflight = this.#inflight;
    inflight.shift();
    this.#lastError = value instanceof ReplyError && closesConnection(value) &&
        inflight.length + this.#outbox.waiting > 0
      ? value
      : undefined;
    this.#sink.reply(head, value);
  }

  #push(push: RespValue[], attributes: readonly RespAttribute[] | undefined): void {
    const frame = frameCode(push[0]);
    if (frame !== F_NONE && frame !== F_PONG) {
      // Pub/sub traffic; a malformed frame throws a ProtocolError out of the reader.
      const inflight = this.#inflight;
      const head = inflight.peek();
      const written = head !== undefined && inflight.length > this.#outbox.unwritten;
      const count = this.#modes.frame(frame, push, head, written);
      if (count !== CONSUMED) this.#answer(head!, count);
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

  // ---- the opening ----

  /** A reply to the handshake or a setup command. */
  #openingReply(reply: RespValue): void {
    const step: OpeningStep = this.#opening.reply(reply);
    switch (step.kind) {
      case "send":
        if (step.protocol !== undefined) this.#modes.protocol = step.protocol;
        try {
          for (const argv of step.commands) this.#outbox.writeBare(argv);
        } catch (error) {
          this.#fail(error as Error);
          return;
        }
        this.#requestWrite();
        return;
      case "wait":
        return;
      case "ready":
        this.#state = READY;
        this.#modes.protocol = step.protocol;
        this.#io.ready(step.protocol);
        if (this.#state === READY && this.#outbox.waiting > 0) {
          this.#outbox.refill();
          this.#requestWrite();
        }
        return;
      case "fail":
        this.#fail(step.error);
        return;
    }
  }

  #pubsub(
    entry: E,
    kind: PubSubKind,
    names: readonly (string | Uint8Array)[],
    subscribe: boolean,
  ): void {
    const modes = this.#modes;
    const call = modes.newCall(entry, kind, names, subscribe);
    if (!this.accepting) throw this.#refusal();
    modes.admitCall(call);
    this.#queue(entry, [callName(call), ...names]);
    modes.callQueued(call);
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

  #requestWrite(): void {
    if (this.#wantWrite) return;
    this.#wantWrite = true;
    this.#io.wantWrite();
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
    if (this.#inflight.length > 0 || this.#outbox.waiting > 0) return;
    if (this.#state === READY) {
      this.#finish();
    } else {
      this.#fail(new ConnectionClosedError("The connection was closed before it was ready"));
    }
  }

  #finish(): void {
    this.#state = CLOSED;
    this.#outbox.clear(); // empty already: every command got its reply
    this.#io.end(undefined);
  }

  /** The first error: fail everything pending with it, then end. */
  #fail(error: Error): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#error = error;
    this.#destroying = undefined;
    this.#lastError = undefined;
    this.#modes.clear();
    const inflight = this.#inflight.drain();
    const written = inflight.length - this.#outbox.unwritten;
    this.#outbox.clear();
    const sink = this.#sink;
    for (let i = 0; i < inflight.length; i++) sink.fail(inflight[i]!, error, i < written);
    this.#outbox.failWaiting(error);
    this.#io.end(error);
  }
}
