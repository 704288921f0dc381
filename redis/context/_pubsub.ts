// What the Context needs to route pub/sub and MONITOR traffic: the kind of a command it is asked to
// queue, the kind of a frame it reads, the per-connection view of the server's subscriptions, and
// the keys subscriptions are looked up by (a name's bytes, one char per byte).

import { ascii } from "../resp/_text.ts";
import { classify, type CommandClass } from "../commands/classify.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";

// ---- commands ----

export {
  C_DISCARD,
  C_EXEC,
  C_MONITOR,
  C_MULTI,
  C_OTHER,
  C_PING,
  C_PUBSUB,
  C_QUIT,
  C_RESET,
} from "../commands/classify.ts";

/**
 * The context's kind of a command (`C_*`): the class its owner found once and put on the entry,
 * or found now from the catalog.
 */
export function commandCode(
  argv: readonly RedisArgument[],
  entry?: { readonly kind?: CommandClass | undefined },
): number {
  return (entry?.kind ?? classify(argv)).context;
}

// ---- frames ----

export const F_NONE = 0;
export const F_MESSAGE = 1;
export const F_PMESSAGE = 2;
export const F_SMESSAGE = 3;
export const F_SUBSCRIBE = 4;
export const F_PSUBSCRIBE = 5;
export const F_SSUBSCRIBE = 6;
export const F_UNSUBSCRIBE = 7;
export const F_PUNSUBSCRIBE = 8;
export const F_SUNSUBSCRIBE = 9;
export const F_PONG = 10;

/** Channels, patterns, shard channels: the index of each in per-kind tables. */
export const K_CHANNEL = 0;
export const K_PATTERN = 1;
export const K_SHARD = 2;

/** A frame code's kind of subscription (for messages and confirmations). */
export function frameKindOf(frame: number): number {
  switch (frame) {
    case F_PMESSAGE:
    case F_PSUBSCRIBE:
    case F_PUNSUBSCRIBE:
      return K_PATTERN;
    case F_SMESSAGE:
    case F_SSUBSCRIBE:
    case F_SUNSUBSCRIBE:
      return K_SHARD;
    default:
      return K_CHANNEL;
  }
}

/** Whether bytes[at...] spell `text` (ASCII). */
function spells(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function frameFromBytes(b: Uint8Array): number {
  switch (b.length) {
    case 4:
      return spells(b, 0, "pong") ? F_PONG : F_NONE;
    case 7:
      return spells(b, 0, "message") ? F_MESSAGE : F_NONE;
    case 8:
      if (!spells(b, 1, "message")) return F_NONE;
      return b[0] === 0x70 ? F_PMESSAGE : b[0] === 0x73 ? F_SMESSAGE : F_NONE;
    case 9:
      return spells(b, 0, "subscribe") ? F_SUBSCRIBE : F_NONE;
    case 10:
      if (!spells(b, 1, "subscribe")) return F_NONE;
      return b[0] === 0x70 ? F_PSUBSCRIBE : b[0] === 0x73 ? F_SSUBSCRIBE : F_NONE;
    case 11:
      return spells(b, 0, "unsubscribe") ? F_UNSUBSCRIBE : F_NONE;
    case 12:
      if (!spells(b, 1, "unsubscribe")) return F_NONE;
      return b[0] === 0x70 ? F_PUNSUBSCRIBE : b[0] === 0x73 ? F_SUNSUBSCRIBE : F_NONE;
  }
  return F_NONE;
}

const FRAMES: Record<string, number> = {
  pong: F_PONG,
  message: F_MESSAGE,
  pmessage: F_PMESSAGE,
  smessage: F_SMESSAGE,
  subscribe: F_SUBSCRIBE,
  psubscribe: F_PSUBSCRIBE,
  ssubscribe: F_SSUBSCRIBE,
  unsubscribe: F_UNSUBSCRIBE,
  punsubscribe: F_PUNSUBSCRIBE,
  sunsubscribe: F_SUNSUBSCRIBE,
};

/** The kind of a pub/sub frame from its first element (bytes, or a simple string). */
export function frameCode(first: RespValue | undefined): number {
  if (first instanceof Uint8Array) return frameFromBytes(first);
  if (typeof first === "string" && first.length >= 4 && first.length <= 12) {
    return Object.hasOwn(FRAMES, first) ? FRAMES[first]! : F_NONE;
  }
  return F_NONE;
}

// ---- names ----

const utf8 = new TextEncoder();

/**
 * The key a name is looked up by: its bytes, one char per byte (so names that are not UTF-8 stay
 * distinct). An ASCII string is its own key.
 */
export function keyOf(name: string | Uint8Array): string {
  if (typeof name !== "string") return ascii(name, 0, name.length);
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) > 0x7f) {
      const bytes = utf8.encode(name);
      return ascii(bytes, 0, bytes.length);
    }
  }
  return name;
}

/** The bytes of a key made by keyOf. */
export function keyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return bytes;
}

/** `__redis__:invalidate`, whose messages carry an array of keys or null (client tracking). */
export const INVALIDATE_CHANNEL = "__redis__:invalidate";

/** Whether a status line is one MONITOR sends: `<seconds>.<micros> [<db> <client>] …`. */
export function isMonitorLine(line: string): boolean {
  const c = line.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && line.indexOf(" [") > 0;
}

// ---- the server's subscriptions, per connection ----

/** A (P|S)SUBSCRIBE or (P|S)UNSUBSCRIBE the context queued, waiting for its confirmations. */
export class PubSubCall<E> {
  readonly entry: E;
  readonly kind: number;
  readonly subscribe: boolean;
  /** The names' keys, in the order sent; empty for a bare (P|S)UNSUBSCRIBE. */
  readonly keys: string[];
  /** How many confirmations complete it; -1 until the first one of a bare unsubscribe. */
  expected: number;
  received = 0;
  /** A bare unsubscribe that found nothing subscribed: its one confirmation has a null name. */
  empty = false;
  /** Its place among the calls and RESETs queued on the connection. */
  seq = 0;

  constructor(entry: E, kind: number, subscribe: boolean, keys: string[]) {
    this.entry = entry;
    this.kind = kind;
    this.subscribe = subscribe;
    this.keys = keys;
    this.expected = keys.length === 0 ? -1 : keys.length;
  }
}

/** Channel, pattern and shard-channel key sets, one per kind. */
export class KeySets {
  readonly sets: [Set<string>, Set<string>, Set<string>] = [new Set(), new Set(), new Set()];

  get total(): number {
    return this.sets[0].size + this.sets[1].size + this.sets[2].size;
  }

  clear(): void {
    for (const set of this.sets) set.clear();
  }

  copyFrom(other: KeySets): void {
    for (let k = 0; k < 3; k++) {
      const set = this.sets[k]!;
      set.clear();
      for (const key of other.sets[k]!) set.add(key);
    }
  }

  /** Applies a call as the server will run it. */
  apply<E>(call: PubSubCall<E>): void {
    const set = this.sets[call.kind]!;
    if (call.subscribe) { for (const key of call.keys) set.add(key); }
    else if (call.keys.length === 0) set.clear();
    else for (const key of call.keys) set.delete(key);
  }
}
