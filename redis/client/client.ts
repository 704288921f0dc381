import { defaultLoop } from "../../loop/deno_loop.ts";
import type { EventLoop, LoopHandle, LoopTimer } from "../../loop/types.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import { frameCode, INVALIDATE_CHANNEL } from "../context/_pubsub.ts";
import { toStrings } from "../context/_to_strings.ts";
import { Handshake } from "../context/handshake.ts";
import type { ContextSink, ContextState, ContextStats, PubSubKind } from "../context/types.ts";
import {
  AbortError,
  ConnectionClosedError,
  RedisError,
  ReplyError,
  TimeoutError,
} from "../errors.ts";
import type { PushHandler, RedisArgument, RespAttribute, RespValue } from "../resp/types.ts";
import { connectTransport } from "../transport/connect.ts";
import { ConnectError } from "../transport/errors.ts";
import type { Transport } from "../transport/types.ts";
import { Command, Guard, promiseFor } from "./_command.ts";
import { type ClientCore, cores, refuseModeCommand } from "./_core.ts";
import {
  type ClientCache,
  createCache,
  enableCache,
  invalidateCache,
  trackingCommand,
} from "./cache.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";
import { createMonitor, type Monitor, type MonitorOptions, MonitorSink } from "./monitor.ts";
import type { RedisClientOptions } from "./options.ts";
import {
  type PubSubHandler,
  type PubSubPayload,
  PubSubRegistry,
  type SubscribeOptions,
  type Subscription,
} from "./subscription.ts";
import { type ResolvedOptions, resolveOptions } from "./_resolve_options.ts";
import { Pipeline } from "./pipeline.ts";
import { Transaction } from "./transaction.ts";

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * Where a {@linkcode RedisClient} is in its life: `idle` until `connect()`, `connecting` until
 * the handshake is done, then `ready`, `closing` after `close()`, and `closed` at the end.
 *
 * @example
 * ```ts
 * import type { RedisClientStatus } from "@dray/dray/redis";
 *
 * const status: RedisClientStatus = "ready";
 * ```
 */
export type RedisClientStatus = "idle" | "connecting" | "ready" | "closing" | "closed";

/**
 * Options for {@linkcode RedisClient.close}.
 *
 * @example
 * ```ts
 * import type { CloseOptions } from "@dray/dray/redis";
 *
 * const options: CloseOptions = { timeoutMs: 2000 };
 * ```
 */
export interface CloseOptions {
  /**
   * How long to wait for pending replies before destroying instead (default: the client's
   * `closeTimeoutMs`, 10,000 ms).
   */
  timeoutMs?: number;
}

function checkTimeout(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got "${value}"`);
  }
  return value;
}

/** The names a pub/sub method takes: one, or several. */
type Names = string | Uint8Array | readonly (string | Uint8Array)[];

function namesOf(names: Names | undefined): (string | Uint8Array)[] {
  if (names === undefined) return [];
  if (typeof names === "string" || names instanceof Uint8Array) return [names];
  if (!Array.isArray(names)) {
    throw new TypeError(`Expected a name or an array of names, got "${String(names)}"`);
  }
  return [...names];
}

/** What the sink asks of its client beyond the registry and the cache. */
interface SinkHost {
  /** RESET ran on the connection. */
  onReset(): void;
}

/** Hears every command's outcome, and the pub/sub traffic, from the current connection. */
class ClientSink implements ContextSink<Command> {
  push: PushHandler | undefined;
  readonly registry: PubSubRegistry;
  readonly cache: ClientCache | undefined;
  #onPush: PushHandler | undefined;
  #pushBuffers: boolean;
  #host: SinkHost;

  constructor(
    registry: PubSubRegistry,
    cache: ClientCache | undefined,
    options: RedisClientOptions,
    host: SinkHost,
  ) {
    this.registry = registry;
    this.cache = cache;
    this.#onPush = options.onPush;
    this.#pushBuffers = options.pushBuffers ?? false;
    this.#host = host;
    if (cache !== undefined || this.#onPush !== undefined) {
      this.push = (push, attributes) => this.#push(push, attributes);
    }
  }

  reply(entry: Command, value: RespValue): void {
    const group = entry.group;
    if (group !== undefined) {
      group.reply(entry, value);
      return;
    }
    if (entry.owner !== undefined && value instanceof ReplyError) {
      this.registry.refused(entry.owner as Subscription<string | Uint8Array>, value);
    }
    if (entry.abandoned) return;
    if (entry.guard !== undefined) entry.release();
    if (value instanceof ReplyError) entry.reject(value);
    else entry.resolve(value);
  }

  fail(entry: Command, error: Error): void {
    const group = entry.group;
    if (group !== undefined) {
      group.fail(entry, error);
      return;
    }
    if (entry.owner !== undefined) {
      this.registry.refused(entry.owner as Subscription<string | Uint8Array>, error);
    }
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.release();
    entry.reject(error);
  }

  message(
    kind: PubSubKind,
    key: string,
    channel: Uint8Array,
    message: RespValue,
    pattern: Uint8Array | undefined,
  ): void {
    if (key === INVALIDATE_CHANNEL && kind === "channel" && this.cache !== undefined) {
      invalidateCache(this.cache, message);
    }
    this.registry.deliver(kind, key, channel, message, pattern);
  }

  subscribed(entry: Command, kind: PubSubKind, key: string): void {
    this.registry.subscribed(
      entry.owner as Subscription<string | Uint8Array> | undefined,
      kind,
      key,
    );
  }

  unsubscribed(
    entry: Command | undefined,
    kind: PubSubKind,
    key: string | undefined,
  ): void {
    if (key === undefined) return;
    this.registry.unsubscribed(
      kind,
      key,
      entry === undefined
        ? new RedisError(
          `The server unsubscribed ${kind} "${key}" on its own (its slot moved to another node)`,
        )
        : undefined,
    );
  }

  reset(): void {
    this.registry.reset();
    if (this.cache !== undefined) enableCache(this.cache, false);
    this.#host.onReset();
  }

  #push(push: RespValue[], attributes: readonly RespAttribute[] | undefined): void {
    const cache = this.cache;
    if (cache !== undefined && push.length === 2 && isInvalidate(push[0])) {
      invalidateCache(cache, push[1]!);
    }
    const handler = this.#onPush;
    if (handler === undefined) return;
    handler(this.#pushBuffers ? push : toStrings(push) as RespValue[], attributes);
  }
}

const INVALIDATE = new TextEncoder().encode("invalidate");

function isInvalidate(kind: RespValue | undefined): boolean {
  if (typeof kind === "string") return kind === "invalidate";
  if (!(kind instanceof Uint8Array) || kind.length !== INVALIDATE.length) return false;
  for (let i = 0; i < INVALIDATE.length; i++) if (kind[i] !== INVALIDATE[i]) return false;
  return frameCode(kind) === 0;
}

/**
 * A Redis client on one connection, with hiredis `async.c`'s semantics done right.
 *
 * - **Connecting.** `connect()` opens the transport (TCP, TLS or a unix socket; Deno's sockets or
 *   the native shim, see `connectTransport`) and runs the handshake before any command:
 *   `HELLO 3` with `AUTH` and `SETNAME` (falling back to RESP2 with `AUTH`, `CLIENT SETNAME`
 *   when the server refuses HELLO), then `SELECT`. A handshake error rejects `connect()` with
 *   the server's text; `connectTimeoutMs` (default 10 s) covers the handshake too. Commands
 *   issued while connecting wait, in order.
 * - **Auto-pipelining.** Every command issued in the same tick leaves in one write, and replies
 *   are matched in order; nothing to opt into. The write buffer is bounded
 *   (`maxBufferedBytes`): commands beyond it wait unencoded until it drains.
 * - **Errors.** An error reply rejects that command only, with a `ReplyError` (`code`).
 *   `timeoutMs` and `signal` per command reject with `TimeoutError` / `AbortError`; a command
 *   already written still consumes its reply, so later replies stay in step. When the
 *   connection fails, every pending command rejects with the one error that ended it (see
 *   `Context`); a server that hangs up after an error reply (`-ERR max number of clients
 *   reached`) is reported with that `ReplyError`.
 * - **Closing.** `close()` stops accepting commands, lets every pending one get its reply, then
 *   closes (destroying after `closeTimeoutMs`); `destroy()` rejects everything pending at once
 *   with a `ConnectionClosedError`. Both are deferred while a push handler runs. `await using`
 *   closes.
 * - **Batches.** `pipeline()` sends commands as one block and `exec()` gives every result, an
 *   error reply as an element; `multi()` does the same inside `MULTI`/`EXEC`.
 * - **Pub/sub.** {@linkcode RedisClient.subscribe}, `psubscribe`, `ssubscribe` give a
 *   {@linkcode Subscription} (a handler, or a bounded async iterator); `unsubscribe` and its
 *   family behave exactly as the server does. Over RESP3 the connection still runs any command;
 *   over RESP2 only what the server allows while subscribed.
 * - **MONITOR** runs on a connection of its own ({@linkcode RedisClient.monitor}).
 * - **Client-side caching** with the `cache` option: {@linkcode RedisClient.cache}.
 *
 * Blocking commands (`BLPOP`, `XREAD BLOCK`, `WAIT`…) hold the connection: every command behind
 * them waits for them. Give them a client of their own. `WATCH` applies to the whole connection,
 * so optimistic transactions also want a client of their own.
 *
 * @example Connecting, a command, and closing with `await using`
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379");
 * await client.sendCommand(["SET", "greeting", "hello"]);
 * console.log(await client.sendCommand(["GET", "greeting"])); // "hello"
 * ```
 *
 * @example Auto-pipelining: one write for the whole tick
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379");
 * const writes = client.stats.writes;
 * const replies = await Promise.all(
 *   Array.from({ length: 100 }, (_, i) => client.sendCommand(["INCRBY", "counter", i])),
 * );
 * console.log(replies.length, client.stats.writes - writes); // 100 1
 * ```
 */
export class RedisClient extends RedisCommands implements AsyncDisposable {
  #options: RedisClientOptions;
  #resolved: ResolvedOptions;
  #loop: EventLoop;
  #sink: ClientSink;
  #returnBuffers: boolean;
  #closeTimeoutMs: number;
  #connection: Connection<Command> | undefined = undefined;
  #transport: Transport | undefined = undefined;
  #connecting: Promise<void> | undefined = undefined;
  #timers: LoopHandle | undefined = undefined;
  #closedIdle = false;
  #db: number;
  #finished: Promise<Error | undefined>;
  #resolveFinished!: (error: Error | undefined) => void;
  #registry: PubSubRegistry;
  #cache: ClientCache | undefined;
  #monitors = new Set<Connection<Command>>();

  /**
   * Makes a client; nothing happens until {@linkcode RedisClient.connect}.
   *
   * @param options Where to connect, the handshake, and the client's settings.
   * @throws {TypeError} When the URL cannot be parsed or the options are inconsistent.
   * @throws {RangeError} When a number option is out of range.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient({ url: "redis://localhost:6380/1" });
   * assert.equal(client.status, "idle");
   * ```
   */
  constructor(options: RedisClientOptions = {}) {
    super();
    const protocol = (): 2 | 3 => this.protocol;
    const tracking = (): boolean => {
      const context = this.#connection?.context;
      return context !== undefined && context.protocol === 3 &&
        (context.state === "ready" || context.state === "closing");
    };
    this.#options = options;
    this.#resolved = resolveOptions(options);
    this.#loop = options.loop ?? defaultLoop();
    this.#registry = new PubSubRegistry({
      unsubscribe: (kind, names) => this.#release(kind, names),
    });
    if (options.cache !== undefined) {
      if (this.#resolved.handshake.protocol === 2) {
        throw new TypeError("Cannot cache with protocol 2: client tracking needs RESP3 pushes");
      }
      this.#cache = createCache({
        get protocol(): 2 | 3 {
          return protocol();
        },
        get tracking(): boolean {
          return tracking();
        },
        sendCommand: (argv, commandOptions) => this.sendCommand(argv, commandOptions),
      }, options.cache);
    }
    this.#sink = new ClientSink(this.#registry, this.#cache, options, {
      onReset: () => {
        this.#db = 0;
      },
    });
    this.#returnBuffers = options.returnBuffers ?? false;
    this.#closeTimeoutMs = checkTimeout(
      "closeTimeoutMs",
      options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    );
    new Handshake(this.#resolved.handshake); // checks the handshake options now
    const maxBufferedBytes = options.maxBufferedBytes;
    if (
      maxBufferedBytes !== undefined &&
      (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1)
    ) {
      throw new RangeError(
        `maxBufferedBytes must be a positive integer, got "${maxBufferedBytes}"`,
      );
    }
    checkTimeout("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    this.#db = this.#resolved.handshake.db ?? 0;
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
    const core: ClientCore = {
      get protocol(): 2 | 3 {
        return protocol();
      },
      returnBuffers: this.#returnBuffers,
      submitBatch: (entries, argvs) => this.#context("send a batch").submitBatch(entries, argvs),
      arm: (entry, options, giveUp) => this.#arm(entry, options, giveUp),
    };
    cores.set(this, core);
  }

  /**
   * The RESP version of the connection: the one negotiated once connected, before that the one
   * asked for (3 unless `protocol: 2`). Reply shapes depend on it (maps in RESP3, flat arrays in
   * RESP2), so read it when a reply arrives.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ protocol: 2 }).protocol, 2);
   * ```
   */
  get protocol(): 2 | 3 {
    return this.#connection?.context.protocol ?? this.#resolved.handshake.protocol ?? 3;
  }

  /**
   * Where the client is in its life (see {@linkcode RedisClientStatus}).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * assert.equal(client.status, "idle");
   * await client.close();
   * assert.equal(client.status, "closed");
   * ```
   */
  get status(): RedisClientStatus {
    const connection = this.#connection;
    if (connection === undefined) return this.#closedIdle ? "closed" : "idle";
    const state: ContextState = connection.context.state;
    return state === "handshaking" ? "connecting" : state;
  }

  /**
   * The transport carrying the connection (`kind`, `driver`, `remoteAddr`, `tls`, `fallback`),
   * once connected.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient().transport, undefined);
   * ```
   */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /**
   * The connection's counters: `writes` (buffers handed to the transport), `bytesWritten`,
   * `peakBufferedBytes`, `replies`, `inFlight`, `waiting`. All zero before `connect()`.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient().stats.writes, 0);
   * ```
   */
  get stats(): ContextStats {
    return this.#connection?.context.stats ?? {
      writes: 0,
      bytesWritten: 0,
      peakBufferedBytes: 0,
      replies: 0,
      inFlight: 0,
      waiting: 0,
    };
  }

  /**
   * The database the client uses: from the options or URL, then from each successful
   * {@linkcode RedisClient.select}. A reconnecting client selects it again.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient({ url: "redis://localhost/4" }).db, 4);
   * ```
   */
  get db(): number {
    return this.#db;
  }

  /**
   * Settles when the client is closed, with the error that ended its connection (`undefined`
   * after a clean close). Never rejects.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * await client.close();
   * assert.equal(await client.finished, undefined);
   * ```
   */
  get finished(): Promise<Error | undefined> {
    return this.#finished;
  }

  /**
   * Connects and runs the handshake. Calling it again returns the same promise.
   *
   * @returns A promise that resolves once the client is ready.
   * @throws {ConnectError} When the transport cannot connect (`code`: `ECONNREFUSED`,
   * `ETIMEDOUT` — also when the handshake does not finish within `connectTimeoutMs` —,
   * `ECANCELED` when `signal` aborts, …).
   * @throws {ReplyError} When the server refuses the handshake (wrong password, max clients…),
   * with the server's text.
   * @throws {ConnectionClosedError} When the client was closed or destroyed first.
   *
   * @example
   * ```ts ignore
   * import { RedisClient } from "@dray/dray/redis";
   *
   * const client = new RedisClient({ url: "redis://localhost:6379", name: "worker" });
   * const pong = client.sendCommand(["PING"]); // waits for the handshake
   * await client.connect();
   * console.log(await pong); // "PONG"
   * await client.close();
   * ```
   */
  connect(): Promise<void> {
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#closedIdle) {
      return Promise.reject(new ConnectionClosedError("Cannot connect: the client is closed"));
    }
    const cache = this.#cache;
    const cacheOptions = this.#options.cache;
    const connection = new Connection<Command>(this.#sink, {
      ...this.#connectionOptions(),
      pushBuffers: true, // the sink decodes pushes for onPush unless pushBuffers
      ...(cacheOptions === undefined ? {} : {
        setup: (protocol: 2 | 3) => protocol === 3 ? [trackingCommand(cacheOptions)] : [],
      }),
    });
    this.#connection = connection;
    if (cache !== undefined) {
      connection.ready.then((protocol) => enableCache(cache, protocol === 3), () => {});
    }
    connection.finished.then((error) => {
      if (cache !== undefined) enableCache(cache, false);
      this.#registry.connectionLost(error);
    });
    const connecting = this.#open(connection, true);
    this.#connecting = connecting;
    // Finished once the connection ended and the connect attempt settled (no stream left open).
    Promise.all([connection.finished, connecting.catch(() => {})]).then(([error]) =>
      this.#resolveFinished(error)
    );
    return connecting;
  }

  /**
   * Sends one command. Commands issued in the same tick leave in one write.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments (`string`, `number`, `bigint`, `Uint8Array`).
   * @param options `returnBuffers`, `timeoutMs`, `signal`.
   * @returns The reply, as the RESP reader gives it (`null` for RESP nulls; maps in RESP3).
   * @throws {ReplyError} The server's error reply to this command.
   * @throws {TimeoutError} `timeoutMs` ran out first.
   * @throws {AbortError} `signal` aborted first.
   * @throws {ConnectionClosedError} The client is not connected, is closing or closed, or the
   * connection ended before the reply (`cause` says why); or the error that ended the connection
   * (a `ProtocolError`, the server's `ReplyError` before it hung up, a `ConnectError`).
   * @throws {TypeError} An argument cannot be encoded; the command would take replies out of
   * order (the subscribe family and MONITOR, which have methods of their own, and
   * `CLIENT REPLY OFF|SKIP`); or the connection's mode refuses it (over RESP2 while subscribed,
   * only `PING`, `QUIT` and `RESET`).
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using client = await connect("redis://localhost:6379");
   * await client.sendCommand(["SET", "bytes", new Uint8Array([0xff, 0x00])]);
   * const bytes = await client.sendCommand<Uint8Array>(["GET", "bytes"], { returnBuffers: true });
   * console.log(bytes); // Uint8Array(2) [ 255, 0 ]
   * ```
   */
  sendCommand<T = RespValue>(
    argv: readonly RedisArgument[],
    options?: CommandOptions,
  ): Promise<T> {
    const connection = this.#connection;
    if (connection === undefined) return Promise.reject(this.#notConnected("send a command"));
    const context = connection.context;
    if (!context.accepting) return Promise.reject(this.#refusal(context.error));
    const entry = new Command(options?.returnBuffers ?? this.#returnBuffers);
    const promise = promiseFor<T>(entry);
    try {
      refuseModeCommand(argv);
      if (
        options !== undefined && (options.timeoutMs !== undefined || options.signal !== undefined)
      ) {
        const aborted = this.#arm(entry, options, giveUp);
        if (aborted !== undefined) {
          entry.abandoned = true;
          return Promise.reject(aborted);
        }
      }
      context.submit(entry, argv);
    } catch (error) {
      entry.abandoned = true;
      entry.release();
      return Promise.reject(error);
    }
    return promise;
  }

  /**
   * Starts an explicit pipeline: commands added to it are held until `exec()`, then sent as one
   * block (without MULTI). Each command's promise settles with its own reply; `exec()` resolves
   * with every result, an error reply as an element.
   *
   * @returns A new pipeline on this client.
   *
   * @example
   * ```ts ignore
   * import { connect, ReplyError } from "@dray/dray/redis";
   *
   * await using client = await connect("redis://localhost:6379");
   * const pipeline = client.pipeline();
   * pipeline.sendCommand(["SET", "a", "1"]);
   * pipeline.sendCommand(["LPUSH", "a", "x"]); // WRONGTYPE
   * pipeline.sendCommand(["GET", "a"]);
   * const [set, push, get] = await pipeline.exec();
   * console.log(set, push instanceof ReplyError, get); // OK true 1
   * ```
   */
  pipeline(): Pipeline {
    return new Pipeline(this);
  }

  /**
   * Starts a transaction: commands added to it are held until `exec()`, then sent as
   * `MULTI`, the commands and `EXEC`, in one contiguous block that no other command can enter.
   *
   * @returns A new transaction on this client.
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using client = await connect("redis://localhost:6379");
   * const transaction = client.multi();
   * transaction.sendCommand(["INCR", "visits"]);
   * transaction.sendCommand(["EXPIRE", "visits", 60]);
   * console.log(await transaction.exec()); // [ 1, 1 ]
   * ```
   */
  multi(): Transaction {
    return new Transaction(this);
  }

  /**
   * Subscribes to channels. Resolves once the server confirmed every name: from then on their
   * messages reach the subscription, through `onMessage` (a handler given as the second argument
   * or in the options) or through its async iterator (`for await`), whose queue is bounded by
   * `maxQueued` (see {@linkcode SubscribeOptions}). Names and payloads are binary-safe: pass
   * `Uint8Array` names, and `buffers: true` to receive bytes.
   *
   * Over RESP3 the connection stays usable for any command while subscribed (messages arrive as
   * pushes). Over RESP2 the server accepts only `PING`, `QUIT`, `RESET` and the subscribe family
   * while a subscription is active: other commands are refused locally with a `TypeError` (give
   * pub/sub a client of its own there).
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param channels A channel, or several.
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} No name, a name that is neither a string nor bytes, bad options, inside
   * a `MULTI` sent with `sendCommand`, or on a monitoring connection.
   * @throws {ReplyError} The server refused (e.g. `NOPERM` from an ACL).
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using subscriber = await connect("redis://localhost:6379");
   * await using publisher = await connect("redis://localhost:6379");
   * const news = await subscriber.subscribe("news");
   * await publisher.publish("news", "hello");
   * for await (const { message } of news) {
   *   console.log(message); // "hello"
   *   break; // unsubscribes
   * }
   * ```
   */
  subscribe<B extends boolean = false>(
    channels: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return this.#subscribe("channel", channels, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Subscribes to glob-style patterns (`news.*`): like {@linkcode RedisClient.subscribe}, and
   * each message also says which `pattern` matched.
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param patterns A pattern, or several.
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} As `subscribe`.
   * @throws {ReplyError} The server refused.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * const all = await client.psubscribe("news.*", ({ channel, message, pattern }) => {
   *   console.log(pattern, channel, message); // news.* news.sport goal
   * });
   * ```
   */
  psubscribe<B extends boolean = false>(
    patterns: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return this.#subscribe("pattern", patterns, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Subscribes to shard channels (`SSUBSCRIBE`, Redis 7.0's sharded pub/sub, published with
   * `SPUBLISH`): like {@linkcode RedisClient.subscribe}. A standalone server accepts them as a
   * separate family of channels; in a cluster the channels of one call must hash to one slot,
   * and a node that loses the slot ends the subscription with a `RedisError`.
   *
   * @typeParam B `true` for `Uint8Array` messages (`buffers: true`).
   * @param channels A shard channel, or several (one slot in a cluster).
   * @param options A handler, or the options.
   * @returns The subscription, once confirmed.
   * @throws {TypeError} As `subscribe`.
   * @throws {ReplyError} The server refused (`CROSSSLOT` in a cluster).
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * const orders = await client.ssubscribe("orders:{eu}");
   * await client.spublish("orders:{eu}", "new");
   * ```
   */
  ssubscribe<B extends boolean = false>(
    channels: string | Uint8Array | readonly (string | Uint8Array)[],
    options?: SubscribeOptions<B> | PubSubHandler<string>,
  ): Promise<Subscription<PubSubPayload<B>>> {
    return this.#subscribe("shard", channels, options) as Promise<
      Subscription<PubSubPayload<B>>
    >;
  }

  /**
   * Sends `UNSUBSCRIBE`, exactly as the server runs it: the connection stops receiving the named
   * channels (every subscription of this client on them ends, as a `for await` loop that
   * finishes), one confirmation per name, subscribed or not; without names, every channel.
   * Patterns and shard channels are left alone. To end one subscription only, use
   * `Subscription.unsubscribe()`.
   *
   * @param channels A channel, several, or none for all.
   * @returns The server's count of the connection's remaining channel and pattern subscriptions,
   * from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.subscribe(["a", "b"]);
   * console.log(await client.unsubscribe(["a", "never-subscribed"])); // 1
   * console.log(await client.unsubscribe()); // 0
   * ```
   */
  unsubscribe(channels?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return this.#unsubscribe("channel", channels);
  }

  /**
   * Sends `PUNSUBSCRIBE`: as {@linkcode RedisClient.unsubscribe}, for patterns.
   *
   * @param patterns A pattern, several, or none for all.
   * @returns The server's count from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.punsubscribe("news.*");
   * ```
   */
  punsubscribe(patterns?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return this.#unsubscribe("pattern", patterns);
  }

  /**
   * Sends `SUNSUBSCRIBE`: as {@linkcode RedisClient.unsubscribe}, for shard channels.
   *
   * @param channels A shard channel, several, or none for all.
   * @returns The server's count of the remaining shard subscriptions, from the last confirmation.
   * @throws {TypeError} A name that is neither a string nor bytes, or inside `MULTI`.
   * @throws {ConnectionClosedError} The client is not connected, or closed first.
   *
   * @example
   * ```ts ignore
   * await client.sunsubscribe();
   * ```
   */
  sunsubscribe(channels?: string | Uint8Array | readonly (string | Uint8Array)[]): Promise<number> {
    return this.#unsubscribe("shard", channels);
  }

  /**
   * The names the client receives messages for, per kind: every name with at least one active
   * subscription. (What a reconnecting client subscribes to again.)
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(new RedisClient().subscriptions, { channel: [], pattern: [], shard: [] });
   * ```
   */
  get subscriptions(): Record<PubSubKind, (string | Uint8Array)[]> {
    return this.#registry.names();
  }

  /**
   * The client-side cache, when the client was made with the `cache` option (see
   * {@linkcode ClientCache}); else `undefined`.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RedisClient().cache, undefined);
   * assert.equal(new RedisClient({ cache: {} }).cache?.enabled, false); // not connected
   * ```
   */
  get cache(): ClientCache | undefined {
    return this.#cache;
  }

  /**
   * Starts `MONITOR` on a new connection of its own, made with the client's settings (address,
   * transport, credentials, name, database): a monitoring connection accepts nothing but `QUIT`
   * and `RESET`, so this client stays free for commands. Resolves once the server accepted
   * MONITOR; iterate the {@linkcode Monitor} for the events, and stop it to close its
   * connection (closing the client stops it too).
   *
   * @param options `maxQueued`.
   * @returns The running monitor.
   * @throws {ConnectionClosedError} The client is not connected, or is closing.
   * @throws {ConnectError} The new connection could not be opened.
   * @throws {ReplyError} The server refused (the handshake, or MONITOR itself: `NOPERM`).
   *
   * @example
   * ```ts ignore
   * await using monitor = await client.monitor();
   * await client.sendCommand(["SET", "k", "v"]);
   * for await (const event of monitor) {
   *   console.log(event.args); // ["SET", "k", "v"]
   *   break; // stops the monitor
   * }
   * ```
   */
  async monitor(options: MonitorOptions = {}): Promise<Monitor> {
    const max = options.maxQueued;
    if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
      throw new RangeError(`maxQueued must be a positive integer, got "${max}"`);
    }
    const context = this.#context("monitor");
    if (!context.accepting) throw this.#refusal(context.error);
    const sink = new MonitorSink(options);
    const connection = new Connection<Command>(sink, this.#connectionOptions());
    sink.connection = connection;
    this.#monitors.add(connection);
    connection.finished.then(() => this.#monitors.delete(connection));
    try {
      await this.#open(connection, false);
      const entry = new Command(false);
      const accepted = promiseFor<unknown>(entry);
      connection.context.monitor(entry);
      await accepted;
    } catch (error) {
      connection.context.destroy(error as Error);
      await connection.finished;
      throw error;
    }
    return createMonitor(sink, connection);
  }

  /**
   * Selects a database, and remembers it: a client that reconnects selects it again. (A `SELECT`
   * sent with `sendCommand` is not remembered.)
   *
   * @param db The database number.
   * @param options Per-command options.
   * @returns `"OK"`.
   * @throws {RangeError} When `db` is not a non-negative integer.
   * @throws {ReplyError} When the server refuses (e.g. `ERR DB index is out of range`).
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * await using client = await connect("redis://localhost:6379");
   * await client.select(2);
   * console.log(client.db); // 2
   * ```
   */
  async select(db: number, options?: CommandOptions): Promise<"OK"> {
    if (!Number.isSafeInteger(db) || db < 0) {
      throw new RangeError(`Cannot select database "${db}": expected a non-negative integer`);
    }
    const reply = await this.sendCommand<"OK">(["SELECT", db], options);
    this.#db = db;
    this.#cache?.clear();
    return reply;
  }

  /**
   * Closes cleanly: new commands reject with `ConnectionClosedError` at once; every command
   * already accepted (written or still waiting) gets its reply; then the connection closes. When
   * that takes longer than `timeoutMs`, the client is destroyed instead. Called from a push
   * handler, it takes effect when the handler returns.
   *
   * @param options The time limit.
   * @returns A promise that resolves once the connection is closed (never rejects).
   *
   * @example
   * ```ts ignore
   * import { connect } from "@dray/dray/redis";
   *
   * const client = await connect("redis://localhost:6379");
   * const reply = client.sendCommand(["PING"]);
   * await client.close(); // PING still gets its reply
   * console.log(await reply); // "PONG"
   * ```
   */
  async close(options?: CloseOptions): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) {
      this.#closedIdle = true;
      this.#resolveFinished(undefined);
      return;
    }
    const timeoutMs = checkTimeout("timeoutMs", options?.timeoutMs ?? this.#closeTimeoutMs);
    const monitors = [...this.#monitors].map((monitor) => {
      monitor.context.close();
      return monitor.finished;
    });
    connection.context.close();
    let timer: LoopTimer | undefined;
    if (connection.context.state !== "closed") {
      timer = this.#timerHandle().scheduleTimer(timeoutMs, () =>
        connection.context.destroy(
          new ConnectionClosedError(
            `The client was destroyed: close() did not finish within ${timeoutMs} ms`,
          ),
        ));
    }
    await this.#finished;
    await Promise.all(monitors);
    timer?.cancel();
  }

  /**
   * Closes at once: every pending command rejects now with a `ConnectionClosedError`, and the
   * connection is closed. Called from a push handler, it takes effect when the handler returns.
   * Idempotent; `finished` settles once the socket is closed.
   *
   * @example
   * ```ts ignore
   * import { connect, ConnectionClosedError } from "@dray/dray/redis";
   *
   * const client = await connect("redis://localhost:6379");
   * const slow = client.sendCommand(["BLPOP", "nothing", 0]);
   * client.destroy();
   * await slow.catch((error) => console.log(error instanceof ConnectionClosedError)); // true
   * ```
   */
  destroy(): void {
    const connection = this.#connection;
    if (connection === undefined) {
      this.#closedIdle = true;
      this.#resolveFinished(undefined);
      return;
    }
    for (const monitor of this.#monitors) {
      monitor.context.destroy(new ConnectionClosedError("The client was destroyed"));
    }
    connection.context.destroy(new ConnectionClosedError("The client was destroyed"));
  }

  /**
   * Closes the client (see {@linkcode RedisClient.close}); what `await using` calls.
   *
   * @returns A promise that resolves once the connection is closed.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * {
   *   await using client = new RedisClient();
   *   assert.equal(client.status, "idle");
   * }
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  #subscribe(
    kind: PubSubKind,
    names: Names,
    options: SubscribeOptions | PubSubHandler<string> | undefined,
  ): Promise<Subscription<string | Uint8Array>> {
    let subscription: Subscription<string | Uint8Array>;
    let list: (string | Uint8Array)[];
    const entry = new Command(false);
    const confirmed = promiseFor<unknown>(entry);
    try {
      list = namesOf(names);
      const settings: SubscribeOptions = typeof options === "function"
        ? { onMessage: options as PubSubHandler<string | Uint8Array> }
        : options ?? {};
      const { maxQueued, overflow } = settings;
      if (maxQueued !== undefined && (!Number.isSafeInteger(maxQueued) || maxQueued < 1)) {
        throw new RangeError(`maxQueued must be a positive integer, got "${maxQueued}"`);
      }
      if (overflow !== undefined && overflow !== "error" && overflow !== "drop") {
        throw new TypeError(`overflow must be "error" or "drop", got "${overflow}"`);
      }
      const context = this.#context("subscribe");
      if (!context.accepting) throw this.#refusal(context.error);
      subscription = this.#registry.create(kind, list, settings);
      entry.owner = subscription;
      context.subscribe(entry, kind, list);
    } catch (error) {
      entry.abandoned = true;
      return Promise.reject(error);
    }
    this.#registry.sent(kind, list);
    return confirmed.then(() => subscription);
  }

  #unsubscribe(kind: PubSubKind, names: Names | undefined): Promise<number> {
    const entry = new Command(false);
    const confirmed = promiseFor<number>(entry);
    try {
      const list = namesOf(names);
      const context = this.#context("unsubscribe");
      if (!context.accepting) throw this.#refusal(context.error);
      context.unsubscribe(entry, kind, list);
    } catch (error) {
      entry.abandoned = true;
      return Promise.reject(error);
    }
    return confirmed;
  }

  /** Unsubscribes names no subscription holds any more (when the connection can). */
  #release(kind: PubSubKind, names: (string | Uint8Array)[]): Promise<void> {
    const context = this.#connection?.context;
    if (context === undefined || !context.accepting) return Promise.resolve();
    return this.#unsubscribe(kind, names).then(() => {}, () => {});
  }

  #context(action: string): Connection<Command>["context"] {
    const connection = this.#connection;
    if (connection === undefined) throw this.#notConnected(action);
    return connection.context;
  }

  #refusal(cause: Error | undefined): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot send a command: the client is ${this.status === "closing" ? "closing" : "closed"}`,
      cause === undefined ? undefined : { cause },
    );
  }

  #notConnected(action: string): ConnectionClosedError {
    return new ConnectionClosedError(
      this.#closedIdle
        ? `Cannot ${action}: the client is closed`
        : `Cannot ${action}: the client is not connected (call connect() first)`,
    );
  }

  #timerHandle(): LoopHandle {
    if (this.#timers === undefined || this.#timers.closed) this.#timers = this.#loop.attach({});
    return this.#timers;
  }

  #arm(
    entry: Command,
    options: CommandOptions,
    onGiveUp: (entry: Command, error: Error) => void,
  ): Error | undefined {
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined) checkTimeout("timeoutMs", timeoutMs);
    if (signal?.aborted) {
      return new AbortError("The command was aborted before it was sent", {
        cause: signal.reason,
      });
    }
    const guard = new Guard();
    entry.guard = guard;
    if (signal !== undefined) {
      guard.signal = signal;
      guard.onAbort = () =>
        onGiveUp(entry, new AbortError("The command was aborted", { cause: signal.reason }));
      signal.addEventListener("abort", guard.onAbort, { once: true });
    }
    if (timeoutMs !== undefined) {
      guard.timer = this.#timerHandle().scheduleTimer(timeoutMs, () => {
        guard.timer = undefined;
        onGiveUp(entry, new TimeoutError(`No reply within ${timeoutMs} ms`, { timeoutMs }));
      });
    }
    return undefined;
  }

  /** The options of a connection to the client's server (without setup). */
  #connectionOptions(): ConnectionOptions {
    return {
      ...this.#resolved.handshake,
      loop: this.#loop,
      ...(this.#options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: this.#options.maxBufferedBytes }),
      ...(this.#options.reader === undefined ? {} : { reader: this.#options.reader }),
    };
  }

  /**
   * Opens the transport for `connection` and waits for its handshake. `main`: the client's own
   * connection (the user's signal applies, and its end releases the client's timers).
   */
  async #open(connection: Connection<Command>, main: boolean): Promise<void> {
    const { transport: transportOptions, address } = this.#resolved;
    const timeoutMs = checkTimeout(
      "connectTimeoutMs",
      transportOptions.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    const controller = new AbortController();
    const userSignal = main ? this.#options.signal : undefined;
    const timers = this.#timerHandle();
    connection.finished.then(() => {
      controller.abort();
      if (main) timers.cleanup();
    });
    const giveUpConnect = (code: "ETIMEDOUT" | "ECANCELED", message: string, cause?: unknown) => {
      const error = new ConnectError(message, {
        code,
        address,
        ...(cause === undefined ? {} : { cause }),
      });
      connection.context.destroy(error);
    };
    const timer = timeoutMs > 0
      ? timers.scheduleTimer(
        timeoutMs,
        () =>
          giveUpConnect(
            "ETIMEDOUT",
            `Cannot connect to ${address}: not ready after ${timeoutMs} ms`,
          ),
      )
      : undefined;
    const onAbort = () =>
      giveUpConnect("ECANCELED", `Cannot connect to ${address}: aborted`, userSignal?.reason);
    if (userSignal?.aborted) onAbort();
    else userSignal?.addEventListener("abort", onAbort, { once: true });
    try {
      let transport: Transport;
      try {
        transport = await connectTransport({
          ...transportOptions,
          connectTimeoutMs: timeoutMs,
          signal: controller.signal,
        });
      } catch (error) {
        connection.context.destroy(error as Error);
        throw connection.context.error ?? error;
      }
      if (main && connection.context.state !== "closed") this.#transport = transport;
      connection.attach(transport);
      try {
        await connection.ready;
      } catch (error) {
        throw connection.context.error ?? error;
      }
    } finally {
      timer?.cancel();
      userSignal?.removeEventListener("abort", onAbort);
    }
  }
}

/** What a plain command does when its timer fires or its signal aborts. */
function giveUp(entry: Command, error: Error): void {
  if (entry.abandoned) return;
  entry.abandoned = true;
  entry.release();
  entry.reject(error);
}

/**
 * Makes a {@linkcode RedisClient} and connects it.
 *
 * @param url A Redis URL (see {@linkcode RedisClientOptions.url}).
 * @param options More options; explicit ones override the URL's.
 * @returns The connected client.
 * @throws {ConnectError} When the transport cannot connect, or the handshake does not finish
 * within `connectTimeoutMs`.
 * @throws {ReplyError} When the server refuses the handshake, with the server's text.
 * @throws {TypeError} When the URL or the options are invalid.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379/0", { name: "reporter" });
 * console.log(client.protocol, client.transport?.kind); // 3 "deno"
 * ```
 */
export function connect(url: string, options?: RedisClientOptions): Promise<RedisClient>;
/**
 * Makes a {@linkcode RedisClient} and connects it.
 *
 * @param options Where to connect, the handshake, and the client's settings.
 * @returns The connected client.
 * @throws {ConnectError} When the transport cannot connect, or the handshake does not finish
 * within `connectTimeoutMs`.
 * @throws {ReplyError} When the server refuses the handshake, with the server's text.
 * @throws {TypeError} When the options are invalid.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect({ path: "/run/redis/redis.sock", db: 1 });
 * ```
 */
export function connect(options?: RedisClientOptions): Promise<RedisClient>;
export async function connect(
  urlOrOptions?: string | RedisClientOptions,
  options?: RedisClientOptions,
): Promise<RedisClient> {
  const merged: RedisClientOptions = typeof urlOrOptions === "string"
    ? { ...options, url: urlOrOptions }
    : { ...urlOrOptions };
  const client = new RedisClient(merged);
  try {
    await client.connect();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
