// Reading the loosely typed values of CLUSTER SHARDS / CLUSTER SLOTS replies as dray's reader
// returns them: RESP3 maps or RESP2 flat arrays of name/value pairs, strings or (with
// `returnBuffers`) bytes, numbers or bigints. Every accessor throws InvalidTopologyError with the
// path of the offending value.

import { InvalidTopologyError } from "./errors.ts";

const decoder = new TextDecoder();

/** A string, or bytes decoded as UTF-8; `undefined` for anything else. */
export function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  return undefined;
}

/** A safe integer from a number or bigint reply; `undefined` for anything else. */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "bigint") {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : undefined;
  }
  return undefined;
}

/** Throws an InvalidTopologyError naming where the reply went wrong. */
export function invalid(path: string, what: string, value?: unknown): never {
  const shown = value === undefined ? "" : `, got ${describe(value)}`;
  throw new InvalidTopologyError(`Invalid topology reply at ${path}: ${what}${shown}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Map) return `a map of ${value.size}`;
  if (typeof value === "string") return `'${value.length > 40 ? value.slice(0, 40) + "…" : value}'`;
  return typeof value;
}

/** An array, or an InvalidTopologyError. */
export function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) invalid(path, "expected an array", value);
  return value;
}

/**
 * The name/value pairs of a RESP3 map or a RESP2 flat array, names decoded to strings. Later
 * duplicates win, as they would in a map.
 */
export function fieldsAt(value: unknown, path: string): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (value instanceof Map) {
    for (const [name, entry] of value) {
      const key = asText(name);
      if (key === undefined) invalid(path, "expected text field names", name);
      fields.set(key, entry);
    }
    return fields;
  }
  if (!Array.isArray(value) || value.length % 2 !== 0) {
    invalid(path, "expected a map or an even array of names and values", value);
  }
  for (let i = 0; i < value.length; i += 2) {
    const key = asText(value[i]);
    if (key === undefined) invalid(`${path}[${i}]`, "expected a text field name", value[i]);
    fields.set(key, value[i + 1]);
  }
  return fields;
}

/** A text field that must be present. */
export function requiredText(fields: Map<string, unknown>, name: string, path: string): string {
  const text = asText(fields.get(name));
  if (text === undefined) invalid(`${path}.${name}`, "expected text", fields.get(name));
  return text;
}

/** A text field that may be absent (`undefined`) or null (`null`). */
export function optionalText(
  fields: Map<string, unknown>,
  name: string,
  path: string,
): string | null | undefined {
  if (!fields.has(name)) return undefined;
  const value = fields.get(name);
  if (value === null) return null;
  const text = asText(value);
  if (text === undefined) invalid(`${path}.${name}`, "expected text or null", value);
  return text;
}

/** An integer field that may be absent. */
export function optionalInteger(
  fields: Map<string, unknown>,
  name: string,
  path: string,
): number | undefined {
  if (!fields.has(name)) return undefined;
  const integer = asInteger(fields.get(name));
  if (integer === undefined) invalid(`${path}.${name}`, "expected an integer", fields.get(name));
  return integer;
}

/** A port 1..65535, `undefined` for an absent field or 0 (no such listener). */
export function optionalPort(
  fields: Map<string, unknown>,
  name: string,
  path: string,
): number | undefined {
  const port = optionalInteger(fields, name, path);
  if (port === undefined || port === 0) return undefined;
  if (port < 0 || port > 65535) invalid(`${path}.${name}`, "expected a port", port);
  return port;
}

/** A slot number 0..16383. */
export function slotAt(value: unknown, path: string): number {
  const slot = asInteger(value);
  if (slot === undefined || slot < 0 || slot > 16383) invalid(path, "expected a slot", value);
  return slot;
}
