// The map-like replies of XINFO: a plain object by default, a Map with `asMap: true`.

import type { RespValue } from "../resp/types.ts";
import type { CommandOptions } from "./command_sender.ts";
import { namedMap } from "./_replies.ts";

/**
 * Options of the `XINFO` methods: a plain object per reply by default, a `Map` with `asMap`.
 *
 * @example Maps
 * ```ts
 * import type { InfoOptions } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const options: InfoOptions = { asMap: true };
 * assert.equal(options.asMap, true);
 * ```
 */
export interface InfoOptions extends CommandOptions {
  /** Return a `Map` instead of a plain object. */
  asMap?: boolean;
}

/**
 * What an `XINFO` reply (one of its items) resolves to: `Record<string, RespValue>`, or
 * `Map<string, RespValue>` with `asMap: true`.
 *
 * @typeParam O The options type of the call.
 *
 * @example
 * ```ts
 * import type { InfoReply } from "@dray/dray/redis";
 * import assert from "node:assert/strict";
 *
 * const group: InfoReply<{ timeoutMs: 5 }> = { name: "g", pending: 0 };
 * assert.equal(group.name, "g");
 * ```
 */
export type InfoReply<O> = "asMap" extends keyof O
  ? O[Extract<"asMap", keyof O>] extends true ? Map<string, RespValue> : Record<string, RespValue>
  : Record<string, RespValue>;

/** An `XINFO` reply (or one of its items) as an object, or a `Map` with `asMap`. */
export function info(
  value: RespValue,
  options: InfoOptions | undefined,
): Record<string, RespValue> | Map<string, RespValue> {
  const fields = namedMap(value);
  return options?.asMap ? fields : Object.fromEntries(fields);
}
