// Replies read with bytes, turned back into what the reader gives without `returnBuffers`.

import { VerbatimString } from "../resp/types.ts";
import type { RespValue } from "../resp/types.ts";

const decoder = new TextDecoder();

/**
 * `value` with every byte string decoded as UTF-8, as the reader would have returned it without
 * `returnBuffers`. Used for replies read with bytes because something else on the connection
 * wanted them (an EXEC element, a reply read while subscribed, a push).
 */
export function toStrings(value: RespValue): RespValue {
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (Array.isArray(value)) return value.map(toStrings);
  if (value instanceof Map) {
    const out = new Map<RespValue, RespValue>();
    for (const [key, entry] of value) out.set(toStrings(key), toStrings(entry));
    return out;
  }
  if (value instanceof Set) return new Set([...value].map(toStrings));
  if (value instanceof VerbatimString && value.value instanceof Uint8Array) {
    return new VerbatimString(value.format, decoder.decode(value.value));
  }
  return value;
}
