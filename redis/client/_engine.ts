// The connection's life of a RedisClient: it feeds the pure Lifecycle (_lifecycle.ts) what
// happened to the client and its connections, and runs the actions it returns: opening a
// connection, handing it the subscriptions and the offline queue, scheduling reconnects,
// closing, destroying, and the end.

import type { LoopTimer } from "../../loop/types.ts";
import type { CommandOptions } from "../commands/command_sender.ts";
import { isHangUp } from "../context/_hang_up.ts";
import { ConnectionClosedError, OutcomeUnknownError } from "../errors.ts";
import type { RedisArgument } from "../resp/types.ts";
import { ClientState } from "./_client_state.ts";
import { Command, commandName, promiseFor } from "./_command.ts";
import type { ClientCore } from "./_core.ts";
import { arm, unblockStuck } from "./_deadlines.ts";
import { HealthCheck } from "./_health_check.ts";
import type { LifecycleAction, LifecycleEvent } from "./_lifecycle.ts";
import { Block } from "./_offline_queue.ts";
import { openConnection } from "./_open_connection.ts";
import { release } from "./_pubsub_send.ts";
import { checkTimeout, type ResolvedOptions } from "./_resolve_options.ts";
import { flush, requeue, resubscribe, submitBatch } from "./_send.ts";
import { ClientSink, type SinkHost } from "./_sink.ts";
import { PLAIN } from "./_settle.ts";
import { createCache, enableCache, trackingCommand } from "./cache.ts";
import { Connection } from "./connection.ts";
import { createMonitor, type Monitor, type MonitorOptions, MonitorSink } from "./monitor.ts";
import type { RedisClientOptions } from "./options.ts";

function noop(): void {}

/** Sends a command through the client's public `sendCommand` (the cache reads through it). */
export type SendCommand = <T>(
  argv: readonly RedisArgument[],
  options?: CommandOptions,
) => Promise<T>;

export class ClientEngine {
  readonly state: ClientState;
  /** What pipelines and transactions use (see _core.ts). */
  readonly core: ClientCore;
  #health = new HealthCheck();
  #host: SinkHost;
  #actions: Record<LifecycleAction, () => void>;
  #connecting: Promise<void> | undefined = undefined;
  #reconnectTimer: LoopTimer | undefined = undefined;
  #closeTimer: LoopTimer | undefined = undefined;
  #closeTimeoutMs = 0;
  #closingMonitors: Promise<unknown>[] = [];
  #readyProtocol: 2 | 3 = 3;
  #readyAttempt = 0;
  #endError: Error | undefined = undefined;

  constructor(options: RedisClientOptions, resolved: ResolvedOptions, sendCommand: SendCommand) {
    const state: ClientState = new ClientState(
      options,
      resolved,
      (kind, names): Promise<void> => release(state, kind, names),
    );
    this.state = state;
    if (options.cache !== undefined) {
      state.cache = createCache({
        get protocol(): 2 | 3 {
          return state.protocol;
        },
        get tracking(): boolean {
          const context = state.connection?.context;
          return state.life.live && context !== undefined && context.protocol === 3 &&
            (context.state === "ready" || context.state === "closing");
        },
        sendCommand,
      }, options.cache);
    }
    this.#host = {
      onReset: () => {
        state.db = 0;
      },
      lost: (connection, error) => {
        if (connection === state.connection) this.#feed({ type: "lost", error });
      },
      ordered: (error) => state.life.ordered(error),
      requeue: (entry) => requeue(state, entry),
      requeueBlock: (entries) => requeue(state, new Block(entries, true)),
      unknown: (entry, error) => {
        // The server said why it hung up (a protocol error): it ran nothing sent after that.
        if (isHangUp(error)) return error;
        const name = commandName(entry);
        return new OutcomeUnknownError(
          `The connection was lost after ${name} was sent: the server may or may not have run it`,
          { command: name, cause: error },
        );
      },
      retryReadOnly: resolved.retryReadOnly,
      unblock: () => unblockStuck(state, false),
    };
    this.core = {
      get protocol(): 2 | 3 {
        return state.protocol;
      },
      returnBuffers: resolved.returnBuffers,
      submitBatch: (entries, argvs, transaction, promises) =>
        submitBatch(state, entries, argvs, transaction, promises),
      transaction: () => state.session.transaction(),
      arm: (entry, commandOptions, giveUp) => arm(state, entry, commandOptions, giveUp),
      commandTimeoutMs: resolved.commandTimeoutMs,
    };
    this.#actions = {
      "open": () => this.#open(),
      "resubscribe": () => resubscribe(state, state.connection!.context),
      "flush": () => flush(state, state.connection!.context),
      "start-health": () => this.#health.start(state, state.connection!),
      "stop-health": () => this.#health.stop(),
      "announce-ready": () => this.#announceReady(),
      "forget-connection": () => {
        if (state.offline !== undefined) state.offline.requeueRefusal = undefined;
        state.session.lost();
      },
      "quiet": () => {
        state.liveness.stop();
        if (state.cache !== undefined) enableCache(state.cache, false);
      },
      "schedule-reconnect": () => this.#scheduleReconnect(),
      "cancel-reconnect": () => {
        this.#reconnectTimer?.cancel();
        this.#reconnectTimer = undefined;
      },
      "close-monitors": () => {
        this.#closingMonitors = [...state.monitors].map((monitor) => {
          monitor.context.close();
          return monitor.finished;
        });
      },
      "destroy-monitors": () => {
        for (const monitor of state.monitors) monitor.context.destroy(state.life.orderedError);
      },
      "close-connection": () => this.#closeConnection(),
      "destroy-connection": () => state.connection!.context.destroy(state.life.orderedError),
      "finish": () => this.#finish(),
    };
  }

  /** Connects; the same promise on every call. */
  connect(): Promise<void> {
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.state.life.state !== "idle") {
      return Promise.reject(new ConnectionClosedError("Cannot connect: the client is closed"));
    }
    this.#feed({ type: "connect" });
    return this.#connecting!;
  }

  /** Closes cleanly within `options.timeoutMs`, then destroys. */
  async close(timeoutMs: number | undefined): Promise<void> {
    const state = this.state;
    const limit = checkTimeout("timeoutMs", timeoutMs ?? state.resolved.closeTimeoutMs);
    if (state.life.state === "idle") {
      this.#feed({ type: "close" });
      return;
    }
    const first = !state.life.ending;
    this.#closeTimeoutMs = limit;
    this.#feed({ type: "close" });
    await state.finished;
    await Promise.all([...(first ? this.#closingMonitors : []), ...state.unblocks]);
    if (first) this.#closeTimer?.cancel();
  }

  /**
   * Ends the connection as a loss, not on the user's order: commands already written reject
   * with OutcomeUnknownError, the others as never sent (or go to the next connection when the
   * client reconnects). A cluster gives up a hung master's connection this way, then destroys.
   */
  loseConnection(error: Error): void {
    this.state.connection?.context.destroy(error);
  }

  /** Destroys at once. */
  destroy(): void {
    this.#feed({ type: "destroy", error: new ConnectionClosedError("The client was destroyed") });
  }

  /** Starts MONITOR on a connection of its own. */
  async monitor(options: MonitorOptions): Promise<Monitor> {
    const state = this.state;
    state.checkOpen("monitor");
    const sink = new MonitorSink(options);
    const connection = new Connection<Command>(sink, state.connectionOptions());
    sink.connection = connection;
    state.monitors.add(connection);
    connection.finished.then(() => state.monitors.delete(connection));
    try {
      await openConnection(state, connection, "side");
      const entry = new Command(false, PLAIN);
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

  #feed(event: LifecycleEvent): void {
    const actions = this.state.life.on(event);
    for (let i = 0; i < actions.length; i++) this.#actions[actions[i]!]();
  }

  /** Opens a new connection for the client (the first one, or a reconnect). */
  #open(): void {
    if (this.#connecting === undefined) {
      this.#connecting = this.#attemptConnection("first");
    } else {
      this.#attemptConnection("reconnect").catch(noop); // its end schedules the next one
    }
  }

  async #attemptConnection(role: "first" | "reconnect"): Promise<void> {
    const state = this.state;
    const options = state.options;
    const sink = new ClientSink(state.registry, state.cache, options, this.#host);
    const cacheOptions = options.cache;
    const connection: Connection<Command> = new Connection<Command>(sink, {
      ...state.connectionOptions(),
      pushBuffers: true, // the sink decodes pushes for onPush unless pushBuffers
      // A reconnect waits out a server loading its data set (after a restart): the commands
      // queued meanwhile would otherwise meet LOADING. The first connection is ready at once.
      untilLoaded: role === "reconnect",
      ...(cacheOptions === undefined ? {} : {
        setup: (protocol: 2 | 3) => protocol === 3 ? [trackingCommand(cacheOptions)] : [],
      }),
      onReady: (protocol) => {
        if (connection !== state.connection) return;
        this.#readyProtocol = protocol;
        this.#readyAttempt = state.life.attempt;
        this.#feed({ type: "ready" });
      },
      onEnd: (error) => {
        if (connection === state.connection) this.#feed({ type: "ended", error });
      },
    });
    sink.connection = connection;
    state.connection = connection;
    state.sink = sink;
    connection.finished.then((error) => this.#afterEnd(connection, error));
    await openConnection(state, connection, role);
  }

  #announceReady(): void {
    const state = this.state;
    const protocol = this.#readyProtocol;
    state.connections++;
    if (state.offline !== undefined) state.offline.requeueRefusal = undefined;
    if (state.cache !== undefined) enableCache(state.cache, protocol === 3);
    state.emit("ready", { protocol, attempt: this.#readyAttempt });
  }

  /** The connection is over and its stream closed: reconnect, or end. */
  #afterEnd(connection: Connection<Command>, error: Error | undefined): void {
    const state = this.state;
    if (connection !== state.connection) return;
    if (error !== undefined && !state.life.ordered(error)) state.emit("error", { error });
    if (state.opened.has(connection)) state.emit("close", { error });
    this.#endError = error;
    this.#feed({ type: "closed", error });
  }

  #scheduleReconnect(): void {
    const state = this.state;
    const error = this.#endError!;
    const attempt = state.life.attempt;
    const { strategy, maxAttempts } = state.resolved.reconnect!;
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
      this.#feed({
        type: "give-up",
        error: new ConnectionClosedError(
          `Gave up reconnecting to ${state.resolved.address} after ${failed} failed ` +
            `attempt${failed === 1 ? "" : "s"}`,
          { cause: error },
        ),
      });
      return;
    }
    state.emit("reconnecting", { attempt, delayMs: delay, error });
    this.#reconnectTimer = state.timerHandle().scheduleTimer(delay, () => {
      this.#reconnectTimer = undefined;
      this.#feed({ type: "retry" });
    });
  }

  #closeConnection(): void {
    const state = this.state;
    const context = state.connection!.context;
    // A connection being opened answers what waits in the offline queue, then closes.
    if (!state.life.live) flush(state, context);
    context.close();
    unblockStuck(state, true); // a blocking command answers now, as if its timeout ran out
    if (context.state === "closed") return;
    const timeoutMs = this.#closeTimeoutMs;
    this.#closeTimer = state.timerHandle().scheduleTimer(timeoutMs, () => {
      if (context.state === "closed") return;
      this.#feed({
        type: "destroy",
        error: new ConnectionClosedError(
          `The client was destroyed: close() did not finish within ${timeoutMs} ms`,
        ),
      });
    });
  }

  /** The end: nothing more will be sent. Everything still waiting rejects. */
  #finish(): void {
    const state = this.state;
    const error = state.life.outcome;
    state.liveness.stop();
    for (const side of state.sides) side.context.destroy();
    const waiting = state.offline?.drain() ?? [];
    if (waiting.length > 0) {
      const reason = error ??
        new ConnectionClosedError("The client was closed before the command was sent");
      for (const item of waiting) {
        const entries = item instanceof Block ? item.entries : [item];
        for (const entry of entries) entry.settle.fail(entry, reason);
      }
    }
    state.registry.connectionLost(error);
    if (state.cache !== undefined) enableCache(state.cache, false);
    state.emit("end", { error });
    const resolve = () => {
      state.releaseTimers();
      state.resolveFinished(error);
    };
    // Settled once the connect attempt did too (so no stream is left being opened).
    if (this.#connecting === undefined) resolve();
    else this.#connecting.then(resolve, resolve);
  }
}
