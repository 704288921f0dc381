// The connection's mode, pure: which subscriptions the server holds (confirmed, and as they will be
// once everything queued has run), MONITOR, RESET, MULTI. It refuses the commands a mode does not
// allow, tells how to read the next reply, and routes pub/sub frames and MONITOR lines to the
// sink. It never touches the reply FIFO: `route` and `frame` return the value that answers the
// command at its head (the Context shifts it), or CONSUMED when the frame answered nobody.

import { ProtocolError, ReplyError } from "../errors.ts";
import type { NextOptions, RedisArgument, RespValue } from "../resp/types.ts";
import {
  C_DISCARD,
  C_EXEC,
  C_MONITOR,
  C_MULTI,
  C_PING,
  C_PUBSUB,
  C_QUIT,
  C_RESET,
  F_MESSAGE,
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
import { preview } from "./_preview.ts";
import { replyToStrings } from "./_to_strings.ts";
import { Ring } from "./ring.ts";
import type { ContextEntry, ContextMode, ContextSink, PubSubKind } from "./types.ts";

/** What `route` and `frame` return when the frame answered no command. */
export const CONSUMED: unique symbol = Symbol("consumed");
/** A reply for the command at the FIFO's head, or CONSUMED. */
export type Routed = RespValue | typeof CONSUMED;

/** Read bulk strings as bytes (one object: the Context compares against it). */
export const BUFFERS: NextOptions = { returnBuffers: true };
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
 * Runs a sink's pub/sub callback. An exception is the callback's bug, not the connection's: it is
 * reported as an uncaught error without disturbing the replies around it.
 */
export function guard(run: () => void): void {
  try {
    run();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** The command a pub/sub call sends (`SUBSCRIBE`, `PUNSUBSCRIBE`…). */
export function callName<E>(call: PubSubCall<E>): string {
  return (call.subscribe ? SUBSCRIBE_COMMANDS : UNSUBSCRIBE_COMMANDS)[call.kind]!;
}

/** The pub/sub, MONITOR and RESET state of one connection (see the file comment). */
export class ModeTracker<E extends ContextEntry> {
  #sink: ContextSink<E>;
  #inflight: Ring<E>;
  #offset: () => number;
  #protocol: 2 | 3;
  // (P|S)(UN)SUBSCRIBE calls waiting for their confirmations, in the order queued; the encoded
  // ones are also in the FIFO, in the same order.
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
  #special = false;
  #guarded = false;

  /**
   * @param sink Hears pub/sub events, MONITOR lines and RESET.
   * @param inflight The context's FIFO of encoded commands (read, never changed).
   * @param protocol The RESP version asked for.
   * @param offset Where in the stream the reader is (for ProtocolError's `offset`).
   */
  constructor(sink: ContextSink<E>, inflight: Ring<E>, protocol: 2 | 3, offset: () => number) {
    this.#sink = sink;
    this.#inflight = inflight;
    this.#protocol = protocol;
    this.#offset = offset;
  }

  /** The RESP version: the one asked for, then the handshake's, then 2 after a RESET. */
  get protocol(): 2 | 3 {
    return this.#protocol;
  }

  set protocol(protocol: 2 | 3) {
    this.#protocol = protocol;
  }

  /** How replies are routed now. */
  get mode(): ContextMode {
    if (this.#monitoring) return "monitor";
    return this.#confirmed.total > 0 || this.#subscribing > 0 ? "subscribed" : "normal";
  }

  /** Replies need more than the FIFO: pub/sub calls pending, subscriptions, MONITOR, a RESET. */
  get special(): boolean {
    return this.#special;
  }

  /** Every command must go through `check`: the projected mode refuses some. */
  get guarded(): boolean {
    return this.#guarded;
  }

  // ---- queueing ----

  /** Refuses a command the connection's mode does not allow (a TypeError). */
  check(code: number, argv: readonly RedisArgument[]): void {
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
  noted(code: number, entry: E): void {
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

  /** A pub/sub call from checked arguments (TypeError for a bad kind or name). */
  newCall(
    entry: E,
    kind: PubSubKind,
    names: readonly (string | Uint8Array)[],
    subscribe: boolean,
  ): PubSubCall<E> {
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
    return new PubSubCall(entry, k, subscribe, keys);
  }

  /** Refuses a pub/sub call inside MULTI or while monitoring (a TypeError). */
  admitCall(call: PubSubCall<E>): void {
    const command = callName(call);
    if (this.#inMulti) {
      throw new TypeError(
        `Cannot send ${command} inside MULTI: the server would queue it and nest its ` +
          "confirmations in EXEC's reply",
      );
    }
    if (this.#projectedMonitor) throw new TypeError(`Cannot send ${command} while monitoring`);
  }

  /** The call was queued: it now waits for its confirmations. */
  callQueued(call: PubSubCall<E>): void {
    call.seq = ++this.#seq;
    this.#calls.push(call);
    if (call.subscribe) this.#subscribing++;
    this.#projected.apply(call);
    this.#update();
  }

  /** Refuses MONITOR inside MULTI, when monitoring already or subscribed (a TypeError). */
  admitMonitor(): void {
    if (this.#inMulti) {
      throw new TypeError("Cannot send MONITOR inside MULTI: it would be queued, not run");
    }
    if (this.#projectedMonitor) throw new TypeError("Cannot send MONITOR: already monitoring");
    if (this.#projected.total > 0 || this.#subscribing > 0) {
      throw new TypeError("Cannot send MONITOR on a subscribed connection");
    }
  }

  /** MONITOR was queued with `entry`. */
  monitorQueued(entry: E): void {
    this.#monitorCall = entry;
    this.#projectedMonitor = true;
    this.#update();
  }

  /** The connection failed: nothing is subscribed, monitored or pending any more. */
  clear(): void {
    this.#calls.drain();
    this.#subscribing = 0;
    this.#confirmed.clear();
    this.#projected.clear();
    this.#monitoring = this.#projectedMonitor = false;
    this.#monitorCall = undefined;
    this.#resets = [];
    this.#update();
  }

  // ---- replies ----

  /**
   * How to read the next reply when `special`. Over RESP2, pub/sub frames (messages,
   * confirmations) are replies: read them as bytes, so names and payloads are binary-safe. Over
   * RESP3 they are pushes, read as bytes anyway; a reply belongs to the first command that is not
   * waiting for confirmations (those before it get theirs, as pushes, first).
   */
  readOptions(head: E | undefined): NextOptions | undefined {
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
   * Routes a reply read when `special`: a MONITOR line, a RESP2 message or confirmation, or a
   * reply for `head` (`written`: the head was handed to the transport). Returns the value that
   * answers the head (or `reply` itself when nothing was written: the caller decides), or
   * CONSUMED. Throws a ProtocolError for a frame that makes no sense here.
   */
  route(reply: RespValue, readBuffers: boolean, head: E | undefined, written: boolean): Routed {
    const call = this.#calls.peek();
    const callAtHead = written && call !== undefined && call.entry === head;
    if (this.#monitoring && typeof reply === "string" && isMonitorLine(reply)) {
      const handler = this.#sink.monitor;
      if (handler !== undefined) guard(() => handler.call(this.#sink, reply));
      return CONSUMED;
    }
    let value = reply;
    if (this.#protocol === 2 && readBuffers && Array.isArray(reply)) {
      // Read while subscribed over RESP2: a message, a confirmation, or PING's answer.
      const frame = frameCode(reply[0]);
      if (frame >= F_MESSAGE && frame <= F_SUNSUBSCRIBE) {
        return this.frame(frame, reply, head, written);
      }
      if (frame === F_PONG && reply.length === 2 && written && !callAtHead) {
        // `*2 pong <message>` answers PING: give it what PING gives in normal mode.
        const message = reply[1]!;
        value = message instanceof Uint8Array && message.length === 0 ? "PONG" : message;
      }
    }
    if (!written) return reply;
    if (callAtHead) {
      if (reply instanceof ReplyError) {
        // The pub/sub call at the head got an error reply: it ends with it.
        this.#calls.shift();
        if (call.subscribe) this.#subscribing--;
        this.#reproject();
        this.#update();
        return reply;
      }
      throw this.#protocolError(
        `Unexpected reply to ${callName(call)}, which is answered by confirmations: ` +
          `"${preview(reply)}"`,
      );
    }
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
    return readBuffers && !head!.buffers ? replyToStrings(value) : value;
  }

  /**
   * A pub/sub frame (`F_MESSAGE`…`F_SUNSUBSCRIBE`), as a RESP2 reply or a RESP3 push. Returns the
   * final count when it completed the call at the head (that count answers it), else CONSUMED.
   */
  frame(frame: number, data: RespValue[], head: E | undefined, written: boolean): Routed {
    if (frame <= F_SMESSAGE) {
      this.#message(frame, data);
      return CONSUMED;
    }
    return this.#confirm(frame, data, head, written);
  }

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
    if (last !== undefined && sameBytes(last, name)) return this.#lastKey;
    const key = keyOf(name);
    this.#lastName = name;
    this.#lastKey = key;
    return key;
  }

  #confirm(frame: number, data: RespValue[], head: E | undefined, written: boolean): Routed {
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
    const call = this.#calls.peek();
    const atHead = call !== undefined && head === call.entry && written && call.kind === kind &&
      call.subscribe === subscribe;
    if (frame === F_SUNSUBSCRIBE && !(atHead && this.#answers(call, key))) {
      // Not the confirmation the head call waits for: the server's own. A shard channel we hold
      // and did not ask to leave was dropped (its slot moved to another node). One we do not hold
      // (or a null name) is the server's answer to an unsubscribe that its own drop of the same
      // channel, identical on the wire, already answered.
      const shards = this.#confirmed.sets[K_SHARD];
      if (key !== undefined && shards.has(key)) {
        shards.delete(key);
        this.#reproject();
        this.#update();
        const handler = this.#sink.unsubscribed;
        if (handler !== undefined) {
          guard(() => handler.call(this.#sink, undefined, "shard", key, count));
        }
      }
      return CONSUMED;
    }
    if (!atHead) {
      throw this.#protocolError(
        `A ${what} confirmation for ${shown} while ` +
          (call === undefined
            ? "no subscribe or unsubscribe command is waiting"
            : `waiting for ${callName(call)}`),
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
      if (handler !== undefined) guard(() => handler.call(sink, entry, KINDS[kind]!, key!, count));
    } else {
      const handler = sink.unsubscribed;
      if (handler !== undefined) guard(() => handler.call(sink, entry, KINDS[kind]!, key, count));
    }
    return done ? count : CONSUMED;
  }

  /**
   * Whether a shard unsubscribe frame for `key` answers `call`, an SUNSUBSCRIBE at the head: its
   * next name, or, for SUNSUBSCRIBE without names, a channel held (or null once none is).
   */
  #answers(call: PubSubCall<E>, key: string | undefined): boolean {
    if (call.keys.length > 0) return key === call.keys[call.received];
    const set = this.#confirmed.sets[K_SHARD];
    return key === undefined ? set.size === 0 && call.received === 0 : set.has(key);
  }

  /** RESET ran: no subscriptions, no MONITOR, RESP2. */
  #afterReset(): void {
    this.#confirmed.clear();
    this.#monitoring = false;
    this.#protocol = 2;
    this.#reproject();
    this.#update();
    const handler = this.#sink.reset;
    if (handler !== undefined) guard(() => handler.call(this.#sink));
  }

  #protocolError(message: string): ProtocolError {
    return new ProtocolError(message, { offset: this.#offset() });
  }

  #malformed(data: RespValue[], why: string): ProtocolError {
    return this.#protocolError(`Malformed pub/sub frame "${preview(data)}": ${why}`);
  }

  /** Recomputes `special` and `guarded` after a pub/sub, MONITOR or RESET change. */
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
}
