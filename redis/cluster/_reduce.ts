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
