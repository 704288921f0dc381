import type { ContextSink } from "../context/types.ts";
import { ProtocolError, ReplyError, SubscriberOverflowError } from "../errors.ts";
import type { RespValue } from "../resp/types.ts";
import type { Command } from "./_command.ts";
import { MessageQueue } from "./_message_queue.ts";
import type { Connection } from "./connection.ts";

const DEFAULT_MAX_QUEUED = 10_000;

/**
 * One command as `MONITOR` reports it: `1700000000.123456 [0 127.0.0.1:50312] "SET" "k" "v"`.
 *
 * @example
 * ```ts
 * import type { MonitorEvent } from "@dray/dray/redis";
 *
 * const event: MonitorEvent = {
 *   timestamp: 1700000000.123456,
 *   db: 0,
 *   client: "127.0.0.1:50312",
 *   args: ["SET", "k", "v"],
 *   line: '1700000000.123456 [0 127.0.0.1:50312] "SET" "k" "v"',
 * };
 * ```
 */
export interface MonitorEvent {
  /** When the server ran the command, in seconds since the epoch (microsecond precision). */
  readonly timestamp: number;
  /** The database the command ran in. */
  readonly db: number;
  /** Who sent it: `host:port`, `[ipv6]:port`, `unix:/path`, or `lua` for a script's calls. */
  readonly client: string;
  /** The command and its arguments, unescaped and decoded as UTF-8. */
  readonly args: string[];
  /** The line as the server sent it (for arguments that are not UTF-8). */
  readonly line: string;
}

/**
 * Options of `RedisClient.monitor`.
 *
 * @example
 * ```ts
 * import type { MonitorOptions } from "@dray/dray/redis";
 *
 * const options: MonitorOptions = { maxQueued: 1000 };
 * ```
 */
export interface MonitorOptions {
  /**
   * How many events may wait unread (default 10,000). One more ends the monitor with a
   * `SubscriberOverflowError`, after the queued events.
   */
  maxQueued?: number;
}

const ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  r: 13,
  t: 9,
  a: 7,
  b: 8,
  "\\": 92,
  '"': 34,
};

const decoder = new TextDecoder();

function bad(line: string, why: string): ProtocolError {
  return new ProtocolError(`Malformed MONITOR line "${line.slice(0, 80)}": ${why}`, { offset: 0 });
}

function hex(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Parses one line of `MONITOR` output: the timestamp, `[db client]`, then each argument quoted
 * the way the server quotes them (`\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH` escapes).
 *
 * @param line The line without its leading `+`.
 * @returns The event.
 * @throws {ProtocolError} When the line does not have that shape.
 *
 * @example
 * ```ts
 * import { parseMonitorLine } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const event = parseMonitorLine('1700000000.5 [2 unix:/tmp/redis.sock] "SET" "caf\\xc3\\xa9" "a\\"b"');
 * assert.equal(event.db, 2);
 * assert.equal(event.client, "unix:/tmp/redis.sock");
 * assert.deepEqual(event.args, ["SET", "café", 'a"b']);
 * ```
 */
export function parseMonitorLine(line: string): MonitorEvent {
  const open = line.indexOf(" [");
  if (open <= 0) throw bad(line, 'no " ["');
  const timestamp = Number(line.slice(0, open));
  if (!Number.isFinite(timestamp)) throw bad(line, "the timestamp is not a number");
  const dbEnd = line.indexOf(" ", open + 2);
  if (dbEnd < 0) throw bad(line, "no client");
  const db = Number(line.slice(open + 2, dbEnd));
  if (!Number.isSafeInteger(db) || db < 0) throw bad(line, "the database is not a number");
  let close = line.indexOf('] "', dbEnd);
  if (close < 0) {
    if (!line.endsWith("]")) throw bad(line, 'no "]"');
    close = line.length - 1;
  }
  const client = line.slice(dbEnd + 1, close);
  const args: string[] = [];
  let at = close + 1;
  while (at < line.length) {
    if (line[at] !== " " || line[at + 1] !== '"') throw bad(line, `unexpected text at ${at}`);
    at += 2;
    const bytes: number[] = [];
    let ended = false;
    while (at < line.length) {
      const c = line.charCodeAt(at);
      if (c === 0x22) {
        ended = true;
        at++;
        break;
      }
      if (c !== 0x5c) {
        bytes.push(c & 0xff);
        at++;
        continue;
      }
      const next = line[at + 1];
      if (next === "x") {
        const high = hex(line.charCodeAt(at + 2));
        const low = hex(line.charCodeAt(at + 3));
        if (high < 0 || low < 0) throw bad(line, `a bad escape at ${at}`);
        bytes.push(high * 16 + low);
        at += 4;
      } else if (next !== undefined && Object.hasOwn(ESCAPES, next)) {
        bytes.push(ESCAPES[next]!);
        at += 2;
      } else {
        throw bad(line, `a bad escape at ${at}`);
      }
    }
    if (!ended) throw bad(line, "an unterminated argument");
    args.push(decoder.decode(new Uint8Array(bytes)));
  }
  return { timestamp, db, client, args, line };
}

/** Hears the monitor connection: MONITOR's reply, then the lines. */
export class MonitorSink implements ContextSink<Command> {
  readonly queue: MessageQueue<MonitorEvent>;
  connection: Connection<Command> | undefined = undefined;
  /** Why the monitor ended before its connection did (an overflow). */
  error: Error | undefined = undefined;

  constructor(options: MonitorOptions) {
    this.queue = new MessageQueue(options.maxQueued ?? DEFAULT_MAX_QUEUED);
  }

  reply(entry: Command, value: RespValue): void {
    if (value instanceof ReplyError) entry.reject(value);
    else entry.resolve(value);
  }

  fail(entry: Command, error: Error): void {
    entry.reject(error);
  }

  monitor(line: string): void {
    const queue = this.queue;
    if (queue.ended) return;
    let event: MonitorEvent;
    try {
      event = parseMonitorLine(line);
    } catch (error) {
      this.connection?.context.destroy(error as Error);
      return;
    }
    if (queue.push(event)) return;
    const limit = queue.limit;
    const error = new SubscriberOverflowError(
      `The monitor fell behind: ${limit} events were waiting unread when another came`,
      { limit },
    );
    this.error = error;
    queue.end(error);
    this.connection?.context.close();
  }
}

let makeMonitor: (sink: MonitorSink, connection: Connection<Command>) => Monitor;

/** Makes the public Monitor around a connection that runs MONITOR. */
export function createMonitor(sink: MonitorSink, connection: Connection<Command>): Monitor {
  return makeMonitor(sink, connection);
}

/**
 * A `MONITOR` session: every command the server runs, as a {@linkcode MonitorEvent}, through an
 * async iterator. It runs on a connection of its own (a monitoring connection accepts nothing but
 * `QUIT` and `RESET`), opened by `RedisClient.monitor()` with the client's settings.
 *
 * - **Stopping** ({@linkcode Monitor.stop}, leaving the `for await` loop, `await using`, or
 *   closing the client) closes that connection: events already queued are still yielded, then
 *   the iterator finishes; nothing arrives after.
 * - **Errors.** When the connection fails or the server drops it, the iterator throws that error
 *   after the queued events; a reader `maxQueued` events behind gets a `SubscriberOverflowError`.
 *
 * @example Watching commands
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379");
 * await using monitor = await client.monitor();
 * for await (const event of monitor) {
 *   console.log(event.db, event.client, event.args);
 * }
 * ```
 */
export class Monitor implements AsyncIterable<MonitorEvent>, AsyncDisposable {
  #sink: MonitorSink;
  #connection: Connection<Command>;
  #iterator: AsyncIterator<MonitorEvent> | undefined = undefined;
  #finished: Promise<Error | undefined>;

  static {
    makeMonitor = (sink, connection) => new Monitor(sink, connection);
  }

  private constructor(sink: MonitorSink, connection: Connection<Command>) {
    this.#sink = sink;
    this.#connection = connection;
    this.#finished = connection.finished.then((error) => {
      sink.queue.end(error);
      return sink.error ?? error;
    });
  }

  /**
   * Settles when the monitor's connection is closed: with `undefined` after `stop()`, else with
   * the error that ended it. Never rejects.
   *
   * @example
   * ```ts ignore
   * const monitor = await client.monitor();
   * await monitor.stop();
   * console.log(await monitor.finished); // undefined
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#finished;
  }

  /**
   * Stops monitoring: no event arrives after this (those already queued are still yielded) and
   * the connection closes. Idempotent.
   *
   * @returns A promise that resolves once the connection is closed. Never rejects.
   *
   * @example
   * ```ts ignore
   * const monitor = await client.monitor();
   * await monitor.stop();
   * ```
   */
  async stop(): Promise<void> {
    this.#sink.queue.end();
    this.#connection.context.close();
    await this.#finished;
  }

  /**
   * The iterator over the events (one per monitor: every call returns it). Leaving a
   * `for await` loop early stops the monitor.
   *
   * @returns The iterator.
   *
   * @example
   * ```ts ignore
   * for await (const event of await client.monitor()) console.log(event.args);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<MonitorEvent> {
    if (this.#iterator !== undefined) return this.#iterator;
    const queue = this.#sink.queue;
    return this.#iterator = {
      next: () => queue.next(),
      return: async (): Promise<IteratorResult<MonitorEvent>> => {
        await this.stop();
        queue.clear();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Stops the monitor (see {@linkcode Monitor.stop}); what `await using` calls.
   *
   * @returns A promise that resolves once stopped.
   *
   * @example
   * ```ts ignore
   * {
   *   await using monitor = await client.monitor();
   * } // stopped here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
