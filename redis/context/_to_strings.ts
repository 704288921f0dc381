// Replies read with bytes, turned back into what the reader gives without `returnBuffers`.

import { ReplyDecodeError } from "../errors.ts";
import { MAX_STRING_LENGTH } from "../resp/_protocol.ts";
import { VerbatimString } from "../resp/types.ts";
import type { RespValue } from "../resp/types.ts";

const decoder = new TextDecoder();

/** The first string that could not be decoded while converting one value. */
interface Walk {
  undecodable: ReplyDecodeError | undefined;
}

/**
 * `value` with every byte string decoded as UTF-8, as the reader would have returned it without
 * `returnBuffers`. Used for replies read with bytes because something else on the connection
 * wanted them (an EXEC element, a reply read while subscribed, a push). A string too long for a
 * JavaScript string becomes a {@linkcode ReplyDecodeError} in its place (as the reader leaves it
 * in a push); never throws.
 */
export function toStrings(value: RespValue): RespValue {
  return convert(value, { undecodable: undefined });
}

/**
 * {@linkcode toStrings} for a reply to a command: a reply holding a string too long to decode
 * becomes that {@linkcode ReplyDecodeError} as a whole, as the reader returns it, so the command
 * rejects with it instead of resolving with an error inside its value.
 */
export function replyToStrings(value: RespValue): RespValue {
  const walk: Walk = { undecodable: undefined };
  const converted = convert(value, walk);
  return walk.undecodable ?? converted;
}

function convert(value: RespValue, walk: Walk): RespValue {
  if (value instanceof Uint8Array) return decode(value, "bulk string", walk);
  if (Array.isArray(value)) return value.map((element) => convert(element, walk));
  if (value instanceof Map) {
    const out = new Map<RespValue, RespValue>();
    for (const [key, entry] of value) out.set(convert(key, walk), convert(entry, walk));
    return out;
  }
  if (value instanceof Set) return new Set([...value].map((element) => convert(element, walk)));
  if (value instanceof VerbatimString && value.value instanceof Uint8Array) {
    const text = decode(value.value, "verbatim string", walk);
    return typeof text === "string" ? new VerbatimString(value.format, text) : text;
  }
  return value;
}

function decode(bytes: Uint8Array, what: string, walk: Walk): string | ReplyDecodeError {
  if (bytes.length <= MAX_STRING_LENGTH) return decoder.decode(bytes);
  try {
    return decoder.decode(bytes);
  } catch (error) {
    const undecodable = new ReplyDecodeError(
      `A ${what} of ${bytes.length} bytes is too long to decode as a JavaScript string: read ` +
        "it with returnBuffers",
      { cause: error },
    );
    walk.undecodable ??= undecodable;
    return undecodable;
  }
}
