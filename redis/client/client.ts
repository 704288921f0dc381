import { defaultLoop } from "../../loop/deno_loop.ts";
import type { EventLoop, LoopHandle, LoopTimer } from "../../loop/types.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { RedisCommands } from "../commands/redis_commands.ts";
import { Handshake } from "../context/handshake.ts";
import { connectFailure } from "./_connect_failure.ts";
import type { ContextStats, PubSubKind } from "../context/types.ts";
import {
  AbortError,
  ConnectionClosedError,
  OfflineQueueFullError,
  OutcomeUnknownError,
  TimeoutError,
} from "../errors.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import { connectTransport } from "../transport/connect.ts";
import { ConnectError } from "../transport/errors.ts";
import type { Transport } from "../transport/types.ts";
import { checkArgv } from "../context/_argv.ts";
import { keyOf } from "../context/_pubsub.ts";
import { isHangUp } from "../context/_hang_up.ts";
import { classify } from "../commands/classify.ts";
import { blockingTimeoutMs, FOREVER, NOT_BLOCKING } from "./_blocking.ts";
import { Command, Guard, promiseFor } from "./_command.ts";
import { Liveness } from "./_liveness.ts";
import { askClientId, unblock, type UnblockHost } from "./_unblock.ts";
import { type ClientCore, cores, refuseModeCommand } from "./_core.ts";
import { Block, type OfflineItem, OfflineQueue, type Overflow } from "./_offline_queue.ts";
import { ADMIT_BOUND, S_OTHER, S_QUIT, Session, sessionCode } from "./_session.ts";
import { ClientSink, rejectEntry, type SinkHost } from "./_sink.ts";
import { type ClientCache, createCache, enableCache, trackingCommand } from "./cache.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";
import {
  RedisClientEvent,
  type RedisClientEventInit,
  type RedisClientEventListener,
  type RedisClientEventType,
} from "./events.ts";
import { createMonitor, type Monitor, type MonitorOptions, MonitorSink } from "./monitor.ts";
import type { RedisClientOptions } from "./options.ts";
import { exponentialBackoff, type ReconnectStrategy } from "./reconnect.ts";
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
const DEFAULT_OFFLINE_COMMANDS = 10_000;
const DEFAULT_OFFLINE_BYTES = 16 * 1024 * 1024;
const DEFAULT_RETRY_READ_ONLY = 1;
const DEFAULT_BLOCKING_GRACE_MS = 2000;
const DEFAULT_OFFLINE_TIMEOUT_MS = 15_000;
/** How many names one resubscription command carries at most. */
const RESUBSCRIBE_CHUNK = 1024;

/**
 * Where a {@linkcode RedisClient} is in its life: `idle` until `connect()`, `connecting` until
 * the first handshake is done, then `ready`; `reconnecting` from a lost connection until a new
 * one is ready; `closing` after `close()`, and `closed` at the end (also when it gave up
 * reconnecting).
 *
 * @example
 * ```ts
 * import type { RedisClientStatus } from "@dray/dray/redis";
 *
 * const status: RedisClientStatus = "reconnecting";
 * ```
 */
export type RedisClientStatus =
  | "idle"
  | "connecting"
  | "ready"
  | "reconnecting"
  | "closing"
  | "closed";

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

/**
 * The counters of a {@linkcode RedisClient}: those of its current connection (see
 * `ContextStats`; they start again at zero on each new connection) and the client's own.
 *
 * @example
 * ```ts
 * import type { RedisClientStats } from "@dray/dray/redis";
 *
 * const stats: RedisClientStats = {
 *   writes: 0,
 *   bytesWritten: 0,
 *   bytesRead: 0,
 *   peakBufferedBytes: 0,
 *   replies: 0,
 *   inFlight: 0,
 *   waiting: 0,
 *   connections: 1,
 *   offline: 0,
 *   resent: 0,
 * };
 * ```
 */
export interface RedisClientStats extends ContextStats {
  /** How many connections became ready (1 until the first reconnect). */
  readonly connections: number;
  /** Commands waiting in the offline queue now. */
  readonly offline: number;
  /** Commands sent again on a new connection after theirs was lost (never written, or reads). */
  readonly resent: number;
}

function checkTimeout(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got "${value}"`);
  }
  return value;
}

/** A time limit that may also be `Infinity` (no limit). */
function checkLimit(name: string, value: number): number {
  if (value === Infinity) return value;
  return checkTimeout(name, value);
}

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got "${value}"`);
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

function commandName(entry: Command): string {
  const name = entry.args?.[0];
  if (typeof name === "string") return name.toUpperCase();
  if (name instanceof Uint8Array) return new TextDecoder().decode(name).toUpperCase();
  return String(name);
}

function noop(): void {}

/** The reconnect settings, resolved: `undefined` when the client does not reconnect. */
interface Reconnect {
  strategy: ReconnectStrategy;
  maxAttempts: number;
}

function resolveReconnect(option: RedisClientOptions["reconnect"]): Reconnect | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) {
    return { strategy: exponentialBackoff(), maxAttempts: Infinity };
  }
  if (typeof option === "function") return { strategy: option, maxAttempts: Infinity };
  if (typeof option !== "object" || option === null) {
    throw new TypeError(`reconnect must be a boolean, a function or options, got "${option}"`);
  }
  const maxAttempts = option.maxAttempts ?? Infinity;
  if (maxAttempts !== Infinity) checkCount("reconnect.maxAttempts", maxAttempts);
  if (option.strategy !== undefined && typeof option.strategy !== "function") {
    throw new TypeError(`reconnect.strategy must be a function, got "${option.strategy}"`);
  }
  return { strategy: option.strategy ?? exponentialBackoff(), maxAttempts };
}

function resolveOfflineQueue(option: RedisClientOptions["offlineQueue"]): OfflineQueue | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) {
    return new OfflineQueue(
      DEFAULT_OFFLINE_COMMANDS,
      DEFAULT_OFFLINE_BYTES,
      DEFAULT_OFFLINE_TIMEOUT_MS,
    );
  }
  if (typeof option !== "object" || option === null) {
    throw new TypeError(`offlineQueue must be a boolean or options, got "${option}"`);
  }
  return new OfflineQueue(
    checkCount("offlineQueue.maxCommands", option.maxCommands ?? DEFAULT_OFFLINE_COMMANDS),
    checkCount("offlineQueue.maxBytes", option.maxBytes ?? DEFAULT_OFFLINE_BYTES),
    checkLimit("offlineQueue.timeoutMs", option.timeoutMs ?? DEFAULT_OFFLINE_TIMEOUT_MS),
  );
}

/**
 * A Redis client, with hiredis `async.c`'s semantics done right, that reconnects.
 *
 * - **Connecting.** `connect()` opens the transport (TCP, TLS or a unix socket; Deno's sockets or
 *   the native shim, see `connectTransport`) and runs the handshake before any command:
 *   `HELLO 3` with `AUTH` and `SETNAME` (falling back to RESP2 with `AUTH`, `CLIENT SETNAME`
 *   when the server refuses HELLO), then `SELECT`. A handshake error rejects `connect()` with
 *   the server's text; `connectTimeoutMs` (default 10 s) covers the handshake too. Commands
 *   issued while connecting wait, in order, in the offline queue.
 * - **Auto-pipelining.** Every command issued in the same tick leaves in one write, and replies
 *   are matched in order; nothing to opt into. The write buffer is bounded
 *   (`maxBufferedBytes`): commands beyond it wait unencoded until it drains.
 * - **Errors.** An error reply rejects that command only, with a `ReplyError` (`code`): never
 *   another command, even when the connection is lost right after it. `timeoutMs` and `signal`
 *   per command (or `commandTimeoutMs` for every command without its own, blocking ones aside)
 *   reject with `TimeoutError` / `AbortError`; a command already written still consumes its
 *   reply, so no late reply can answer a later command. After a command timed out, a connection
 *   that reads nothing for 3 times that timeout (at least `blockingGraceMs`) while replies are
 *   due is taken for dead and closed (then the client reconnects): a stalled server cannot hold
 *   it for good. An aborted or timed-out blocking command (`BLPOP k 0`) is unblocked on the
 *   server (`CLIENT UNBLOCK` from a short-lived second connection; its connection is closed when
 *   that is not possible), so the commands behind it go on.
 * - **Reconnecting** (the `reconnect` option, on by default). When the connection is lost the
 *   client connects again after a backoff (`exponentialBackoff()`, or a strategy of your own;
 *   `maxAttempts` bounds the attempts), on a new connection, so no byte of the dead one reaches
 *   it. On the new connection, in order: the handshake (with the database of the last
 *   `select()`), the subscriptions again (channels, patterns, shard channels), then the offline
 *   queue. What was pending on the lost connection: a command never written goes back to the
 *   offline queue; a read-only command (by the server's flags) is sent again `retryReadOnly`
 *   times (default once); any other written command rejects with `OutcomeUnknownError` (`cause`:
 *   the connection's error) and is never sent again. Without reconnecting (`reconnect: false`), a
 *   written command rejects with `OutcomeUnknownError` too. Events (`addEventListener`:
 *   `connect`, `ready`, `error`, `close`, `reconnecting`, `end`) tell the story. See the
 *   README's "Failure semantics".
 * - **Offline queue.** While no connection is ready, commands wait in a queue bounded by
 *   `offlineQueue.maxCommands` and `maxBytes`; past them a command rejects with
 *   `OfflineQueueFullError`. A command waits there at most `offlineQueue.timeoutMs` (15 s by
 *   default; `Infinity` allowed), then rejects with `TimeoutError`, never sent.
 *   `offlineQueue: false` rejects them at once instead.
 * - **Dead networks.** TCP keepalive is on; `healthCheck` sends a `PING` on a silent connection
 *   and closes it (then reconnects) when nothing answers; a blocking command (`BLPOP k 5`) that
 *   has no reply `blockingGraceMs` after its own timeout closes its connection the same way.
 * - **Closing.** `close()` stops accepting commands, lets every pending one get its reply (a
 *   pending blocking command is unblocked and answers as if its timeout ran out), then closes
 *   (destroying after `closeTimeoutMs`); `destroy()` rejects everything pending at once
 *   with a `ConnectionClosedError`. Both are deferred while a push handler runs. `await using`
 *   closes.
 * - **Batches.** `pipeline()` sends commands as one block and `exec()` gives every result, an
 *   error reply as an element; `multi()` does the same inside `MULTI`/`EXEC`.
 * - **Pub/sub.** {@linkcode RedisClient.subscribe}, `psubscribe`, `ssubscribe` give a
 *   {@linkcode Subscription} (a handler, or a bounded async iterator); `unsubscribe` and its
 *   family behave exactly as the server does. Over RESP3 the connection still runs any command;
 *   over RESP2 only what the server allows while subscribed. Subscriptions survive reconnects
 *   (messages published while the client was disconnected are lost, as pub/sub goes).
 * - **MONITOR** runs on a connection of its own ({@linkcode RedisClient.monitor}).
 * - **Client-side caching** with the `cache` option: {@linkcode RedisClient.cache}.
 *
 * Blocking commands (`BLPOP`, `XREAD BLOCK`, `WAIT`…) hold the connection: every command behind
 * them waits for them. Give them a client of their own. `WATCH` applies to the whole connection,
 * so optimistic transactions also want a client of their own; a transaction after a `WATCH`
 * whose connection was lost is not run (`exec()` gives `null`, as for a changed key).
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
 *
 * @example Watching the connection come and go
 * ```ts ignore
 * import { connect } from "@dray/dray/redis";
 *
 * await using client = await connect("redis://localhost:6379", { reconnect: { maxAttempts: 20 } });
 * client.addEventListener("reconnecting", (event) => {
 *   console.log(`attempt ${event.attempt} in ${event.delayMs} ms after`, event.error);
 * });
 * client.addEventListener("ready", () => console.log("ready"));
 * ```
 */
export class RedisClient extends RedisCommands implements AsyncDisposable {
  #options: RedisClientOptions;
  #resolved: ResolvedOptions;
  #loop: EventLoop;
  #returnBuffers: boolean;
  #closeTimeoutMs: number;
  #reconnect: Reconnect | undefined;
  #offline: OfflineQueue | undefined;
  #retryReadOnly: number;
  #healthCheck: { intervalMs: number; timeoutMs: number } | undefined;
  #blockingGraceMs: number;
  #commandTimeoutMs: number | undefined;
  #liveness = new Liveness();
  // Unblocking blocking commands nobody waits for (see _unblock.ts), running now.
  #unblocks = new Set<Promise<void>>();
  // Their side connections: destroyed when the client ends, so no unblock outlives it.
  #sides = new Set<Connection<Command>>();
  #unblockHost: UnblockHost = {
    openSide: async (sink) => {
      if (this.#done) throw new ConnectionClosedError("The client is closed");
      const side = new Connection<Command>(sink, this.#connectionOptions());
      this.#sides.add(side);
      side.finished.then(() => this.#sides.delete(side));
      try {
        await this.#open(side, "monitor");
      } catch (error) {
        side.context.destroy(error as Error);
        await side.finished;
        throw error;
      }
      return side;
    },
    delay: (ms) =>
      new Promise<void>((resolve) => {
        if (this.#done) {
          resolve();
          return;
        }
        this.#timerHandle().scheduleTimer(ms, resolve);
        this.#finished.then(() => resolve());
      }),
  };
  #host: SinkHost;
  #state: RedisClientStatus = "idle";
  // The current connection (being opened, ready, or the last one), and its sink.
  #connection: Connection<Command> | undefined = undefined;
  #sink: ClientSink | undefined = undefined;
  // The current connection is ready and takes commands directly.
  #live = false;
  #lostConnection: Connection<Command> | undefined = undefined;
  #lastError: Error | undefined = undefined;
  // A command whose connection was lost did not fit in the offline queue: the ones after it
  // from the same loss fail too, so that none runs without the ones before it.
  #overflow: Error | undefined = undefined;
  #transport: Transport | undefined = undefined;
  #connecting: Promise<void> | undefined = undefined;
  #timers: LoopHandle | undefined = undefined;
  #reconnectTimer: LoopTimer | undefined = undefined;
  #healthTimer: LoopTimer | undefined = undefined;
  #attempt = 0;
  #connections = 0;
  #resent = 0;
  #everReady = false;
  #quit = false;
  // The error of a destroy the user ordered (destroy(), or close() out of time).
  #ordered: Error | undefined = undefined;
  #session = new Session();
  #events = new EventTarget();
  #db: number;
  #finished: Promise<Error | undefined>;
  #resolveFinished!: (error: Error | undefined) => void;
  #done = false;
  #registry: PubSubRegistry;
  #cache: ClientCache | undefined;
  #monitors = new Set<Connection<Command>>();
  #opened = new WeakSet<Connection<Command>>();

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
      return this.#live && context !== undefined && context.protocol === 3 &&
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
    this.#reconnect = resolveReconnect(options.reconnect);
    this.#offline = resolveOfflineQueue(options.offlineQueue);
    const retryReadOnly = checkCount(
      "retryReadOnly",
      options.retryReadOnly ?? DEFAULT_RETRY_READ_ONLY,
    );
    this.#retryReadOnly = retryReadOnly;
    const health = options.healthCheck;
    if (health !== undefined) {
      const intervalMs = checkTimeout("healthCheck.intervalMs", health.intervalMs);
      const timeoutMs = checkTimeout("healthCheck.timeoutMs", health.timeoutMs ?? intervalMs);
      if (intervalMs === 0 || timeoutMs === 0) {
        throw new RangeError(
          `healthCheck times must be above 0, got "${intervalMs}" and "${timeoutMs}"`,
        );
      }
      this.#healthCheck = { intervalMs, timeoutMs };
    }
    this.#blockingGraceMs = checkTimeout(
      "blockingGraceMs",
      options.blockingGraceMs ?? DEFAULT_BLOCKING_GRACE_MS,
    );
    const commandTimeoutMs = options.commandTimeoutMs;
    this.#commandTimeoutMs = commandTimeoutMs === undefined
      ? undefined
      : checkTimeout("commandTimeoutMs", commandTimeoutMs);
    this.#db = this.#resolved.handshake.db ?? 0;
    this.#finished = new Promise((resolve) => this.#resolveFinished = resolve);
    this.#host = {
      onReset: () => {
        this.#db = 0;
      },
      lost: (connection, error) => this.#lost(connection, error),
      ordered: (error) => error === this.#ordered,
      requeue: (entry) => this.#requeue(entry),
      requeueBlock: (entries) => this.#requeue(new Block(entries, true)),
      unknown: (entry, error) => {
        // The server said why it hung up (a protocol error): it ran nothing sent after that.
        if (isHangUp(error)) return error;
        const name = commandName(entry);
        return new OutcomeUnknownError(
          `The connection was lost after ${name} was sent: the server may or may not have run it`,
          { command: name, cause: error },
        );
      },
      retryReadOnly,
      unblock: () => this.#unblock(false),
    };
    const core: ClientCore = {
      get protocol(): 2 | 3 {
        return protocol();
      },
      returnBuffers: this.#returnBuffers,
      submitBatch: (entries, argvs, transaction) => this.#submitBatch(entries, argvs, transaction),
      transaction: () => this.#session.transaction(),
      arm: (entry, options, giveUp) => this.#arm(entry, options, giveUp),
      commandTimeoutMs: this.#commandTimeoutMs,
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
    return this.#state;
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
   * The counters of the current connection (`writes`, `bytesWritten`, `bytesRead`,
   * `peakBufferedBytes`, `replies`, `inFlight`, `waiting`; all zero before `connect()`, and
   * again on each new connection) and the client's own (`connections`, `offline`, `resent`).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const stats = new RedisClient().stats;
   * assert.equal(stats.writes, 0);
   * assert.equal(stats.connections, 0);
   * ```
   */
  get stats(): RedisClientStats {
    const stats = this.#connection?.context.stats;
    return {
      writes: stats?.writes ?? 0,
      bytesWritten: stats?.bytesWritten ?? 0,
      bytesRead: stats?.bytesRead ?? 0,
      peakBufferedBytes: stats?.peakBufferedBytes ?? 0,
      replies: stats?.replies ?? 0,
      inFlight: stats?.inFlight ?? 0,
      waiting: stats?.waiting ?? 0,
      connections: this.#connections,
      offline: this.#offline?.length ?? 0,
      resent: this.#resent,
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
   * Connects and runs the handshake. Calling it again returns the same promise. It does not
   * retry: when this first connection fails, it rejects and the client is closed. (Once
   * connected, a lost connection is retried, see the `reconnect` option.)
   *
   * @returns A promise that resolves once the client is ready.
   * @throws {ConnectError} When the transport cannot connect (`code`: `ECONNREFUSED`,
   * `ETIMEDOUT` — also when the handshake does not finish within `connectTimeoutMs` —,
   * `ECANCELED` when `signal` aborts, …).
   * @throws {ReplyError} When the server refuses the handshake (wrong password, max clients…),
   * with the server's text (the password, where it quotes it, as `***`).
   * @throws {HandshakeError} When the peer answers the handshake as no Redis server does (an
   * echo, a socket connected to itself, another protocol).
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
    if (this.#state !== "idle") {
      return Promise.reject(new ConnectionClosedError("Cannot connect: the client is closed"));
    }
    this.#state = "connecting";
    const connecting = this.#attemptConnection("first");
    this.#connecting = connecting;
    return connecting;
  }

  /**
   * Sends one command. Commands issued in the same tick leave in one write. While the client
   * has no ready connection (it is connecting or reconnecting) the command waits in the offline
   * queue.
   *
   * @typeParam T The reply type the caller expects.
   * @param argv The command name and its arguments (`string`, `number`, `bigint`, `Uint8Array`).
   * @param options `returnBuffers`, `timeoutMs`, `signal`.
   * @returns The reply, as the RESP reader gives it (`null` for RESP nulls; maps in RESP3).
   * @throws {ReplyError} The server's error reply to this command.
   * @throws {TimeoutError} `timeoutMs` ran out first.
   * @throws {AbortError} `signal` aborted first.
   * @throws {OutcomeUnknownError} The connection was lost after the command was written and
   * before its reply: it may have run. `cause` is the error that ended the connection. So with
   * `reconnect: false` too; never sent again, unless it is read-only and the client reconnects.
   * @throws {OfflineQueueFullError} The client has no ready connection and its offline queue is
   * full: the command was not sent.
   * @throws {ConnectionClosedError} The client is not connected, is closing or closed, gave up
   * reconnecting, or has no ready connection and no offline queue (`cause` says why); the
   * connection ended after the server's protocol error reply to an earlier command (`cause`: that
   * reply; the server ran nothing sent after it); or the error that ended the connection before
   * the command was sent (a `ProtocolError`, a `ConnectError`, a refused handshake's
   * `ReplyError`). An error reply is only ever the reply of the command it answers.
   * @throws {WatchError} A `MULTI` sent after a `WATCH` whose connection was lost.
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
    if (!this.#live) return this.#sendOffline<T>(argv, options);
    const context = this.#connection!.context;
    if (!context.accepting) return Promise.reject(this.#refusal(context.error));
    const entry = new Command(options?.returnBuffers ?? this.#returnBuffers);
    const promise = promiseFor<T>(entry);
    let blocking = NOT_BLOCKING;
    try {
      this.#prepare(entry, argv, options);
      blocking = blockingTimeoutMs(argv, entry.kind);
      if (blocking !== NOT_BLOCKING && !entry.bound) askClientId(this.#sink!);
      context.submit(entry, argv);
    } catch (error) {
      entry.abandoned = true;
      entry.release();
      return Promise.reject(error);
    }
    if (blocking !== NOT_BLOCKING) this.#armBlocking(entry, blocking);
    return promise;
  }

  /**
   * Listens to the client's lifecycle events (see {@linkcode RedisClientEventType}). Listeners
   * run after the client's own state changed; one that throws is reported as an uncaught
   * exception (a global `error` event) and never disturbs the client.
   *
   * @param type `connect`, `ready`, `error`, `close`, `reconnecting` or `end`.
   * @param listener Receives a {@linkcode RedisClientEvent}.
   * @param options As for `EventTarget.addEventListener` (`once`, `signal`).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * const seen: string[] = [];
   * client.addEventListener("end", (event) => void seen.push(event.type));
   * await client.close();
   * assert.deepEqual(seen, ["end"]);
   * ```
   */
  addEventListener(
    type: RedisClientEventType,
    listener: RedisClientEventListener | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    this.#events.addEventListener(type, listener as EventListenerOrEventListenerObject, options);
  }

  /**
   * Stops a listener added with {@linkcode RedisClient.addEventListener}.
   *
   * @param type The event type it listens to.
   * @param listener The listener.
   * @param options As for `EventTarget.removeEventListener` (`capture`).
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient();
   * let ended = 0;
   * const listener = () => void ended++;
   * client.addEventListener("end", listener);
   * client.removeEventListener("end", listener);
   * await client.close();
   * assert.equal(ended, 0);
   * ```
   */
  removeEventListener(
    type: RedisClientEventType,
    listener: RedisClientEventListener | null,
    options?: boolean | EventListenerOptions,
  ): void {
    this.#events.removeEventListener(
      type,
      listener as EventListenerOrEventListenerObject,
      options,
    );
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
   * A monitor does not reconnect: a lost connection ends it with the error.
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
    this.#checkOpen("monitor");
    const sink = new MonitorSink(options);
    const connection = new Connection<Command>(sink, this.#connectionOptions());
    sink.connection = connection;
    this.#monitors.add(connection);
    connection.finished.then(() => this.#monitors.delete(connection));
    try {
      await this.#open(connection, "monitor");
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
   * already accepted (written, waiting, or in the offline queue while a connection is being
   * opened) gets its reply (a blocking command such as `BLPOP k 0` is unblocked on the server
   * and answers as if its own timeout ran out); then the connection closes. When that takes
   * longer than `timeoutMs`, the client is destroyed instead. Between two reconnect attempts
   * there is no connection to answer: the offline queue rejects with `ConnectionClosedError`
   * (nothing in it was sent). Called from a push handler, it takes effect when the handler returns.
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
    const timeoutMs = checkTimeout("timeoutMs", options?.timeoutMs ?? this.#closeTimeoutMs);
    if (this.#state === "idle") {
      this.#finish(undefined);
      return;
    }
    let timer: LoopTimer | undefined;
    let monitors: Promise<unknown>[] = [];
    if (this.#state !== "closing" && this.#state !== "closed") {
      this.#state = "closing";
      this.#cancelReconnect();
      monitors = [...this.#monitors].map((monitor) => {
        monitor.context.close();
        return monitor.finished;
      });
      const connection = this.#connection;
      if (connection !== undefined && connection.context.state !== "closed") {
        const context = connection.context;
        // A connection being opened answers what waits in the offline queue, then closes.
        if (!this.#live) this.#flush(context);
        context.close();
        this.#unblock(true); // a blocking command answers now, as if its timeout ran out
        if (context.state !== "closed") {
          timer = this.#timerHandle().scheduleTimer(timeoutMs, () => {
            const error = new ConnectionClosedError(
              `The client was destroyed: close() did not finish within ${timeoutMs} ms`,
            );
            this.#ordered = error;
            context.destroy(error);
          });
        }
      } else {
        this.#finish(undefined);
      }
    }
    await this.#finished;
    await Promise.all([...monitors, ...this.#unblocks]);
    timer?.cancel();
  }

  /**
   * Closes at once: every pending command (the offline queue's too) rejects now with a
   * `ConnectionClosedError`, and the connection is closed; no reconnect follows. Called from a
   * push handler, it takes effect when the handler returns. Idempotent; `finished` settles once
   * the socket is closed.
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
    if (this.#state === "idle") {
      this.#finish(undefined);
      return;
    }
    if (this.#state === "closed") return;
    const reason = this.#ordered ?? new ConnectionClosedError("The client was destroyed");
    this.#ordered = reason;
    this.#cancelReconnect();
    for (const monitor of this.#monitors) monitor.context.destroy(reason);
    const connection = this.#connection;
    if (connection !== undefined && connection.context.state !== "closed") {
      // Deferred while the context delivers replies (a push handler): the end comes after.
      connection.context.destroy(reason);
    } else {
      this.#finish(reason);
    }
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

  // ---- internals: commands ----

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
      checkNames(kind, list, true);
      this.#checkOpen("subscribe");
      const timeoutMs = settings.timeoutMs ?? this.#commandTimeoutMs;
      if (timeoutMs !== undefined || settings.signal !== undefined) {
        const aborted = this.#arm(entry, {
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          ...(settings.signal === undefined ? {} : { signal: settings.signal }),
        }, (_entry, error) => gaveUp(error));
        if (aborted !== undefined) throw aborted;
      }
      subscription = this.#registry.create(kind, list, settings);
      entry.owner = subscription;
      entry.pubsub = { kind, names: list, subscribe: true };
      this.#submitPubSub(entry);
    } catch (error) {
      entry.abandoned = true;
      entry.release();
      return Promise.reject(error);
    }
    this.#registry.sent(kind, list);
    // The caller's promise: settled by the confirmations, or first by the time limit or signal.
    // A subscription given up on ends; its names are unsubscribed once the server confirms them.
    let settle: ((error: Error | undefined) => void) | undefined;
    let late: Error | undefined;
    const gaveUp = (error: Error): void => {
      if (late !== undefined) return;
      late = error;
      settle?.(error);
    };
    const result = new Promise<Subscription<string | Uint8Array>>((resolve, reject) => {
      settle = (error) => error === undefined ? resolve(subscription) : reject(error);
    });
    confirmed.then(() => {
      entry.release();
      if (late === undefined) settle!(undefined);
      else subscription.unsubscribe().catch(noop);
    }, (error: Error) => {
      entry.release();
      if (late === undefined) settle!(error);
    });
    return result;
  }

  #unsubscribe(kind: PubSubKind, names: Names | undefined): Promise<number> {
    const entry = new Command(false);
    const confirmed = promiseFor<number>(entry);
    try {
      const list = namesOf(names);
      checkNames(kind, list, false);
      this.#checkOpen("unsubscribe");
      entry.pubsub = { kind, names: list, subscribe: false };
      this.#submitPubSub(entry);
    } catch (error) {
      entry.abandoned = true;
      return Promise.reject(error);
    }
    return confirmed;
  }

  /** Queues a (P|S)(UN)SUBSCRIBE on the ready connection, or in the offline queue. */
  #submitPubSub(entry: Command): void {
    const { kind, names, subscribe } = entry.pubsub!;
    if (this.#live) {
      const context = this.#connection!.context;
      if (!context.accepting) throw this.#refusal(context.error);
      if (subscribe) context.subscribe(entry, kind, names);
      else context.unsubscribe(entry, kind, names);
      return;
    }
    this.#enqueue(entry);
  }

  /**
   * Unsubscribes names no subscription holds any more, when a connection is ready. (Without
   * one there is nothing to do: the next connection subscribes only to names that have
   * subscriptions.)
   */
  #release(kind: PubSubKind, names: (string | Uint8Array)[]): Promise<void> {
    if (!this.#live || !this.#connection!.context.accepting) return Promise.resolve();
    return this.#unsubscribe(kind, names).then(noop, noop);
  }

  /**
   * What every plain command goes through before it is queued: the mode and session rules, its
   * timeout and signal. Throws what refuses it (an already aborted signal among them).
   */
  #prepare(
    entry: Command,
    argv: readonly RedisArgument[],
    options: CommandOptions | undefined,
  ): void {
    const kind = classify(argv);
    refuseModeCommand(argv, kind);
    entry.kind = kind;
    const code = sessionCode(argv, kind);
    if (code !== S_OTHER || this.#session.inMulti) this.#admit(entry, code);
    if (
      options !== undefined && (options.timeoutMs !== undefined || options.signal !== undefined)
    ) {
      const aborted = this.#arm(
        entry,
        options.timeoutMs === undefined ? this.#withDefaultTimeout(argv, options) : options,
        giveUp,
      );
      if (aborted !== undefined) throw aborted;
    } else if (this.#commandTimeoutMs !== undefined) {
      this.#arm(entry, this.#withDefaultTimeout(argv, {}), giveUp);
    }
    entry.args = argv;
  }

  /** `options` with the client's `commandTimeoutMs`, unless `argv` blocks on purpose. */
  #withDefaultTimeout(argv: readonly RedisArgument[], options: CommandOptions): CommandOptions {
    const timeoutMs = this.#commandTimeoutMs;
    if (timeoutMs === undefined || blockingTimeoutMs(argv) !== NOT_BLOCKING) return options;
    return { ...options, timeoutMs };
  }

  /** A command issued while no connection is ready: into the offline queue, or refused. */
  #sendOffline<T>(argv: readonly RedisArgument[], options: CommandOptions | undefined): Promise<T> {
    const entry = new Command(options?.returnBuffers ?? this.#returnBuffers);
    const promise = promiseFor<T>(entry);
    try {
      this.#checkOpen("send a command");
      checkArgv(argv);
      this.#prepare(entry, argv, options);
      this.#enqueue(entry);
    } catch (error) {
      entry.abandoned = true;
      entry.release();
      return Promise.reject(error);
    }
    return promise;
  }

  #submitBatch(
    entries: Command[],
    argvs: readonly (readonly RedisArgument[])[],
    transaction: boolean,
  ): void {
    if (entries.length !== argvs.length) {
      throw new TypeError(
        `Cannot queue a batch of ${entries.length} entries with ${argvs.length} commands`,
      );
    }
    this.#checkOpen("send a batch");
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const argv = argvs[i]!;
      entry.args = argv;
      const kind = entry.kind ??= classify(argv);
      if (!transaction) {
        const code = sessionCode(argv, kind);
        if (code !== S_OTHER || this.#session.inMulti) this.#admit(entry, code);
      }
    }
    if (this.#live) {
      const context = this.#connection!.context;
      if (!context.accepting) throw this.#refusal(context.error);
      if (!transaction) this.#beforeBlocking(entries);
      context.submitBatch(entries, argvs);
      if (!transaction) { for (const entry of entries) this.#armBlocking(entry); }
      return;
    }
    this.#enqueue(new Block(entries, transaction));
  }

  /** Applies the session rules to a command about to be queued; throws when it is refused. */
  #admit(entry: Command, code: number): void {
    const verdict = this.#session.admit(code);
    if (verdict instanceof Error) throw verdict;
    if (verdict === ADMIT_BOUND) entry.bound = true;
    if (code === S_QUIT) this.#quit = true;
  }

  /** Puts an item in the offline queue; throws when there is none or it is full. */
  #enqueue(item: OfflineItem): void {
    const offline = this.#offline;
    if (offline === undefined) {
      throw new ConnectionClosedError(
        `Cannot send a command: the client is ${this.#state} and its offline queue is off`,
        this.#lastError === undefined ? undefined : { cause: this.#lastError },
      );
    }
    const overflow = offline.push(item);
    if (overflow !== undefined) throw fullError(overflow, this.#state);
    offline.arm(item, this.#timerHandle(), this.#expire);
  }

  /** An item waited in the offline queue for `offlineQueue.timeoutMs`: it fails, never sent. */
  #expire = (item: OfflineItem): void => {
    const timeoutMs = this.#offline!.timeoutMs;
    const error = new TimeoutError(
      `The command was not sent: no connection was ready within ${timeoutMs} ms`,
      { timeoutMs, ...(this.#lastError === undefined ? {} : { cause: this.#lastError }) },
    );
    const entries = item instanceof Block ? item.entries : [item];
    for (const entry of entries) rejectEntry(this.#registry, entry, error);
  };

  /**
   * A command (or block) whose connection was lost, back into the offline queue: `true`, or
   * `false` when the client will not send it again, or the error to fail it with.
   */
  #requeue(item: OfflineItem): boolean | Error {
    if (
      this.#reconnect === undefined || this.#offline === undefined || !this.#everReady ||
      this.#quit || this.#state === "closing" || this.#state === "closed"
    ) {
      return false;
    }
    if (this.#overflow !== undefined) return this.#overflow;
    const overflow = this.#offline.push(item);
    if (overflow !== undefined) {
      this.#overflow = fullError(overflow, "reconnecting");
      return this.#overflow;
    }
    this.#resent += item instanceof Block ? item.entries.length : 1;
    this.#offline.arm(item, this.#timerHandle(), this.#expire);
    return true;
  }

  /** Hands the offline queue to `context`, in order. */
  #flush(context: Connection<Command>["context"]): void {
    const offline = this.#offline;
    if (offline === undefined || offline.length === 0) return;
    const items = offline.drain();
    for (const item of items) {
      if (item instanceof Block) {
        const entries = item.entries;
        if (entries.every((entry) => entry.abandoned)) continue; // given up while it waited
        if (!item.transaction) this.#beforeBlocking(entries);
        try {
          context.submitBatch(entries, entries.map((entry) => entry.args!));
        } catch (error) {
          for (const entry of entries) rejectEntry(this.#registry, entry, error as Error);
          continue;
        }
        if (!item.transaction) { for (const entry of entries) this.#armBlocking(entry); }
        continue;
      }
      if (item.abandoned) continue; // its caller gave up while it waited
      if (item.pubsub === undefined) this.#beforeBlocking([item]);
      try {
        const pubsub = item.pubsub;
        if (pubsub === undefined) context.submit(item, item.args!);
        else if (pubsub.subscribe) context.subscribe(item, pubsub.kind, pubsub.names);
        else context.unsubscribe(item, pubsub.kind, pubsub.names);
      } catch (error) {
        rejectEntry(this.#registry, item, error as Error);
        continue;
      }
      this.#armBlocking(item);
    }
  }

  /** Subscribes a new connection to every name that has subscriptions, before anything else. */
  #resubscribe(context: Connection<Command>["context"]): void {
    const names = this.#registry.names();
    for (const kind of ["channel", "pattern", "shard"] as const) {
      const list = names[kind];
      for (let at = 0; at < list.length; at += RESUBSCRIBE_CHUNK) {
        const chunk = list.slice(at, at + RESUBSCRIBE_CHUNK);
        const entry = new Command(false);
        entry.internal = true;
        entry.pubsub = { kind, names: chunk, subscribe: true };
        try {
          context.subscribe(entry, kind, chunk);
        } catch (error) {
          for (const name of chunk) {
            this.#registry.unsubscribed(kind, keyOf(name), error as Error);
          }
        }
      }
    }
  }

  /**
   * Before blocking commands are queued on the ready connection: its id is asked first, so that
   * one nobody waits for any more can be unblocked (see _unblock.ts).
   */
  #beforeBlocking(entries: readonly Command[]): void {
    for (const entry of entries) {
      const argv = entry.args;
      if (argv === undefined || entry.bound) continue;
      if (blockingTimeoutMs(argv, entry.kind) === NOT_BLOCKING) continue;
      askClientId(this.#sink!);
      return;
    }
  }

  /**
   * Unblocks the blocking commands at the head of the connection that nobody waits for (`all`:
   * every blocking command, for `close()`).
   */
  #unblock(all: boolean): void {
    const sink = this.#sink;
    if (sink === undefined || sink.tracked.size === 0) return;
    const running = unblock(sink, this.#unblockHost, all);
    this.#unblocks.add(running);
    running.finally(() => this.#unblocks.delete(running));
  }

  /**
   * A blocking command on the ready connection: counted, and watched past its timeout. (Not
   * inside MULTI, where the server does not block.)
   */
  #armBlocking(entry: Command, blocking?: number): void {
    const argv = entry.args;
    if (argv === undefined || entry.abandoned || entry.bound) return;
    const ms = blocking ?? blockingTimeoutMs(argv, entry.kind);
    if (ms === NOT_BLOCKING) return;
    const connection = this.#connection!;
    this.#sink!.track(entry);
    if (ms === FOREVER) return;
    const grace = this.#blockingGraceMs;
    entry.deadline = this.#timerHandle().scheduleTimer(ms + grace, () => {
      entry.deadline = undefined;
      if (connection.context.state === "closed") return;
      connection.context.destroy(
        new ConnectionClosedError(
          `No reply to ${commandName(entry)} within its timeout of ${ms} ms plus ${grace} ms: ` +
            "the connection is taken for dead",
        ),
      );
    }, { unref: true });
  }

  // ---- internals: the connection's life ----

  /** Opens a new connection for the client; rejects when it fails before it is ready. */
  async #attemptConnection(role: "first" | "reconnect"): Promise<void> {
    const sink = new ClientSink(this.#registry, this.#cache, this.#options, this.#host);
    const cacheOptions = this.#options.cache;
    const connection: Connection<Command> = new Connection<Command>(sink, {
      ...this.#connectionOptions(),
      pushBuffers: true, // the sink decodes pushes for onPush unless pushBuffers
      ...(cacheOptions === undefined ? {} : {
        setup: (protocol: 2 | 3) => protocol === 3 ? [trackingCommand(cacheOptions)] : [],
      }),
      onReady: (protocol) => this.#ready(connection, protocol),
      onEnd: (error) => this.#ended(connection, error),
    });
    sink.connection = connection;
    this.#connection = connection;
    this.#sink = sink;
    this.#lostConnection = undefined;
    connection.finished.then((error) => this.#afterEnd(connection, error));
    await this.#open(connection, role);
  }

  /** The handshake is done (synchronously, before anything queued in the context is encoded). */
  #ready(connection: Connection<Command>, protocol: 2 | 3): void {
    if (connection !== this.#connection) return;
    const reconnected = this.#everReady;
    this.#live = true;
    this.#everReady = true;
    this.#connections++;
    const attempt = this.#attempt;
    this.#attempt = 0;
    this.#overflow = undefined;
    if (this.#state !== "closing") this.#state = "ready";
    if (this.#cache !== undefined) enableCache(this.#cache, protocol === 3);
    const context = connection.context;
    if (reconnected) this.#resubscribe(context);
    this.#flush(context);
    this.#startHealthCheck(connection);
    this.#emit("ready", { protocol, attempt });
  }

  /** The connection's context ended (synchronously, before its stream is closed). */
  #ended(connection: Connection<Command>, error: Error | undefined): void {
    if (connection !== this.#connection) return;
    if (error !== undefined) this.#lost(connection, error);
    this.#live = false;
    this.#stopHealthCheck();
    this.#liveness.stop();
    if (this.#cache !== undefined) enableCache(this.#cache, false);
  }

  /** The connection failed: called once, before any of its commands is settled. */
  #lost(connection: Connection<Command>, error: Error): void {
    if (connection !== this.#connection || this.#lostConnection === connection) return;
    this.#lostConnection = connection;
    this.#live = false;
    this.#lastError = error;
    this.#overflow = undefined;
    this.#session.lost();
    this.#stopHealthCheck();
    if (this.#state === "ready" && this.#reconnect !== undefined && error !== this.#ordered) {
      this.#state = "reconnecting";
    }
  }

  /** The connection is over and its stream closed: reconnect, or end. */
  #afterEnd(connection: Connection<Command>, error: Error | undefined): void {
    if (connection !== this.#connection) return;
    const opened = this.#opened.has(connection);
    if (error !== undefined && error !== this.#ordered) this.#emit("error", { error });
    if (opened) this.#emit("close", { error });
    const state = this.#state;
    if (state === "closing" || state === "closed" || this.#quit || error === this.#ordered) {
      this.#finish(this.#quit && error !== this.#ordered ? undefined : error);
    } else if (!this.#everReady || this.#reconnect === undefined || error === undefined) {
      this.#finish(error);
    } else {
      this.#scheduleReconnect(error);
    }
  }

  #scheduleReconnect(error: Error): void {
    this.#state = "reconnecting";
    const attempt = ++this.#attempt;
    const { strategy, maxAttempts } = this.#reconnect!;
    let delay: number | false = false;
    if (attempt <= maxAttempts) {
      try {
        delay = strategy(attempt, error);
        if (delay !== false && !(typeof delay === "number" && delay >= 0 && delay < Infinity)) {
          throw new RangeError(
            `A reconnect strategy must return a delay >= 0 or false, got "${String(delay)}"`,
          );
        }
      } catch (thrown) {
        reportError(thrown);
        delay = false;
      }
    }
    if (delay === false) {
      const failed = attempt - 1;
      this.#finish(
        new ConnectionClosedError(
          `Gave up reconnecting to ${this.#resolved.address} after ${failed} failed ` +
            `attempt${failed === 1 ? "" : "s"}`,
          { cause: error },
        ),
      );
      return;
    }
    this.#emit("reconnecting", { attempt, delayMs: delay, error });
    this.#reconnectTimer = this.#timerHandle().scheduleTimer(delay, () => {
      this.#reconnectTimer = undefined;
      if (this.#state !== "reconnecting") return;
      this.#attemptConnection("reconnect").catch(noop); // its end schedules the next one
    });
  }

  #cancelReconnect(): void {
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
  }

  /** The end: nothing more will be sent. Everything still waiting rejects with `error`. */
  #finish(error: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#state = "closed";
    this.#live = false;
    this.#cancelReconnect();
    this.#stopHealthCheck();
    this.#liveness.stop();
    for (const side of this.#sides) side.context.destroy();
    const waiting = this.#offline?.drain() ?? [];
    if (waiting.length > 0) {
      const reason = error ??
        new ConnectionClosedError("The client was closed before the command was sent");
      for (const item of waiting) {
        const entries = item instanceof Block ? item.entries : [item];
        for (const entry of entries) rejectEntry(this.#registry, entry, reason);
      }
    }
    this.#registry.connectionLost(error);
    if (this.#cache !== undefined) enableCache(this.#cache, false);
    this.#emit("end", { error });
    const timers = this.#timers;
    const resolve = () => {
      timers?.cleanup();
      this.#resolveFinished(error);
    };
    // Settled once the connect attempt did too (so no stream is left being opened).
    if (this.#connecting === undefined) resolve();
    else this.#connecting.then(resolve, resolve);
  }

  #startHealthCheck(connection: Connection<Command>): void {
    const settings = this.#healthCheck;
    if (settings === undefined) return;
    const { intervalMs, timeoutMs } = settings;
    const context = connection.context;
    const sink = this.#sink!;
    const timers = this.#timerHandle();
    let last = context.stats.bytesRead;
    let pinged = false;
    const check = (): void => {
      this.#healthTimer = undefined;
      if (connection !== this.#connection || !this.#live) return;
      const read = context.stats.bytesRead;
      if (pinged && read === last) {
        context.destroy(
          new ConnectionClosedError(
            `The connection was silent for ${intervalMs} ms and did not answer a PING within ` +
              `${timeoutMs} ms: it is taken for dead`,
          ),
        );
        return;
      }
      pinged = false;
      if (read === last && sink.blocking === 0 && context.accepting) {
        const entry = new Command(false);
        entry.internal = true;
        try {
          context.submit(entry, ["PING"]);
          pinged = true;
        } catch {
          // the connection's mode refuses PING (monitor): nothing to check with
        }
      }
      last = read;
      this.#healthTimer = timers.scheduleTimer(pinged ? timeoutMs : intervalMs, check, {
        unref: true,
      });
    };
    this.#healthTimer = timers.scheduleTimer(intervalMs, check, { unref: true });
  }

  #stopHealthCheck(): void {
    this.#healthTimer?.cancel();
    this.#healthTimer = undefined;
  }

  #emit(type: RedisClientEventType, init: RedisClientEventInit = {}): void {
    const event = new RedisClientEvent(type, { attempt: this.#attempt, ...init });
    // After the client's own bookkeeping, never inside it; a listener's exception is reported
    // by dispatchEvent and goes no further.
    queueMicrotask(() => this.#events.dispatchEvent(event));
  }

  #checkOpen(action: string): void {
    const state = this.#state;
    if (state === "idle") throw this.#notConnected(action);
    if (state === "closing" || state === "closed") throw this.#refusal(this.#lastError);
  }

  #refusal(cause: Error | undefined): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot send a command: the client is ${this.#state === "closing" ? "closing" : "closed"}`,
      cause === undefined ? undefined : { cause },
    );
  }

  #notConnected(action: string): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot ${action}: the client is not connected (call connect() first)`,
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
      guard.onAbort = () => {
        onGiveUp(entry, new AbortError("The command was aborted", { cause: signal.reason }));
        this.#unblock(false); // when a blocking command nobody waits for holds the connection
      };
      signal.addEventListener("abort", guard.onAbort, { once: true });
    }
    if (timeoutMs !== undefined) {
      guard.timer = this.#timerHandle().scheduleTimer(timeoutMs, () => {
        guard.timer = undefined;
        onGiveUp(entry, new TimeoutError(`No reply within ${timeoutMs} ms`, { timeoutMs }));
        if (this.#sink !== undefined && this.#sink.tracked.size > 0) {
          this.#unblock(false); // when a blocking command nobody waits for holds the connection
          return; // silent on purpose: no liveness watch
        }
        // A stalled server must not keep the connection for good (see _liveness.ts).
        if (this.#live) {
          const connection = this.#connection!;
          const floorMs = this.#blockingGraceMs;
          this.#liveness.watch(connection, this.#sink!, timeoutMs, floorMs, this.#timerHandle());
        }
      });
    }
    return undefined;
  }

  /** The options of a connection to the client's server (without setup), on today's database. */
  #connectionOptions(): ConnectionOptions {
    return {
      ...this.#resolved.handshake,
      db: this.#db,
      loop: this.#loop,
      ...(this.#options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: this.#options.maxBufferedBytes }),
      ...(this.#options.reader === undefined ? {} : { reader: this.#options.reader }),
    };
  }

  /**
   * Opens the transport for `connection` and waits for its handshake. `first`: the client's
   * first connection (the user's signal applies); `reconnect`: a later one; `monitor`: a
   * monitor's own.
   */
  async #open(
    connection: Connection<Command>,
    role: "first" | "reconnect" | "monitor",
  ): Promise<void> {
    const { transport: transportOptions, address } = this.#resolved;
    const timeoutMs = checkTimeout(
      "connectTimeoutMs",
      transportOptions.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    const controller = new AbortController();
    const userSignal = role === "first" ? this.#options.signal : undefined;
    const timers = this.#timerHandle();
    connection.finished.then(() => controller.abort());
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
    const failure = (error: unknown, overTls: boolean): unknown =>
      connectFailure(connection.context.error ?? error, {
        address,
        password: this.#resolved.handshake.password,
        tls: transportOptions.tls,
        overTls,
      });
    try {
      let transport: Transport;
      try {
        transport = await (this.#options.connector ?? connectTransport)({
          ...transportOptions,
          connectTimeoutMs: timeoutMs,
          signal: controller.signal,
        });
      } catch (error) {
        connection.context.destroy(error as Error);
        throw failure(error, false);
      }
      const open = connection.context.state !== "closed";
      connection.attach(transport);
      if (role !== "monitor" && open) {
        this.#transport = transport;
        this.#opened.add(connection);
        this.#emit("connect");
      }
      try {
        await connection.ready;
      } catch (error) {
        throw failure(error, transport.tls);
      }
    } finally {
      timer?.cancel();
      userSignal?.removeEventListener("abort", onAbort);
    }
  }
}

/**
 * What a plain command does when its timer fires or its signal aborts. It is never sent again,
 * so its arguments go now: one still waiting unencoded (in the offline queue or the context's
 * backlog) is dropped without them when its turn comes.
 */
function giveUp(entry: Command, error: Error): void {
  if (entry.abandoned) return;
  entry.abandoned = true;
  entry.release();
  entry.args = undefined;
  entry.argv = undefined;
  entry.reject(error);
}

function fullError(overflow: Overflow, state: string): OfflineQueueFullError {
  return new OfflineQueueFullError(
    `Cannot queue the command: the client is ${state} and its offline queue holds ` +
      `${overflow.limit} ${overflow.unit} already`,
    overflow,
  );
}

function checkNames(
  kind: PubSubKind,
  names: readonly (string | Uint8Array)[],
  subscribe: boolean,
): void {
  const command = `${kind === "pattern" ? "P" : kind === "shard" ? "S" : ""}${
    subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE"
  }`;
  if (subscribe && names.length === 0) throw new TypeError(`Cannot send ${command} without a name`);
  for (const name of names) {
    if (typeof name !== "string" && !(name instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot send ${command}: a name must be a string or a Uint8Array, got "${String(name)}"`,
      );
    }
  }
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
 * @throws {HandshakeError} When the peer answers the handshake as no Redis server does.
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
 * @throws {HandshakeError} When the peer answers the handshake as no Redis server does.
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
