// Decoders and argument builders of the stream commands.

import { array, map, pushEntries, text } from "./_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { Entries } from "./types.ts";
import type { GroupStreamEntry, StreamTrim } from "./stream_types.ts";

export function fieldsOf(value: RespValue): Map<RespValue, RespValue> | null {
  return value === null ? null : map(value);
}

export function entry(value: RespValue): GroupStreamEntry<RespValue> {
  const [id, fields] = array(value);
  return { id: text(id!), fields: fieldsOf(fields ?? null) };
}

export function entries(value: RespValue): GroupStreamEntry<RespValue>[] {
  return array(value).map(entry);
}

export function streams(reply: RespValue): Map<string, GroupStreamEntry<RespValue>[]> | null {
  if (reply === null) return null;
  const out = new Map<string, GroupStreamEntry<RespValue>[]>();
  if (reply instanceof Map) {
    for (const [key, list] of reply) out.set(text(key), entries(list));
    return out;
  }
  for (const item of array(reply)) {
    const [key, list] = array(item);
    out.set(text(key!), entries(list!));
  }
  return out;
}

export function ids(value: RespValue): string[] {
  return array(value).map(text);
}

export function pushTrim(argv: RedisArgument[], trim: StreamTrim): void {
  argv.push(trim.strategy, trim.approximate ? "~" : "=", trim.threshold);
  if (trim.limit !== undefined) argv.push("LIMIT", trim.limit);
}

export function pushStreams(argv: RedisArgument[], streams: Entries): void {
  const keys: RedisArgument[] = [];
  const startIds: RedisArgument[] = [];
  const pairs: RedisArgument[] = [];
  pushEntries(pairs, streams);
  for (let i = 0; i < pairs.length; i += 2) {
    keys.push(pairs[i]!);
    startIds.push(pairs[i + 1]!);
  }
  argv.push("STREAMS", ...keys, ...startIds);
}

export function readStreams(reply: RespValue): Map<string, GroupStreamEntry<RespValue>[]> | null {
  return streams(reply);
}
