// The settle strategies of the client's commands (see `Settle` in _command.ts, where the plain
// one, PLAIN, lives as every command's default): the client's own commands (INTERNAL), and the
// subscribe family (PubSubSettle). Pipelines and transactions are their own strategies (pipeline.ts,
// transaction.ts). Each decides, for its commands, what a reply, an error and a lost connection
// mean: the connection's sink only hands them over.

import { keyOf } from "../context/_pubsub.ts";
import type { PubSubKind } from "../context/types.ts";
import { ReplyError } from "../errors.ts";
import type { RespValue } from "../resp/types.ts";
import {
  type Command,
  type LossHost,
  PLAIN,
  type PubSubCommand,
  rejectOnce,
  type Settle,
  settleLost,
} from "./_command.ts";

export { PLAIN, settleLost };
import type { PubSubRegistry, Subscription } from "./subscription.ts";

function noop(): void {}

/**
 * A command the client sends for itself (a health-check PING, `CLIENT ID`): resolves with any
 * reply, an error reply included; never sent again.
 */
export const INTERNAL: Settle = {
  reply(entry: Command, value: RespValue): void {
    entry.resolve(value);
  },
  fail(entry: Command, error: Error): void {
    entry.reject(error);
  },
  lost(entry: Command, error: Error): void {
    entry.reject(error);
  },
};

/**
 * A `(P|S)(UN)SUBSCRIBE` command: what to send again (`pubsub`), and for a subscribe, the
 * subscription its confirmations activate (`owner`), which ends when the command is refused.
 * `internal`: a resubscription on a new connection (its names end when it is refused).
 */
export class PubSubSettle implements Settle {
  readonly pubsub: PubSubCommand;
  readonly owner: Subscription<string | Uint8Array> | undefined;
  readonly internal: boolean;
  #registry: PubSubRegistry;

  constructor(
    registry: PubSubRegistry,
    pubsub: PubSubCommand,
    owner: Subscription<string | Uint8Array> | undefined,
    internal = false,
  ) {
    this.#registry = registry;
    this.pubsub = pubsub;
    this.owner = owner;
    this.internal = internal;
  }

  reply(entry: Command, value: RespValue): void {
    if (value instanceof ReplyError) {
      if (this.owner !== undefined) this.#registry.refused(this.owner, value);
      if (this.internal) {
        // A resubscription was refused (an ACL changed meanwhile): those names end.
        const { kind, names } = this.pubsub;
        for (const name of names) this.#registry.unsubscribed(kind, keyOf(name), value);
      }
    }
    if (this.internal) {
      entry.resolve(value);
      return;
    }
    PLAIN.reply(entry, value);
  }

  fail(entry: Command, error: Error): void {
    if (this.owner !== undefined) this.#registry.refused(this.owner, error);
    if (this.internal) entry.reject(error);
    else rejectOnce(entry, error);
  }

  lost(entry: Command, error: Error, written: boolean, host: LossHost): void {
    if (this.internal) entry.reject(error);
    else settleLost(entry, error, written, host);
  }

  /** The server confirmed `key` for this command. */
  subscribed(kind: PubSubKind, key: string): void {
    if (this.internal) return; // a resubscription: the listeners are there already
    this.#registry.subscribed(this.owner, kind, key);
  }
}

/**
 * Rejects a group member's promise, marked as handled: a caller who only awaits `exec()` must not
 * get an unhandled rejection for a command they never awaited.
 */
export function rejectMember(
  command: Command,
  promise: Promise<unknown> | undefined,
  error: Error,
): void {
  promise?.catch(noop);
  command.reject(error);
}

/** Settles a group member with its reply (an error reply rejects). */
export function settleMember(
  command: Command,
  promise: Promise<unknown> | undefined,
  value: RespValue,
): void {
  if (value instanceof ReplyError) rejectMember(command, promise, value);
  else command.resolve(value);
}
