// The client's subscribe family: checks the names and options, makes the Subscription, and
// queues the (P|S)(UN)SUBSCRIBE command on the live connection or in the offline queue. The
// confirmations come back through the connection's sink (see _sink.ts).

import type { PubSubKind } from "../context/types.ts";
import type { ClientState } from "./_client_state.ts";
import { Command, promiseFor } from "./_command.ts";
import { PLAIN, PubSubSettle } from "./_settle.ts";
import { arm } from "./_deadlines.ts";
import { enqueue } from "./_send.ts";
import type { Subscription } from "./subscription.ts";
import type { PubSubHandler, SubscribeOptions } from "./subscription_types.ts";

/** The names a pub/sub method takes: one, or several. */
export type Names = string | Uint8Array | readonly (string | Uint8Array)[];

function noop(): void {}

function namesOf(names: Names | undefined): (string | Uint8Array)[] {
  if (names === undefined) return [];
  if (typeof names === "string" || names instanceof Uint8Array) return [names];
  if (!Array.isArray(names)) {
    throw new TypeError(`Expected a name or an array of names, got "${String(names)}"`);
  }
  return [...names];
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

/** `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE`: resolves with the subscription once confirmed. */
export function subscribe(
  state: ClientState,
  kind: PubSubKind,
  names: Names,
  options: SubscribeOptions | PubSubHandler<string> | undefined,
): Promise<Subscription<string | Uint8Array>> {
  let subscription: Subscription<string | Uint8Array>;
  let list: (string | Uint8Array)[];
  const entry = new Command(false, PLAIN); // a PubSubSettle once its subscription exists
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
    state.checkOpen("subscribe");
    const timeoutMs = settings.timeoutMs ?? state.resolved.commandTimeoutMs;
    if (timeoutMs !== undefined || settings.signal !== undefined) {
      const aborted = arm(state, entry, {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(settings.signal === undefined ? {} : { signal: settings.signal }),
      }, (_entry, error) => gaveUp(error));
      if (aborted !== undefined) throw aborted;
    }
    subscription = state.registry.create(kind, list, settings);
    entry.settle = new PubSubSettle(
      state.registry,
      { kind, names: list, subscribe: true },
      subscription,
    );
    submitPubSub(state, entry);
  } catch (error) {
    entry.abandoned = true;
    entry.release();
    return Promise.reject(error);
  }
  state.registry.sent(kind, list);
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

/** `UNSUBSCRIBE`, `PUNSUBSCRIBE` or `SUNSUBSCRIBE`: the server's count from the last reply. */
export function unsubscribe(
  state: ClientState,
  kind: PubSubKind,
  names: Names | undefined,
): Promise<number> {
  const entry = new Command(false, PLAIN); // a PubSubSettle once its names are checked
  const confirmed = promiseFor<number>(entry);
  try {
    const list = namesOf(names);
    checkNames(kind, list, false);
    state.checkOpen("unsubscribe");
    entry.settle = new PubSubSettle(
      state.registry,
      { kind, names: list, subscribe: false },
      undefined,
    );
    submitPubSub(state, entry);
  } catch (error) {
    entry.abandoned = true;
    return Promise.reject(error);
  }
  return confirmed;
}

/**
 * Unsubscribes names no subscription holds any more, when a connection is live. (Without one
 * there is nothing to do: the next connection subscribes only to names that have
 * subscriptions.)
 */
export function release(
  state: ClientState,
  kind: PubSubKind,
  names: (string | Uint8Array)[],
): Promise<void> {
  if (!state.life.live || !state.connection!.context.accepting) return Promise.resolve();
  return unsubscribe(state, kind, names).then(noop, noop);
}

/** Queues a (P|S)(UN)SUBSCRIBE on the live connection, or in the offline queue. */
function submitPubSub(state: ClientState, entry: Command): void {
  const { kind, names, subscribe } = entry.settle.pubsub!;
  if (state.life.live) {
    const context = state.connection!.context;
    if (!context.accepting) throw state.refusal(context.error);
    if (subscribe) context.subscribe(entry, kind, names);
    else context.unsubscribe(entry, kind, names);
    return;
  }
  enqueue(state, entry);
}
