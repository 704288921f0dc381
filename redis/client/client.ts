// RedisClient: the public client. Its commands, pub/sub and state come from BaseClient
// (client_base.ts); this file adds its life (connect, close, destroy, events), batches,
// MONITOR, select and duplicate. The work is done by its ClientEngine (_engine.ts).

import type { CommandOptions } from "../commands/command_sender.ts";
import { connectOrClose } from "./_connect_or_close.ts";
import { ENGINE } from "./_core.ts";
import { BaseClient } from "./client_base.ts";
import type { CloseOptions } from "./client_types.ts";
import type { RedisClientEventListener, RedisClientEventType } from "./events.ts";
import type { Monitor, MonitorOptions } from "./monitor.ts";
import type { RedisClientOptions } from "./options.ts";
import { Pipeline } from "./pipeline.ts";
import { Transaction } from "./transaction.ts";
import type { RedisArgument } from "../resp/types.ts";
import { send } from "./_send.ts";
// [observe] tracing, debug log, keyPrefix, Deno.inspect (issue 20, redis/observe/)
import { ClientObserver } from "../observe/_client_observer.ts";
import { inspectClient } from "../observe/_inspect.ts";

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
export class RedisClient extends BaseClient implements AsyncDisposable {
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
    super(options);
    // [observe] checks keyPrefix/traceArguments/debug, listens to the lifecycle events.
    const state = this[ENGINE].state;
    state.observer = new ClientObserver(
      this,
      <T>(argv: readonly RedisArgument[], o: CommandOptions | undefined): Promise<T> =>
        send<T>(state, argv, o),
      options,
      { ...state.resolved.transport, password: state.resolved.handshake.password },
    );
  }

  /**
   * What `Deno.inspect(client)` (and `console.log`) shows: the status, the address (host and
   * port, or the socket path: never a URL or a password), the protocol, the database, the
   * pending counts (`inFlight`, `waiting`, `offline`), how many names it is subscribed to, the
   * transport's kind and the key prefix.
   *
   * @param inspect Deno's `inspect`, passed in by it.
   * @param options Deno's inspect options.
   * @returns The text.
   *
   * @example
   * ```ts
   * import { RedisClient } from "@dray/dray/redis";
   * import assert from "node:assert/strict";
   *
   * const client = new RedisClient({ url: "redis://app:s3cret@localhost:6380/2" });
   * const text = Deno.inspect(client);
   * assert.match(text, /status: "idle"/);
   * assert.match(text, /address: "localhost:6380"/);
   * assert.doesNotMatch(text, /s3cret/);
   * ```
   */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: Deno.InspectOptions) => string,
    options?: Deno.InspectOptions,
  ): string {
    // [observe] see redis/observe/_inspect.ts
    const state = this[ENGINE].state;
    const stats = this.stats;
    const names = state.registry.names();
    return inspectClient(
      {
        status: this.status,
        address: state.resolved.address,
        protocol: this.protocol,
        db: state.db,
        transport: state.transport?.kind,
        inFlight: stats.inFlight,
        waiting: stats.waiting,
        offline: stats.offline,
        subscriptions: names.channel.length + names.pattern.length + names.shard.length,
        keyPrefix: state.observer?.keyPrefix,
      },
      inspect,
      options,
    );
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
    return this[ENGINE].connect();
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
    this[ENGINE].state.events.addEventListener(
      type,
      listener as EventListenerOrEventListenerObject,
      options,
    );
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
    this[ENGINE].state.events.removeEventListener(
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
    return await this[ENGINE].monitor(options);
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
    const state = this[ENGINE].state;
    state.db = db;
    state.cache?.clear();
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
    await this[ENGINE].close(options?.timeoutMs);
  }

  /**
   * Makes a new client with this one's options (plus `overrides`, which win) and connects it as
   * {@linkcode connect} does: a failed connection closes the new client and rejects. The new
   * client has its own connection, offline queue and subscriptions (none); it starts on the
   * database of the options, not on one chosen later with `select()` unless `overrides.db`
   * says so. Useful for a blocking command, a `WATCH`, or a subscriber beside a client.
   *
   * @param overrides Options that replace this client's.
   * @returns The new, connected client.
   * @throws {ConnectError} When the transport cannot connect, or the handshake does not finish
   * within `connectTimeoutMs`.
   * @throws {ReplyError} When the server refuses the handshake, with the server's text.
   * @throws {TypeError} When the merged options are invalid.
   *
   * @example A second connection for a blocking command
   * ```ts
   * import { connect } from "@dray/dray/redis";
   * import { startServer } from "@dray/dray/redis/testing";
   * import assert from "node:assert/strict";
   *
   * await using server = await startServer();
   * await using client = await connect(server.url, { name: "main" });
   * await using blocking = await client.duplicate({ name: "blocking" });
   * const popped = blocking.blpop(["jobs"], 5);
   * await client.rpush("jobs", "a");
   * assert.deepEqual(await popped, { key: "jobs", element: "a" });
   * assert.equal(await blocking.clientGetname(), "blocking");
   * ```
   */
  async duplicate(overrides: RedisClientOptions = {}): Promise<RedisClient> {
    return await connectOrClose(new RedisClient({ ...this[ENGINE].state.options, ...overrides }));
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
    this[ENGINE].destroy();
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
}
