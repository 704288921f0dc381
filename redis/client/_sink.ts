// The sink of one connection of a client: it hears every command's outcome and the pub/sub
// traffic from that connection's context, and hands them to the client's long-lived state (the
// pub/sub registry, the cache). When the connection is lost it decides, command by command,
// what the caller sees: the command goes back to the offline queue (never written, or read-only
// and allowed a retry), or it rejects (an `OutcomeUnknownError` when it was written).

import { classify } from "../commands/classify.ts";
import { frameCode, INVALIDATE_CHANNEL, keyOf } from "../context/_pubsub.ts";
import { toStrings } from "../context/_to_strings.ts";
import type { ContextSink, PubSubKind } from "../context/types.ts";
import { RedisError, ReplyError } from "../errors.ts";
import type { PushHandler, RespAttribute, RespValue } from "../resp/types.ts";
import type { Command, LossHost } from "./_command.ts";
import { type ClientCache, enableCache, invalidateCache } from "./cache.ts";
import type { Connection } from "./connection.ts";
import type { RedisClientOptions } from "./options.ts";
import type { PubSubRegistry, Subscription } from "./subscription.ts";

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
  /**
   * Puts a command whose connection was lost back in the offline queue: `true` when queued,
   * `false` when the client does not requeue now (no reconnect, closing, no offline queue), or
   * the error to reject it with (the queue is full).
   */
  requeue(entry: Command): boolean | Error;
  /** How many times a written read-only command may be sent again. */
  readonly retryReadOnly: number;
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
    entry.blocking = true;
    this.tracked.add(entry);
  }

  reply(entry: Command, value: RespValue): void {
    if (entry.blocking) {
      this.#untrack(entry);
      // The next blocking command blocks now: when nobody waits for it, it must not hold the
      // connection (see _unblock.ts).
      if (this.tracked.size > 0 && !this.unblocking && this.#oldestAbandoned()) {
        this.#host.unblock();
      }
    }
    const group = entry.group;
    if (group !== undefined) {
      group.reply(entry, value);
      return;
    }
    if (entry.owner !== undefined && value instanceof ReplyError) {
      this.registry.refused(entry.owner as Subscription<string | Uint8Array>, value);
    }
    if (entry.internal) {
      if (value instanceof ReplyError && entry.pubsub !== undefined) {
        // A resubscription was refused (an ACL changed meanwhile): those names end.
        for (const name of entry.pubsub.names) {
          this.registry.unsubscribed(entry.pubsub.kind, keyOf(name), value);
        }
      }
      entry.resolve(value);
      return;
    }
    if (entry.abandoned) return;
    if (entry.guard !== undefined) entry.release();
    if (value instanceof ReplyError) entry.reject(value);
    else entry.resolve(value);
  }

  fail(entry: Command, error: Error, written: boolean): void {
    if (entry.blocking) this.#untrack(entry);
    const connection = this.connection;
    const host = this.#host;
    if (connection === undefined || connection.context.state !== "closed") {
      // Not a lost connection: the command could not be encoded.
      this.#reject(entry, error);
      return;
    }
    if (!this.#lost) {
      this.#lost = true;
      host.lost(connection, error);
    }
    if (entry.internal) {
      entry.reject(error);
      return;
    }
    if (host.ordered(error)) {
      this.#reject(entry, error);
      return;
    }
    const group = entry.group;
    if (group?.lost !== undefined) {
      group.lost(entry, error, written, host);
      return;
    }
    if (entry.abandoned) return;
    let again = false;
    if (entry.pubsub !== undefined) again = true; // (un)subscribing twice changes nothing
    else if (!entry.bound) {
      if (!written) again = true;
      else if (
        entry.retries < host.retryReadOnly && (entry.kind ?? classify(entry.args ?? [])).readonly
      ) {
        entry.retries++;
        again = true;
      }
    }
    if (again) {
      const queued = host.requeue(entry);
      if (queued === true) return;
      if (queued instanceof Error) {
        this.#reject(entry, queued);
        return;
      }
    }
    this.#reject(entry, written && entry.pubsub === undefined ? host.unknown(entry, error) : error);
  }

  /** The context dropped `entry` unsent (abandoned before it was encoded). */
  dropped(entry: Command): void {
    if (entry.blocking) this.#untrack(entry);
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
    if (entry.internal) return; // a resubscription: the listeners are there already
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

  #oldestAbandoned(): boolean {
    for (const entry of this.tracked) return entry.abandoned;
    return false;
  }

  #untrack(entry: Command): void {
    entry.blocking = false;
    this.tracked.delete(entry);
    if (entry.deadline !== undefined) {
      entry.deadline.cancel();
      entry.deadline = undefined;
    }
  }

  #reject(entry: Command, error: Error): void {
    rejectEntry(this.registry, entry, error);
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

/** Settles `entry` (or its group) with `error`; a subscribe command's subscription ends. */
export function rejectEntry(registry: PubSubRegistry, entry: Command, error: Error): void {
  const group = entry.group;
  if (group !== undefined) {
    group.fail(entry, error);
    return;
  }
  if (entry.owner !== undefined) {
    registry.refused(entry.owner as Subscription<string | Uint8Array>, error);
  }
  if (entry.abandoned) return;
  entry.abandoned = true;
  entry.release();
  entry.reject(error);
}
