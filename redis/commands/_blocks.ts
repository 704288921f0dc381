// Checks of the block objects the hand-written methods take (`{ longitude, latitude, member }`,
// `{ operation: "GET", encoding, offset }`, `{ importing: id }`): a missing field, a field of the
// wrong kind or a value outside its tokens throws a TypeError naming the method and the field,
// before anything is sent. The run-time check wrapper (_checks.ts) turns the throw into the
// method's rejection.

import type { RedisArgument } from "../resp/types.ts";

function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${String(value)}`;
}

/** The object itself, or a TypeError when it is not a plain object. */
export function blockOf(value: unknown, what: string, method: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new TypeError(`${what} of ${method}() must be an object, got ${shown(value)}`);
}

/** A field that must be a number (or a bigint). */
export function numberField(
  block: Record<string, unknown>,
  key: string,
  method: string,
): number | bigint {
  const value = block[key];
  if (typeof value === "number" || typeof value === "bigint") return value;
  throw new TypeError(`Field "${key}" of ${method}() must be a number, got ${shown(value)}`);
}

/** A field that must be a Redis argument (string, number, bigint or bytes). */
export function argumentField(
  block: Record<string, unknown>,
  key: string,
  method: string,
): RedisArgument {
  const value = block[key];
  const type = typeof value;
  if (type === "string" || type === "number" || type === "bigint" || value instanceof Uint8Array) {
    return value as RedisArgument;
  }
  throw new TypeError(
    `Field "${key}" of ${method}() must be a string, number, bigint or Uint8Array, got ${
      shown(value)
    }`,
  );
}

/** A value that must be one of `tokens` (any case); returned upper-cased. */
export function tokenOf<T extends string>(
  value: unknown,
  tokens: readonly T[],
  what: string,
  method: string,
): T {
  if (typeof value === "string") {
    const upper = value.toUpperCase() as T;
    if (tokens.includes(upper)) return upper;
  }
  throw new TypeError(
    `${what} of ${method}() must be one of ${tokens.join(", ")}, got ${shown(value)}`,
  );
}

/** Which one of `keys` the block has; a TypeError when it has none or more than one. */
export function oneKeyOf<T extends string>(
  block: Record<string, unknown>,
  keys: readonly T[],
  what: string,
  method: string,
): T {
  const present = keys.filter((key) => block[key] !== undefined);
  if (present.length === 1) return present[0]!;
  throw new TypeError(
    `${what} of ${method}() needs exactly one of ${keys.join(", ")}, got ${
      present.length === 0 ? "none" : present.join(" and ")
    }`,
  );
}
