// Putting replies back together: the parts of a command split by slot, and the replies of a
// command fanned out to every shard or node, reduced by the catalog's response_policy tip.

import type { RespValue } from "../resp/types.ts";
import type { ResponsePolicy, SplitPart } from "./_route.ts";

function num(value: unknown): number | bigint {
  if (typeof value === "number" || typeof value === "bigint") return value;
  throw new TypeError(`Cannot aggregate the reply "${String(value)}": it is not a number`);
}

function sum(values: readonly unknown[]): number | bigint {
  let total: number | bigint = 0;
  for (const value of values) {
    const n = num(value);
    total = typeof total === "bigint" || typeof n === "bigint"
      ? BigInt(total) + BigInt(n)
      : total + n;
  }
  return total;
}

function pick(values: readonly unknown[], better: (a: number, b: number) => boolean): unknown {
  let best: unknown = undefined;
  for (const value of values) {
    if (best === undefined || better(Number(num(value)), Number(num(best)))) best = value;
  }
  return best;
}

function logical(values: readonly unknown[], and: boolean): unknown {
  const first = values[0];
  if (!Array.isArray(first)) {
    const truthy = values.map((v) => Boolean(Number(v)));
    return (and ? truthy.every(Boolean) : truthy.some(Boolean)) ? 1 : 0;
  }
  return first.map((_, i) => {
    const column = values.map((v) => Boolean(Number((v as unknown[])[i])));
    return (and ? column.every(Boolean) : column.some(Boolean)) ? 1 : 0;
  });
}

/**
 * Reduces the settled replies of a fanned-out command. Errors: `all_succeeded` (and no policy)
 * throws the first; `one_succeeded` throws only when every node failed; the aggregations throw
 * the first too.
 */
export function reduceReplies(
  results: readonly PromiseSettledResult<unknown>[],
  policy: ResponsePolicy,
): RespValue {
  const values: unknown[] = [];
  let firstError: unknown = undefined;
  for (const result of results) {
    if (result.status === "fulfilled") values.push(result.value);
    else if (firstError === undefined) firstError = result.reason;
  }
  if (policy === "one_succeeded") {
    if (values.length > 0) return values[0] as RespValue;
    throw firstError;
  }
  if (firstError !== undefined) throw firstError;
  switch (policy) {
    case "agg_sum":
      return sum(values) as RespValue;
    case "agg_min":
      return pick(values, (a, b) => a < b) as RespValue;
    case "agg_max":
      return pick(values, (a, b) => a > b) as RespValue;
    case "agg_logical_and":
      return logical(values, true) as RespValue;
    case "agg_logical_or":
      return logical(values, false) as RespValue;
    case "all_succeeded":
      return values[0] as RespValue;
    default:
      if (values.every(Array.isArray)) return (values as unknown[][]).flat() as RespValue;
      return (values.find((value) => value !== null) ?? null) as RespValue;
  }
}

/** Reassembles the replies of a command split by slot (`MGET` in key order, counts summed). */
export function reassemble(
  parts: readonly SplitPart[],
  replies: readonly unknown[],
  policy: ResponsePolicy,
): RespValue {
  if (policy === "agg_sum") return sum(replies) as RespValue;
  if (policy === "all_succeeded") return replies[0] as RespValue;
  const size = parts.reduce((n, part) => n + part.keyIndexes.length, 0);
  const out: unknown[] = new Array(size);
  for (let p = 0; p < parts.length; p++) {
    const reply = replies[p];
    if (!Array.isArray(reply)) {
      throw new TypeError(`Cannot reassemble a split reply that is not an array`);
    }
    const indexes = parts[p]!.keyIndexes;
    for (let i = 0; i < indexes.length; i++) out[indexes[i]!] = reply[i];
  }
  return out as RespValue;
}

/**
 * The reply of a command split by slot, put together as its parts' replies arrive: `MGET`'s
 * values go straight to their places in one array, counts are summed; one promise for the
 * whole command, which rejects with the first part that fails for good.
 */
export class SplitReply {
  readonly promise: Promise<RespValue>;
  #parts: readonly SplitPart[];
  #policy: ResponsePolicy;
  #left: number;
  #out: unknown[] | undefined;
  #total: number | bigint = 0;
  #first: unknown = undefined;
  #done = false;
  #resolve!: (value: RespValue) => void;
  #reject!: (error: unknown) => void;

  constructor(parts: readonly SplitPart[], policy: ResponsePolicy, keys: number) {
    this.#parts = parts;
    this.#policy = policy;
    this.#left = parts.length;
    this.#out = policy === "agg_sum" || policy === "all_succeeded"
      ? undefined
      : new Array(keys).fill(null);
    this.promise = new Promise<RespValue>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Part `at` was answered. */
  settled(at: number, value: unknown): void {
    if (this.#done) return;
    const out = this.#out;
    if (out !== undefined) {
      if (!Array.isArray(value)) {
        return this.failed(
          at,
          new TypeError("Cannot reassemble a split reply that is not an array"),
        );
      }
      const indexes = this.#parts[at]!.keyIndexes;
      for (let i = 0; i < indexes.length; i++) out[indexes[i]!] = value[i];
    } else if (this.#policy === "agg_sum") {
      const n = num(value);
      const total = this.#total;
      this.#total = typeof total === "bigint" || typeof n === "bigint"
        ? BigInt(total) + BigInt(n)
        : total + n;
    } else if (this.#first === undefined) {
      this.#first = value;
    }
    if (--this.#left === 0) {
      this.#done = true;
      this.#resolve(
        (out ?? (this.#policy === "agg_sum" ? this.#total : this.#first)) as RespValue,
      );
    }
  }

  /** Part `at` failed for good: the command rejects (once). */
  failed(_at: number, error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(error);
  }
}
