// Sending helpers shared by the generated and the hand-written methods.

import type { RedisArgument, RespValue } from "../resp/types.ts";
import type { CommandOptions, CommandSender } from "./command_sender.ts";
import type { OneOrMany, Spread } from "./types.ts";
import { classify } from "./classify.ts";

/** Whether the last element of a rest of arguments is the options object. */
function isOptions(
  value: OneOrMany<RedisArgument> | CommandOptions,
): value is CommandOptions {
  return typeof value === "object" && !ArrayBuffer.isView(value) && !Array.isArray(value);
}

/**
 * Sends `head` followed by `args` (values, or arrays of values spread in place), taking a trailing
 * options object off `args`. `head` is a fresh array owned by the caller; it becomes the argv.
 */
export function sendArguments(
  sender: CommandSender,
  head: RedisArgument[],
  args: Spread<OneOrMany<RedisArgument>, CommandOptions>,
): Promise<RespValue> {
  const n = args.length;
  const last = n === 0 ? undefined : args[n - 1]!;
  const options = last !== undefined && isOptions(last) ? last : undefined;
  const end = options === undefined ? n : n - 1;
  for (let i = 0; i < end; i++) {
    const arg = args[i] as OneOrMany<RedisArgument>;
    if (Array.isArray(arg)) head.push(...arg);
    else head.push(arg as RedisArgument);
  }
  const arity = classify(head).command?.arity;
  if (arity !== undefined && (arity > 0 ? head.length !== arity : head.length < -arity)) {
    const words = arity > 0 ? `exactly ${arity}` : `at least ${-arity}`;
    return Promise.reject(
      new TypeError(
        `${String(head[0])} takes ${words} words with its name, got ${head.length}: ` +
          head.map(String).join(" "),
      ),
    );
  }
  return sender.sendCommand<RespValue>(head, options);
}

function isArgument(value: unknown): value is RedisArgument {
  return typeof value === "string" || typeof value === "number" || typeof value === "bigint" ||
    value instanceof Uint8Array;
}

/** An option that is one of a few tokens (`[ASYNC | SYNC]`); anything else is a TypeError. */
export function choice<T extends string>(value: T, tokens: readonly T[], key: string): T {
  if (typeof value === "string" && tokens.includes(value.toUpperCase() as T)) return value;
  throw new TypeError(
    `Option "${key}" must be one of ${tokens.join(", ")}, got "${String(value)}"`,
  );
}

/** An option that is a block of `size` values (`[LIMIT offset count]`); else a TypeError. */
export function block(
  value: readonly RedisArgument[],
  size: number,
  key: string,
): readonly RedisArgument[] {
  if (Array.isArray(value) && value.length === size && value.every(isArgument)) return value;
  throw new TypeError(
    `Option "${key}" must be an array of ${size} strings, numbers, bigints or Uint8Arrays`,
  );
}
