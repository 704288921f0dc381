import type { CommandOptions } from "./command_sender.ts";
import type { BulkString } from "./types.ts";

/**
 * An end of a list, for `LMOVE`, `BLMOVE`, `LMPOP` and `BLMPOP`.
 *
 * @example The head
 * ```ts
 * import type { ListEnd } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const end: ListEnd = "LEFT";
 * assert.equal(end, "LEFT");
 * ```
 */
export type ListEnd = "LEFT" | "RIGHT";

/**
 * Options of `LPOP`, `RPOP`, `SPOP`, `LMPOP` and `BLMPOP`.
 *
 * @example Pop three
 * ```ts
 * import type { PopOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: PopOptions = { count: 3 };
 * assert.equal(options.count, 3);
 * ```
 */
export interface PopOptions extends CommandOptions {
  /** How many elements; with it the reply is a list. */
  count?: number;
}

/**
 * What `LPOP`, `RPOP` and `SPOP` resolve with under options `O`: one element (or `null`)
 * without `count`; with it, a list (`LPOP`/`RPOP` give `null` for a missing key).
 *
 * @typeParam O The options' type.
 *
 * @example One, or a list
 * ```ts
 * import type { PopReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: PopReply<{}> = "a";
 * const some: PopReply<{ count: 2 }> = ["a", "b"];
 * assert.ok(one !== null && some !== null);
 * ```
 */
export type PopReply<O> = O extends { count: number } ? BulkString<O>[] | null
  : BulkString<O> | null;

/**
 * Options of `LPOS`.
 *
 * @example The second match, scanning at most 1000 elements
 * ```ts
 * import type { LPosOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: LPosOptions = { rank: 2, maxlen: 1000 };
 * assert.equal(options.rank, 2);
 * ```
 */
export interface LPosOptions extends CommandOptions {
  /** `RANK rank`: skip to the n-th match (negative: from the tail). */
  rank?: number;
  /** `COUNT num-matches`: return up to this many positions (0: all); makes the reply a list. */
  count?: number;
  /** `MAXLEN len`: compare at most this many elements. */
  maxlen?: number;
}

/**
 * What `LPOS` resolves with: a position (or `null`) without `count`, a list of positions with it.
 *
 * @typeParam O The options' type.
 *
 * @example Both shapes
 * ```ts
 * import type { LPosReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const one: LPosReply<{}> = 3;
 * const all: LPosReply<{ count: 0 }> = [3, 7];
 * assert.equal(all.length, 2);
 * assert.equal(one, 3);
 * ```
 */
export type LPosReply<O> = O extends { count: number } ? number[] : number | null;

/**
 * An element popped by `BLPOP` or `BRPOP`, with the key it came from.
 *
 * @typeParam T The element type.
 *
 * @example A popped job
 * ```ts
 * import type { KeyedElement } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const popped: KeyedElement<string> = { key: "jobs", element: "job-1" };
 * assert.equal(popped.key, "jobs");
 * ```
 */
export interface KeyedElement<T> {
  /** The key the element was popped from. */
  key: string;
  /** The element. */
  element: T;
}

/**
 * Elements popped by `LMPOP` or `BLMPOP`, with the key they came from.
 *
 * @typeParam T The element type.
 *
 * @example Two popped jobs
 * ```ts
 * import type { KeyedElements } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const popped: KeyedElements<string> = { key: "jobs", elements: ["job-1", "job-2"] };
 * assert.equal(popped.elements.length, 2);
 * ```
 */
export interface KeyedElements<T> {
  /** The key the elements were popped from. */
  key: string;
  /** The elements. */
  elements: T[];
}
