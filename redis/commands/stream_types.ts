import type { RedisArgument } from "../resp/types.ts";
import type { CommandOptions } from "./command_sender.ts";
import type { BulkString } from "./types.ts";

/**
 * A stream entry: its id and its fields in the order they were added.
 *
 * @typeParam T The field and value type: `string`, or `Uint8Array` with `returnBuffers`.
 *
 * @example An entry
 * ```ts
 * import type { StreamEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const entry: StreamEntry<string> = { id: "1-0", fields: new Map([["temp", "21.5"]]) };
 * assert.equal(entry.fields.get("temp"), "21.5");
 * ```
 */
export interface StreamEntry<T> {
  /** The entry id, `<milliseconds>-<sequence>`. */
  id: string;
  /** The fields and values. */
  fields: Map<T, T>;
}

/**
 * A stream entry read through a consumer group: like {@linkcode StreamEntry}, except that
 * `fields` is `null` for an entry still pending in the group but deleted from the stream.
 *
 * @typeParam T The field and value type.
 *
 * @example A deleted pending entry
 * ```ts
 * import type { GroupStreamEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const gone: GroupStreamEntry<string> = { id: "1-0", fields: null };
 * assert.equal(gone.fields, null);
 * ```
 */
export interface GroupStreamEntry<T> {
  /** The entry id. */
  id: string;
  /** The fields and values, or `null` when the entry was deleted. */
  fields: Map<T, T> | null;
}

/**
 * How `XADD` and `XTRIM` trim a stream.
 *
 * @example Keep about the last 1000 entries
 * ```ts
 * import type { StreamTrim } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const trim: StreamTrim = { strategy: "MAXLEN", threshold: 1000, approximate: true };
 * assert.equal(trim.strategy, "MAXLEN");
 * ```
 */
export interface StreamTrim {
  /** `MAXLEN`: keep at most `threshold` entries; `MINID`: drop ids below `threshold`. */
  strategy: "MAXLEN" | "MINID";
  /** The length or the id. */
  threshold: RedisArgument;
  /** `~`: trim only whole macro nodes, which is much cheaper (default: exact, `=`). */
  approximate?: boolean;
  /** `LIMIT count`: evict at most this many entries (with `approximate` only). */
  limit?: number;
}

/**
 * Options of `XADD`.
 *
 * @example Add, trimming to about 1000 entries
 * ```ts
 * import type { XAddOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XAddOptions = { trim: { strategy: "MAXLEN", threshold: 1000, approximate: true } };
 * assert.ok(options.trim);
 * ```
 */
export interface XAddOptions extends CommandOptions {
  /** `NOMKSTREAM`: do not create a missing stream (the reply is then `null`). */
  nomkstream?: boolean;
  /** Trim the stream in the same command. */
  trim?: StreamTrim;
}

/**
 * Options of `XREAD`.
 *
 * @example Wait up to 5 s for at most 100 entries
 * ```ts
 * import type { XReadOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XReadOptions = { count: 100, block: 5000 };
 * assert.equal(options.block, 5000);
 * ```
 */
export interface XReadOptions extends CommandOptions {
  /** `COUNT count`: at most this many entries per stream. */
  count?: number;
  /**
   * `BLOCK milliseconds`: wait this long for new entries (0: forever). The connection is held
   * while it waits: use a dedicated one.
   */
  block?: number;
}

/**
 * Options of `XREADGROUP`.
 *
 * @example Read without acknowledging later
 * ```ts
 * import type { XReadGroupOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XReadGroupOptions = { count: 10, noack: true };
 * assert.equal(options.noack, true);
 * ```
 */
export interface XReadGroupOptions extends XReadOptions {
  /** `NOACK`: do not add the entries to the pending list. */
  noack?: boolean;
}

/**
 * Options of `XPENDING`. With `count`, the reply lists pending entries (from `start`, default
 * `-`, to `end`, default `+`); without, it is the group's summary.
 *
 * @example The ten oldest entries of one consumer, idle for a minute
 * ```ts
 * import type { XPendingOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XPendingOptions = { count: 10, consumer: "worker-1", idle: 60_000 };
 * assert.equal(options.count, 10);
 * ```
 */
export interface XPendingOptions extends CommandOptions {
  /** `IDLE min-idle-time`: only entries idle at least this many milliseconds. */
  idle?: number;
  /** The lowest id (default `-`). */
  start?: RedisArgument;
  /** The highest id (default `+`). */
  end?: RedisArgument;
  /** How many entries: asks for the extended form. */
  count?: number;
  /** Only this consumer's entries. */
  consumer?: RedisArgument;
}

/**
 * The summary form of `XPENDING`.
 *
 * @example Nothing pending
 * ```ts
 * import type { XPendingSummary } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const none: XPendingSummary = { count: 0, smallest: null, largest: null, consumers: [] };
 * assert.equal(none.count, 0);
 * ```
 */
export interface XPendingSummary {
  /** How many entries are pending. */
  count: number;
  /** The smallest pending id. */
  smallest: string | null;
  /** The largest pending id. */
  largest: string | null;
  /** Each consumer with pending entries, and how many. */
  consumers: { name: string; count: number }[];
}

/**
 * One entry of the extended form of `XPENDING`.
 *
 * @example A pending entry
 * ```ts
 * import type { XPendingEntry } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const entry: XPendingEntry = { id: "1-0", consumer: "w1", idleMs: 1200, deliveries: 1 };
 * assert.equal(entry.deliveries, 1);
 * ```
 */
export interface XPendingEntry {
  /** The entry id. */
  id: string;
  /** The consumer it was delivered to. */
  consumer: string;
  /** Milliseconds since it was last delivered. */
  idleMs: number;
  /** How many times it was delivered. */
  deliveries: number;
}

/**
 * What `XPENDING` resolves with: the extended list with `count`, else the summary.
 *
 * @typeParam O The options' type.
 *
 * @example The extended form
 * ```ts
 * import type { XPendingReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const list: XPendingReply<{ count: 10 }> = [];
 * assert.deepEqual(list, []);
 * ```
 */
export type XPendingReply<O> = O extends { count: number } ? XPendingEntry[] : XPendingSummary;

/**
 * Options of `XCLAIM` and `XAUTOCLAIM`.
 *
 * @example Claim only ids
 * ```ts
 * import type { XClaimOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XClaimOptions = { justid: true };
 * assert.equal(options.justid, true);
 * ```
 */
export interface XClaimOptions extends CommandOptions {
  /** `JUSTID`: reply with ids only, without incrementing the delivery count. */
  justid?: boolean;
}

/**
 * More options of `XCLAIM`.
 *
 * @example Force a claim
 * ```ts
 * import type { XClaimMoreOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XClaimMoreOptions = { force: true, retrycount: 3 };
 * assert.equal(options.retrycount, 3);
 * ```
 */
export interface XClaimMoreOptions extends XClaimOptions {
  /** `IDLE ms`: set the idle time. */
  idle?: number;
  /** `TIME unix-time-milliseconds`: set the idle time as a moment. */
  time?: number;
  /** `RETRYCOUNT count`: set the delivery count. */
  retrycount?: number;
  /** `FORCE`: create pending entries for ids not yet pending. */
  force?: boolean;
  /** `LASTID lastid`: update the group's last delivered id. */
  lastid?: RedisArgument;
}

/**
 * Options of `XAUTOCLAIM`.
 *
 * @example Claim up to 50
 * ```ts
 * import type { XAutoClaimOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XAutoClaimOptions = { count: 50 };
 * assert.equal(options.count, 50);
 * ```
 */
export interface XAutoClaimOptions extends XClaimOptions {
  /** `COUNT count`: claim at most this many (default 100). */
  count?: number;
}

/**
 * What `XCLAIM` resolves with: ids with `justid`, else entries.
 *
 * @typeParam O The options' type.
 *
 * @example Ids
 * ```ts
 * import type { XClaimReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const ids: XClaimReply<{ justid: true }> = ["1-0"];
 * assert.equal(ids.length, 1);
 * ```
 */
export type XClaimReply<O> = O extends { justid: true } ? string[]
  : StreamEntry<BulkString<O>>[];

/**
 * What `XAUTOCLAIM` resolves with.
 *
 * @typeParam O The options' type.
 *
 * @example Nothing to claim
 * ```ts
 * import type { XAutoClaimReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const reply: XAutoClaimReply<{}> = { next: "0-0", claimed: [], deleted: [] };
 * assert.equal(reply.next, "0-0");
 * ```
 */
export interface XAutoClaimReply<O> {
  /** The id to start the next call from (`"0-0"`: the whole pending list was scanned). */
  next: string;
  /** The claimed entries, or their ids with `justid`. */
  claimed: XClaimReply<O>;
  /** Ids that were pending but deleted from the stream (removed from the pending list). */
  deleted: string[];
}

/**
 * Options of `XGROUP CREATE` and `XGROUP SETID`.
 *
 * @example Create the stream too
 * ```ts
 * import type { XGroupOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: XGroupOptions = { mkstream: true };
 * assert.equal(options.mkstream, true);
 * ```
 */
export interface XGroupOptions extends CommandOptions {
  /** `MKSTREAM` (`XGROUP CREATE` only): create an empty stream when missing. */
  mkstream?: boolean;
  /** `ENTRIESREAD entries-read`: the group's read counter, for lag tracking. */
  entriesRead?: number;
}
