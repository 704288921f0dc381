// What one RedisClient holds across its connections: its resolved options, its lifecycle, the
// current connection and its sink, the offline queue, pub/sub and cache state, and the small
// helpers every part of the client uses (timers, events, refusals). The parts that act on it
// each have a file: _engine.ts (the connection's life), _send.ts (sending and queueing),
// _deadlines.ts (timeouts, signals, blocking commands), _pubsub_send.ts, _health_check.ts.

import { defaultLoop } from "../../loop/deno_loop.ts";
import type { EventLoop, LoopHandle } from "../../loop/types.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { Transport } from "../transport/types.ts";
import type { Command } from "./_command.ts";
import { Lifecycle } from "./_lifecycle.ts";
import { Liveness } from "./_liveness.ts";
import { OfflineQueue } from "./_offline_queue.ts";
import { PubSubRegistry } from "./subscription.ts";
import type { ResolvedOptions } from "./_resolve_options.ts";
import { Session } from "./_session.ts";
import type { ClientSink } from "./_sink.ts";
import type { ClientCache } from "./cache.ts";
import type { ClientObserver } from "../observe/_client_observer.ts";
import type { Connection, ConnectionOptions } from "./connection.ts";
import {
  RedisClientEvent,
  type RedisClientEventInit,
  type RedisClientEventType,
} from "./events.ts";
import type { RedisClientOptions } from "./options.ts";
import type { PubSubKind } from "../context/types.ts";

export class ClientState {
  readonly options: RedisClientOptions;
  readonly resolved: ResolvedOptions;
  readonly loop: EventLoop;
  readonly life: Lifecycle;
  readonly registry: PubSubRegistry;
  readonly offline: OfflineQueue | undefined;
  readonly session: Session = new Session();
  readonly liveness: Liveness = new Liveness();
  readonly events: EventTarget = new EventTarget();
  /** Set once by the client: its cache, when it has the `cache` option. */
  cache: ClientCache | undefined = undefined;
  /** [observe] Set once by RedisClient: key prefix, tracing, debug log (redis/observe/). */
  observer: ClientObserver | undefined = undefined;
  /** Unblocking blocking commands nobody waits for (see _unblock.ts), running now. */
  readonly unblocks: Set<Promise<void>> = new Set();
  /** Their side connections: destroyed when the client ends, so no unblock outlives it. */
  readonly sides: Set<Connection<Command>> = new Set();
  readonly monitors: Set<Connection<Command>> = new Set();
  /** Connections whose transport was attached (they emit `close` when they end). */
  readonly opened: WeakSet<Connection<Command>> = new WeakSet();
  /** The current connection (being opened, live, or the last one), and its sink. */
  connection: Connection<Command> | undefined = undefined;
  sink: ClientSink | undefined = undefined;
  transport: Transport | undefined = undefined;
  /** The database the client uses (from the options, then each `select()`). */
  db: number;
  connections = 0;
  resent = 0;
  readonly finished: Promise<Error | undefined>;
  resolveFinished!: (error: Error | undefined) => void;
  #timers: LoopHandle | undefined = undefined;

  constructor(options: RedisClientOptions, resolved: ResolvedOptions, release: Release) {
    this.options = options;
    this.resolved = resolved;
    this.loop = options.loop ?? defaultLoop();
    this.life = new Lifecycle(resolved.reconnect !== undefined);
    this.registry = new PubSubRegistry({ unsubscribe: release });
    const offline = resolved.offline;
    this.offline = offline === undefined
      ? undefined
      : new OfflineQueue(offline.maxCommands, offline.maxBytes, offline.timeoutMs);
    this.db = resolved.handshake.db ?? 0;
    this.finished = new Promise((resolve) => this.resolveFinished = resolve);
  }

  /** The RESP version of the connection, or the one asked for before it. */
  get protocol(): 2 | 3 {
    return this.connection?.context.protocol ?? this.resolved.handshake.protocol ?? 3;
  }

  /** The client's timers, on its loop (attached again after the client ended). */
  timerHandle(): LoopHandle {
    if (this.#timers === undefined || this.#timers.closed) this.#timers = this.loop.attach({});
    return this.#timers;
  }

  /** Detaches the client's timers (at the end). */
  releaseTimers(): void {
    this.#timers?.cleanup();
  }

  /** Emits a lifecycle event after the client's own bookkeeping, never inside it. */
  emit(type: RedisClientEventType, init: RedisClientEventInit = {}): void {
    const event = new RedisClientEvent(type, { attempt: this.life.attempt, ...init });
    // A listener's exception is reported by dispatchEvent and goes no further.
    queueMicrotask(() => this.events.dispatchEvent(event));
  }

  /** Throws unless the client was connected and is not closing. */
  checkOpen(action: string): void {
    const state = this.life.state;
    if (state === "idle") {
      throw new ConnectionClosedError(
        `Cannot ${action}: the client is not connected (call connect() first)`,
      );
    }
    if (this.life.ending) throw this.refusal(this.life.lastError);
  }

  refusal(cause: Error | undefined): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot send a command: the client is ${
        this.life.state === "closing" ? "closing" : "closed"
      }`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** The options of a connection to the client's server (without setup), on today's database. */
  connectionOptions(): ConnectionOptions {
    const options = this.options;
    return {
      ...this.resolved.handshake,
      db: this.db,
      loop: this.loop,
      ...(options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: options.maxBufferedBytes }),
      ...(options.reader === undefined ? {} : { reader: options.reader }),
    };
  }
}

/** Unsubscribes names no subscription holds any more. */
export type Release = (kind: PubSubKind, names: (string | Uint8Array)[]) => Promise<void>;
