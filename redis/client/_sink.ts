// The sink of one connection of a client: it hears every command's outcome and the pub/sub
// traffic from that connection's context, and hands them to the client's long-lived state (the
// pub/sub registry, the cache). Each command's reply, error or loss goes to the command's own
// settle strategy (see `Settle` in _command.ts), which decides what its caller sees; the sink
// only counts blocking commands and tells the client, once, that the connection was lost.

import { frameCode, INVALIDATE_CHANNEL } from "../context/_pubsub.ts";
import { toStrings } from "../context/_to_strings.ts";
import type { ContextSink, PubSubKind } from "../context/types.ts";
import { RedisError } from "../errors.ts";
import type { PushHandler, RespAttribute, RespValue } from "../resp/types.ts";
import { type Command, extrasOf, type LossHost } from "./_command.ts";
import { PubSubSettle } from "./_settle.ts";
import { type ClientCache, enableCache, invalidateCache } from "./cache.ts";
import type { Connection } from "./connection.ts";
import type { RedisClientOptions } from "./options.ts";
import type { PubSubRegistry } from "./subscription.ts";

/** What a connection's sink asks of its client. */
export interface SinkHost extends LossHost {
  /** RESET ran on the connection. */
  onReset(): void;
  /** The connection was lost (called once per connection, before any command is settled). */
  lost(connection: Connection<Command>, error: Error): void;
  /**
   * Whether `error` ended the connection on the user's order (`destroy()`, or `close()` that
   * ran out of time): then every pending command rejects with it, as it is.
   */
  ordered(error: Error): boolean;
  /** A blocking command nobody waits for is now the oldest on the connection: unblock it. */
  unblock(): void;
}

const INVALIDATE = new TextEncoder().encode("invalidate");

function isInvalidate(kind: RespValue | undefined): boolean {
  if (typeof kind === "string") return kind === "invalidate";
  if (!(kind instanceof Uint8Array) || kind.length !== INVALIDATE.length) return false;
  for (let i = 0; i < INVALIDATE.length; i++) if (kind[i] !== INVALIDATE[i]) return false;
  return frameCode(kind) === 0;
}

/** Hears every command's outcome, and the pub/sub traffic, from one connection. */
export class ClientSink implements ContextSink<Command> {
  push: PushHandler | undefined;
  readonly registry: PubSubRegistry;
  readonly cache: ClientCache | undefined;
  /** The connection this sink serves; set right after the connection is made. */
  connection: Connection<Command> | undefined = undefined;
  /** Blocking commands pending on this connection, oldest first. */
  readonly tracked: Set<Command> = new Set();
  /** The connection's id (`CLIENT ID`), once asked: to unblock it from another connection. */
  clientId: Promise<number | undefined> | undefined = undefined;
  /** An unblock runs for this connection (see `_unblock.ts`); `unblockAll`: for `close()`. */
  unblocking = false;
  unblockAll = false;
  #onPush: PushHandler | undefined;
  #pushBuffers: boolean;
  #host: SinkHost;
  #lost = false;

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

  /** How many blocking commands are pending (the health check leaves the connection alone). */
  get blocking(): number {
    return this.tracked.size;
  }

  /** `entry`, a blocking command, was queued on this connection. */
  track(entry: Command): void {
    extrasOf(entry).blocking = true;
    this.tracked.add(entry);
  }

  reply(entry: Command, value: RespValue): void {
    if (entry.extras?.blocking) {
      this.#untrack(entry);
      // The next blocking command blocks now: when nobody waits for it, it must not hold the
      // connection (see _unblock.ts).
      if (this.tracked.size > 0 && !this.unblocking && this.#oldestAbandoned()) {
        this.#host.unblock();
      }
    }
    entry.settle.reply(entry, value);
  }

  fail(entry: Command, error: Error, written: boolean): void {
    if (entry.extras?.blocking) this.#untrack(entry);
    const connection = this.connection;
    const host = this.#host;
    if (connection === undefined || connection.context.state !== "closed") {
      // Not a lost connection: the command could not be encoded.
      entry.settle.fail(entry, error);
      return;
    }
    if (!this.#lost) {
      this.#lost = true;
      host.lost(connection, error);
    }
    // Destroyed on the user's order: every pending command rejects with that error, as it is.
    if (host.ordered(error)) entry.settle.fail(entry, error);
    else entry.settle.lost(entry, error, written, host);
  }

  /** The context dropped `entry` unsent (abandoned before it was encoded). */
  dropped(entry: Command): void {
    if (entry.extras?.blocking) this.#untrack(entry);
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
    const settle = entry.settle;
    if (settle instanceof PubSubSettle) settle.subscribed(kind, key);
    else this.registry.subscribed(undefined, kind, key);
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

  #oldestAbandoned(): boolean {
    for (const entry of this.tracked) return entry.abandoned;
    return false;
  }

  #untrack(entry: Command): void {
    const extras = entry.extras!;
    extras.blocking = false;
    this.tracked.delete(entry);
    if (extras.deadline !== undefined) {
      extras.deadline.cancel();
      extras.deadline = undefined;
    }
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
