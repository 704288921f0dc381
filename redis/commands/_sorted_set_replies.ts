// Decoders and argument builders of the sorted-set commands.

import { array, count, pushAll, scored, scoreOrNull, text } from "./_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { OneOrMany, ScoredMember } from "./types.ts";
import type {
  KeyedScoredMember,
  KeyedScoredMembers,
  ZCombineOptions,
  ZRangeOptions,
} from "./sorted_set_types.ts";

export function rangeReply(
  withScores: boolean | undefined,
): (reply: RespValue) => RespValue[] | ScoredMember<RespValue>[] {
  return withScores ? scored : array;
}

export function keyedScored(reply: RespValue): KeyedScoredMember<RespValue> | null {
  if (reply === null) return null;
  const [key, member, score] = array(reply);
  return { key: text(key!), member: member!, score: scoreOrNull(score!)! };
}

export function keyedScoredMembers(reply: RespValue): KeyedScoredMembers<RespValue> | null {
  if (reply === null) return null;
  const [key, members] = array(reply);
  return { key: text(key!), members: scored(members!) };
}

export function pushRange(argv: RedisArgument[], options: ZRangeOptions | undefined): void {
  if (options === undefined) return;
  if (options.by !== undefined) argv.push(options.by === "SCORE" ? "BYSCORE" : "BYLEX");
  if (options.rev) argv.push("REV");
  if (options.limit !== undefined) argv.push("LIMIT", options.limit.offset, options.limit.count);
}

export function combineArgv(
  command: string,
  destination: RedisArgument | undefined,
  keys: OneOrMany<RedisArgument>,
  options: ZCombineOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command];
  if (destination !== undefined) argv.push(destination);
  argv.push(count(keys));
  pushAll(argv, keys);
  if (options?.weights !== undefined) argv.push("WEIGHTS", ...options.weights);
  if (options?.aggregate !== undefined) argv.push("AGGREGATE", options.aggregate);
  if (destination === undefined && options?.withScores) argv.push("WITHSCORES");
  return argv;
}
