// Reply normalisers: one shape whatever the protocol. Each looks at the reply's shape, never at
// the connection's protocol, so a reply read in RESP2 (flat arrays, scores as bulk strings) and
// the same reply read in RESP3 (maps, sets, pairs, doubles) come out identical.

import type { RedisArgument, RespValue } from "../resp/types.ts";
import { VerbatimString } from "../resp/types.ts";
import type { Entries } from "./types.ts";

const decoder = new TextDecoder();

/** A bulk string as text (cursors, stream ids, numbers sent as bulk strings). */
export function text(value: RespValue): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (value instanceof VerbatimString) return value.toString();
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw unexpected("a string", value);
}

/** A double sent as a RESP3 double or as a bulk string ("inf", "-inf", "1.5"). */
export function score(value: RespValue): number {
  if (typeof value === "number") return value;
  const s = text(value);
  switch (s) {
    case "inf":
    case "+inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "nan":
      return NaN;
  }
  const n = Number(s);
  if (Number.isNaN(n)) throw unexpected("a number", value);
  return n;
}

export function scoreOrNull(value: RespValue): number | null {
  return value === null ? null : score(value);
}

export function array(value: RespValue): RespValue[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  throw unexpected("an array", value);
}

/** A RESP3 map, or a RESP2 flat array of keys and values, as a `Map`. */
export function map(value: RespValue): Map<RespValue, RespValue> {
  if (value instanceof Map) return value;
  const flat = array(value);
  const out = new Map<RespValue, RespValue>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
  return out;
}

/**
 * A counter's integer reply: a `number`, or with `exact` a `bigint`; a reply a `number` cannot
 * hold exactly rejects with a RangeError that names the option.
 */
export function integer(value: RespValue, exact: boolean | undefined): number | bigint {
  if (exact) {
    if (typeof value === "bigint") return value;
    if (typeof value === "number") return BigInt(value);
    throw unexpected("an integer", value);
  }
  if (typeof value === "number") return value;
  if (typeof value === "bigint") {
    throw new RangeError(
      `Reply ${value} is beyond Number.MAX_SAFE_INTEGER: pass { bigint: true } to get it exactly ` +
        "(the command did run)",
    );
  }
  throw unexpected("an integer", value);
}

function put(out: Record<string, RespValue>, key: string, value: RespValue): void {
  if (key === "__proto__") {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

/** A RESP3 map or a RESP2 flat array as a plain object (keys as text; `__proto__` is a key). */
export function record(value: RespValue): Record<string, RespValue> {
  const out: Record<string, RespValue> = {};
  if (value instanceof Map) {
    for (const [k, v] of value) put(out, text(k), v);
    return out;
  }
  const flat = array(value);
  for (let i = 0; i + 1 < flat.length; i += 2) put(out, text(flat[i]!), flat[i + 1]!);
  return out;
}

/** A map whose keys are names (decoded as text even when the call asked for bytes). */
export function namedMap(value: RespValue): Map<string, RespValue> {
  const out = new Map<string, RespValue>();
  for (const [k, v] of map(value)) out.set(text(k), v);
  return out;
}

/** A flat array `[a, b, a, b]` or an array of pairs `[[a, b], [a, b]]` as pairs. */
export function pairs(value: RespValue): [RespValue, RespValue][] {
  const list = array(value);
  const out: [RespValue, RespValue][] = [];
  if (list.length > 0 && Array.isArray(list[0])) {
    for (const pair of list) {
      const [a, b] = array(pair);
      out.push([a!, b!]);
    }
    return out;
  }
  for (let i = 0; i + 1 < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}

/** Members with scores, from a flat array or from RESP3's pairs. */
export function scored(value: RespValue): { member: RespValue; score: number }[] {
  return pairs(value).map(([member, s]) => ({ member, score: score(s) }));
}

export function bool(value: RespValue): boolean {
  return value === 1 || value === true;
}

export function bools(value: RespValue): boolean[] {
  return array(value).map(bool);
}

/** A reply of a shape the method does not know (a server version this code was not made for). */
export function unexpected(what: string, value: unknown): TypeError {
  const shown = value instanceof Uint8Array ? `${value.length} bytes` : String(value);
  return new TypeError(`Expected ${what} in the reply, got "${shown}"`);
}

/** Appends the entries as alternating keys and values. */
export function pushEntries(argv: RedisArgument[], entries: Entries): number {
  const before = argv.length;
  if (Symbol.iterator in entries) {
    for (const [k, v] of entries as Iterable<readonly [RedisArgument, RedisArgument]>) {
      argv.push(k, v);
    }
  } else {
    for (const k of Object.keys(entries)) argv.push(k, entries[k]!);
  }
  return (argv.length - before) / 2;
}

/** One argument or a list of them, appended. */
export function pushAll(
  argv: RedisArgument[],
  items: RedisArgument | readonly RedisArgument[],
): RedisArgument[] {
  if (Array.isArray(items)) {
    for (const item of items) argv.push(item);
  } else {
    argv.push(items as RedisArgument);
  }
  return argv;
}

/** The number of items, for NUMKEYS-style counts. */
export function count(items: RedisArgument | readonly RedisArgument[]): number {
  return Array.isArray(items) ? items.length : 1;
}
