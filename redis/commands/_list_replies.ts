// Decoders and argument builders of the list commands (lists.ts).

import { array, count, pushAll, text } from "./_replies.ts";
import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { OneOrMany } from "./types.ts";
import type { KeyedElement, KeyedElements, ListEnd, PopOptions } from "./list_types.ts";

export function keyedElement(reply: RespValue): KeyedElement<RespValue> | null {
  if (reply === null) return null;
  const [key, element] = array(reply);
  return { key: text(key!), element: element! };
}

export function keyedElements(reply: RespValue): KeyedElements<RespValue> | null {
  if (reply === null) return null;
  const [key, elements] = array(reply);
  return { key: text(key!), elements: array(elements!) };
}

export function mpopArgv(
  command: string,
  timeout: number | undefined,
  keys: OneOrMany<RedisArgument>,
  end: ListEnd | "MIN" | "MAX",
  options: PopOptions | undefined,
): RedisArgument[] {
  const argv: RedisArgument[] = [command];
  if (timeout !== undefined) argv.push(timeout);
  argv.push(count(keys));
  pushAll(argv, keys);
  argv.push(end);
  if (options?.count !== undefined) argv.push("COUNT", options.count);
  return argv;
}
